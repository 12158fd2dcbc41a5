// oxlite service worker (docs/offline.md §6): the Go core compiled to
// wasm answers /ajax from a local SQLite store kept in IndexedDB, forwards
// what it does not hold to the server, and syncs. This file boots Go,
// holds the small IndexedDB and lock helpers Go awaits, routes fetch
// events and keeps the static client available offline.
'use strict';

importScripts('/wasm_exec.js');

const CACHE = 'oxlite-static-v1';
const STATIC = ['/', '/app.js', '/app.css', '/wasm_exec.js'];
const WASM = '/oxlite.wasm';
// Waiting longer than this for the network falls back to the cache.
const NETWORK_WAIT = 4000;

// ------------------------------------------------------------ hooks

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const ready = deferred();
const lock = deferred();
let lockHeld = false;

// oxliteHooks is what Go calls (see wasm/main_js.go).
self.oxliteHooks = {
  lock: () => lock.promise,
  ready(stats) {
    self.oxliteBootStats = stats;
    ready.resolve(stats);
  },
  failed(message) { ready.reject(new Error(message)); },
  notify(json) {
    const msg = JSON.parse(json);
    self.clients.matchAll({ includeUncontrolled: true, type: 'window' })
      .then((cs) => { for (const c of cs) c.postMessage(msg); })
      .catch(() => {});
  },
  onLockLost: null,
  idb: {
    open(name) {
      return new Promise((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('chunks')) db.createObjectStore('chunks');
          if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
        };
        req.onsuccess = () => {
          const db = req.result;
          // Another worker version deleting the database must not wait
          // for this connection.
          db.onversionchange = () => db.close();
          resolve(db);
        };
        req.onerror = () => reject(req.error);
      });
    },
    // load resolves {size, bytes}: the chunks (of chunk bytes each) laid
    // end to end.
    load(db, chunk) {
      return new Promise((resolve, reject) => {
        const tx = db.transaction(['chunks', 'meta'], 'readonly');
        let keys = [];
        let values = [];
        let size = 0;
        tx.objectStore('chunks').getAllKeys().onsuccess = (e) => { keys = e.target.result; };
        tx.objectStore('chunks').getAll().onsuccess = (e) => { values = e.target.result; };
        tx.objectStore('meta').get('size').onsuccess = (e) => { size = e.target.result || 0; };
        tx.oncomplete = () => {
          let n = 0;
          for (const k of keys) n = Math.max(n, k + 1);
          const bytes = new Uint8Array(n * chunk);
          keys.forEach((k, i) => {
            const v = values[i];
            bytes.set(v instanceof ArrayBuffer ? new Uint8Array(v) : v, k * chunk);
          });
          resolve({ size, bytes });
        };
        tx.onabort = () => reject(tx.error || new DOMException('load aborted', 'AbortError'));
      });
    },
    // flush stores one commit in one transaction: the changed chunks,
    // the deletion of chunks past the end (keep >= 0) and the size.
    flush(db, size, keep, puts) {
      return new Promise((resolve, reject) => {
        let tx;
        try {
          tx = db.transaction(['chunks', 'meta'], 'readwrite', { durability: 'strict' });
        } catch (e) {
          reject(e);
          return;
        }
        const chunks = tx.objectStore('chunks');
        for (const [i, data] of puts) chunks.put(data, i);
        if (keep >= 0) chunks.delete(IDBKeyRange.lowerBound(keep));
        tx.objectStore('meta').put(size, 'size');
        tx.oncomplete = () => resolve();
        // A QuotaExceededError aborts the transaction with that error.
        tx.onabort = () => reject(tx.error || new DOMException('flush aborted', 'AbortError'));
      });
    },
    drop(db, name) {
      db.close();
      return new Promise((resolve, reject) => {
        const req = indexedDB.deleteDatabase(name);
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      });
    },
  },
};

// ------------------------------------------------------------- lock

// The worker version that holds "oxlite-db" owns the store. The lock is
// held until the worker ends; a new version waits for the old one to go
// (and takes the lock over if the old one lingers after activation).
function requestLock(steal) {
  if (!self.navigator.locks) {
    lockHeld = true;
    lock.resolve();
    return;
  }
  self.navigator.locks.request('oxlite-db', steal ? { steal: true } : {}, () => {
    if (!lockHeld) {
      lockHeld = true;
      lock.resolve();
    }
    return new Promise(() => {});
  }).catch((e) => {
    if (lockHeld && e && e.name === 'AbortError' && self.oxliteHooks.onLockLost) {
      // Another version stole the lock: stop writing.
      lockHeld = false;
      self.oxliteHooks.onLockLost();
    }
  });
}
requestLock(false);

