// Helpers of the browser tests and the browser benchmark: the real server
// binary, a TCP proxy that stands for the network, Debian's Chromium driven
// by playwright-core, and an OX API client for checks from Node.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.OXLITE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const CLIENT = 'open-xchange-appsuite';

/** True when the worker build is in web/dist (sw.js beside the wasm). */
export const HAS_WORKER = existsSync(join(ROOT, 'web', 'dist', 'sw.js'));

// ------------------------------------------------------------- polling

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * poll calls fn until it returns a truthy value (returned) or timeout ms
 * pass; the last error or value is reported. Tests wait with this, never
 * with fixed sleeps, and never assert how long something took.
 */
export async function poll(fn, { timeout = 60000, interval = 250, what = 'condition', explain } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const detail = last instanceof Error ? last.stack || last.message : JSON.stringify(last);
      const more = explain ? `\n${await explain().catch((e) => `explain failed: ${e}`)}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${detail}${more}`);
    }
    await sleep(interval);
  }
}

// -------------------------------------------------------------- server

let built = null;

/**
 * serverBinary builds ./server once per process (the Go build cache makes
 * later builds cheap), or uses OXLITE_SERVER_BIN when the Makefile built it.
 * The binary embeds web/dist, so it must be built after `make wasm`.
 */
export function serverBinary() {
  if (process.env.OXLITE_SERVER_BIN) return process.env.OXLITE_SERVER_BIN;
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'oxlite-browser-bin-'));
  const bin = join(dir, 'server');
  execFileSync('go', ['build', '-o', bin, './server'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  built = bin;
  return bin;
}

/**
 * startServer runs `server serve` on a free port with a temp data dir and
 * resolves when it listens. extraArgs go to serve (e.g. test-only flags).
 */
export async function startServer({ args = [], data } = {}) {
  const bin = serverBinary();
  const own = !data;
  data = data || mkdtempSync(join(tmpdir(), 'oxlite-browser-data-'));
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', data, '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (b) => { stderr += b; });
  const exited = new Promise((r) => proc.on('exit', r));
  // A test process that dies must not leave its server behind.
  const reap = () => proc.kill('SIGKILL');
  process.on('exit', reap);
  exited.then(() => process.off('exit', reap));
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60000);
    proc.stdout.on('data', (b) => {
      stdout += b;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  const port = Number(new URL(url).port);
  const server = {
    url, port, data, proc,
    get stderr() { return stderr; },
    /** cli runs an admin subcommand on the data dir and returns stdout. */
    cli(...cliArgs) {
      return execFileSync(bin, [...cliArgs, '--data', data], { encoding: 'utf8' });
    },
    /** addUser provisions a user through the CLI and returns its id. */
    addUser(login, password, extra = []) {
      const out = server.cli('user', 'add', '--login', login, '--password', password, ...extra);
      return Number.parseInt(out.trim(), 10);
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      }
      if (own) rmSync(data, { recursive: true, force: true });
    },
  };
  return server;
}

// --------------------------------------------------------------- proxy

/**
 * startProxy listens on a free loopback port and forwards every TCP
 * connection to target (host:port). It is the page's origin: goOffline()
 * cuts every open connection and resets new ones, which stops the page
 * and the service worker alike (Playwright's setOffline does not reach a
 * worker's own fetches), while the server keeps its address.
 *
 * holdRequests(re) keeps a request whose first bytes match re (e.g.
 * /^PUT \/ajax\/contacts\?action=new/) from reaching the server, and
 * holdResponses(re) forwards it but keeps the answer from the browser:
 * a sync stays in flight for as long as a test needs, without timing
 * luck. dropHeld() cuts held connections, releaseHeld() lets them go on.
 */
