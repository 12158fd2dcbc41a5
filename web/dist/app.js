// oxlite web client: plain DOM over the OX HTTP API (/ajax). It never
// talks to anything but the API, so the same page works against the native
// server and against the service worker's local store.

const CLIENT = 'open-xchange-appsuite';
const TZ = 'UTC';
// The zone new appointments are computed in (a weekly 09:00 meeting stays
// at 09:00 across daylight-saving changes); requests still say
// timezone=UTC and the page shows instants in the browser's zone.
const ZONE = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
})();
const DAY = 86400000;
const KEY = 'oxlite.session';
const STATUS_EVERY = 5000;

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, props = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) if (kid != null) n.append(kid);
  return n;
};

const state = {
  session: null,
  user: null,
  folders: { contacts: [], tasks: [], calendar: [] },
  folder: null, // {id, module, title}
  // object in the editor: {module, id, folder, data, timestamp}; an
  // appointment also has pos (occurrence of a series), series (the
  // series id), occ (the occurrence opened: {id, pos}) and scope
  // ('occurrence' | 'series' | null).
  current: null,
  week: null, // Date: local midnight of the Monday the calendar shows
  sync: null, // last normalised sync state, or {supported: false}
  lastSync: null,
  names: new Map(), // user id → display name
};

// ---------------------------------------------------------------- API

// call sends one OX request. The answer is {ok, data, timestamp} or
// {error, code, category, params, network}; it never throws.
async function call(module, params = {}, opts = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null) q.set(k, String(v));
  if (opts.session !== false && state.session && !q.has('session')) q.set('session', state.session);
  const init = { method: 'GET', credentials: 'same-origin', cache: 'no-store', headers: {} };
  if (opts.form) {
    init.method = 'POST';
    init.body = new URLSearchParams(opts.form);
  } else if (opts.body !== undefined) {
    init.method = 'PUT';
    init.body = JSON.stringify(opts.body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(`/ajax/${module}?${q}`, init);
  } catch {
    return { error: 'The server cannot be reached.', code: 'NETWORK', network: true };
  }
  let text;
  try {
    text = await res.text();
  } catch {
    return { error: 'The connection was interrupted.', code: 'NETWORK', network: true };
  }
  if (!text) return res.ok ? { ok: true, data: null } : { error: `HTTP ${res.status}`, code: `HTTP-${res.status}` };
  let j;
  try {
    j = JSON.parse(text);
  } catch {
    return { error: `Unreadable answer (HTTP ${res.status})`, code: 'PARSE' };
  }
  if (j && typeof j === 'object' && !Array.isArray(j) && typeof j.code === 'string' && 'error' in j) {
    if (j.code.startsWith('SES-')) sessionLost();
    return {
      error: j.error_desc || j.error || j.code, code: j.code, category: j.category,
      params: j.error_params || [], raw: j,
    };
  }
  if (!res.ok) return { error: `HTTP ${res.status}`, code: `HTTP-${res.status}` };
  const enveloped = j && typeof j === 'object' && !Array.isArray(j) && 'data' in j;
  return { ok: true, data: enveloped ? j.data : j, timestamp: j && j.timestamp, raw: j };
}

// ---------------------------------------------------------- session

function remember(data, stay) {
  state.session = data.session;
  state.user = data.user || state.user;
  sessionStorage.setItem(KEY, data.session);
  if (stay) localStorage.setItem(KEY, data.session);
}