// The store is read while the wasm compiles: once the lock is held, the
// chunks are loaded (Go takes them if its name and chunk size match; the
// name changes with the chunk size, so an older store is never misread).
const STORE = 'oxlite-16k';
const PRELOAD_CHUNK = 16 * 1024;
let preload = lock.promise.then(async () => {
  const t0 = performance.now();
  const db = await self.oxliteHooks.idb.open(STORE);
  const { size, bytes } = await self.oxliteHooks.idb.load(db, PRELOAD_CHUNK);
  return { name: STORE, db, size, bytes, chunk: PRELOAD_CHUNK, ms: performance.now() - t0 };
});
preload.catch(() => {});
// Go copies the image into its own memory: handed out once, the worker
// keeps no second copy of the store (5 MB for 10,000 contacts, 100 MB
// for 100,000) alive for its lifetime.
self.oxliteHooks.preload = () => {
  const p = preload || Promise.resolve(null);
  preload = null;
  return p;
};

// -------------------------------------------------------------- boot

const go = new Go();

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

// fromNetwork fetches a same-origin GET; with update the cache copy is
// replaced when the file changed (its ETag), so a reload offline shows
// the newest client.
async function fromNetwork(req, { update = true } = {}) {
  const res = await Promise.race([fetch(req), timeout(NETWORK_WAIT)]);
  if (update && res.status === 200) {
    const copy = res.clone();
    const key = new URL(req.url).pathname;
    const cache = await caches.open(CACHE);
    const old = await cache.match(key, { ignoreVary: true, ignoreSearch: true });
    const tag = copy.headers.get('ETag');
    if (!old || !tag || old.headers.get('ETag') !== tag) await cache.put(key, copy);
  }
  return res;
}

// The wasm comes from the network when it can (a new build is picked up)
// and from the cache offline.
let wasmStored = Promise.resolve();
async function wasmResponse() {
  try {
    const res = await Promise.race([fetch(WASM, { cache: 'no-cache' }), timeout(NETWORK_WAIT)]);
    if (res.ok) {
      // Cloned before compilation starts reading the body.
      const copy = res.clone();
      wasmStored = (async () => {
        const cache = await caches.open(CACHE);
        const old = await cache.match(WASM, { ignoreVary: true });
        const tag = copy.headers.get('ETag');
        if (!old || !tag || old.headers.get('ETag') !== tag) await cache.put(WASM, copy);
      })().catch((e) => console.error('oxlite worker: caching the wasm:', e && e.message));
      return res;
    }
  } catch {
    // offline
  }
  const cached = await caches.match(WASM, { ignoreVary: true });
  if (!cached) throw new Error('oxlite.wasm is neither reachable nor cached');
  return cached;
}

const booted = (async () => {
  const res = await wasmResponse();
  const { instance } = await WebAssembly.instantiateStreaming(res, go.importObject);
  go.run(instance).then(() => ready.reject(new Error('Go exited')));
})();
booted.catch((e) => ready.reject(e));
ready.promise.catch((e) => console.error('oxlite worker:', e && e.message));

// ----------------------------------------------------------- install

self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(STATIC.map((p) => new Request(p, { cache: 'no-cache' })));
    await booted;
    await wasmStored;
    // The first compilation of the SQLite code takes seconds: pay it now,
    // on a throwaway store, not on the page's first request.
    await self.oxliteWarm().catch((err) => console.error('oxlite worker: warm-up:', err && err.message));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    // The store of development builds with 64 KiB chunks (no release
    // shipped one) only takes space.
    indexedDB.deleteDatabase('oxlite');
    await self.clients.claim();
  })());
  setTimeout(() => { if (!lockHeld) requestLock(true); }, 10000);
});

// ------------------------------------------------------------ events

self.addEventListener('online', () => { if (self.oxliteEvent) self.oxliteEvent('online'); });
self.addEventListener('offline', () => { if (self.oxliteEvent) self.oxliteEvent('offline'); });
self.addEventListener('message', (e) => {
  const t = e.data && e.data.type;
  if ((t === 'oxlite-online' || t === 'oxlite-offline') && self.oxliteEvent) self.oxliteEvent(t.slice(7));
});

// ------------------------------------------------------------- fetch

function isAPI(path) {
  return path.startsWith('/ajax/') || path.startsWith('/appsuite/api/');
}

async function api(req) {
  try {
    await ready.promise;
  } catch {
    return fetch(req); // no local store: the server answers
  }
  try {
    // Go reads a body; the copy keeps it for the fallback below. A GET has
    // none to keep, and cloning costs on every list.
    const bodyless = req.method === 'GET' || req.method === 'HEAD';
    return await self.oxliteHandle(bodyless ? req : req.clone());
  } catch (e) {
    console.error('oxlite worker:', e && e.message);
    return fetch(req);
  }
}

async function staticFile(req, path) {
  try {
    return await fromNetwork(req, { update: STATIC.includes(path) || path === WASM });
  } catch {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(path, { ignoreVary: true, ignoreSearch: true }) ||
      (req.mode === 'navigate' ? await cache.match('/') : undefined);
    if (hit) return hit;
    return Response.error();
  }
}

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  // Only this origin's requests: everything else is the browser's.
  if (url.origin !== self.location.origin) return;
  if (isAPI(url.pathname)) {
    // Form logins navigate and expect the server's redirects.
    if (req.mode === 'navigate') return;
    e.respondWith(api(req));
    return;
  }
  if (req.method !== 'GET' || url.pathname === '/sw.js') return;
  e.respondWith(staticFile(req, url.pathname));
});
