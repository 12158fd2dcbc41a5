// Browser benchmark (DESIGN.md §6), run by `make bench`:
//   - a 50-row contact list answered by the service worker vs the same
//     request to the native server over loopback from a page on an origin
//     without a worker (median of 300, same run);
//   - worker restart (CDP ServiceWorker.stopAllWorkers) to the first local
//     answer with a ~5 MB store;
//   - the cost of a local write (its IndexedDB commit);
//   - the initial sync of 10,000 contacts;
//   - push and pull of 10 changes with 1,000 vs 100,000 objects stored.
// Each figure with a target prints its baseline beside it. Without the
// worker build (web/dist/sw.js) only the native figures run.
//
// Environment: BENCH_N (requests per latency figure, 300), BENCH_HUGE
// (objects of the big push/pull store, 100000), BENCH_ROUNDS (restarts,
// 3), BENCH_SYNC_ROUNDS (push/pull rounds, 9: one round is a few hundred
// ms and its median moved by ±0.3 in the ratio with 3), BENCH_QUIET_MS
// (wait before each timed push/pull, past the worker's own 2 s debounce,
// 2500),
// BENCH_ONLY (comma-separated figures to run: list, restart, writes,
// sync; all when unset — `BENCH_ONLY=list,restart` gives the two worker
// targets in a few minutes).
import {
  startServer, startProxy, launch, Api, poll, loginThroughPage, stopWorkers, workerControls, HAS_WORKER, CLIENT, sleep,
} from './lib.mjs';

const N = Number(process.env.BENCH_N || 300);
const HUGE = Number(process.env.BENCH_HUGE || 100000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const SYNC_ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS || 9);
const QUIET = Number(process.env.BENCH_QUIET_MS || 2500);
const LONG = 30 * 60 * 1000; // bulk syncs on a 2-core box: generous, never asserted
const COLS = '20,1,101,500,501,502,505,520,524,555,556,557,569,592,602,606,607,5,2';
const ONLY = (process.env.BENCH_ONLY || '').split(',').map((s) => s.trim()).filter(Boolean);
const want = (figure) => ONLY.length === 0 || ONLY.includes(figure);

const ms = (x) => `${x.toFixed(2)}ms`;
const sec = (x) => `${(x / 1000).toFixed(2)}s`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function line(name, figure, note = '') {
  console.log(`${name.padEnd(46)} ${figure.padStart(22)}   ${note}`);
}

// pageLogin signs in with fetch from the page's origin and returns the
// session (used on the origin without a worker, where no client runs).
function pageLogin(page, name, password) {
  return page.evaluate(async ({ name, password, client }) => {
    const r = await fetch('/ajax/login?action=login', {
      method: 'POST', body: new URLSearchParams({ action: 'login', name, password, client }),
    });
    const j = await r.json();
    if (!j.session) throw new Error(JSON.stringify(j));
    return j.session;
  }, { name, password, client: CLIENT });
}

// latency measures sequential fetch()+json() round trips in the page.
function latency(page, path, { n = N, warm = 20, method = 'GET', body } = {}) {
  return page.evaluate(async ({ path, n, warm, method, body }) => {
    const once = async (i) => {
      const t0 = performance.now();
      const r = await fetch(path.replace('{i}', i), {
        method, body, cache: 'no-store', headers: body ? { 'Content-Type': 'application/json' } : {},
      });
      const j = await r.json();
      const t = performance.now() - t0;
      if (j && j.error) throw new Error(`${j.code} ${j.error}`);
      return t;
    };
    for (let i = 0; i < warm; i++) await once(i);
    const xs = [];
    for (let i = 0; i < n; i++) xs.push(await once(warm + i));
    xs.sort((a, b) => a - b);
    return { median: xs[Math.floor(n / 2)], p90: xs[Math.floor(n * 0.9)], p95: xs[Math.floor(n * 0.95)] };
  }, { path, n, warm, method, body });
}

// local runs one API request from the page (through the worker when it
// controls the page) and returns the parsed answer.
function local(page, path, init) {
  return page.evaluate(async ({ path, init }) => {
    const r = await fetch(path, { cache: 'no-store', ...init });
    const t = await r.text();
    return t ? JSON.parse(t) : {};
  }, { path, init });
}

async function syncState(page, session) {
  const r = await local(page, `/ajax/oxlite/sync?action=state&session=${session}`);
  return r.data || {};
}

const pendingOf = (s) => Number(Array.isArray(s.pending) ? s.pending.length : s.pending ?? s.outbox ?? 0);

