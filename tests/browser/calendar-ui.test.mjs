// The web client's calendar against a reachable server: the week agenda,
// the appointment editor (single, whole-day and weekly appointments),
// overlap warnings (soft ones can be overridden, a booked room cannot),
// one occurrence of a series changed and deleted, a stale edit merged,
// and the checks of what the server holds through the API as another
// session. Appointments lie in 2030, so the conflict check (future only)
// applies and the week does not depend on today.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, startProxy, launch, Api, poll, loginThroughPage, folderButton, artefact, pngSize, explainPage,
} from './lib.mjs';

const FORM = '#appointment-form';
const COLS = [1, 20, 200, 201, 202, 203, 206, 207, 209, 212, 215, 400, 401, 408];
const NAMES = ['id', 'folder_id', 'title', 'start_date', 'end_date', 'note', 'recurrence_id', 'recurrence_position',
  'recurrence_type', 'days', 'interval', 'location', 'full_time', 'timezone'];
const DAY = 86400000;

let server, proxy, browser, api, page, calFolder, room;

before(async () => {
  server = await startServer();
  server.addUser('alice', 'alice-pw-1', ['--first-name', 'Alice', '--last-name', 'Doe']);
  room = Number.parseInt(server.cli('resource', 'add', '--name', 'room-1', '--email', 'room-1@example.com').trim(), 10);
  proxy = await startProxy(server.port);
  api = await Api.login(server.url, 'alice', 'alice-pw-1');
  calFolder = await api.defaultFolder('calendar');
  browser = await launch();
  page = browser.page;
});

after(async () => {
  if (process.exitCode && browser) console.log(browser.logs.join('\n'));
  await browser?.close();
  await proxy?.close();
  await server?.stop();
});

/** appointments returns what the server lists in [from, to) as objects. */
async function appointments(from, to) {
  const r = await api.ok('calendar', {
    action: 'all', folder: String(calFolder), start: String(from), end: String(to), columns: COLS.join(','), timezone: 'UTC',
  });
  return r.data.map((row) => Object.fromEntries(NAMES.map((n, i) => [n, row[i]])));
}

const MAY = [Date.UTC(2030, 3, 28), Date.UTC(2030, 5, 8)];
const inMay = () => appointments(...MAY);

/** local is the instant of a wall-clock time in the browser's zone. */
const local = (y, m, d, h = 0, min = 0) => page.evaluate(([y, m, d, h, min]) => new Date(y, m - 1, d, h, min).getTime(), [y, m, d, h, min]);

/** row is the agenda entry with text on day (YYYY-MM-DD). */
const row = (day, text) => page.locator(`#items li[data-day="${day}"] button`, { hasText: text });

async function goToWeek(date) {
  await page.getByLabel('Go to date').fill(date);
  await poll(async () => (await page.locator('#week-date').inputValue()) !== '' && (await page.locator('#list-title').isVisible()),
    { what: 'week shown' });
}

async function saves() {
  return Number(await page.locator(FORM).getAttribute('data-saves') || 0);
}

/** save clicks button (Save by default) and waits until that save is done. */
async function save(name = 'Save') {
  const n = await saves();
  await page.locator(FORM).getByRole('button', { name, exact: true }).click();
  await poll(async () => (await saves()) > n, { what: `${name} finished`, explain: () => explainPage(page) });
}

async function fill({ subject, location, note, start, end, allDay, repeat, every }) {
  if (subject != null) await page.getByLabel('Subject').fill(subject);
  if (location != null) await page.getByLabel('Location').fill(location);
  if (note != null) await page.getByLabel('Description').fill(note);
  if (allDay != null) await page.getByLabel('All day').setChecked(allDay);
  if (start) {
    await page.getByLabel('Start date').fill(start[0]);
    if (start[1]) await page.getByLabel('Start time').fill(start[1]);
  }
  if (end) {
    await page.getByLabel('End date').fill(end[0]);
    if (end[1]) await page.getByLabel('End time').fill(end[1]);
  }
  if (repeat) await page.getByLabel('Repeat').selectOption({ label: repeat });
  if (every != null) await page.getByLabel('Every').fill(String(every));
}

async function newAppointment(fields) {
  await page.getByRole('button', { name: 'New appointment' }).click();
  await poll(async () => (await page.locator('#appointment-form-title').textContent()) === 'New appointment', { what: 'new editor' });
  await fill(fields);
}

