// The web client against a reachable server: sign in through the page,
// create, edit and delete contacts and tasks with the UI, and check through
// the API (another session, from Node) that the server has the result.
// With the worker built these run through it; the checks poll, so a
// change that reaches the server a sync later passes too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, startProxy, launch, Api, poll, loginThroughPage, itemButton, folderButton,
  statusText, artefact, pngSize, HAS_WORKER, explainPage,
} from './lib.mjs';

let server, proxy, browser, api, page, contactsFolder, tasksFolder;

before(async () => {
  server = await startServer();
  server.addUser('alice', 'alice-pw-1', ['--first-name', 'Alice', '--last-name', 'Doe']);
  proxy = await startProxy(server.port);
  api = await Api.login(server.url, 'alice', 'alice-pw-1');
  contactsFolder = await api.defaultFolder('contacts');
  tasksFolder = await api.defaultFolder('tasks');
  browser = await launch();
  page = browser.page;
});

after(async () => {
  if (process.exitCode && browser) console.log(browser.logs.join('\n'));
  await browser?.close();
  await proxy?.close();
  await server?.stop();
});

test('a wrong password shows an error and no session', async () => {
  await page.goto(proxy.url + '/');
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password', { exact: true }).fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(async () => (await page.locator('#login-error').textContent()).trim() !== '', { what: 'login error' });
  assert.equal(await page.locator('#app-view').isHidden(), true);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('oxlite.session')), null);
});

test('login through the page shows the folders', async () => {
  await loginThroughPage(page, proxy.url, 'alice', 'alice-pw-1');
  await folderButton(page, contactsFolder).waitFor();
  await folderButton(page, tasksFolder).waitFor();
  assert.match(await page.locator('#who').textContent(), /alice/);
  const sid = await page.evaluate(() => sessionStorage.getItem('oxlite.session'));
  assert.ok(sid, 'session id kept in sessionStorage');
  await poll(async () => /online/i.test(await statusText(page)), { what: 'online status' });
  if (!HAS_WORKER) assert.equal((await statusText(page)).trim(), 'Online, no offline support');
});

test('a contact created, edited and deleted in the client reaches the server', async () => {
  await folderButton(page, contactsFolder).click();
  await page.getByRole('button', { name: 'New contact' }).click();
  await page.getByLabel('First name').fill('Carol');
  await page.getByLabel('Last name').fill('Zeta');
  await page.getByLabel('Email').fill('carol@example.org');
  await page.getByLabel('Company').fill('Acme');
  await page.locator('#contact-form').getByRole('button', { name: 'Save' }).click();
  await itemButton(page, 'Zeta, Carol').waitFor();

  const created = await poll(async () => (await api.contacts(contactsFolder)).find((c) => c.last_name === 'Zeta'),
    { what: 'contact on the server' });
  assert.equal(created.first_name, 'Carol');
  assert.equal(created.email1, 'carol@example.org');
  assert.equal(created.company, 'Acme');

  await itemButton(page, 'Zeta, Carol').click();
  await poll(async () => (await page.getByLabel('Email').inputValue()) === 'carol@example.org', { what: 'editor filled' });
  await page.getByLabel('Email').fill('carol.zeta@example.org');
  await page.getByLabel('Company').fill('');
  await page.getByLabel('Mobile phone').fill('+49 170 1234567');
  await page.locator('#contact-form').getByRole('button', { name: 'Save' }).click();
  await poll(async () => {
    const c = (await api.contacts(contactsFolder)).find((x) => x.last_name === 'Zeta');
    return c && c.email1 === 'carol.zeta@example.org' && c.company == null && c.cellular_telephone1 === '+49 170 1234567';
  }, { what: 'edited contact on the server', explain: () => explainPage(page) });
  // Fields nobody touched stay as they were.
  const edited = (await api.contacts(contactsFolder)).find((x) => x.last_name === 'Zeta');
  assert.equal(edited.first_name, 'Carol');
  assert.equal(edited.id, created.id);

  await itemButton(page, 'Zeta, Carol').click();
  await page.locator('#contact-form').getByRole('button', { name: 'Delete' }).click();
  await page.locator('#contact-form').getByRole('button', { name: 'Confirm delete' }).click();
  await itemButton(page, 'Zeta, Carol').waitFor({ state: 'detached' });
  await poll(async () => !(await api.contacts(contactsFolder)).some((c) => c.last_name === 'Zeta'),
    { what: 'contact deleted on the server' });
});

