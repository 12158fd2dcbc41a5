// Calendar objects in the offline store (issue 5): with the proxy cut, one
// occurrence of a series is changed through the worker's local API; after
// reconnecting, the server (checked through its API as another session)
// holds a change exception for that occurrence and the series' other
// occurrences are unchanged. The page talks to /ajax/calendar directly
// with its session, as the App Suite UI would (calendar-ui.test.mjs drives
// the client's views). Every wait polls (up to 60 s); nothing asserts a
// duration.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startProxy, launch, Api, poll, loginThroughPage, workerControls, pageApi, syncNow, waitSynced, HAS_WORKER,
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

const HOUR = 3600000;
const DAY = 24 * HOUR;
// A Monday 09:00 UTC in the future: nothing is over, so nothing is skipped.
const START = Date.UTC(2031, 2, 3, 9, 0, 0);

describe('calendar offline', { skip }, () => {
  test('one occurrence changed offline reaches the server as a change exception', async () => {
    server.addUser('cora', 'cora-pw-1');
    const api = await Api.login(server.url, 'cora', 'cora-pw-1');
    const folder = await api.defaultFolder('calendar');
    const created = await api.ok('calendar', { action: 'new', timezone: 'UTC' }, {
      body: { folder_id: folder, title: 'Weekly sync', start_date: START, end_date: START + HOUR, timezone: 'UTC',
        recurrence_type: 2, days: 2, interval: 1, occurrences: 4, ignore_conflicts: true },
    });
    const series = Number(created.data.id);
    assert.ok(series > 0);

    const proxy = await startProxy(server.port);
    const { page, close } = await launch();
    closers.push(() => proxy.close(), close);
    await page.goto(proxy.url + '/');
    await poll(() => workerControls(page), { what: 'worker controls the page' });
    await loginThroughPage(page, proxy.url, 'cora', 'cora-pw-1');
    await waitSynced(page, 'first sync of cora');

    // The series is in the local store.
    const local = await pageApi(page, 'calendar', { action: 'get', id: String(series), folder: String(folder), timezone: 'UTC' });
    assert.equal(local.data?.title, 'Weekly sync', JSON.stringify(local));

    proxy.goOffline();
    const conns = proxy.stats.forwardedConnections;
    const moved = START + DAY * 7 + 2 * HOUR;
    const upd = await pageApi(page, 'calendar', {
      action: 'update', id: String(series), folder: String(folder), timezone: 'UTC', timestamp: String(local.timestamp),
    }, { title: 'Weekly sync (moved)', start_date: moved, end_date: moved + HOUR, recurrence_position: 2 });
    assert.ok(upd.data && Number(upd.data.id) < 0, `local change exception: ${JSON.stringify(upd)}`);
    const localExc = await pageApi(page, 'calendar', { action: 'getChangeExceptions', id: String(series), folder: String(folder),
      columns: '1,200,207' });
    assert.equal(localExc.data?.length, 1, JSON.stringify(localExc));
    assert.equal(proxy.stats.forwardedConnections, conns, 'no connection forwarded while offline');
    assert.equal(proxy.stats.bytesWhileOffline, 0, 'no byte forwarded while offline');

    proxy.goOnline();
    await syncNow(page);
    await waitSynced(page, 'push of the change exception');
    const exc = await poll(async () => {
      const r = await api.ok('calendar', { action: 'getChangeExceptions', id: String(series), folder: String(folder),
        columns: '1,200,207,201', timezone: 'UTC' });
      return r.data.length === 1 ? r.data : false;
    }, { what: 'change exception on the server' });
    assert.equal(exc[0][1], 'Weekly sync (moved)');
    assert.equal(Number(exc[0][2]), 2);
    assert.equal(Number(exc[0][3]), moved);
    for (const pos of [1, 3, 4]) {
      const occ = await api.ok('calendar', { action: 'get', id: String(series), folder: String(folder),
        recurrence_position: String(pos), timezone: 'UTC' });
      assert.equal(occ.data.title, 'Weekly sync', `occurrence ${pos}`);
      assert.equal(Number(occ.data.start_date), START + (pos - 1) * 7 * DAY, `occurrence ${pos} start`);
    }
    // Locally the exception now carries the server's id.
    const after = await pageApi(page, 'calendar', { action: 'getChangeExceptions', id: String(series), folder: String(folder),
      columns: '1,200,207' });
    assert.equal(Number(after.data?.[0]?.[0]), Number(exc[0][0]), JSON.stringify(after));
  });
});