async function main() {
  console.log(`oxlite browser bench: ${N} requests per latency figure, ${ROUNDS} restarts, ${SYNC_ROUNDS} push/pull rounds, Chromium ${HAS_WORKER ? 'with' : 'WITHOUT'} the worker build\n`);
  const server = await startServer();
  const cleanup = [() => server.stop()];
  try {
    server.addUser('bench', 'bench-pw-1');
    const api = await Api.login(server.url, 'bench', 'bench-pw-1');
    const small = await api.createFolder('Bench 50', 'contacts');
    await api.importVCards(small, 50);
    const big = await api.createFolder('Bench 10k', 'contacts');
    await api.importVCards(big, 10000, 1000);
    const list50 = (session) => `/ajax/contacts?action=all&folder=${small}&columns=${COLS}&sort=607&order=asc&session=${session}`;

    // Native: a page on an origin that never registered a worker. It uses
    // `localhost` so its cookies do not mix with the 127.0.0.1 proxy origin.
    const nb = await launch();
    cleanup.unshift(() => nb.close());
    await nb.page.goto(`http://localhost:${server.port}/no-worker-here`);
    const nSession = await pageLogin(nb.page, 'bench', 'bench-pw-1');
    const native = await latency(nb.page, list50(nSession));
    line('contacts all 50, native (no-worker origin)', `${ms(native.median)} p90 ${ms(native.p90)}`, 'baseline');
    if (want('writes')) {
      const writes = await api.createFolder('Bench writes', 'contacts');
      const nativeNew = await latency(nb.page, `/ajax/contacts?action=new&session=${nSession}&i={i}`, {
        n: 100, warm: 5, method: 'PUT', body: JSON.stringify({ folder_id: writes, last_name: 'Native' }),
      });
      line('contacts new, native', `${ms(nativeNew.median)} p90 ${ms(nativeNew.p90)}`, 'reported alone');
    }

    if (!HAS_WORKER) {
      line('service worker figures', 'skipped', 'web/dist/sw.js is not built (make wasm)');
      return;
    }

    // The worker origin: the proxy in front of the same server.
    const proxy = await startProxy(server.port);
    cleanup.unshift(() => proxy.close());
    const wb = await launch();
    cleanup.unshift(() => wb.close());
    const page = wb.page;
    await page.goto(proxy.url + '/');
    await poll(() => workerControls(page), { timeout: LONG, what: 'worker controls the page' });
    const t0 = Date.now();
    await loginThroughPage(page, proxy.url, 'bench', 'bench-pw-1');
    const session = await page.evaluate(() => sessionStorage.getItem('oxlite.session'));
    await poll(async () => {
      const s = await syncState(page, session);
      if (!s.last_sync || pendingOf(s) !== 0) return false;
      const r = await local(page, `/ajax/contacts?action=all&folder=${big}&columns=1&session=${session}`);
      return Array.isArray(r.data) && r.data.length === 10000;
    }, { timeout: LONG, interval: 50, what: 'initial sync of 10,000 contacts' });
    line('initial sync 10,000 contacts (login → local)', sec(Date.now() - t0), 'reported alone');

    if (want('list')) {
      // The native figure again, right before the worker's (load drifts on
      // a shared 2-core box); the lower of the two is the baseline.
      const nativeAgain = await latency(nb.page, list50(nSession));
      const base = Math.min(native.median, nativeAgain.median);
      const sw = await latency(page, list50(session));
      const limit = Math.max(base * 1.25, base + 2);
      line('contacts all 50, native again', `${ms(nativeAgain.median)} p90 ${ms(nativeAgain.p90)}`, 'baseline');
      line('contacts all 50, worker (local)', `${ms(sw.median)} p90 ${ms(sw.p90)}`,
        `native ${ms(base)}; target ≤ ${ms(limit)} (1.25× or +2ms): ${sw.median <= limit ? 'met' : 'MISSED'}`);
    }

    // A local write's cost is dominated by its IndexedDB commit; the local
    // read of the same object is printed beside it. Offline, so pushes
    // do not compete.
    if (want('writes')) {
      const ids = (await local(page, `/ajax/contacts?action=all&folder=${small}&columns=1&session=${session}`)).data.map((r) => r[0]);
      proxy.goOffline();
      const get = await latency(page, `/ajax/contacts?action=get&folder=${small}&id=${ids[0]}&session=${session}`, { n: 100, warm: 5 });
      const upd = await latency(page, `/ajax/contacts?action=update&folder=${small}&id=${ids[0]}&timestamp=2116800000000&session=${session}&i={i}`,
        { n: 100, warm: 5, method: 'PUT', body: JSON.stringify({ note: 'commit cost' }) });
      line('contacts update, worker (IndexedDB commit)', `${ms(upd.median)} p90 ${ms(upd.p90)}`, `local get ${ms(get.median)}; reported alone`);
      proxy.goOnline();
      await local(page, `/ajax/oxlite/sync?action=now&session=${session}`);
      await poll(async () => pendingOf(await syncState(page, session)) === 0, { timeout: LONG, what: 'outbox drained' });
    }

    // Restart: stop the worker, then the first local answer.
    // The store's size: IndexedDB only (the cache holds the client and
    // the wasm besides).
    const usage = await page.evaluate(async () => {
      const e = await navigator.storage.estimate();
      return (e.usageDetails && e.usageDetails.indexedDB) || e.usage;
    });
    const restarts = [];
    for (let i = 0; i < (want('restart') ? ROUNDS : 0); i++) {
      await stopWorkers(wb.context, page);
      restarts.push(await page.evaluate(async (path) => {
        const t = performance.now();
        const r = await fetch(path, { cache: 'no-store' });
        const j = await r.json();
        if (j.error) throw new Error(j.code);
        return performance.now() - t;
      }, list50(session)));
    }
    if (restarts.length) {
      const restart = median(restarts);
      line(`worker restart → first local answer (${(usage / 1e6).toFixed(1)} MB in IndexedDB)`, ms(restart),
        `target ≤ 1500ms (goal 1000ms): ${restart <= 1500 ? 'met' : 'MISSED'}; runs ${restarts.map((x) => x.toFixed(0)).join(', ')}`);
    }

    // Push and pull of 10 changes with 1,000 vs HUGE objects stored: two
    // browsers, each with its own proxy (origin) and store, timed in
    // alternating rounds (the order swapped every round), so that a slow
    // stretch of the machine weighs on both figures alike.
    if (!want('sync')) return;
    const stores = [];
    for (const size of [1000, HUGE]) {
      const st = await syncStore(server, size);
      cleanup.unshift(() => st.close());
      stores.push(st);
    }
    for (let round = 0; stores.some((st) => !st.done()); round++) {
      for (const st of round % 2 ? [...stores].reverse() : stores) {
        await st.round(round, stores.filter((o) => o !== st));
      }
    }
    const [few, many] = stores.map((st) => st.figures());
    for (const kind of ['pull', 'push']) {
      const x = few[kind];
      const y = many[kind];
      line(`${kind} 10 changes, ${HUGE.toLocaleString('en')} stored`, ms(y.median),
        `1,000 stored ${ms(x.median)}; ratio ${(y.median / x.median).toFixed(2)}, target ≤ 1.50: ${y.median / x.median <= 1.5 ? 'met' : 'MISSED'}`);
      console.log(`  rounds, 1,000: ${x.runs.map((v) => v.toFixed(0)).join(' ')}; ` +
        `${HUGE.toLocaleString('en')}: ${y.runs.map((v) => v.toFixed(0)).join(' ')}; ` +
        `the sync alone, timed in the worker: ${ms(x.worker)} vs ${ms(y.worker)}`);
    }
    const disturbed = few.discarded + many.discarded;
    if (disturbed) console.log(`  ${disturbed} round(s) not counted: another sync ran meanwhile or had pulled first`);
  } finally {
    for (const f of cleanup) await f().catch(() => {});
  }
}

