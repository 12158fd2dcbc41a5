// The service worker host itself (wasm/ with tag offline, web/offline/sw.js), driven through
// fetch from a page rather than the client's UI: it boots, answers /ajax
// from its local store with the network cut, keeps what was written
// through it across a forced worker stop (the store is restored from
// IndexedDB, the wasm from the cache), answers CONNECTIVITY (OXL-0010)
// for modules it does not hold while the server is unreachable, and
// pushes on reconnect. A second test restores a store of about 5 MB and
// prints the restart, restore and commit figures.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, startProxy, launch, Api, poll, stopWorkers, workerControls, pageApi, syncState, syncNow,
  waitSynced, HAS_WORKER,
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

// open starts a browser on its own proxy and waits until the worker
// controls a page of the origin.
async function open() {
  const proxy = await startProxy(server.port);
  const b = await launch();
  closers.push(() => proxy.close(), async () => {
    if (process.exitCode || process.env.OXLITE_LOGS) console.log(b.logs.join('\n'));
    await b.close();
  });
  await b.page.goto(proxy.url + '/');
  await poll(() => workerControls(b.page), { what: 'worker controls the page' });
  return { ...b, proxy };
}

// login signs in through the worker with the OX form login and keeps the
// session where the helpers of lib.mjs look for it.
async function login(page, name, password) {
  const r = await page.evaluate(async ({ name, password }) => {
    const body = new URLSearchParams({ name, password, client: 'open-xchange-appsuite' });
    const res = await fetch('/ajax/login?action=login', { method: 'POST', body });
    const j = await res.json();
    if (j.session) sessionStorage.setItem('oxlite.session', j.session);
    return j;
  }, { name, password });
  assert.ok(r.session, `login: ${JSON.stringify(r)}`);
  return r;
}

// timed sends one request from the page and returns its answer and the
// milliseconds it took.
function timed(page, module, params, body) {
  return page.evaluate(async ({ module, params, body }) => {
    const q = new URLSearchParams(params);
    q.set('session', sessionStorage.getItem('oxlite.session'));
    const init = { cache: 'no-store' };
    if (body !== undefined) {
      init.method = 'PUT';
      init.body = JSON.stringify(body);
    }
    const t0 = performance.now();
    const res = await fetch(`/ajax/${module}?${q}`, init);
    const j = await res.json();
    return { ms: performance.now() - t0, answer: j };
  }, { module, params, body });
}