test('a task created, edited and deleted in the client reaches the server', async () => {
  await folderButton(page, tasksFolder).click();
  await page.getByRole('button', { name: 'New task' }).click();
  await page.getByLabel('Title').fill('Write the report');
  await page.locator('#task-form').getByLabel('Note').fill('two pages');
  await page.getByLabel('Priority').selectOption({ label: 'High' });
  await page.getByLabel('Due date').fill('2030-03-15');
  await page.locator('#task-form').getByRole('button', { name: 'Save' }).click();
  await itemButton(page, 'Write the report').waitFor();

  const created = await poll(async () => (await api.tasks(tasksFolder)).find((t) => t.title === 'Write the report'),
    { what: 'task on the server' });
  assert.equal(created.note, 'two pages');
  assert.equal(created.priority, 3);
  assert.equal(created.status, 1);
  assert.equal(created.full_time, true);
  assert.equal(created.end_time, Date.UTC(2030, 2, 15));

  await itemButton(page, 'Write the report').click();
  await poll(async () => (await page.getByLabel('Title').inputValue()) === 'Write the report', { what: 'task editor filled' });
  assert.equal(await page.getByLabel('Due date').inputValue(), '2030-03-15');
  await page.getByLabel('Status').selectOption({ label: 'In progress' });
  await page.getByLabel('Title').fill('Write the final report');
  await page.getByLabel('Due date').fill('2030-03-20');
  await page.getByLabel('Due time').fill('14:30');
  await page.locator('#task-form').getByRole('button', { name: 'Save' }).click();
  const wantEnd = await page.evaluate(() => new Date(2030, 2, 20, 14, 30).getTime());
  await poll(async () => {
    const t = (await api.tasks(tasksFolder)).find((x) => x.id === created.id);
    return t && t.title === 'Write the final report' && t.status === 2 && t.full_time === false && t.end_time === wantEnd;
  }, { what: 'edited task on the server', explain: () => explainPage(page) });
  const edited = await api.get('tasks', tasksFolder, created.id);
  assert.equal(edited.note, 'two pages');
  assert.equal(edited.priority, 3);

  await itemButton(page, 'Write the final report').click();
  await page.locator('#task-form').getByRole('button', { name: 'Delete' }).click();
  await page.locator('#task-form').getByRole('button', { name: 'Confirm delete' }).click();
  await itemButton(page, 'Write the final report').waitFor({ state: 'detached' });
  await poll(async () => !(await api.tasks(tasksFolder)).some((t) => t.id === created.id),
    { what: 'task deleted on the server' });
});

test('changes made elsewhere show after a refresh', async () => {
  await api.create('contacts', { folder_id: contactsFolder, first_name: 'Dan', last_name: 'Outside' });
  await folderButton(page, contactsFolder).click();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await poll(async () => (await itemButton(page, 'Outside, Dan').count()) === 1, { what: 'contact from elsewhere listed' });
});