export async function startProxy(targetPort, targetHost = '127.0.0.1') {
  let online = true;
  let holdReq = null;
  let holdResp = null;
  const open = new Set();
  const held = new Set();
  const stats = { forwardedConnections: 0, forwardedBytes: 0, refused: 0, bytesWhileOffline: 0, requests: [] };
  const srv = net.createServer((client) => {
    if (!online) {
      stats.refused++;
      client.resetAndDestroy();
      return;
    }
    stats.forwardedConnections++;
    const upstream = net.connect(targetPort, targetHost);
    // Without it Nagle's algorithm held the last piece of a forwarded
    // answer until the browser's delayed ACK, 40 ms later, now and then
    // (a server talks to browsers with TCP_NODELAY, as Go's net/http does).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair = { client, upstream, reqBuf: [], respBuf: [], holdReq: false, holdResp: false };
    open.add(pair);
    const count = (b) => {
      if (online) stats.forwardedBytes += b.length;
      else stats.bytesWhileOffline += b.length;
    };
    client.on('data', (b) => {
      const head = b.toString('latin1', 0, Math.min(b.length, 300));
      const line = /^[A-Z]+ \S+/.exec(head);
      if (line) stats.requests.push(line[0]);
      if (line && holdReq && holdReq.test(head)) pair.holdReq = true;
      if (line && holdResp && holdResp.test(head)) pair.holdResp = true;
      if (pair.holdReq || pair.holdResp) held.add(pair);
      if (pair.holdReq) {
        pair.reqBuf.push(b);
        return;
      }
      count(b);
      upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (pair.holdResp) {
        pair.respBuf.push(b);
        return;
      }
      count(b);
      client.write(b);
    });
    const end = () => {
      open.delete(pair);
      held.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // A held answer outlives the server's side of the connection.
    const upstreamGone = () => {
      if (pair.holdResp && held.has(pair)) pair.upstreamClosed = true;
      else end();
    };
    client.on('error', end);
    upstream.on('error', upstreamGone);
    client.on('close', end);
    upstream.on('close', upstreamGone);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stats,
    get isOnline() { return online; },
    /** goOffline refuses new connections and cuts the open ones. */
    goOffline() {
      online = false;
      for (const { client, upstream } of open) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      open.clear();
      held.clear();
    },
    goOnline() { online = true; },
    holdRequests(re) { holdReq = re; },
    holdResponses(re) { holdResp = re; },
    /** held is the number of connections with a held request or answer. */
    get held() { return held.size; },
    /** heldReceived reports whether a held answer has arrived from the server. */
    get heldAnswered() { return [...held].some((p) => p.respBuf.length > 0); },
    dropHeld() {
      holdReq = holdResp = null;
      for (const p of held) {
        p.client.resetAndDestroy();
        p.upstream.destroy();
      }
      held.clear();
    },
    releaseHeld() {
      holdReq = holdResp = null;
      for (const p of held) {
        p.holdReq = p.holdResp = false;
        for (const b of p.reqBuf.splice(0)) { count(b); p.upstream.write(b); }
        for (const b of p.respBuf.splice(0)) { count(b); p.client.write(b); }
        if (p.upstreamClosed) p.client.end();
      }
      held.clear();
      function count(b) { stats.forwardedBytes += b.length; }
    },
    close() {
      this.goOffline();
      return new Promise((r) => srv.close(r));
    },
  };
}

// ------------------------------------------------------------- browser

/**
 * launch starts Debian's Chromium with a fresh profile
 * (launchPersistentContext, so service workers and storage behave as in a
 * real profile). Call close() on the result.
 */
export async function launch({ viewport = { width: 1280, height: 800 }, serviceWorkers = 'allow' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'oxlite-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
    serviceWorkers,
  });
  const page = context.pages()[0] || await context.newPage();
  const logs = [];
  context.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  return {
    context, page, profile, logs,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * stopWorkers stops every service worker of the browser through CDP
 * (ServiceWorker.stopAllWorkers), standing in for the idle stop that
 * DevTools attachment otherwise prevents.
 */
export async function stopWorkers(context, page) {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** workerControls reports whether a service worker controls the page. */
export function workerControls(page) {
  return page.evaluate(() => !!(navigator.serviceWorker && navigator.serviceWorker.controller));
}

/**
 * loginThroughPage opens the client at origin and signs in with the form;
 * it resolves when the folder tree shows.
 */
export async function loginThroughPage(page, origin, name, password) {
  await page.goto(origin + '/');
  await page.getByLabel('User name').waitFor({ timeout: 60000 });
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#folders-contacts button').first().waitFor({ timeout: 60000 });
}

/** pageSession is the session id the client keeps. */
export function pageSession(page) {
  return page.evaluate(() => sessionStorage.getItem('oxlite.session') || localStorage.getItem('oxlite.session'));
}

/**
 * pageApi sends an OX request from the page (so through the worker when
 * it controls the page) with the client's session; it resolves the parsed
 * answer, or {network: true} when the fetch fails.
 */
export function pageApi(page, module, params = {}, body) {
  return page.evaluate(async ({ module, params, body }) => {
    const q = new URLSearchParams(params);
    const sid = sessionStorage.getItem('oxlite.session') || localStorage.getItem('oxlite.session');
    if (sid && !q.has('session')) q.set('session', sid);
    const init = { cache: 'no-store' };
    if (body !== undefined) {
      init.method = 'PUT';
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    try {
      const r = await fetch(`/ajax/${module}?${q}`, init);
      const t = await r.text();
      return t ? JSON.parse(t) : {};
    } catch (e) {
      return { network: true, error: String(e) };
    }
  }, { module, params, body });
}

/** syncState is the worker's oxlite/sync state (data of the answer). */
export async function syncState(page) {
  const r = await pageApi(page, 'oxlite/sync', { action: 'state' });
  if (r.error) throw new Error(`sync state: ${r.code || ''} ${r.error}`);
  return r.data;
}

/** syncNow asks the worker to push and pull now and waits for it. */
export function syncNow(page) {
  return pageApi(page, 'oxlite/sync', { action: 'now' });
}

/** waitSynced polls until the worker has synced and has nothing pending. */
export function waitSynced(page, what = 'sync done') {
  return poll(async () => {
    const s = await syncState(page);
    return s.attached !== false && s.last_sync > 0 && s.pending === 0 && !s.syncing && s.online ? s : false;
  }, { what });
}

/** explainPage describes the client's state for a failure message. */
export async function explainPage(page) {
  const texts = await page.evaluate(() => ({
    status: document.querySelector('#status')?.textContent,
    errors: [...document.querySelectorAll('.error')].map((e) => e.textContent).filter(Boolean),
    editor: document.querySelector('#editor-pane')?.innerText.slice(0, 400),
    items: [...document.querySelectorAll('#items button')].map((b) => `${b.dataset.id}:${b.textContent}`).slice(0, 20),
    form: [...document.querySelectorAll('form.editor:not([hidden]) [name]')].map((e) => `${e.name}=${e.value}${e.disabled ? '(disabled)' : ''}`).join(' '),
  }));
  const sync = await pageApi(page, 'oxlite/sync', { action: 'state' });
  const conflicts = await pageApi(page, 'oxlite/sync', { action: 'conflicts' });
  return `page: ${JSON.stringify(texts)}\nsync: ${JSON.stringify(sync)}\nconflicts: ${JSON.stringify(conflicts).slice(0, 2000)}`;
}

/** statusText is what the online/offline indicator says. */
export function statusText(page) {
  return page.locator('#status').textContent();
}

/** folderButton is the folder tree entry of a folder id. */
export function folderButton(page, id) {
  return page.locator(`#folder-pane button[data-folder="${id}"]`);
}

/** itemButton is the list entry whose text contains text. */
export function itemButton(page, text) {
  return page.locator('#items button', { hasText: text });
}

// ----------------------------------------------------------------- API

/**
 * Api is an OX API client from Node with its own cookie jar: "another
 * session" that checks what the server really holds.
 */
export class Api {
  constructor(base) {
    this.base = base.replace(/\/$/, '') + '/ajax';
    this.cookies = new Map();
    this.session = null;
    this.userAgent = 'oxlite-browser-test';
  }

  static async login(base, name, password) {
    const api = new Api(base);
    const r = await api.request('login', { action: 'login' }, { form: { name, password, client: CLIENT } });
    if (!r.session) throw new Error(`login ${name}: ${JSON.stringify(r)}`);
    api.session = r.session;
    api.userId = r.user_id;
    return api;
  }

  /** request returns the parsed JSON answer (envelope or bare object). */
  async request(module, params = {}, { form, body, method } = {}) {
    const q = new URLSearchParams(params);
    if (this.session && !q.has('session')) q.set('session', this.session);
    const headers = { 'User-Agent': this.userAgent };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const init = { method: method || 'GET', headers };
    if (form) {
      init.method = 'POST';
      init.body = new URLSearchParams(form);
    } else if (body !== undefined) {
      init.method = method || 'PUT';
      init.body = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(`${this.base}/${module}?${q}`, init);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    const text = await res.text();
    return text ? JSON.parse(text) : {};
  }

  /** ok returns data of a successful answer and throws on an error. */
  async ok(module, params, opts) {
    const r = await this.request(module, params, opts);
    if (r && r.error) throw new Error(`${module} ${JSON.stringify(params)}: ${r.code} ${r.error}`);
    return r;
  }

  async defaultFolder(type) {
    const r = await this.ok('folders', { action: 'allVisible', content_type: type, tree: '1', columns: '1,20,300' });
    const f = r.data.private[0];
    return Number(f[0]);
  }

  /** contacts returns the contacts of a folder as objects. */
  async contacts(folder) {
    const cols = [1, 20, 5, 500, 501, 502, 555, 569, 542, 551, 518];
    const names = ['id', 'folder_id', 'last_modified', 'display_name', 'first_name', 'last_name', 'email1', 'company', 'telephone_business1', 'cellular_telephone1', 'note'];
    const r = await this.ok('contacts', { action: 'all', folder: String(folder), columns: cols.join(','), timezone: 'UTC' });
    return r.data.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
  }

  /** tasks returns the tasks of a folder as objects. */
  async tasks(folder) {
    const cols = [1, 20, 5, 200, 203, 300, 309, 317, 401];
    const names = ['id', 'folder_id', 'last_modified', 'title', 'note', 'status', 'priority', 'end_time', 'full_time'];
    const r = await this.ok('tasks', { action: 'all', folder: String(folder), columns: cols.join(','), timezone: 'UTC' });
    return r.data.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
  }

  async get(module, folder, id) {
    return (await this.ok(module, { action: 'get', folder: String(folder), id: String(id), timezone: 'UTC' })).data;
  }

  async create(module, obj) {
    return (await this.ok(module, { action: 'new', timezone: 'UTC' }, { body: obj })).data.id;
  }

  /** createFolder makes a private folder of module under folder 1. */
  async createFolder(title, module) {
    const r = await this.ok('folders', { action: 'new', folder_id: '1', tree: '1' }, { body: { title, module, subscribed: true } });
    return Number(r.data);
  }

  /**
   * importVCards stores n generated contacts in folder (numbered from
   * start) with the vCard import, in requests of at most 5,000.
   */
  async importVCards(folder, n, start = 0) {
    for (let from = start; from < start + n; from += 5000) {
      const to = Math.min(start + n, from + 5000);
      let vcf = '';
      for (let i = from; i < to; i++) {
        const last = LAST_NAMES[i % LAST_NAMES.length];
        vcf += `BEGIN:VCARD\r\nVERSION:3.0\r\nN:${last};Person${i};;;\r\nFN:Person${i} ${last}\r\n`
          + `EMAIL;TYPE=INTERNET:p${i}@example.org\r\nTEL;TYPE=WORK:+1 555 ${String(i).padStart(7, '0')}\r\n`
          + `ORG:Example Corp\r\nNOTE:Bench contact ${i}\, generated for the browser benchmark.\r\nEND:VCARD\r\n`;
      }
      const fd = new FormData();
      fd.append('file', new Blob([vcf], { type: 'text/vcard' }), 'contacts.vcf');
      const q = new URLSearchParams({ action: 'VCARD', folder: String(folder), session: this.session });
      const headers = { 'User-Agent': this.userAgent, Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
      const res = await fetch(`${this.base}/import?${q}`, { method: 'POST', body: fd, headers });
      const text = await res.text();
      const stored = (text.match(/"last_modified"/g) || []).length;
      if (stored !== to - from) throw new Error(`import stored ${stored} of ${to - from}: ${text.slice(0, 300)}`);
    }
  }

  async update(module, folder, id, changes) {
    const cur = await this.ok(module, { action: 'get', folder: String(folder), id: String(id), timezone: 'UTC' });
    return this.ok(module, { action: 'update', folder: String(folder), id: String(id), timestamp: String(cur.timestamp), timezone: 'UTC' }, { body: changes });
  }
}

const LAST_NAMES = ['Meyer', 'Schmidt', 'Müller', 'Smith', 'Dubois', 'Rossi', 'Tanaka', 'Nowak', 'García', 'Olsen'];

// ------------------------------------------------------------ artefacts

/** artefact returns a path under tests/browser/out for screenshots. */
export function artefact(name) {
  const dir = join(ROOT, 'tests', 'browser', 'out');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** pngSize reads the width and height of a PNG. */
export function pngSize(buf) {
  if (buf.length < 24 || buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

export { writeFileSync };