function forget() {
  state.session = null;
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

let losing = false;
function sessionLost() {
  if (losing || !state.session) return;
  losing = true;
  forget();
  showLogin('Your session has ended. Please sign in again.');
  losing = false;
}

async function login(name, password, stay) {
  const r = await call('login', { action: 'login' }, {
    session: false, form: { action: 'login', name, password, client: CLIENT },
  });
  if (!r.ok) return r;
  remember(r.data, stay);
  state.user = r.data.user || name;
  // `store` turns the session cookie persistent, so autologin finds it
  // after the browser restarts.
  if (stay) await call('login', { action: 'store' });
  return r;
}

async function resume() {
  const r = await call('login', { action: 'autologin', client: CLIENT }, { session: false });
  if (r.ok && r.data && r.data.session) {
    remember(r.data, !!localStorage.getItem(KEY));
    return true;
  }
  const sid = sessionStorage.getItem(KEY) || localStorage.getItem(KEY);
  if (!sid) return false;
  state.session = sid;
  const probe = await call('folders', { action: 'allVisible', content_type: 'contacts', tree: 1, columns: '1' });
  if (probe.ok) return true;
  if (probe.network) return true; // offline without a worker: keep the session for later
  forget();
  return false;
}

async function logout() {
  let r = await call('login', { action: 'logout' });
  if (r.code === 'OXL-0011') {
    const ok = await confirmDiscard(r);
    if (!ok) return;
    r = await call('login', { action: 'logout', force: 'true' });
  }
  forget();
  state.sync = null;
  showLogin('You are signed out.');
}

// confirmDiscard lists the outbox entries that the worker could not push
// and asks whether to drop them.
function confirmDiscard(r) {
  const list = $('#logout-pending');
  list.replaceChildren();
  const entries = pendingEntries(r);
  if (entries.length === 0) list.append(el('li', { text: r.error }));
  for (const e of entries) list.append(el('li', { text: describeEntry(e) }));
  const dlg = $('#logout-dialog');
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'force'), { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}

function pendingEntries(r) {
  const raw = r.raw || {};
  for (const c of [raw.data, raw.pending, raw.entries, ...(r.params || [])]) {
    if (Array.isArray(c)) return c;
    if (c && typeof c === 'object' && Array.isArray(c.entries)) return c.entries;
  }
  return [];
}

function describeEntry(e) {
  if (typeof e === 'string') return e;
  const what = { contacts: 'contact', tasks: 'task', calendar: 'appointment', folders: 'folder' }[e.module] || e.module || 'change';
  const verb = { new: 'new', update: 'changed', delete: 'deleted' }[e.action] || e.action || '';
  const label = e.title || e.name || e.display_name || (e.object_id ?? e.id ?? '');
  return `${verb} ${what} ${label}`.replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------ views

function show(view) {
  for (const id of ['login-view', 'app-view', 'conflicts-view']) $(`#${id}`).hidden = id !== view;
  const signedIn = view !== 'login-view';
  $('#logout-button').hidden = !signedIn;
  $('#who').textContent = signedIn && state.user ? state.user : '';
  if (!signedIn) $('#conflicts-button').hidden = true;
}

function showLogin(message = '') {
  show('login-view');
  $('#status').dataset.state = 'starting';
  $('#status').textContent = 'Not signed in';
  $('#login-error').textContent = message;
  $('#login-password').value = '';
  $('#login-name').focus();
}

async function showApp() {
  show('app-view');
  state.lastSync = null;
  await loadFolders();
  refreshStatus();
}

// ---------------------------------------------------------- folders

const FOLDER_COLUMNS = '1,20,300,301';
const FOLDER_TYPES = ['contacts', 'tasks', 'calendar'];
const NEW_LABEL = { contacts: 'New contact', tasks: 'New task', calendar: 'New appointment' };

async function loadFolders() {
  for (const type of FOLDER_TYPES) {
    const r = await call('folders', { action: 'allVisible', content_type: type, tree: 1, columns: FOLDER_COLUMNS });
    if (!r.ok) {
      if (!r.network) flash(`Folders: ${r.error}`);
      continue;
    }
    const rows = [];
    for (const section of ['private', 'public', 'shared']) {
      for (const row of (r.data && r.data[section]) || []) {
        rows.push({ id: String(row[0]), parent: String(row[1]), title: row[2], module: row[3] || type, section });
      }
    }
    state.folders[type] = rows;
    renderFolders(type);
  }
  const all = FOLDER_TYPES.flatMap((t) => state.folders[t]);
  if (!state.folder || !all.some((f) => f.id === state.folder.id)) {
    const first = state.folders.contacts.find((f) => f.section === 'private') || all[0];
    if (first) await selectFolder(first);
  } else {
    for (const t of FOLDER_TYPES) renderFolders(t);
    await loadItems();
  }
}

function renderFolders(type) {
  const ul = $(`#folders-${type}`);
  const rows = state.folders[type];
  const ids = new Set(rows.map((f) => f.id));
  ul.replaceChildren(...rows.map((f) => el('li', { class: ids.has(f.parent) ? 'sub' : null },
    el('button', {
      type: 'button', 'data-folder': f.id, 'aria-current': state.folder && state.folder.id === f.id ? 'true' : null,
      onclick: () => selectFolder(f),
    }, f.title))));
}

async function selectFolder(f) {
  state.folder = f;
  for (const t of FOLDER_TYPES) renderFolders(t);
  $('#list-title').textContent = f.title;
  $('#new-button').textContent = NEW_LABEL[f.module] || 'New';
  $('#week-nav').hidden = f.module !== 'calendar';
  if (f.module === 'calendar' && !state.week) state.week = weekStart(new Date());
  closeEditor();
  await loadItems();
}

// ------------------------------------------------------------- lists

const CONTACT_COLUMNS = '1,20,500,501,502,555,569';
const TASK_COLUMNS = '1,20,200,300,309,317,401';
const STATUS_NAMES = { 1: 'Not started', 2: 'In progress', 3: 'Done', 4: 'Waiting', 5: 'Deferred' };
const PRIORITY_NAMES = { 1: 'Low', 2: 'Medium', 3: 'High' };

function contactLabel(c) {
  const name = [c.last_name, c.first_name].filter(Boolean).join(', ');
  return c.display_name || name || c.email1 || c.company || '(no name)';
}

let listSeq = 0;
async function loadItems() {
  const f = state.folder;
  if (!f) return;
  const seq = ++listSeq;
  if (f.module === 'calendar') return loadAgenda(f, seq);
  $('#list-empty').textContent = 'No entries.';
  const isTask = f.module === 'tasks';
  const r = await call(f.module, isTask
    ? { action: 'all', folder: f.id, columns: TASK_COLUMNS, sort: 202, order: 'asc', timezone: TZ }
    : { action: 'all', folder: f.id, columns: CONTACT_COLUMNS, sort: 502, order: 'asc', timezone: TZ });
  if (seq !== listSeq) return;
  if (!r.ok) {
    if (!r.network) flash(`List: ${r.error}`);
    return;
  }
  const items = (r.data || []).map((row) => isTask
    ? { id: row[0], folder: row[1], title: row[2], status: row[3], priority: row[4], end_time: row[5], full_time: row[6] }
    : { id: row[0], folder: row[1], display_name: row[2], first_name: row[3], last_name: row[4], email1: row[5], company: row[6] });
  const label = isTask ? (t) => t.title || '(no title)' : contactLabel;
  items.sort((a, b) => label(a).localeCompare(label(b)));
  const cur = state.current;
  $('#items').replaceChildren(...items.map((it) => {
    const secondary = isTask
      ? [STATUS_NAMES[it.status], it.end_time != null ? `due ${formatDue(it.end_time, it.full_time)}` : null].filter(Boolean).join(' · ')
      : [it.email1, it.company].filter(Boolean).join(' · ');
    return el('li', { class: isTask && it.status === 3 ? 'done' : null },
      el('button', {
        type: 'button', 'data-id': it.id,
        'aria-current': cur && cur.module === f.module && String(cur.id) === String(it.id) ? 'true' : null,
        onclick: () => openItem(f.module, it.id, it.folder),
      }, el('span', { class: 'primary-text', text: label(it) }), secondary ? el('span', { class: 'secondary', text: secondary }) : null));
  }));
  $('#list-empty').hidden = items.length > 0;
}

function formatDue(ms, fullTime) {
  const d = new Date(ms);
  if (fullTime) return d.toLocaleDateString(undefined, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// ---------------------------------------------------------- calendar

// id, folder, title, start, end, series id, position, recurrence type,
// users, location, whole day, shown as.
const APPT_COLUMNS = '1,20,200,201,202,206,207,209,221,400,401,402';

const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
const dateKey = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
// utcDay is the Date (UTC midnight, as whole-day appointments carry it)
// of a local calendar day.
const utcDay = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());

function weekStart(d) {
  const x = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  return addDays(x, -((x.getDay() + 6) % 7));
}

function parseDate(value) {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d);
}

function hm(ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

function weekLabel(from) {
  const to = addDays(from, 6);
  const fmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
  return fmt.formatRange ? fmt.formatRange(from, to) : `${fmt.format(from)} – ${fmt.format(to)}`;
}

// covers tells whether appointment it shows on local day d. Whole-day
// appointments are UTC dates [start, end); timed ones are instants, a
// zero-length one counts on the day it starts.
function covers(it, d) {
  if (it.full_time) {
    const u = utcDay(d);
    return u >= it.start && u < Math.max(it.end, it.start + DAY);
  }
  const a = d.getTime();
  const b = addDays(d, 1).getTime();
  return it.start < b && (it.end > a || (it.end === it.start && it.start >= a));
}

function timeText(it, d) {
  if (it.full_time) return 'All day';
  const a = d.getTime();
  const b = addDays(d, 1).getTime();
  const startsHere = it.start >= a;
  const endsHere = it.end <= b;
  if (startsHere && endsHere) return it.end === it.start ? hm(it.start) : `${hm(it.start)} – ${hm(it.end)}`;
  if (startsHere) return `${hm(it.start)} – ${formatDue(it.end, false)}`;
  if (endsHere) return `until ${hm(it.end)}`;
  return 'All day (continues)';
}

async function loadAgenda(f, seq) {
  const from = state.week || (state.week = weekStart(new Date()));
  const to = addDays(from, 7);
  $('#week-label').textContent = weekLabel(from);
  $('#week-date').value = dateKey(from);
  $('#list-empty').textContent = 'No appointments this week.';
  // Whole-day appointments sit on UTC midnights: ask for the wider of the
  // local week and its UTC dates, and place each row on the days below.
  const start = Math.min(from.getTime(), utcDay(from));
  const end = Math.max(to.getTime(), utcDay(to));
  const r = await call('calendar', {
    action: 'all', folder: f.id, start, end, columns: APPT_COLUMNS, sort: 201, order: 'asc', timezone: TZ,
  });
  if (seq !== listSeq) return;
  if (!r.ok) {
    if (!r.network) flash(`Calendar: ${r.error}`);
    return;
  }
  const items = (r.data || []).map((row) => ({
    id: row[0], folder: row[1], title: row[2], start: row[3], end: row[4], series: row[5], pos: row[6],
    recurrence_type: row[7], location: row[9], full_time: !!row[10], shown_as: row[11],
  }));
  const today = dateKey(new Date());
  const groups = [];
  for (let i = 0; i < 7; i++) {
    const d = addDays(from, i);
    const here = items.filter((it) => covers(it, d)).sort((x, y) => (y.full_time - x.full_time) || (x.start - y.start)
      || String(x.title || '').localeCompare(String(y.title || '')));
    if (here.length === 0) continue;
    const key = dateKey(d);
    const headId = `day-${key}`;
    groups.push(el('li', { class: key === today ? 'day today' : 'day', 'data-day': key },
      el('h3', { id: headId, text: d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' }) + (key === today ? ' (today)' : '') }),
      el('ul', { 'aria-labelledby': headId }, here.map((it) => {
        const repeats = it.series != null ? (it.series === it.id ? 'repeats' : 'changed occurrence') : null;
        const secondary = [it.location, repeats].filter(Boolean).join(' · ');
        return el('li', { class: it.shown_as === 4 ? 'free' : null },
          el('button', {
            type: 'button', 'data-id': it.id, 'data-pos': it.series === it.id && it.pos ? it.pos : null,
            onclick: () => openAppointment(it),
          },
          el('span', { class: 'when', text: timeText(it, d) }),
          el('span', { class: 'primary-text', text: it.title || '(no subject)' }),
          secondary ? el('span', { class: 'secondary', text: secondary }) : null));
      }))));
  }
  $('#items').replaceChildren(...groups);
  $('#list-empty').hidden = groups.length > 0;
  markCurrent();
}

function openAppointment(it) {
  // An occurrence of a series is read as that occurrence; a changed
  // occurrence (exception) is its own appointment.
  const pos = it.series === it.id && it.pos ? it.pos : null;
  return openItem('calendar', it.id, it.folder, { pos });
}

async function showWeek(d) {
  state.week = weekStart(d);
  if (state.folder && state.folder.module === 'calendar') await loadItems();
}

// markCurrent marks the list rows of the entry in the editor.
function markCurrent() {
  const cur = state.current;
  for (const b of document.querySelectorAll('#items button')) {
    let on = !!cur && cur.id != null && b.dataset.id === String(cur.id);
    if (on && cur.module === 'calendar' && cur.pos) on = b.dataset.pos === String(cur.pos);
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

// ------------------------------------------------------------ editor

const CONTACT_FIELDS = ['first_name', 'last_name', 'display_name', 'email1', 'company', 'telephone_business1', 'cellular_telephone1', 'note'];

const FORMS = { contacts: '#contact-form', tasks: '#task-form', calendar: '#appointment-form' };

function formOf(module) {
  return $(FORMS[module] || FORMS.contacts);
}

function closeEditor() {
  openSeq++;
  for (const sel of Object.values(FORMS)) {
    busy($(sel), false);
    $(sel).hidden = true;
  }
  hideApptConflicts();
  state.current = null;
  $('#editor-hint').hidden = false;
}

const EDITOR_TITLES = {
  contacts: ['New contact', 'Edit contact'],
  tasks: ['New task', 'Edit task'],
  calendar: ['New appointment', 'Edit appointment'],
};

function openEditor(module, current) {
  state.current = current;
  const form = formOf(module);
  for (const [m, sel] of Object.entries(FORMS)) $(sel).hidden = m !== module;
  $('#editor-hint').hidden = true;
  setError(form, '');
  resetDelete(form);
  form.querySelector('[data-action="delete"]').hidden = current.id == null;
  let title = EDITOR_TITLES[module][current.id == null ? 0 : 1];
  if (module === 'calendar') {
    hideApptConflicts();
    $('#a-scope').hidden = !current.occ;
    $(current.scope === 'series' ? '#a-scope-series' : '#a-scope-occurrence').checked = true;
    for (const e of form.querySelectorAll('.recurrence-row')) e.hidden = current.scope === 'occurrence';
    if (current.scope === 'occurrence') title = 'Edit this occurrence';
    else if (current.scope === 'series') title = 'Edit the series';
  }
  fillForm(module, current.data || {});
  $(`${FORMS[module]}-title`).textContent = title;
  (module === 'calendar' ? $('#a-title') : form.querySelector('input, textarea')).focus();
}

function fillForm(module, d) {
  if (module === 'contacts') {
    for (const f of CONTACT_FIELDS) $(`#c-${f}`).value = d[f] ?? '';
    return;
  }
  if (module === 'calendar') {
    fillAppointment(d);
    return;
  }
  $('#t-title').value = d.title ?? '';
  $('#t-note').value = d.note ?? '';
  $('#t-status').value = String(d.status ?? 1);
  $('#t-priority').value = d.priority == null ? '' : String(d.priority);
  const due = dueInputs(d.end_time, d.full_time);
  $('#t-due-date').value = due.date;
  $('#t-due-time').value = due.time;
}

const pad = (n) => String(n).padStart(2, '0');

// A whole-day due date is UTC midnight of its day; a due time is an
// instant shown in the browser's zone (requests say timezone=UTC).
function dueInputs(ms, fullTime) {
  if (ms == null) return { date: '', time: '' };
  const d = new Date(ms);
  if (fullTime) return { date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, time: '' };
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}

function dueValue(date, time) {
  if (!date) return { end_time: null, full_time: false };
  const [y, m, day] = date.split('-').map(Number);
  if (!time) return { end_time: Date.UTC(y, m - 1, day), full_time: true };
  const [h, min] = time.split(':').map(Number);
  return { end_time: new Date(y, m - 1, day, h, min).getTime(), full_time: false };
}

// ------------------------------------------------------ appointments

const APPT_TIME_FIELDS = ['start_date', 'end_date', 'full_time'];
const RECURRENCE_FIELDS = ['recurrence_type', 'interval', 'days', 'day_in_month', 'month'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const INTERVAL_UNITS = { 1: ['day', 'days'], 2: ['week', 'weeks'], 3: ['month', 'months'] };

const utcDateKey = (ms) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
};

// zoneParts is the calendar date of instant ms in zone, where the server
// computes the series (UTC for whole-day appointments).
function zoneParts(ms, zone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short' })
      .formatToParts(new Date(ms));
  } catch {
    const d = new Date(ms);
    return { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), weekday: d.getDay() };
  }
  const get = (t) => parts.find((p) => p.type === t).value;
  return { year: Number(get('year')), month: Number(get('month')) - 1, day: Number(get('day')), weekday: WEEKDAYS.indexOf(get('weekday')) };
}

function newAppointmentData() {
  const now = new Date();
  const week = state.week || weekStart(now);
  let start;
  if (now >= week && now < addDays(week, 7)) {
    start = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours() + 1);
  } else {
    start = new Date(week.getFullYear(), week.getMonth(), week.getDate(), 9);
  }
  return { start_date: start.getTime(), end_date: start.getTime() + 3600000, full_time: false, recurrence_type: 0, timezone: ZONE };
}

function fillAppointment(d) {
  $('#a-title').value = d.title ?? '';
  $('#a-location').value = d.location ?? '';
  $('#a-note').value = d.note ?? '';
  const full = !!d.full_time;
  $('#a-full_time').checked = full;
  let sd = '';
  let st = '';
  let ed = '';
  let et = '';
  if (d.start_date != null && full) {
    // The end of a whole-day appointment is the day after its last day.
    sd = utcDateKey(d.start_date);
    ed = utcDateKey(Math.max(d.start_date, (d.end_date ?? d.start_date + DAY) - DAY));
  } else if (d.start_date != null) {
    ({ date: sd, time: st } = dueInputs(d.start_date, false));
    ({ date: ed, time: et } = dueInputs(d.end_date ?? d.start_date, false));
  }
  $('#a-start-date').value = sd;
  $('#a-start-time').value = st;
  $('#a-end-date').value = ed;
  $('#a-end-time').value = et;
  $('#a-recurrence').value = String(d.recurrence_type || 0);
  $('#a-interval').value = String(d.interval || 1);
  apptInputs();
}

// apptTimes turns the date and time inputs into start_date and end_date:
// Dates (UTC midnight, the end exclusive) for whole-day appointments,
// instants of the browser's zone otherwise.
function apptTimes(full, sd, st, ed, et) {
  if (!sd) return { start_date: null, end_date: null };
  const [y, m, d] = sd.split('-').map(Number);
  const [y2, m2, d2] = (ed || sd).split('-').map(Number);
  if (full) {
    const start = Date.UTC(y, m - 1, d);
    return { start_date: start, end_date: Math.max(Date.UTC(y2, m2 - 1, d2), start) + DAY };
  }
  const at = (yy, mm, dd, t) => {
    const [h, mi] = (t || '00:00').split(':').map(Number);
    return new Date(yy, mm - 1, dd, h, mi).getTime();
  };
  return { start_date: at(y, m, d, st), end_date: at(y2, m2, d2, et || st) };
}

function currentTimes() {
  return apptTimes($('#a-full_time').checked, $('#a-start-date').value, $('#a-start-time').value,
    $('#a-end-date').value, $('#a-end-time').value);
}

function appointmentValues() {
  const cur = state.current;
  const out = {
    title: $('#a-title').value.trim() || null,
    location: $('#a-location').value.trim() || null,
    note: $('#a-note').value === '' ? null : $('#a-note').value,
    full_time: $('#a-full_time').checked,
    ...currentTimes(),
  };
  // An occurrence has no rule of its own.
  if (!cur || cur.scope !== 'occurrence') Object.assign(out, recurrenceValues(out, (cur && cur.data) || {}));
  return out;
}

// recurrenceValues is the rule of the form: weekly on the weekday of the
// start, monthly on its day, yearly on its date, in the zone the server
// computes the series in.
function recurrenceValues(v, before) {
  const type = Number($('#a-recurrence').value);
  if (type === 0) return { recurrence_type: 0 };
  const interval = type === 4 ? 1 : Math.max(1, Math.floor(Number($('#a-interval').value)) || 1);
  const out = { recurrence_type: type, interval, days: null, day_in_month: null, month: null };
  if (before.recurrence_type === type && before.start_date === v.start_date && !!before.full_time === v.full_time) {
    // An unchanged rule keeps what this editor does not show (several
    // weekdays, the n-th weekday of a month).
    for (const k of ['days', 'day_in_month', 'month']) out[k] = before[k] ?? null;
    return out;
  }
  if (v.start_date == null) return out;
  const p = zoneParts(v.start_date, v.full_time ? 'UTC' : before.timezone || ZONE);
  if (type === 2) out.days = 1 << p.weekday;
  if (type === 3) out.day_in_month = p.day;
  if (type === 4) {
    out.day_in_month = p.day;
    out.month = p.month;
  }
  return out;
}

// apptInputs shows the inputs that apply: no times for a whole-day
// appointment, an interval for daily, weekly and monthly rules.
function apptInputs() {
  const form = $('#appointment-form');
  const full = $('#a-full_time').checked;
  for (const id of ['#a-start-time', '#a-end-time']) {
    $(id).hidden = full;
    $(id).required = !full;
  }
  const type = Number($('#a-recurrence').value);
  const n = Math.max(1, Math.floor(Number($('#a-interval').value)) || 1);
  const withInterval = type >= 1 && type <= 3;
  for (const id of ['#a-interval', '#a-interval-label', '#a-interval-unit']) $(id).hidden = !withInterval;
  $('#a-interval-unit').textContent = withInterval ? INTERVAL_UNITS[type][n === 1 ? 0 : 1] : '';
  let hint = '';
  const sd = $('#a-start-date').value;
  if (type !== 0 && sd) {
    const d = parseDate(sd);
    const every = (one, many) => (n === 1 ? `every ${one}` : `every ${n} ${many}`);
    hint = {
      1: () => `Repeats ${every('day', 'days')}.`,
      2: () => `Repeats ${every('week', 'weeks')} on ${d.toLocaleDateString(undefined, { weekday: 'long' })}.`,
      3: () => `Repeats ${every('month', 'months')} on day ${d.getDate()}.`,
      4: () => `Repeats every year on ${d.toLocaleDateString(undefined, { day: 'numeric', month: 'long' })}.`,
    }[type]();
  }
  $('#a-recurrence-hint').textContent = hint;
  const t = currentTimes();
  form.dataset.startMs = t.start_date == null ? '' : String(t.start_date);
}

// keepDuration moves the end along when the start moves, as calendar
// programs do.
function keepDuration() {
  const form = $('#appointment-form');
  const before = Number(form.dataset.startMs);
  const t = currentTimes();
  if (form.dataset.startMs && t.start_date != null && t.end_date != null && Number.isFinite(before)) {
    const end = t.end_date + (t.start_date - before);
    if ($('#a-full_time').checked) {
      $('#a-end-date').value = utcDateKey(end - DAY);
    } else {
      const e = dueInputs(end, false);
      $('#a-end-date').value = e.date;
      $('#a-end-time').value = e.time;
    }
  }
  apptInputs();
}

function toggleFullTime() {
  if (!$('#a-full_time').checked) {
    if (!$('#a-start-time').value) $('#a-start-time').value = '09:00';
    if (!$('#a-end-time').value) $('#a-end-time').value = '10:00';
  }
  apptInputs();
}

// switchScope reloads the editor with the series or with the occurrence
// it was opened from; text typed so far goes along, times do not (they
// belong to the one or the other).
async function switchScope(scope) {
  const cur = state.current;
  if (!cur || cur.module !== 'calendar' || !cur.occ || cur.scope === scope) return;
  const form = $('#appointment-form');
  const v = appointmentValues();
  const typed = {};
  for (const k of ['title', 'location', 'note']) if ((cur.data[k] ?? null) !== v[k]) typed[k] = v[k];
  const target = scope === 'series' ? { id: cur.series, pos: null } : cur.occ;
  const seq = ++openSeq;
  busy(form, true);
  const r = await call('calendar', getParams({ module: 'calendar', id: target.id, folder: cur.folder, pos: target.pos }));
  if (seq !== openSeq) return;
  busy(form, false);
  if (!r.ok) {
    $(cur.scope === 'series' ? '#a-scope-series' : '#a-scope-occurrence').checked = true;
    setError(form, r.error);
    return;
  }
  openEditor('calendar', {
    module: 'calendar', id: r.data.id ?? target.id, folder: r.data.folder_id ?? cur.folder, data: r.data,
    timestamp: r.timestamp ?? r.data.last_modified_utc, pos: target.pos, series: cur.series, occ: cur.occ, scope,
  });
  if (Object.keys(typed).length) fillForm('calendar', { ...r.data, ...typed });
  markCurrent();
}

function conflictWhen(c) {
  if (c.start_date == null) return '';
  return `${formatDue(c.start_date, false)} – ${new Date(c.end_date).toDateString() === new Date(c.start_date).toDateString() ? hm(c.end_date) : formatDue(c.end_date, false)}`;
}

// showApptConflicts lists what the appointment would overlap with. A
// booked resource (hard_conflict) cannot be overridden.
function showApptConflicts(list) {
  const hard = list.some((c) => c.hard_conflict);
  $('#a-conflicts-text').textContent = hard
    ? 'A resource is already booked at this time. The appointment was not saved: pick another time.'
    : 'The appointment was not saved yet: it overlaps with';
  $('#a-conflict-list').replaceChildren(...list.map((c) => el('li', { class: c.hard_conflict ? 'hard' : null },
    el('strong', { text: c.title || '(private appointment)' }), ' ', el('span', { text: conflictWhen(c) }),
    c.hard_conflict ? el('span', { class: 'hard-note', text: ' · resource booked' }) : null)));
  $('#a-ignore-conflicts').hidden = hard;
  $('#a-conflicts').hidden = false;
  (hard ? $('#a-conflicts-dismiss') : $('#a-ignore-conflicts')).focus();
}

function hideApptConflicts() {
  $('#a-conflicts').hidden = true;
  $('#a-conflict-list').replaceChildren();
}

// formValues reads the editor; empty fields are null.
function formValues(module) {
  if (module === 'calendar') return appointmentValues();
  if (module === 'contacts') {
    const out = {};
    for (const f of CONTACT_FIELDS) {
      const v = f === 'note' ? $(`#c-${f}`).value : $(`#c-${f}`).value.trim();
      out[f] = v === '' ? null : v;
    }
    return out;
  }
  const prio = $('#t-priority').value;
  return {
    title: $('#t-title').value.trim() || null,
    note: $('#t-note').value === '' ? null : $('#t-note').value,
    status: Number($('#t-status').value),
    priority: prio === '' ? null : Number(prio),
    ...dueValue($('#t-due-date').value, $('#t-due-time').value),
  };
}

// changes keeps only the fields that differ from the loaded version, so
// an offline edit records exactly what the person changed and the syncer
// can merge it with other changes to the same object.
function changes(module, before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const old = before[k] ?? null;
    if ((old === '' ? null : old) !== v) out[k] = v;
  }
  if (module === 'tasks' && ('end_time' in out || 'full_time' in out)) {
    out.end_time = after.end_time;
    out.full_time = after.full_time;
  }
  // The server reads start and end by full_time, and a rule as a whole.
  if (module === 'calendar') {
    for (const group of [APPT_TIME_FIELDS, RECURRENCE_FIELDS]) {
      if (group.some((k) => k in out)) for (const k of group) if (k in after) out[k] = after[k];
    }
  }
  return out;
}

// busy disables the editor while it loads, so nothing typed meanwhile is
// overwritten by the loaded version.
function busy(form, on) {
  form.setAttribute('aria-busy', String(on));
  for (const e of form.elements) e.disabled = on;
}

// getParams reads the entry in the editor (an occurrence by its
// position in the series).
function getParams(cur) {
  return {
    action: 'get', id: cur.id, folder: cur.folder, timezone: TZ,
    recurrence_position: cur.module === 'calendar' && cur.pos ? cur.pos : null,
  };
}

let openSeq = 0;
// openItem loads an entry into its editor. Appointments take {pos} (an
// occurrence of a series) and {occ} (the occurrence a series edit
// started from, so the person can go back to it).
async function openItem(module, id, folder, { pos = null, occ = null } = {}) {
  const seq = ++openSeq;
  const form = formOf(module);
  if (!form.hidden) busy(form, true);
  const r = await call(module, getParams({ module, id, folder, pos }));
  if (seq !== openSeq) return;
  busy(form, false);
  if (!r.ok) {
    if (!r.network) flash(r.error);
    return;
  }
  const cur = { module, id: r.data.id ?? id, folder: r.data.folder_id ?? folder, data: r.data, timestamp: r.timestamp ?? r.data.last_modified_utc };
  if (module === 'calendar') Object.assign(cur, seriesScope(r.data, pos, occ));
  openEditor(module, cur);
  markCurrent();
}

// seriesScope says how an opened appointment relates to its series: an
// occurrence (pos) or a changed occurrence (its own id, recurrence_id
// naming the series) is edited alone unless the person picks the
// series.
function seriesScope(d, pos, occ) {
  const own = d.id;
  const series = d.recurrence_id != null && d.recurrence_id !== own ? d.recurrence_id : d.recurrence_type > 0 ? own : null;
  if (series == null) return { pos: null, series: null, occ: null, scope: null };
  if (pos) return { pos, series, occ: { id: own, pos }, scope: 'occurrence' };
  if (series !== own) return { pos: null, series, occ: { id: own, pos: null }, scope: 'occurrence' };
  return { pos: null, series, occ, scope: 'series' };
}

function newItem() {
  const f = state.folder;
  if (!f) return;
  openSeq++;
  busy(formOf(f.module), false);
  const data = f.module === 'tasks' ? { status: 1 } : f.module === 'calendar' ? newAppointmentData() : {};
  openEditor(f.module, { module: f.module, id: null, folder: f.id, data, scope: null });
}

function setError(form, text) {
  form.querySelector('.error').textContent = text;
}

function isConflict(r) {
  return r.category === 9;
}

async function save(ev) {
  ev.preventDefault();
  const cur = state.current;
  if (!cur) return;
  const form = formOf(cur.module);
  const values = formValues(cur.module);
  // Set by "Save anyway" after the server named overlapping appointments.
  const ignoreConflicts = form.dataset.ignoreConflicts === '1';
  delete form.dataset.ignoreConflicts;
  busy(form, true);
  try {
    await saveCurrent(cur, form, values, { ignoreConflicts });
  } finally {
    if (state.current === cur) busy(form, false);
    // Counts finished saves, so scripts (and tests) can wait for one.
    form.dataset.saves = String(Number(form.dataset.saves || 0) + 1);
  }
}

async function saveCurrent(cur, form, values, { ignoreConflicts = false } = {}) {
  let r;
  const cal = cur.module === 'calendar';
  if (cal) {
    hideApptConflicts();
    if (values.start_date != null && values.end_date < values.start_date) {
      setError(form, 'The end is before the start.');
      return;
    }
  }
  if (cur.id == null) {
    const body = { folder_id: Number(cur.folder) };
    for (const [k, v] of Object.entries(values)) if (v != null) body[k] = v;
    if (cur.module === 'tasks' && values.end_time == null) delete body.full_time;
    if (cal) {
      body.timezone = (cur.data && cur.data.timezone) || ZONE;
      if (ignoreConflicts) body.ignore_conflicts = true;
    }
    r = await call(cur.module, { action: 'new', timezone: TZ }, { body });
  } else {
    const diff = changes(cur.module, cur.data, values);
    if (Object.keys(diff).length === 0) {
      setError(form, 'Nothing to save.');
      return;
    }
    // With recurrence_position the server stores the occurrence as a
    // change exception of the series.
    const extra = {};
    if (cal && cur.scope === 'occurrence' && cur.pos) extra.recurrence_position = cur.pos;
    if (cal && ignoreConflicts) extra.ignore_conflicts = true;
    // A conflict on fields the person did not touch (another client, or
    // the sync settling this entry) is merged here; only the same field
    // changed on both sides goes back to the person.
    for (let attempt = 0; ; attempt++) {
      r = await call(cur.module, { action: 'update', id: cur.id, folder: cur.folder, timestamp: cur.timestamp, timezone: TZ }, { body: { ...diff, ...extra } });
      if (r.ok || !isConflict(r) || attempt === 3) break;
      const both = await rebase(cur, diff);
      if (both === null) break;
      if (both.length > 0) {
        const names = both.map((f) => fieldLabel(cur.module, f)).join(', ');
        setError(form, `Someone else changed ${names} meanwhile. The entry was reloaded with your input on top; check it and save again.`);
        return;
      }
    }
  }
  if (!r.ok) {
    setError(form, isConflict(r) ? 'Someone else changed this entry meanwhile. Reload it and try again.' : r.error);
    return;
  }
  if (cal && r.data && Array.isArray(r.data.conflicts)) {
    // Nothing was saved; the person decides.
    showApptConflicts(r.data.conflicts);
    return;
  }
  let id = cur.id ?? (r.data && r.data.id);
  // A changed occurrence is a new appointment (the change exception).
  if (cal && r.data && r.data.id != null) id = r.data.id;
  const seq = openSeq;
  await loadItems();
  // Show the saved version, unless the person opened something else
  // meanwhile.
  if (seq === openSeq && state.current === cur) {
    await openItem(cur.module, id, cur.folder, cal && cur.scope === 'series' ? { occ: cur.occ } : {});
    setError(formOf(cur.module), '');
  }
  kickStatus();
}

// refreshEditor shows the newest version of the open entry after a sync,
// unless the person is editing it.
async function refreshEditor() {
  const cur = state.current;
  if (!cur || cur.id == null) return;
  if (Object.keys(changes(cur.module, cur.data, formValues(cur.module))).length > 0) return;
  const r = await call(cur.module, getParams(cur));
  if (state.current !== cur) return;
  if (!r.ok) {
    if (!r.network && r.category !== 9) closeEditor(); // gone meanwhile
    return;
  }
  if (Object.keys(changes(cur.module, cur.data, formValues(cur.module))).length > 0) return;
  cur.data = r.data;
  cur.id = r.data.id ?? cur.id;
  cur.folder = r.data.folder_id ?? cur.folder;
  cur.timestamp = r.timestamp ?? r.data.last_modified_utc;
  fillForm(cur.module, r.data);
}

// rebase loads the current version of the edited object and puts the
// person's edits (mine, against the version they started from) on top of
// it in the form, so a save sends only those edits and drops nobody
// else's change. It returns the fields of mine that changed on the other
// side too, or null when the object could not be read.
async function rebase(cur, mine) {
  const r = await call(cur.module, getParams(cur));
  if (!r.ok) return null;
  const before = cur.data;
  const same = (a, b) => (a ?? null) === (b ?? null) || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const both = Object.keys(mine).filter((k) => !same(before[k], r.data[k]) && !same(mine[k], r.data[k]));
  cur.data = r.data;
  cur.id = r.data.id ?? cur.id;
  cur.folder = r.data.folder_id ?? cur.folder;
  cur.timestamp = r.timestamp ?? r.data.last_modified_utc;
  fillForm(cur.module, { ...r.data, ...mine });
  return both;
}

const SHOWN_FIELDS = {
  contacts: CONTACT_FIELDS,
  tasks: ['title', 'note', 'status', 'priority', 'end_time', 'full_time'],
  calendar: ['title', 'location', 'note', 'start_date', 'end_date', 'full_time', 'recurrence_type', 'interval'],
};

function resetDelete(form) {
  const b = form.querySelector('[data-action="delete"]');
  b.textContent = 'Delete';
  delete b.dataset.armed;
}

// Deleting asks for a second click instead of a blocking confirm().
async function remove(form) {
  const b = form.querySelector('[data-action="delete"]');
  if (!b.dataset.armed) {
    b.dataset.armed = '1';
    b.textContent = 'Confirm delete';
    return;
  }
  resetDelete(form);
  const cur = state.current;
  if (!cur || cur.id == null) return;
  const notDeleted = (r) => !r.ok || (Array.isArray(r.data) && r.data.length > 0);
  const ref = { id: Number(cur.id), folder: Number(cur.folder) };
  // One occurrence of a series goes as a delete exception. OX names the
  // position `pos` in delete; recurrence_position, which the server
  // accepts too, is what the worker's outbox recognises.
  if (cur.module === 'calendar' && cur.scope === 'occurrence' && cur.pos) {
    ref.pos = cur.pos;
    ref.recurrence_position = cur.pos;
  }
  const del = () => call(cur.module, { action: 'delete', timestamp: cur.timestamp, timezone: TZ }, { body: [ref] });
  // OX answers the ids it did not delete because they changed meanwhile.
  let r = await del();
  if (notDeleted(r) && (r.ok || isConflict(r))) {
    // A newer version that shows nothing new (the sync settled it) is
    // deleted without asking again.
    const shown = SHOWN_FIELDS[cur.module] || CONTACT_FIELDS;
    const before = cur.data;
    const changed = await rebase(cur, Object.fromEntries(shown.map((k) => [k, before[k] ?? null])));
    if (changed && changed.length === 0) r = await del();
    else if (changed) {
      fillForm(cur.module, cur.data);
      setError(form, 'Someone else changed this entry meanwhile. It was reloaded; delete again to remove it.');
      return;
    }
  }
  if (notDeleted(r)) {
    setError(form, r.error || 'The entry could not be deleted.');
    return;
  }
  closeEditor();
  await loadItems();
  kickStatus();
}

// ------------------------------------------------------------ status

let statusTimer = 0;
function kickStatus() {
  clearTimeout(statusTimer);
  statusTimer = setTimeout(refreshStatus, 300);
}

function num(v) {
  if (Array.isArray(v)) return v.length;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

// normalise reads the worker's oxlite/sync state answer: {online,
// syncing, pending, conflicts, last_sync, last_error, relogin, attached}.
function normalise(d) {
  d = d || {};
  const online = d.online !== false;
  let s = online ? 'online' : 'offline';
  if (d.syncing) s = 'syncing';
  if (d.relogin) s = 'relogin';
  return {
    supported: true,
    online,
    state: s,
    pending: num(d.pending),
    conflicts: num(d.conflicts),
    lastSync: d.last_sync || null,
    lastError: d.last_error || null,
  };
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

async function refreshStatus() {
  clearTimeout(statusTimer);
  statusTimer = setTimeout(refreshStatus, STATUS_EVERY);
  if (!state.session) return;
  const r = await call('oxlite/sync', { action: 'state' });
  const status = $('#status');
  let text;
  let mode;
  if (r.network) {
    state.sync = { supported: false, online: false };
    mode = 'offline';
    text = 'Offline: the server cannot be reached';
  } else if (r.code === 'SVL-0007') {
    // The native server has no such module: no worker answered.
    state.sync = { supported: false, online: true };
    mode = 'online';
    text = 'Online, no offline support';
  } else if (!r.ok) {
    mode = 'error';
    text = `Sync status unknown: ${r.error}`;
  } else {
    const s = normalise(r.data);
    state.sync = s;
    const pending = s.pending ? plural(s.pending, 'change', 'changes') + ' waiting to sync' : 'all changes saved';
    if (s.state === 'relogin') {
      mode = 'relogin';
      text = `Sign in again to sync · ${pending}`;
    } else if (!s.online) {
      mode = 'offline';
      text = `Offline · ${s.pending ? pending : 'working from this device'}`;
    } else {
      mode = s.state === 'syncing' ? 'syncing' : 'online';
      text = `${s.state === 'syncing' ? 'Syncing' : 'Online'} · ${pending}`;
    }
    const btn = $('#conflicts-button');
    btn.hidden = s.conflicts === 0 && $('#conflicts-view').hidden;
    $('#conflict-count').textContent = String(s.conflicts);
    if (state.lastSync !== s.lastSync) {
      state.lastSync = s.lastSync;
      // Pulled changes (the first sync's folders too) show up without a
      // click.
      if (s.lastSync != null) {
        loadFolders();
        refreshEditor();
        if (!$('#conflicts-view').hidden) loadConflicts();
      }
    }
    // Follow a running or first sync and the outbox closely.
    if (s.state === 'syncing' || s.lastSync == null || s.pending > 0) {
      clearTimeout(statusTimer);
      statusTimer = setTimeout(refreshStatus, 1000);
    }
  }
  status.dataset.state = mode;
  status.dataset.pending = String(state.sync && state.sync.pending || 0);
  status.textContent = text;
}

function flash(text) {
  const status = $('#status');
  status.dataset.state = 'error';
  status.textContent = text;
}

// --------------------------------------------------------- conflicts

const FIELD_LABELS = {
  title: 'Title', first_name: 'First name', last_name: 'Last name', display_name: 'Display name', email1: 'Email',
  company: 'Company', telephone_business1: 'Business phone', cellular_telephone1: 'Mobile phone', note: 'Note',
  status: 'Status', priority: 'Priority', end_time: 'Due', full_time: 'Whole day',
  location: 'Location', start_date: 'Start', end_date: 'End', recurrence_type: 'Repeat', interval: 'Interval',
};
const CALENDAR_LABELS = { title: 'Subject', note: 'Description', full_time: 'All day' };

function fieldLabel(module, f) {
  return (module === 'calendar' && CALENDAR_LABELS[f]) || FIELD_LABELS[f] || f;
}

// showCell renders a field value, or for whole objects (the kinds other
// than field) the fields the client knows, those differing marked.
function showCell(field, v, c) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return showValue(field, v);
  const other = v === c.local ? c.server : c.local;
  const keys = Object.keys(FIELD_LABELS).filter((k) => k in v && v[k] != null && v[k] !== '');
  if (keys.length === 0) return JSON.stringify(v);
  return el('dl', { class: 'object' }, keys.map((k) => [
    el('dt', { text: fieldLabel(c.module, k) }),
    el('dd', { class: other && typeof other === 'object' && other[k] !== v[k] ? 'differs' : null }, showValue(k, v[k])),
  ]));
}

function showValue(field, v) {
  if (v === undefined) return '—';
  if (v === null || v === '') return '(empty)';
  if (field === 'status') return STATUS_NAMES[v] || String(v);
  if (field === 'priority') return PRIORITY_NAMES[v] || String(v);
  if ((field === 'end_time' || field === 'start_date' || field === 'end_date') && typeof v === 'number') return formatDue(v, false);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

async function userName(id) {
  if (id == null) return 'someone';
  if (state.names.has(id)) return state.names.get(id);
  const r = await call('user', { action: 'get', id });
  const name = r.ok && r.data && (r.data.display_name || r.data.login_info) || `user ${id}`;
  state.names.set(id, name);
  return name;
}

async function objectName(c) {
  for (const v of [c.local, c.server, c.base]) {
    if (v && typeof v === 'object') return c.module === 'contacts' ? contactLabel(v) : v.title || '(no title)';
  }
  const r = await call(c.module, { action: 'get', id: c.object_id, folder: c.folder_id, timezone: TZ });
  if (!r.ok) return `${{ tasks: 'task', calendar: 'appointment' }[c.module] || 'contact'} ${c.object_id}`;
  return c.module === 'contacts' ? contactLabel(r.data) : r.data.title || '(no title)';
}

async function openConflicts() {
  show('conflicts-view');
  $('#conflicts-button').hidden = false;
  await loadConflicts();
}

async function loadConflicts() {
  const r = await call('oxlite/sync', { action: 'conflicts' });
  const list = $('#conflict-list');
  if (!r.ok) {
    list.replaceChildren(el('li', { text: r.code === 'SVL-0007' ? 'This server keeps no offline changes.' : r.error }));
    return;
  }
  const conflicts = (Array.isArray(r.data) ? r.data : (r.data && r.data.conflicts) || []).filter((c) => !c.resolved);
  const items = [];
  for (const c of conflicts) items.push(await renderConflict(c));
  list.replaceChildren(...items);
  $('#conflicts-empty').hidden = conflicts.length > 0;
}

const KIND_TEXT = {
  field: (who, when) => `changed on the server by ${who}, ${when}`,
  deleted_on_server: (who, when) => `you changed it, ${who} deleted it on the server, ${when}`,
  changed_on_server: (who, when) => `you deleted it, ${who} changed it on the server, ${when}`,
  rejected: () => 'the server refused your change',
};
const CHOICE_TEXT = {
  field: ['Keep mine', 'Take the server’s'],
  deleted_on_server: ['Restore my version', 'Accept the deletion'],
  changed_on_server: ['Delete it anyway', 'Keep the server’s version'],
  rejected: ['Try again', 'Drop my change'],
};

async function renderConflict(c) {
  const kind = c.kind || 'field';
  const field = c.field || '';
  const label = fieldLabel(c.module, field);
  const what = { tasks: 'Task', contacts: 'Contact', calendar: 'Appointment' }[c.module] || c.module;
  const who = await userName(c.server_modified_by);
  const when = c.server_last_modified ? new Date(c.server_last_modified).toLocaleString() : 'unknown time';
  const name = await objectName(c);
  const id = String(c.id);
  const head = el('div', { class: 'conflict-head' },
    el('strong', { text: `${what} “${name}”` }),
    kind === 'field' ? el('span', { text: `field ${label}` }) : null,
    el('span', { class: 'muted', text: KIND_TEXT[kind] ? KIND_TEXT[kind](who, when) : `changed on the server by ${who}, ${when}` }));
  const rows = [];
  if (kind === 'field') rows.push(['Before', c.base]);
  rows.push(['Your version', kind === 'changed_on_server' ? '(deleted by you)' : c.local],
    [`Server (${who})`, kind === 'deleted_on_server' ? '(deleted)' : c.server]);
  if (kind === 'rejected' && (c.error || c.message)) rows.push(['Reason', c.error || c.message]);
  const table = el('table', { class: 'versions' }, el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', text: k }), el('td', {}, showCell(field, v, c))))));
  const msg = el('p', { class: 'error', role: 'alert' });
  const resolve = async (choice, value) => {
    const body = { id: c.id, use: choice };
    if (choice === 'merged') body.value = value;
    const r = await call('oxlite/sync', { action: 'resolve' }, { body });
    if (!r.ok) {
      msg.textContent = r.error;
      return;
    }
    await loadConflicts();
    kickStatus();
    loadItems();
  };
  const buttons = el('div', { class: 'actions' },
    el('button', { type: 'button', onclick: () => resolve('local') }, (CHOICE_TEXT[kind] || CHOICE_TEXT.field)[0]),
    el('button', { type: 'button', onclick: () => resolve('server') }, (CHOICE_TEXT[kind] || CHOICE_TEXT.field)[1]));
  let merge = null;
  if (kind === 'field' && typeof (c.local ?? c.server ?? '') !== 'object') {
    const inputId = `merge-${id}`;
    const input = el(field === 'note' ? 'textarea' : 'input', { id: inputId, rows: field === 'note' ? 3 : null });
    input.value = c.local ?? '';
    merge = el('div', { class: 'merge' },
      el('label', { for: inputId, text: 'Merged value' }), input,
      el('button', { type: 'button', onclick: () => resolve('merged', coerce(field, input.value, c)) }, 'Save merged'));
  }
  return el('li', { 'data-conflict': id }, head, table, buttons, merge, msg);
}

function coerce(field, text, c) {
  const sample = c.server ?? c.local ?? c.base;
  if (typeof sample === 'number') {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  return text === '' ? null : text;
}

// ----------------------------------------------------- service worker

// worker registers /sw.js (written by the worker build) and waits until
// it controls this page: logins must pass through it so that it keeps
// the session for offline use. Without sw.js the page talks to the
// server directly.
async function worker() {
  if (!('serviceWorker' in navigator)) return;
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(() => {});
  }
  let reg;
  try {
    reg = await navigator.serviceWorker.register('/sw.js');
  } catch {
    return; // no worker on this server
  }
  if (navigator.serviceWorker.controller || !reg) return;
  const installing = reg.installing || reg.waiting;
  if (!installing && !reg.active) return;
  $('#status').textContent = 'Preparing offline support…';
  // A new worker takes over when its install (the Go boot) is done; an
  // active one that does not control this page gets a short while to
  // claim it.
  await new Promise((resolve) => {
    const done = () => resolve();
    navigator.serviceWorker.addEventListener('controllerchange', done, { once: true });
    if (installing) {
      installing.addEventListener('statechange', () => { if (installing.state === 'redundant') done(); });
      setTimeout(done, 60000);
    } else {
      setTimeout(done, 3000);
    }
  });
}

// ------------------------------------------------------------- wiring

function wire() {
  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = ev.submitter || $('#login-form button[type=submit]');
    btn.disabled = true;
    $('#login-error').textContent = '';
    const r = await login($('#login-name').value.trim(), $('#login-password').value, $('#login-stay').checked);
    btn.disabled = false;
    if (!r.ok) {
      $('#login-error').textContent = r.error;
      return;
    }
    $('#login-password').value = '';
    await showApp();
  });
  $('#logout-button').addEventListener('click', logout);
  $('#new-button').addEventListener('click', newItem);
  // Refresh through the worker first syncs (oxlite/sync `now` answers
  // when the sync is done), so the server's news are in the list.
  $('#refresh-button').addEventListener('click', async () => {
    const btn = $('#refresh-button');
    btn.disabled = true;
    try {
      if (state.sync && state.sync.supported) await call('oxlite/sync', { action: 'now' });
      await loadFolders();
    } finally {
      btn.disabled = false;
    }
    kickStatus();
  });
  $('#conflicts-button').addEventListener('click', openConflicts);
  $('#conflicts-close').addEventListener('click', () => {
    show('app-view');
    loadItems();
    kickStatus();
  });
  for (const form of Object.values(FORMS).map((sel) => $(sel))) {
    form.addEventListener('submit', save);
    form.querySelector('[data-action="delete"]').addEventListener('click', () => remove(form));
    form.querySelector('[data-action="cancel"]').addEventListener('click', () => {
      closeEditor();
      for (const b of document.querySelectorAll('#items button')) b.removeAttribute('aria-current');
    });
  }
  $('#week-prev').addEventListener('click', () => showWeek(addDays(state.week || weekStart(new Date()), -7)));
  $('#week-next').addEventListener('click', () => showWeek(addDays(state.week || weekStart(new Date()), 7)));
  $('#week-today').addEventListener('click', () => showWeek(new Date()));
  $('#week-date').addEventListener('change', (ev) => {
    if (ev.target.value) showWeek(parseDate(ev.target.value));
  });
  $('#a-full_time').addEventListener('change', toggleFullTime);
  for (const id of ['#a-start-date', '#a-start-time']) $(id).addEventListener('change', keepDuration);
  for (const id of ['#a-end-date', '#a-end-time', '#a-recurrence']) $(id).addEventListener('change', apptInputs);
  $('#a-interval').addEventListener('input', apptInputs);
  for (const id of ['#a-scope-occurrence', '#a-scope-series']) {
    $(id).addEventListener('change', (ev) => { if (ev.target.checked) switchScope(ev.target.value); });
  }
  $('#a-ignore-conflicts').addEventListener('click', () => {
    const form = $('#appointment-form');
    form.dataset.ignoreConflicts = '1';
    form.requestSubmit();
    // save() has read it; a form that did not validate must not keep it.
    delete form.dataset.ignoreConflicts;
  });
  $('#a-conflicts-dismiss').addEventListener('click', () => {
    hideApptConflicts();
    $('#a-start-date').focus();
  });
  // The worker posts {type: 'oxlite-sync', state} when its sync state
  // changes, and hears from the page when the browser's network changes.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data && e.data.type === 'oxlite-sync') kickStatus();
    });
  }
  for (const name of ['online', 'offline']) {
    window.addEventListener(name, () => {
      const w = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (w) w.postMessage({ type: `oxlite-${name}` });
      kickStatus();
    });
  }
}

async function start() {
  wire();
  await worker();
  $('#status').textContent = 'Connecting…';
  if (await resume()) await showApp();
  else showLogin();
  refreshStatus();
}

start();