test('sign in and open the calendar week', async () => {
  await loginThroughPage(page, proxy.url, 'alice', 'alice-pw-1');
  await folderButton(page, calFolder).click();
  await page.getByRole('button', { name: 'New appointment' }).waitFor();
  assert.equal(await page.locator('#week-nav').isVisible(), true);
  // The week shown first is this week, from its Monday.
  const monday = await page.evaluate(() => {
    const d = new Date();
    const m = new Date(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7));
    return `${m.getFullYear()}-${String(m.getMonth() + 1).padStart(2, '0')}-${String(m.getDate()).padStart(2, '0')}`;
  });
  assert.equal(await page.locator('#week-date').inputValue(), monday);
  await goToWeek('2030-05-08');
  // Any day of a week shows that week from its Monday.
  assert.equal(await page.locator('#week-date').inputValue(), '2030-05-06');
  await page.getByRole('button', { name: 'Today' }).click();
  await poll(async () => (await page.locator('#week-date').inputValue()) === monday, { what: 'back to this week' });
});

test('a single appointment created in the client reaches the server', async () => {
  await goToWeek('2030-05-06');
  await newAppointment({
    subject: 'Dentist', location: 'Main Street 5', note: 'bring the card', start: ['2030-05-07', '10:00'], end: ['2030-05-07', '11:00'],
  });
  await save();
  await row('2030-05-07', 'Dentist').waitFor();
  assert.match(await row('2030-05-07', 'Dentist').textContent(), /Main Street 5/);
  const a = await poll(async () => (await inMay()).find((x) => x.title === 'Dentist'), { what: 'appointment on the server' });
  assert.equal(a.start_date, await local(2030, 5, 7, 10));
  assert.equal(a.end_date, await local(2030, 5, 7, 11));
  assert.equal(a.location, 'Main Street 5');
  assert.equal(a.note, 'bring the card');
  assert.equal(a.full_time, false);
  assert.equal(a.recurrence_type, 0);
  assert.equal(a.timezone, await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
  // The editor now shows the saved appointment.
  await poll(async () => (await page.locator('#appointment-form-title').textContent()) === 'Edit appointment', { what: 'edit mode' });
  assert.equal(await page.getByLabel('Start time').inputValue(), '10:00');
});

test('an overlap is shown before saving; "Save anyway" saves it', async () => {
  await newAppointment({ subject: 'Call with Bob', start: ['2030-05-07', '10:30'], end: ['2030-05-07', '11:30'] });
  await save();
  const warning = page.locator('#a-conflicts');
  await warning.waitFor();
  assert.match(await warning.textContent(), /Dentist/);
  assert.equal(await page.locator('#a-ignore-conflicts').isVisible(), true);
  assert.equal((await inMay()).some((x) => x.title === 'Call with Bob'), false, 'nothing saved before the person decides');
  await save('Save anyway');
  await row('2030-05-07', 'Call with Bob').waitFor();
  await poll(async () => (await inMay()).some((x) => x.title === 'Call with Bob'), { what: 'overlapping appointment saved' });
  assert.equal(await warning.isHidden(), true);
});

test('a whole-day appointment is stored as dates and shown as all day', async () => {
  await newAppointment({ subject: 'Conference', allDay: true, start: ['2030-05-10'], end: ['2030-05-11'] });
  assert.equal(await page.getByLabel('Start time').isHidden(), true);
  await save();
  await row('2030-05-10', 'Conference').waitFor();
  assert.match(await row('2030-05-10', 'Conference').textContent(), /All day/);
  await row('2030-05-11', 'Conference').waitFor();
  assert.equal(await row('2030-05-12', 'Conference').count(), 0);
  const a = await poll(async () => (await inMay()).find((x) => x.title === 'Conference'), { what: 'whole-day appointment on the server' });
  assert.equal(a.full_time, true);
  assert.equal(a.start_date, Date.UTC(2030, 4, 10));
  assert.equal(a.end_date, Date.UTC(2030, 4, 12));
});

let seriesId;

test('a weekly series shows in this week and the next', async () => {
  await newAppointment({ subject: 'Team sync', location: 'Room 3', start: ['2030-05-08', '09:00'], end: ['2030-05-08', '09:30'], repeat: 'Weekly' });
  assert.match(await page.locator('#a-recurrence-hint').textContent(), /every week on Wednesday/);
  await save();
  await row('2030-05-08', 'Team sync').waitFor();
  const occ = await poll(async () => {
    const rows = (await inMay()).filter((x) => x.title === 'Team sync');
    return rows.length >= 4 && rows;
  }, { what: 'series on the server' });
  seriesId = occ[0].id;
  const master = await api.get('calendar', calFolder, seriesId);
  assert.equal(master.recurrence_type, 2);
  assert.equal(master.days, 8, 'Wednesday');
  assert.equal(master.interval, 1);
  assert.equal(master.start_date, await local(2030, 5, 8, 9));

  await page.getByRole('button', { name: 'Next week' }).click();
  await row('2030-05-15', 'Team sync').waitFor();
  assert.equal(await page.locator('#week-date').inputValue(), '2030-05-13');
  assert.equal(await page.locator('#items button', { hasText: 'Dentist' }).count(), 0);
});

test('one occurrence edited alone becomes a change exception', async () => {
  await row('2030-05-15', 'Team sync').click();
  // The editor fills in steps (the occurrence is loaded, then the choice
  // between occurrence and series appears): wait for all of it.
  await poll(async () => (await page.getByLabel('Subject').inputValue()) === 'Team sync' &&
    await page.getByLabel('Edit this occurrence').isChecked() &&
    (await page.getByLabel('Start date').inputValue()) === '2030-05-15', { what: 'occurrence in the editor' });
  assert.equal(await page.getByLabel('Repeat').isHidden(), true, 'an occurrence has no rule of its own');
  await page.getByLabel('Subject').fill('Team sync (room 4)');
  await save();
  await row('2030-05-15', 'Team sync (room 4)').waitFor();

  const exc = await poll(async () => {
    const r = await api.ok('calendar', { action: 'getChangeExceptions', id: String(seriesId), folder: String(calFolder), columns: '1,200,207' });
    return r.data.length === 1 && r.data[0];
  }, { what: 'change exception on the server' });
  assert.equal(exc[1], 'Team sync (room 4)');
  assert.equal(exc[2], 2);
  const rows = (await inMay()).filter((x) => x.recurrence_id === seriesId);
  const byDay = Object.fromEntries(rows.map((x) => [new Date(x.start_date).toISOString().slice(0, 10), x.title]));
  assert.equal(byDay['2030-05-15'], 'Team sync (room 4)');
  for (const d of ['2030-05-08', '2030-05-22', '2030-05-29']) assert.equal(byDay[d], 'Team sync', `occurrence ${d} keeps its title`);

  // The editor now holds the exception; the series is one click away.
  await poll(async () => (await page.locator('#appointment-form-title').textContent()) === 'Edit this occurrence', { what: 'exception in the editor' });
  await page.getByLabel('Edit the series').check();
  await poll(async () => (await page.getByLabel('Start date').inputValue()) === '2030-05-08', { what: 'series in the editor' });
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Team sync');
  assert.equal(await page.getByLabel('Repeat').inputValue(), '2');
});

test('one occurrence deleted leaves the rest of the series', async () => {
  await page.getByRole('button', { name: 'Next week' }).click();
  await row('2030-05-22', 'Team sync').click();
  await poll(async () => (await page.getByLabel('Start date').inputValue()) === '2030-05-22', { what: 'occurrence in the editor' });
  await page.locator(FORM).getByRole('button', { name: 'Delete' }).click();
  await page.locator(FORM).getByRole('button', { name: 'Confirm delete' }).click();
  await row('2030-05-22', 'Team sync').waitFor({ state: 'detached' });
  const master = await poll(async () => {
    const m = await api.get('calendar', calFolder, seriesId);
    return (m.delete_exceptions || []).includes(Date.UTC(2030, 4, 22)) && m;
  }, { what: 'delete exception on the server' });
  assert.equal(master.title, 'Team sync');
  const days = (await inMay()).filter((x) => x.recurrence_id === seriesId).map((x) => new Date(x.start_date).toISOString().slice(0, 10));
  assert.ok(days.includes('2030-05-29') && days.includes('2030-05-08') && !days.includes('2030-05-22'), `occurrences: ${days}`);
  await page.getByRole('button', { name: 'Next week' }).click();
  await row('2030-05-29', 'Team sync').waitFor();
});

test('an edit of a version changed elsewhere keeps both changes', async () => {
  await goToWeek('2030-05-06');
  await row('2030-05-07', 'Call with Bob').click();
  await poll(async () => (await page.getByLabel('Subject').inputValue()) === 'Call with Bob', { what: 'editor filled' });
  const id = (await inMay()).find((x) => x.title === 'Call with Bob').id;
  await api.update('calendar', calFolder, id, { location: 'Changed elsewhere' });
  await page.getByLabel('Description').fill('agenda attached');
  await save();
  await poll(async () => {
    const a = await api.get('calendar', calFolder, id);
    return a.note === 'agenda attached' && a.location === 'Changed elsewhere' && a.title === 'Call with Bob';
  }, { what: 'both changes on the server', explain: () => explainPage(page) });
  await poll(async () => (await page.getByLabel('Location').inputValue()) === 'Changed elsewhere', { what: 'editor shows the merged version' });
});

test('a booked room cannot be overridden', async () => {
  const p = [{ id: room, type: 3 }];
  await api.create('calendar', { folder_id: calFolder, title: 'Board meeting', start_date: Date.UTC(2030, 5, 4, 8), end_date: Date.UTC(2030, 5, 4, 9), participants: p });
  const id = await api.create('calendar', { folder_id: calFolder, title: 'Workshop', start_date: Date.UTC(2030, 5, 4, 12), end_date: Date.UTC(2030, 5, 4, 13), participants: p });
  const want = await page.evaluate(() => {
    const d = new Date(Date.UTC(2030, 5, 4, 8));
    const p2 = (n) => String(n).padStart(2, '0');
    return { date: `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`, time: `${p2(d.getHours())}:${p2(d.getMinutes())}` };
  });
  await goToWeek('2030-06-04');
  // Through the worker the server's news arrive with a sync; Refresh runs one.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.locator('#items button', { hasText: 'Workshop' }).click();
  await poll(async () => (await page.getByLabel('Subject').inputValue()) === 'Workshop', { what: 'editor filled' });
  await fill({ start: [want.date, want.time] });
  await save();
  const warning = page.locator('#a-conflicts');
  await warning.waitFor();
  assert.match(await warning.textContent(), /Board meeting/);
  assert.match(await warning.textContent(), /resource/);
  assert.equal(await page.locator('#a-ignore-conflicts').isHidden(), true, 'no "Save anyway" for a booked room');
  assert.equal((await api.get('calendar', calFolder, id)).start_date, Date.UTC(2030, 5, 4, 12));
  await page.getByRole('button', { name: 'Change the time' }).click();
  assert.equal(await warning.isHidden(), true);
  await page.locator(FORM).getByRole('button', { name: 'Cancel' }).click();
});

test('an appointment deleted in the client is gone on the server', async () => {
  await goToWeek('2030-05-06');
  await row('2030-05-07', 'Dentist').click();
  await poll(async () => (await page.getByLabel('Subject').inputValue()) === 'Dentist', { what: 'editor filled' });
  await page.locator(FORM).getByRole('button', { name: 'Delete' }).click();
  await page.locator(FORM).getByRole('button', { name: 'Confirm delete' }).click();
  await row('2030-05-07', 'Dentist').waitFor({ state: 'detached' });
  await poll(async () => !(await inMay()).some((x) => x.title === 'Dentist'), { what: 'appointment deleted on the server' });
  assert.equal((await inMay()).some((x) => x.title === 'Call with Bob'), true);
});

test('the calendar looks right (screenshot)', async () => {
  await goToWeek('2030-05-13');
  await row('2030-05-15', 'Team sync (room 4)').click();
  await poll(async () => (await page.getByLabel('Subject').inputValue()) === 'Team sync (room 4)', { what: 'editor filled' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling');
  const file = artefact('calendar.png');
  const png = await page.screenshot({ path: file });
  assert.deepEqual(pngSize(png), { width: 1280, height: 800 });
  assert.ok(readFileSync(file).length > 10000, 'screenshot has content');
});

test('contacts and tasks still open after the calendar', async () => {
  await folderButton(page, await api.defaultFolder('contacts')).click();
  await page.getByRole('button', { name: 'New contact' }).waitFor();
  assert.equal(await page.locator('#week-nav').isHidden(), true);
  assert.equal(await page.locator(FORM).isHidden(), true);
});
