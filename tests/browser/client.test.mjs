// The client's offline views against scripted answers of module
// oxlite/sync (the worker's): the status indicator, the conflict list with
// both versions and the three ways to resolve, and the sign-out that asks
// before dropping unsent changes. Everything else goes to the real server.
// Service workers are blocked so the page's own requests are routed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, Api, poll, loginThroughPage, statusText, artefact } from './lib.mjs';

let server, browser, page, api, bobId, contactsFolder;
const sent = []; // bodies of resolve requests
let conflicts;
let logoutAnswers;

const json = (route, obj) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(obj) });

before(async () => {
  server = await startServer();
  server.addUser('alice', 'alice-pw-1');
  bobId = server.addUser('bob', 'bob-pw-1', ['--display-name', 'Bob Builder']);
  api = await Api.login(server.url, 'alice', 'alice-pw-1');
  contactsFolder = await api.defaultFolder('contacts');
  browser = await launch({ serviceWorkers: 'block' });
  page = browser.page;
  const when = Date.UTC(2030, 0, 2, 9, 30);
  conflicts = [
    {
      id: 7, module: 'contacts', object_id: 99, folder_id: contactsFolder, kind: 'field', field: 'telephone_business1',
      base: '000', local: '222', server: '111', server_modified_by: bobId, server_last_modified: when, created: when,
    },
    {
      id: 8, module: 'tasks', object_id: 5, folder_id: 1, kind: 'deleted_on_server',
      base: { title: 'Plan trip' }, local: { title: 'Plan trip', note: 'book hotel' }, server: null,
      server_modified_by: bobId, server_last_modified: when, created: when,
    },
  ];
  await page.route('**/ajax/oxlite/sync?*', async (route) => {
    const url = new URL(route.request().url());
    switch (url.searchParams.get('action')) {
      case 'state':
        return json(route, { data: { online: false, syncing: false, pending: 2, conflicts: conflicts.length, last_sync: 1, relogin: false, attached: true } });
      case 'conflicts':
        return json(route, { data: conflicts });
      case 'resolve': {
        const body = JSON.parse(route.request().postData() || '{}');
        sent.push(body);
        conflicts = conflicts.filter((c) => c.id !== body.id);
        return json(route, { data: conflicts });
      }
      default:
        return route.continue();
    }
  });
  logoutAnswers = [];
  await page.route('**/ajax/login?*', async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('action') === 'logout' && url.searchParams.get('force') !== 'true') {
      logoutAnswers.push('refused');
      return json(route, {
        error: 'Local changes are not on the server yet.', code: 'OXL-0011', category: 6, error_params: [],
        data: [
          { module: 'contacts', action: 'new', object_id: -1, title: 'Olga Offline' },
          { module: 'tasks', action: 'update', object_id: 5, title: 'Plan trip' },
        ],
      });
    }
    if (url.searchParams.get('action') === 'logout') logoutAnswers.push('forced');
    return route.continue();
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the indicator shows offline, pending changes and open conflicts', async () => {
  await loginThroughPage(page, server.url, 'alice', 'alice-pw-1');
  await poll(async () => (await statusText(page)) === 'Offline · 2 changes waiting to sync', { what: 'offline status' });
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'offline');
  const btn = page.getByRole('button', { name: /Conflicts/ });
  await btn.waitFor();
  assert.equal((await page.locator('#conflict-count').textContent()).trim(), '2');
});

test('a conflict shows both versions, who and when', async () => {
  await page.getByRole('button', { name: /Conflicts/ }).click();
  const field = page.locator('#conflict-list > li[data-conflict="7"]');
  await field.waitFor();
  const text = await field.textContent();
  assert.match(text, /Business phone/);
  for (const v of ['000', '111', '222', 'Bob Builder']) assert.ok(text.includes(v), `shows ${v}: ${text}`);
  assert.match(text, /2030/);
  const deleted = page.locator('#conflict-list > li[data-conflict="8"]');
  assert.match(await deleted.textContent(), /Plan trip/);
  assert.match(await deleted.textContent(), /deleted it on the server/);
  assert.match(await deleted.textContent(), /book hotel/);
  assert.doesNotMatch(await page.locator('#conflict-list').textContent(), /\[object /);
  assert.equal(await deleted.getByRole('button', { name: 'Restore my version' }).count(), 1);
  assert.equal(await deleted.getByRole('button', { name: 'Accept the deletion' }).count(), 1);
  await page.screenshot({ path: artefact('client-conflicts.png'), fullPage: true });
});

test('a merged value is sent as the resolution', async () => {
  const field = page.locator('#conflict-list > li[data-conflict="7"]');
  assert.equal(await field.getByLabel('Merged value').inputValue(), '222');
  await field.getByLabel('Merged value').fill('111 or 222');
  await field.getByRole('button', { name: 'Save merged' }).click();
  await field.waitFor({ state: 'detached' });
  assert.deepEqual(sent.at(-1), { id: 7, use: 'merged', value: '111 or 222' });
});

test('picking a side is sent as the resolution', async () => {
  const deleted = page.locator('#conflict-list > li[data-conflict="8"]');
  await deleted.getByRole('button', { name: 'Accept the deletion' }).click();
  await deleted.waitFor({ state: 'detached' });
  assert.deepEqual(sent.at(-1), { id: 8, use: 'server' });
  await page.locator('#conflicts-empty').waitFor();
  await page.getByRole('button', { name: 'Back' }).click();
  await page.locator('#app-view').waitFor();
});

test('sign-out with unsent changes lists them and asks first', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  const dialog = page.getByRole('dialog', { name: 'Changes not yet on the server' });
  await dialog.waitFor();
  const items = await page.locator('#logout-pending li').allTextContents();
  assert.deepEqual(items, ['new contact Olga Offline', 'changed task Plan trip']);
  await dialog.getByRole('button', { name: 'Stay signed in' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#app-view').isVisible(), true);
  assert.deepEqual(logoutAnswers, ['refused']);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Sign out and discard them' }).click();
  await page.getByLabel('User name').waitFor();
  assert.deepEqual(logoutAnswers, ['refused', 'refused', 'forced']);
});