// syncStore gives a fresh user `size` contacts and lets a fresh browser,
// through a proxy of its own, sync them. Each round() times the pull of 10
// server-side changes and the push of 10 local ones, each from `sync now`
// to the change being visible on the other side, until SYNC_ROUNDS of
// each counted.
async function syncStore(server, size) {
  const login = `sync${size}`;
  server.addUser(login, 'sync-pw-1');
  const api = await Api.login(server.url, login, 'sync-pw-1');
  const folder = await api.createFolder(`Sync ${size}`, 'contacts');
  await api.importVCards(folder, size);
  const proxy = await startProxy(server.port);
  const b = await launch();
  const close = async () => {
    await b.close();
    await proxy.close();
  };
  const page = b.page;
  let session;
  let ids;
  try {
    await page.goto(proxy.url + '/');
    await poll(() => workerControls(page), { timeout: LONG, what: 'worker controls the page' });
    await loginThroughPage(page, proxy.url, login, 'sync-pw-1');
    session = await page.evaluate(() => sessionStorage.getItem('oxlite.session'));
    await poll(async () => {
      const s = await syncState(page, session);
      if (!s.last_sync || pendingOf(s) !== 0) return false;
      const r = await local(page, `/ajax/contacts?action=all&folder=${folder}&columns=1&session=${session}`);
      return Array.isArray(r.data) && r.data.length === size;
    }, { timeout: LONG, interval: 200, what: `initial sync of ${size}` });
    ids = (await api.ok('contacts', { action: 'all', folder: String(folder), columns: '1', sort: '1', order: 'asc' })).data
      .map((r) => r[0]).slice(0, 10);
  } catch (e) {
    await close();
    throw e;
  }
  const syncs = async () => (await syncState(page, session)).syncs;
  // Only the sync asked for is timed, and it must do the work: the
  // worker's scheduler also syncs on its own (2 s after local writes,
  // retries after a failure), and one of those pulling the server's
  // changes first left the timed pull with nothing to do. So the worker
  // is idle and past its debounce before the changes are made; a round
  // counts only when the local store did not have the changes before
  // the timed sync and no other sync ran, here or in the other browser
  // (the state's `syncs` moved by one, and not at all there).
  const quiet = async () => {
    await sleep(QUIET);
    await poll(async () => !(await syncState(page, session)).syncing, { timeout: LONG, interval: 20, what: 'worker idle' });
  };
  const localNotes = async () => {
    const r = await local(page, `/ajax/contacts?action=list&columns=1,518&session=${session}`,
      { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ids.map((id) => ({ id, folder }))) });
    return Array.isArray(r.data) ? r.data : [];
  };
  const serverNotes = async () =>
    (await api.ok('contacts', { action: 'list', columns: '1,518' }, { body: ids.map((id) => ({ id, folder })) })).data;
  const all = (rows, mark) => rows.length === ids.length && rows.every((row) => row[1] === `${mark}-${row[0]}`);
  // timed runs `now` and waits until done() holds; it answers the time
  // and the worker's own figure, or null when the round does not count.
  const timed = async (done, others) => {
    const before = await syncs();
    const othersBefore = await Promise.all(others.map((o) => o.syncs()));
    const t = performance.now();
    const after = (await local(page, `/ajax/oxlite/sync?action=now&session=${session}`)).data || {};
    await poll(done, { timeout: LONG, interval: 5, what: 'synced changes visible' });
    const took = performance.now() - t;
    const othersAfter = await Promise.all(others.map((o) => o.syncs()));
    const alone = after.syncs === before + 1 && othersAfter.every((n, i) => n === othersBefore[i]);
    return alone ? { took, worker: after.last_duration } : null;
  };
  const runs = { pull: [], push: [] };
  const worker = { pull: [], push: [] };
  let discarded = 0;
  const count = (kind, r) => {
    if (!r) discarded++;
    else if (runs[kind].length < SYNC_ROUNDS) {
      runs[kind].push(r.took);
      worker[kind].push(r.worker);
    }
  };
  const done = () => runs.pull.length >= SYNC_ROUNDS && runs.push.length >= SYNC_ROUNDS;
  const round = async (n, others) => {
    if (done()) return;
    if (discarded > 2 * SYNC_ROUNDS) throw new Error(`${discarded} rounds of ${size} disturbed by other syncs`);
    // Pull: 10 changes on the server.
    const mark = `pull-${n}`;
    await quiet();
    for (const id of ids) await api.update('contacts', folder, id, { note: `${mark}-${id}` });
    if ((await localNotes()).some((row) => row[1] === `${mark}-${row[0]}`)) discarded++;
    else count('pull', await timed(async () => all(await localNotes(), mark), others));

    // Push: 10 local changes made offline.
    const pmark = `push-${n}`;
    proxy.goOffline();
    for (const id of ids) {
      const r = await local(page, `/ajax/contacts?action=update&folder=${folder}&id=${id}&timestamp=2116800000000&session=${session}`,
        { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ note: `${pmark}-${id}` }) });
      if (r.error) throw new Error(`local update: ${r.code} ${r.error}`);
    }
    // The automatic push after the writes fails while offline.
    await quiet();
    proxy.goOnline();
    if ((await serverNotes()).some((row) => row[1] === `${pmark}-${row[0]}`)) throw new Error('pushed while offline');
    count('push', await timed(async () => all(await serverNotes(), pmark), others));
  };
  const figures = () => {
    const f = { discarded };
    for (const kind of ['pull', 'push']) f[kind] = { median: median(runs[kind]), runs: runs[kind], worker: median(worker[kind]) };
    return f;
  };
  return { round, done, figures, syncs, close };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
