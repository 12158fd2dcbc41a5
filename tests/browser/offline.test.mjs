// The offline-first client (issue 5): the service worker answers from its
// local store while the proxy refuses every connection, keeps the data
// across a worker stop and a page reload, and on reconnect pushes every
// change to the server, merges what it can and shows the rest as
// conflicts. Checks of the server go through its API as another session.
// Every wait polls (up to 60 s); nothing asserts a duration.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startProxy, launch, Api, poll, loginThroughPage, itemButton, folderButton, statusText,
  stopWorkers, workerControls, pageApi, syncState, syncNow, waitSynced, artefact, HAS_WORKER, explainPage,
} from './lib.mjs';

const skip = HAS_WORKER ? false : 'web/dist/sw.js is not built (make wasm)';

let server;
const closers = [];

before(async () => {
  if (skip) return;
  server = await startServer();
  closers.push(() => server.stop());
});

after(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
});

// open starts a browser on a proxy of its own, signs in through the page
// and waits until the worker controls it and finished the first sync.
async function open(login, password) {
  const proxy = await startProxy(server.port);
  const b = await launch();
  closers.push(() => proxy.close(), () => b.close());
  await b.page.goto(proxy.url + '/');
  await poll(() => workerControls(b.page), { what: 'worker controls the page' });
  await loginThroughPage(b.page, proxy.url, login, password);
  await waitSynced(b.page, `first sync of ${login}`);
  return { ...b, proxy };
}

// offline cuts the browser's proxy and returns a check that nothing got
// through meanwhile.
function offline(proxy) {
  proxy.goOffline();
  const conns = proxy.stats.forwardedConnections;
  return () => {
    assert.equal(proxy.stats.forwardedConnections, conns, 'no connection forwarded while offline');
    assert.equal(proxy.stats.bytesWhileOffline, 0, 'no byte forwarded while offline');
  };
}

// save clicks Save and waits until that save finished (the form counts
// finished saves) without an error.
async function save(page, form) {
  const before = await page.locator(form).getAttribute('data-saves');
  await page.locator(form).getByRole('button', { name: 'Save' }).click();
  await poll(async () => (await page.locator(form).getAttribute('data-saves')) !== before &&
    (await page.locator(form).getAttribute('aria-busy')) !== 'true' &&
    (await page.locator(`${form} .error`).textContent()).trim() === '' &&
    (await page.locator(`${form} h2`).textContent()).startsWith('Edit'), { what: `${form} saved`, explain: () => explainPage(page) });
}

async function remove(page, form) {
  await page.locator(form).getByRole('button', { name: 'Delete' }).click();
  await page.locator(form).getByRole('button', { name: 'Confirm delete' }).click();
  await page.locator(form).waitFor({ state: 'hidden' });
}

async function openItem(page, text, field, value) {
  await itemButton(page, text).click();
  await poll(async () => (await page.getByLabel(field, { exact: true }).inputValue()) === value,
    { what: `${text} in the editor`, explain: () => explainPage(page) });
}