function lastNames(answer) {
  assert.ok(Array.isArray(answer.data), `answer: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer.data.map((row) => row[1]);
}

// bootStats reads what the worker measured while restoring its store.
async function bootStats(context) {
  const sw = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
  return sw ? sw.evaluate(() => self.oxliteBootStats || null).catch(() => null) : null;
}

describe('service worker host', { skip }, () => {
  test('boots, answers locally offline, keeps writes across a worker stop, answers CONNECTIVITY for remote modules', async () => {
    server.addUser('wendy', 'wendy-pw-1');
    const api = await Api.login(server.url, 'wendy', 'wendy-pw-1');
    const cf = await api.defaultFolder('contacts');
    await api.create('contacts', { folder_id: cf, first_name: 'Sally', last_name: 'Server' });

    const { page, context, proxy } = await open();
    // The worker tells its pages when the sync state changes.
    await page.evaluate(() => {
      window.__oxliteMessages = [];
      navigator.serviceWorker.addEventListener('message', (e) => window.__oxliteMessages.push(e.data));
    });
    await login(page, 'wendy', 'wendy-pw-1');
    await waitSynced(page, 'first sync');
    assert.equal((await syncState(page)).attached, true);

    // The network is cut: the worker answers from its store.
    proxy.goOffline();
    const conns = proxy.stats.forwardedConnections;
    const cols = { action: 'all', folder: String(cf), columns: '1,502' };
    assert.deepEqual(lastNames(await pageApi(page, 'contacts', cols)), ['Server']);
    const made = await pageApi(page, 'contacts', { action: 'new' }, { folder_id: cf, first_name: 'Otto', last_name: 'Offline' });
    assert.ok(made.data && made.data.id < 0, `offline create: ${JSON.stringify(made)}`);
    assert.equal((await syncState(page)).pending, 1);
    await poll(() => page.evaluate(() => window.__oxliteMessages.some((m) => m.type === 'oxlite-sync' &&
      m.state.pending === 1 && m.state.attached)), { what: 'a state message with the pending change' });

    // Modules the worker does not hold: CONNECTIVITY.
    const quota = await pageApi(page, 'quota', { action: 'filestore' });
    assert.equal(quota.code, 'OXL-0010', JSON.stringify(quota));
    assert.equal(quota.categories, 'CONNECTIVITY');
    assert.equal(quota.category, 6);

    // A forced stop (the idle stop, which DevTools prevents): the next
    // request starts the worker again from the cached wasm and the store
    // restored from IndexedDB.
    await stopWorkers(context, page);
    const after = await timed(page, 'contacts', cols);
    assert.deepEqual(lastNames(after.answer).sort(), ['Offline', 'Server']);
    console.log(`restart after a forced stop to the first local answer (offline, small store): ${after.ms.toFixed(0)} ms;`,
      `worker: ${JSON.stringify(await bootStats(context))}`);
    assert.equal((await syncState(page)).pending, 1, 'the outbox survived');
    assert.equal(proxy.stats.forwardedConnections, conns, 'nothing reached the server while offline');
    assert.equal((await api.contacts(cf)).some((c) => c.last_name === 'Offline'), false);

    // Reconnect: the change reaches the server once.
    proxy.goOnline();
    await syncNow(page);
    await poll(async () => (await api.contacts(cf)).filter((c) => c.last_name === 'Offline').length === 1,
      { what: 'offline contact on the server' });
    await waitSynced(page, 'outbox drained');
    // Forwarded when online.
    const q2 = await pageApi(page, 'quota', { action: 'filestore' });
    assert.ok(!q2.error, JSON.stringify(q2));

    // A second stop with the network up: still restored, now under the
    // server's id.
    await stopWorkers(context, page);
    const names = lastNames(await pageApi(page, 'contacts', cols));
    assert.deepEqual(names.sort(), ['Offline', 'Server']);
  });

  test('a store of about 5 MB: restart, restore and commit figures', async () => {
    server.addUser('rita', 'rita-pw-1');
    const api = await Api.login(server.url, 'rita', 'rita-pw-1');
    const cf = await api.defaultFolder('contacts');
    await api.importVCards(cf, 8000);

    const { page, context } = await open();
    await login(page, 'rita', 'rita-pw-1');
    const t0 = Date.now();
    await waitSynced(page, 'initial sync of 8,000 contacts');
    const initial = Date.now() - t0;
    const n = await pageApi(page, 'contacts', { action: 'all', folder: String(cf), columns: '1' });
    assert.equal(n.data.length, 8000);

    const restarts = [];
    let stats;
    for (let i = 0; i < 3; i++) {
      await stopWorkers(context, page);
      const r = await timed(page, 'contacts', { action: 'all', folder: String(cf), columns: '1,502', left_hand_limit: '0', right_hand_limit: '50' });
      assert.equal(r.answer.data.length, 50);
      restarts.push(r.ms);
      stats = await bootStats(context);
    }
    assert.ok(stats && stats.bytes > 3e6, `store size ${JSON.stringify(stats)}`);

    // Commit cost: an update of one contact through the worker, stored
    // in IndexedDB before it answers.
    const first = n.data[0][0];
    const got = await pageApi(page, 'contacts', { action: 'get', id: String(first), folder: String(cf) });
    let ts = got.timestamp;
    const sw = context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
    const storeStats = () => sw.evaluate(() => self.oxliteStoreStats());
    const before = await storeStats();
    const commits = [];
    for (let i = 0; i < 21; i++) {
      const r = await timed(page, 'contacts', { action: 'update', id: String(first), folder: String(cf), timestamp: String(ts) },
        { note: `commit ${i}` });
      assert.ok(!r.answer.error, JSON.stringify(r.answer));
      ts = r.answer.timestamp;
      if (i > 0) commits.push(r.ms);
    }
    const stored = await storeStats();
    const syncs = Math.max(1, stored.syncs - before.syncs);
    const perCommit = (stored.chunks - before.chunks) / syncs;
    const flushMs = (stored.flush_ms - before.flush_ms) / syncs;
    const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(`5 MB store: ${(stats.bytes / 1e6).toFixed(2)} MB, initial sync of 8,000 contacts ${initial} ms;`,
      `restart to first local answer ${restarts.map((x) => x.toFixed(0)).join(', ')} ms;`,
      `IndexedDB read ${stats.idb_ms.toFixed(1)} ms (${stats.preloaded ? 'while the wasm compiled' : 'after the boot'}),`,
      `restore into Go ${stats.restore_ms} ms after the lock, open ${stats.open_ms} ms;`,
      `local update incl. IndexedDB commit median ${med(commits).toFixed(1)} ms,`,
      `${perCommit.toFixed(1)} chunks stored per commit, ${flushMs.toFixed(1)} ms of it in IndexedDB`);
  });
});
