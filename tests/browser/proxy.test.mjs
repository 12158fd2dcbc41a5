// The test proxy is what "offline" means in the browser tests, so its own
// behaviour is checked first: it forwards, refuses and cuts, and holds a
// chosen request or answer until told otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy, poll } from './lib.mjs';

let upstream, hits, proxy;

before(async () => {
  hits = [];
  upstream = http.createServer((req, res) => {
    hits.push(req.url);
    res.end(`answer ${req.url}`);
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startProxy(upstream.address().port);
});

after(async () => {
  await proxy.close();
  await new Promise((r) => upstream.close(r));
});

// get uses a new connection each time (Node's fetch would reuse a socket
// the proxy cut and fail on it, where a browser retries).
function get(path) {
  return new Promise((resolve, reject) => {
    http.get(proxy.url + path, { agent: false }, (res) => {
      let body = '';
      res.on('data', (b) => { body += b; });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('forwards while online', async () => {
  assert.equal(await get('/a'), 'answer /a');
  assert.ok(proxy.stats.forwardedBytes > 0);
});

test('offline refuses connections and forwards nothing', async () => {
  proxy.goOffline();
  const before = { conns: proxy.stats.forwardedConnections, hits: hits.length };
  await assert.rejects(get('/b'));
  assert.equal(proxy.stats.forwardedConnections, before.conns);
  assert.equal(proxy.stats.bytesWhileOffline, 0);
  assert.equal(hits.length, before.hits);
  assert.ok(proxy.stats.refused > 0);
  proxy.goOnline();
  assert.equal(await get('/c'), 'answer /c');
});

test('going offline cuts kept-alive connections', async () => {
  const agent = new http.Agent({ keepAlive: true });
  const once = (path) => new Promise((resolve, reject) => {
    http.get(proxy.url + path, { agent }, (res) => {
      let body = '';
      res.on('data', (b) => { body += b; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  assert.equal(await once('/k1'), 'answer /k1');
  proxy.goOffline();
  const n = hits.length;
  await assert.rejects(once('/k2'));
  assert.equal(hits.length, n);
  proxy.goOnline();
  agent.destroy();
});

test('a held request does not reach the server until released', async () => {
  proxy.holdRequests(/^GET \/held/);
  const pending = get('/held-1');
  await poll(() => proxy.held === 1, { what: 'request held' });
  assert.ok(!hits.includes('/held-1'));
  assert.equal(await get('/other'), 'answer /other');
  proxy.releaseHeld();
  assert.equal(await pending, 'answer /held-1');
  assert.ok(hits.includes('/held-1'));
});

test('a dropped held request never reaches the server', async () => {
  proxy.holdRequests(/^GET \/dropped/);
  const pending = get('/dropped');
  await poll(() => proxy.held === 1, { what: 'request held' });
  proxy.dropHeld();
  await assert.rejects(pending);
  assert.ok(!hits.includes('/dropped'));
});

test('a held answer reaches the server but not the client', async () => {
  proxy.holdResponses(/^GET \/answer-held/);
  let done = false;
  const pending = get('/answer-held').then((t) => { done = true; return t; });
  await poll(() => proxy.heldAnswered, { what: 'answer arrived at the proxy' });
  assert.ok(hits.includes('/answer-held'));
  assert.equal(done, false);
  proxy.releaseHeld();
  assert.equal(await pending, 'answer /answer-held');
});