test('an edit of a version changed elsewhere merges other fields and shows a clash on the same field', async () => {
  const id = await api.create('contacts', { folder_id: contactsFolder, first_name: 'Eve', last_name: 'Stale' });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await itemButton(page, 'Stale, Eve').click();
  await poll(async () => (await page.getByLabel('First name').inputValue()) === 'Eve', { what: 'editor filled' });
  await api.update('contacts', contactsFolder, id, { company: 'Changed elsewhere', note: 'theirs' });
  // Different fields: saved at once, nothing of the other change lost.
  await page.getByLabel('Email').fill('eve@example.org');
  await page.locator('#contact-form').getByRole('button', { name: 'Save' }).click();
  await poll(async () => {
    const c = await api.get('contacts', contactsFolder, id);
    return c.email1 === 'eve@example.org' && c.company === 'Changed elsewhere' && c.note === 'theirs';
  }, { what: 'both changes on the server' });
  await poll(async () => (await page.getByLabel('Company').inputValue()) === 'Changed elsewhere', { what: 'editor shows the merged version' });

  // The same field: the person's input is kept and the clash is named.
  await api.update('contacts', contactsFolder, id, { note: 'theirs again' });
  await page.locator('#contact-form').getByLabel('Note').fill('mine');
  await page.locator('#contact-form').getByRole('button', { name: 'Save' }).click();
  if (!HAS_WORKER) {
    // The native server refuses the old timestamp at once; through the
    // worker the local save succeeds and the syncer decides (offline tests).
    await poll(async () => /changed Note/.test(await page.locator('#contact-form .error').textContent()), { what: 'clash message' });
    assert.equal(await page.locator('#contact-form').getByLabel('Note').inputValue(), 'mine');
    assert.equal((await api.get('contacts', contactsFolder, id)).note, 'theirs again');
    await page.locator('#contact-form').getByRole('button', { name: 'Save' }).click();
    await poll(async () => (await api.get('contacts', contactsFolder, id)).note === 'mine', { what: 'second save applied' });
  }
});

test('a reload continues the session', async () => {
  await page.reload();
  await folderButton(page, contactsFolder).waitFor({ timeout: 60000 });
  assert.equal(await page.locator('#login-view').isHidden(), true);
});

test('the client looks right (screenshot)', async () => {
  await api.create('contacts', { folder_id: contactsFolder, first_name: 'Frank', last_name: 'Miller', email1: 'frank@example.org', company: 'Miller & Sons' });
  await api.create('tasks', { folder_id: tasksFolder, title: 'Book the venue', status: 2, priority: 2, end_time: Date.UTC(2030, 5, 1), full_time: true });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await itemButton(page, 'Miller, Frank').click();
  await poll(async () => (await page.getByLabel('Company').inputValue()) === 'Miller & Sons', { what: 'editor filled' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling');
  const file = artefact('client-contacts.png');
  const png = await page.screenshot({ path: file });
  assert.deepEqual(pngSize(png), { width: 1280, height: 800 });
  assert.ok(readFileSync(file).length > 10000, 'screenshot has content');
  await folderButton(page, tasksFolder).click();
  await itemButton(page, 'Book the venue').click();
  await poll(async () => (await page.getByLabel('Title').inputValue()) === 'Book the venue', { what: 'task editor filled' });
  await page.screenshot({ path: artefact('client-tasks.png') });
});

test('sign out returns to the login form and ends the session', async () => {
  // A probe with the browser's session, cookies and User-Agent works
  // before the sign-out and is refused after it.
  const probe = new Api(server.url);
  probe.session = await page.evaluate(() => sessionStorage.getItem('oxlite.session'));
  probe.userAgent = await page.evaluate(() => navigator.userAgent);
  for (const c of await browser.context.cookies(proxy.url)) probe.cookies.set(c.name, c.value);
  const folders = () => probe.request('folders', { action: 'allVisible', content_type: 'contacts', tree: '1', columns: '1' });
  const before = await folders();
  assert.ok(before.data, `probe works before sign-out: ${JSON.stringify(before)}`);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('User name').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('oxlite.session')), null);
  await poll(async () => {
    const r = await folders();
    return typeof r.code === 'string' && r.code.startsWith('SES-');
  }, { what: 'session gone on the server' });
  await page.reload();
  await page.getByLabel('User name').waitFor();
});