describe('offline', { skip }, () => {
  test('offline round trip: edits survive a worker stop and a reload, then reach the server', async () => {
    server.addUser('olga', 'olga-pw-1');
    const api = await Api.login(server.url, 'olga', 'olga-pw-1');
    const cf = await api.defaultFolder('contacts');
    const tf = await api.defaultFolder('tasks');
    const keep = await api.create('contacts', { folder_id: cf, first_name: 'Keep', last_name: 'Edited', email1: 'old@example.org' });
    const gone = await api.create('contacts', { folder_id: cf, first_name: 'To', last_name: 'Delete' });
    const task = await api.create('tasks', { folder_id: tf, title: 'Edit me offline', status: 1 });
    const taskGone = await api.create('tasks', { folder_id: tf, title: 'Delete me offline' });

    const { page, context, proxy } = await open('olga', 'olga-pw-1');
    const nothingForwarded = offline(proxy);

    // Contacts: create, edit, delete.
    await folderButton(page, cf).click();
    await page.getByRole('button', { name: 'New contact' }).click();
    await page.getByLabel('First name').fill('Olga');
    await page.getByLabel('Last name').fill('Offline');
    await page.getByLabel('Email').fill('olga@example.org');
    await save(page, '#contact-form');
    await openItem(page, 'Edited, Keep', 'Email', 'old@example.org');
    await page.getByLabel('Email').fill('new@example.org');
    await save(page, '#contact-form');
    await openItem(page, 'Delete, To', 'First name', 'To');
    await remove(page, '#contact-form');
    await poll(async () => /offline/i.test(await statusText(page)), { what: 'offline status' });

    // Tasks: create, edit, delete.
    await folderButton(page, tf).click();
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Title').fill('Made offline');
    await page.getByLabel('Due date').fill('2031-01-10');
    await save(page, '#task-form');
    await openItem(page, 'Edit me offline', 'Title', 'Edit me offline');
    await page.getByLabel('Status').selectOption({ label: 'Done' });
    await save(page, '#task-form');
    await openItem(page, 'Delete me offline', 'Title', 'Delete me offline');
    await remove(page, '#task-form');
    await poll(async () => (await syncState(page)).pending >= 6, { what: 'six changes pending' });
    assert.match(await statusText(page), /waiting to sync/);

    // A worker stop, then a reload of the page: both served locally.
    await stopWorkers(context, page);
    await page.reload();
    await folderButton(page, cf).waitFor();
    await folderButton(page, cf).click();
    await itemButton(page, 'Offline, Olga').waitFor();
    assert.equal(await itemButton(page, 'Delete, To').count(), 0);
    await openItem(page, 'Edited, Keep', 'Email', 'new@example.org');
    await folderButton(page, tf).click();
    await itemButton(page, 'Made offline').waitFor();
    assert.equal(await itemButton(page, 'Delete me offline').count(), 0);
    await page.screenshot({ path: artefact('offline.png') });
    nothingForwarded();
    assert.equal((await api.contacts(cf)).some((c) => c.last_name === 'Offline'), false, 'nothing reached the server yet');

    // Reconnect: everything reaches the server, once.
    proxy.goOnline();
    await syncNow(page);
    await poll(async () => {
      const cs = await api.contacts(cf);
      const ts = await api.tasks(tf);
      return cs.filter((c) => c.last_name === 'Offline').length === 1 &&
        cs.find((c) => c.id === keep)?.email1 === 'new@example.org' &&
        !cs.some((c) => c.id === gone) &&
        ts.filter((t) => t.title === 'Made offline').length === 1 &&
        ts.find((t) => t.id === task)?.status === 3 &&
        !ts.some((t) => t.id === taskGone);
    }, { what: 'all offline changes on the server' });
    const made = (await api.tasks(tf)).find((t) => t.title === 'Made offline');
    assert.equal(made.end_time, Date.UTC(2031, 0, 10));
    assert.equal(made.full_time, true);
    await waitSynced(page);
    await poll(async () => /all changes saved/.test(await statusText(page)), { what: 'status: all saved' });
    // The contact made offline is listed once, under its server id.
    const olga = (await api.contacts(cf)).find((c) => c.last_name === 'Offline');
    await folderButton(page, cf).click();
    await poll(async () => (await itemButton(page, 'Offline, Olga').count()) === 1 &&
      (await itemButton(page, 'Offline, Olga').getAttribute('data-id')) === String(olga.id), { what: 'server id listed' });
  });

  test('two browsers of one user: different fields merge, the same field becomes a visible conflict', async () => {
    server.addUser('tom', 'tom-pw-1');
    const api = await Api.login(server.url, 'tom', 'tom-pw-1');
    const cf = await api.defaultFolder('contacts');
    const sam = await api.create('contacts', { folder_id: cf, first_name: 'Sam', last_name: 'Shared', email1: 'sam@old.org', company: 'Old Inc' });
    const cody = await api.create('contacts', { folder_id: cf, first_name: 'Cody', last_name: 'Clash', telephone_business1: '000' });

    const one = await open('tom', 'tom-pw-1');
    const two = await open('tom', 'tom-pw-1');
    offline(one.proxy);
    offline(two.proxy);
    for (const [b, email, company, phone] of [[one, 'sam@one.org', null, '111'], [two, null, 'Two Inc', '222']]) {
      await folderButton(b.page, cf).click();
      await openItem(b.page, 'Shared, Sam', 'First name', 'Sam');
      if (email) await b.page.getByLabel('Email').fill(email);
      if (company) await b.page.getByLabel('Company').fill(company);
      await save(b.page, '#contact-form');
      await openItem(b.page, 'Clash, Cody', 'First name', 'Cody');
      await b.page.getByLabel('Business phone').fill(phone);
      await save(b.page, '#contact-form');
    }

    // One pushes first, then two.
    one.proxy.goOnline();
    await syncNow(one.page);
    await waitSynced(one.page, 'browser one pushed');
    two.proxy.goOnline();
    await syncNow(two.page);
    await poll(async () => {
      const s = await syncState(two.page);
      return s.pending === 0 && s.conflicts >= 1;
    }, { what: 'browser two pushed with a conflict' });

    const merged = await api.get('contacts', cf, sam);
    assert.equal(merged.email1, 'sam@one.org', 'one’s field kept');
    assert.equal(merged.company, 'Two Inc', 'two’s field merged');
    assert.equal((await api.get('contacts', cf, cody)).telephone_business1, '111', 'first push stands until resolved');

    // The conflict shows both versions in browser two.
    const page = two.page;
    await poll(async () => !(await page.locator('#conflicts-button').isHidden()), { what: 'conflicts button' });
    await page.locator('#conflicts-button').click();
    const item = page.locator('#conflict-list > li', { hasText: 'Business phone' });
    await item.waitFor();
    const text = await item.textContent();
    assert.match(text, /Clash, Cody|Cody/);
    assert.match(text, /111/);
    assert.match(text, /222/);
    assert.match(text, /000/);
    await page.screenshot({ path: artefact('conflicts.png') });
    // Nothing silently lost: the other merge produced no conflict.
    assert.equal(await page.locator('#conflict-list > li').count(), 1);

    // A merged value goes to the server.
    await item.getByLabel('Merged value').fill('111 / 222');
    await item.getByRole('button', { name: 'Save merged' }).click();
    await poll(async () => (await api.get('contacts', cf, cody)).telephone_business1 === '111 / 222', { what: 'merged value on the server' });
    await poll(async () => (await page.locator('#conflict-list > li').count()) === 0, { what: 'conflict closed' });
    await poll(async () => (await syncState(one.page)).conflicts === 0, { what: 'browser one has no conflict' });
  });

  test('another user’s changes arrive after reconnect', async () => {
    const ann = server.addUser('ann', 'ann-pw-1');
    const ben = server.addUser('ben', 'ben-pw-1');
    const annApi = await Api.login(server.url, 'ann', 'ann-pw-1');
    const benApi = await Api.login(server.url, 'ben', 'ben-pw-1');
    const team = await annApi.createFolder('Team', 'contacts');
    const f = await annApi.ok('folders', { action: 'get', id: String(team), tree: '1' });
    const rights = (2) | (2 << 7) | (2 << 14) | (2 << 21); // create objects, read/write/delete all
    await annApi.ok('folders', { action: 'update', id: String(team), timestamp: String(f.timestamp), tree: '1' }, {
      body: { permissions: [...f.data.permissions, { entity: ben, group: false, bits: rights }] },
    });
    assert.ok(ann > 0);
    const edited = await annApi.create('contacts', { folder_id: team, first_name: 'Ed', last_name: 'Changed' });
    const removed = await annApi.create('contacts', { folder_id: team, first_name: 'Rita', last_name: 'Removed' });

    const { page, proxy } = await open('ann', 'ann-pw-1');
    await folderButton(page, team).click();
    await itemButton(page, 'Changed, Ed').waitFor();
    const nothingForwarded = offline(proxy);

    await benApi.create('contacts', { folder_id: team, first_name: 'Nora', last_name: 'New' });
    await benApi.update('contacts', team, edited, { first_name: 'Edwin' });
    await benApi.ok('contacts', { action: 'delete', timestamp: '2116800000000' }, { body: [{ id: removed, folder: team }] });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await itemButton(page, 'Removed, Rita').waitFor();
    assert.equal(await itemButton(page, 'New, Nora').count(), 0);
    nothingForwarded();

    proxy.goOnline();
    await syncNow(page);
    await poll(async () => (await itemButton(page, 'New, Nora').count()) === 1 &&
      (await itemButton(page, 'Changed, Edwin').count()) === 1 &&
      (await itemButton(page, 'Removed, Rita').count()) === 0, { what: 'ben’s changes in ann’s client' });
  });

  test('a worker stopped while its push is in flight loses and doubles nothing', async () => {
    server.addUser('ida', 'ida-pw-1');
    const api = await Api.login(server.url, 'ida', 'ida-pw-1');
    const cf = await api.defaultFolder('contacts');
    const { page, context, proxy } = await open('ida', 'ida-pw-1');
    offline(proxy);
    await folderButton(page, cf).click();
    await page.getByRole('button', { name: 'New contact' }).click();
    await page.getByLabel('First name').fill('Ida');
    await page.getByLabel('Last name').fill('Inflight');
    await save(page, '#contact-form');

    // The push's create waits at the proxy, not yet at the server.
    proxy.holdRequests(/^PUT \/ajax\/contacts\?[^ ]*action=new/);
    proxy.goOnline();
    await page.evaluate(() => { window.__syncNow = fetch(`/ajax/oxlite/sync?action=now&session=${sessionStorage.getItem('oxlite.session')}`).catch(() => {}); });
    await poll(() => proxy.held === 1, { what: 'push in flight' });
    await stopWorkers(context, page);
    proxy.dropHeld();
    assert.equal((await api.contacts(cf)).some((c) => c.last_name === 'Inflight'), false);

    // The restarted worker pushes it once.
    await page.reload();
    await folderButton(page, cf).waitFor();
    await syncNow(page);
    await poll(async () => (await api.contacts(cf)).filter((c) => c.last_name === 'Inflight').length === 1 &&
      (await syncState(page)).pending === 0, { what: 'pushed once' });
    await folderButton(page, cf).click();
    await poll(async () => (await itemButton(page, 'Inflight, Ida').count()) === 1, { what: 'listed once' });
  });

  // The push of a `new` whose answer was lost must not create twice: the
  // syncer marks the entry as sent and finds its object by the uid it sent.
  test('a worker stopped after the server applied a push but before the answer doubles nothing', async () => {
    server.addUser('uma', 'uma-pw-1');
    const api = await Api.login(server.url, 'uma', 'uma-pw-1');
    const cf = await api.defaultFolder('contacts');
    const { page, context, proxy } = await open('uma', 'uma-pw-1');
    offline(proxy);
    await folderButton(page, cf).click();
    await page.getByRole('button', { name: 'New contact' }).click();
    await page.getByLabel('First name').fill('Uma');
    await page.getByLabel('Last name').fill('Unanswered');
    await save(page, '#contact-form');

    proxy.holdResponses(/^PUT \/ajax\/contacts\?[^ ]*action=new/);
    proxy.goOnline();
    await page.evaluate(() => { window.__syncNow = fetch(`/ajax/oxlite/sync?action=now&session=${sessionStorage.getItem('oxlite.session')}`).catch(() => {}); });
    await poll(() => proxy.heldAnswered, { what: 'server answered the held push' });
    await stopWorkers(context, page);
    proxy.dropHeld();
    assert.equal((await api.contacts(cf)).filter((c) => c.last_name === 'Unanswered').length, 1);

    await page.reload();
    await folderButton(page, cf).waitFor();
    await syncNow(page);
    await waitSynced(page, 'outbox drained');
    assert.equal((await api.contacts(cf)).filter((c) => c.last_name === 'Unanswered').length, 1, 'no duplicate on the server');
    await folderButton(page, cf).click();
    await poll(async () => (await itemButton(page, 'Unanswered, Uma').count()) === 1, { what: 'listed once' });
  });

  test('signing out with unsent changes lists them and asks first', async () => {
    server.addUser('lea', 'lea-pw-1');
    const api = await Api.login(server.url, 'lea', 'lea-pw-1');
    const cf = await api.defaultFolder('contacts');
    const { page, proxy } = await open('lea', 'lea-pw-1');
    offline(proxy);
    await folderButton(page, cf).click();
    await page.getByRole('button', { name: 'New contact' }).click();
    await page.getByLabel('Last name').fill('Unsent');
    await save(page, '#contact-form');

    await page.getByRole('button', { name: 'Sign out' }).click();
    const dialog = page.getByRole('dialog', { name: 'Changes not yet on the server' });
    await dialog.waitFor();
    assert.ok(await page.locator('#logout-pending li').count() >= 1);
    await dialog.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('#app-view').isVisible(), true);
    assert.equal((await syncState(page)).pending, 1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Sign out and discard them' }).click();
    await page.getByLabel('User name').waitFor();
    // Local data is gone: offline, a reload asks for the password again.
    await page.reload();
    await page.getByLabel('User name').waitFor();
    const r = await pageApi(page, 'contacts', { action: 'all', folder: String(cf), columns: '1,502' });
    assert.ok(!r.data || !r.data.some((row) => row[1] === 'Unsent'), `local data cleared: ${JSON.stringify(r)}`);
    proxy.goOnline();
    assert.equal((await api.contacts(cf)).some((c) => c.last_name === 'Unsent'), false);
  });
});
