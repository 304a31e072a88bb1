// The maintenance appointment workflow in real Chromium against the real API: a customer books a service from a
// reminder (Chinese) — the proposed fixed point preselected, the station's service-day offer picks the day, a time
// the station is closed is refused beside the field — the station confirms and completes it, and the truck's due
// date moves; a booking beyond the day's capacity (English, from the Due list) shows the refusal at the field and
// books nothing; the station marks a no-show and the kit is released; an agent reaches Tasks and Maintenance from
// the menu; a snooze date is a China-time date whatever the browser's zone and locale.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/auth.ts';
import { redisKeys } from '../../core/keys.ts';
import { cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import type { Station, Vehicle } from '../../core/registry.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, seriousAxeViolations, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { CENTRE, consoleVin, seedMaintenance, seedRegistry, STATIONS } from './seed.ts';

type Scope = { customerId?: string; stationId?: string; advisorId?: string };
type Appointment = { id: string; status: string; stationId: string; items: string[]; startMs: number; kit: Array<{ partNo: string; status: string }>; serviceId?: string };
type DueItem = { itemId: string; status: string; dueKm?: number; predictedMs?: number };

let harness: ApiHarness;
let browser: ConsoleBrowser;
let base: string;
let admin: { authorization: string };

const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
// Last oil change at 100,000 km four months ago, now past 150,000 km: the engine oil is overdue.
const serviced: Vehicle = { vin: consoleVin(51), customerId: 'acme', plate: '沪A05151', model: 'H6', homeRegion: '310000', inServiceDate: daysAgo(700), active: true };
// Never serviced since it came into service 400 days ago: every item by months is overdue.
const unserviced: Vehicle = { vin: consoleVin(52), customerId: 'acme', plate: '沪A05252', model: 'H6', homeRegion: '310000', inServiceDate: daysAgo(400), active: true };
const noShowTruck: Vehicle = { vin: consoleVin(53), customerId: 'acme', plate: '沪A05353', model: 'H6', homeRegion: '310000', inServiceDate: daysAgo(300), active: true };
// Open two hours a day with one bay: two bay hours a day.
const small: Station = { ...STATIONS[0]!, id: 'cs-small', name: 'Small Bay Station', phone: '+86 21 6000 0199', lat: CENTRE.lat + 0.02, lon: CENTRE.lon + 0.02, hours: '08:00-10:00', serviceBays: 1 };

/** The China-time date `days` after today, yyyy-mm-dd. */
const chinaDay = (days: number) => new Date(cstDayStart(Date.now()) + days * DAY_MS + 8 * 3600_000).toISOString().slice(0, 10);
/** The network's next service day (the 7th) after today, China time. */
function nextServiceDay(): string {
  for (let d = 1; ; d++) if (chinaDay(d).endsWith('-07')) return chinaDay(d);
}
const serviceDay = nextServiceDay();

beforeAll(async () => {
  await buildConsole();
  const [h, b] = await Promise.all([startApiHarness('consoleappt'), launchBrowser()]);
  harness = h;
  browser = b;
  const registry = createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix });
  await seedRegistry(registry);
  await registry.putMany('station', [small]);
  await registry.putMany('vehicle', [serviced, unserviced, noShowTruck]);
  // Acme's fixed point is Console Station 0 in Shanghai and in Hefei (where the driving log puts the truck).
  for (const region of ['310000', '340100']) await registry.assign('acme', { region, stationId: 'cs-0', advisorId: 'adv-1', assignedAt: new Date().toISOString(), assignedBy: 'test' });
  admin = harness.auth(await harness.token('admin'));
  const put = async (url: string, payload: Record<string, unknown>) => {
    const res = await harness.app.inject({ method: 'PUT', url, headers: admin, payload });
    expect(res.statusCode, res.body).toBe(200);
  };
  await put('/v1/stations/cs-0/stock', { items: [{ partNo: 'LUB-OIL-18', qty: 20 }, { partNo: 'FLT-OF-01', qty: 10 }] });
  await put(`/v1/stations/cs-0/service-days/${serviceDay}`, { offer: { zh: '服务日工时八折', en: '20 % off labour on the service day' } });
  await seedMaintenance(harness, serviced, admin);
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterEach(async () => browser?.closePages());
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function open(role: Role, scope: Scope, hash: string, lang: 'en' | 'zh-CN', before?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await browser.page();
  await before?.(page);
  await page.addInitScript((l) => localStorage.setItem('fleet-console.locale', l), lang);
  await signInWithToken(page, `${base}${hash}`, await harness.token(role, scope));
  return page;
}

async function appointments(query = ''): Promise<Appointment[]> {
  const res = await harness.app.inject({ method: 'GET', url: `/v1/appointments${query}`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function dueItem(vin: string, itemId: string): Promise<DueItem> {
  const res = await harness.app.inject({ method: 'GET', url: `/v1/vehicles/${vin}/maintenance`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().due.items as DueItem[]).find((i) => i.itemId === itemId)!;
}

/** The option of a select whose text names `name` (the user picks stations by name). */
async function optionNamed(page: Page, select: string, name: string): Promise<string> {
  const value = await page.getByTestId(select).locator('option', { hasText: name }).getAttribute('value');
  expect(value).toBeTruthy();
  return value!;
}

describe('booking a service', () => {
  it('the customer books from a reminder in Chinese; a closed hour is refused at the field; the station confirms and completes; the due date moves', { timeout: 120_000 }, async () => {
    const oilBefore = await dueItem(serviced.vin, 'engine-oil');
    expect(oilBefore.status).toBe('overdue');
    const page = await open('customer', { customerId: 'acme' }, '#/maintenance?tab=reminders', 'zh-CN');
    const reminder = page.locator('[data-reminder-id]').filter({ hasText: serviced.plate! }).filter({ hasText: '机油' }).first();
    await reminder.waitFor({ timeout: 15_000 });
    await reminder.getByRole('link', { name: '预约保养' }).click();

    const form = page.getByTestId('book-form');
    await form.waitFor({ timeout: 10_000 });
    expect(await page.locator('main h1').textContent()).toContain(serviced.plate);
    expect(await page.getByTestId('book-proposal').textContent()).toContain('Console Station 0');
    expect(await page.getByTestId('book-station').inputValue()).toBe('cs-0');
    expect(await form.locator('[data-item="engine-oil"] input').isChecked()).toBe(true);
    // The reminder's item only: nothing else was asked for.
    expect(await form.locator('input[name=items]:checked').count()).toBe(1);

    // The fixed point's service-day offer, and its button picks the day.
    const offer = page.getByTestId('service-day-offers').locator(`[data-offer-date="${serviceDay}"]`);
    expect(await offer.textContent()).toContain('服务日工时八折');
    await offer.getByRole('button', { name: '预约这一天' }).click();
    expect(await form.locator('input[name=date]').inputValue()).toBe(serviceDay);

    // The small station is closed at noon: the API's 400 shows beside the time, in Chinese, nothing booked.
    await page.getByTestId('book-station').selectOption(await optionNamed(page, 'book-station', small.name));
    expect(await page.getByTestId('book-hours').textContent()).toContain('08:00-10:00');
    await form.locator('select[name=time]').selectOption('12:00');
    await page.getByTestId('book-submit').click();
    const fieldError = form.locator('.field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('该时间服务站不营业');
    expect(await form.locator('input[name=date]').getAttribute('aria-invalid')).toBe('true');
    expect(await appointments()).toHaveLength(0);

    // Back to the fixed point, 10:00 China time on the service day: booked.
    await page.getByTestId('book-station').selectOption('cs-0');
    await form.locator('select[name=time]').selectOption('10:00');
    await page.getByTestId('book-submit').click();
    const booked = page.getByTestId('booked');
    await booked.waitFor({ timeout: 10_000 });
    expect(await booked.textContent()).toContain('Console Station 0');
    const id = (await booked.getAttribute('data-appointment-id'))!;
    const [stored] = await appointments();
    expect(stored).toMatchObject({ id, stationId: 'cs-0', items: ['engine-oil'], status: 'requested', startMs: Date.parse(`${serviceDay}T10:00:00+08:00`) });
    expect(stored!.kit.map((k) => k.status)).toEqual(['reserved', 'reserved']);
    expect(await page.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(page, 'book-service-done-zh-CN');
    await page.close();

    // The station confirms, then completes the service with the odometer it reads.
    const station = await open('station', { stationId: 'cs-0' }, '#/maintenance', 'zh-CN');
    const card = station.locator(`[data-appointment-id="${id}"]`);
    await card.waitFor({ timeout: 10_000 });
    expect(await card.textContent()).toContain('机油及机油滤清器');
    // Names, not ids: the station reads the truck's plate (it may not open the vehicle registry), not its VIN.
    expect(await card.getByTestId('plate').textContent()).toBe(serviced.plate);
    expect(await card.textContent()).not.toContain(serviced.vin);
    await card.getByRole('button', { name: '确认', exact: true }).click();
    await expect.poll(() => station.locator(`[data-appointment-id="${id}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('confirmed');
    const confirmed = station.locator(`[data-appointment-id="${id}"]`);
    await confirmed.getByText('完成保养…').click();
    // An odometer below the last service's (100,000 km): the API's 409 shows beside the odometer, in Chinese.
    await confirmed.getByLabel('里程（公里）').fill('90000');
    await confirmed.getByRole('button', { name: '登记保养' }).click();
    await expect.poll(() => confirmed.locator('.field-error').textContent(), { timeout: 10_000 }).toContain('该里程低于之前的保养记录');
    expect(await confirmed.getByLabel('里程（公里）').getAttribute('aria-invalid')).toBe('true');
    expect((await appointments()).find((a) => a.id === id)!.status).toBe('confirmed');
    await confirmed.getByLabel('里程（公里）').fill('152500');
    await confirmed.getByLabel('发动机小时（可选）').fill('2800');
    await confirmed.getByRole('button', { name: '登记保养' }).click();
    await expect.poll(() => station.locator(`[data-appointment-id="${id}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');
    await station.getByTestId('completed').waitFor();
    await station.close();

    const oilAfter = await dueItem(serviced.vin, 'engine-oil');
    expect(oilAfter.status).toBe('ok');
    expect(oilAfter.dueKm).toBeGreaterThan(oilBefore.dueKm!);
    const done = (await appointments()).find((a) => a.id === id)!;
    expect(done.status).toBe('completed');
    expect(done.kit.map((k) => k.status)).toEqual(['consumed', 'consumed']);

    // The customer's truck page shows it: the oil is no longer due, and the service is in the history.
    const truck = await open('customer', { customerId: 'acme' }, `#/trucks/${serviced.vin}`, 'zh-CN');
    const oil = truck.getByTestId('due-items').locator('tr[data-item="engine-oil"]');
    await oil.waitFor({ timeout: 15_000 });
    expect(await oil.getAttribute('data-due')).toBe('ok');
    await truck.getByText('保养记录').click();
    await expect.poll(() => truck.locator(`[data-service-id="${done.serviceId}"]`).textContent(), { timeout: 10_000 }).toContain('Console Station 0');
  });

  it('beyond the day\'s capacity (English, from the Due list): the refusal shows at the field and nothing is booked', { timeout: 90_000 }, async () => {
    const day = chinaDay(2);
    for (const hour of ['08', '09']) {
      const res = await harness.app.inject({ method: 'POST', url: '/v1/appointments', headers: admin, payload: { vin: noShowTruck.vin, stationId: small.id, items: ['engine-oil'], start: `${day}T${hour}:00:00+08:00` } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const before = (await appointments()).length;
    const page = await open('customer', { customerId: 'acme' }, '#/maintenance', 'en');
    const truckCard = page.getByTestId('maintenance-due').locator(`[data-vin="${unserviced.vin}"]`);
    await truckCard.waitFor({ timeout: 15_000 });
    await truckCard.getByRole('link', { name: 'Book service' }).click();
    const form = page.getByTestId('book-form');
    await form.waitFor({ timeout: 10_000 });
    expect(await page.locator('main h1').textContent()).toContain(unserviced.plate);
    // The due items are preselected by name.
    expect(await form.locator('[data-item="engine-oil"]').textContent()).toContain('Engine oil and filter');
    expect(await form.locator('[data-item="engine-oil"] input').isChecked()).toBe(true);

    // A date that does not exist is refused before anything is sent.
    await form.getByLabel('Date (yyyy-mm-dd)').fill('2027-02-30');
    await page.getByTestId('book-submit').click();
    await expect.poll(() => form.locator('.field-error').textContent()).toContain('is not a date');

    await page.getByTestId('book-station').selectOption(await optionNamed(page, 'book-station', small.name));
    await form.getByLabel('Date (yyyy-mm-dd)').fill(day);
    await form.locator('input[name=items]').evaluateAll((boxes) => boxes.forEach((b) => { (b as HTMLInputElement).checked = (b as HTMLInputElement).value === 'engine-oil'; }));
    await form.locator('select[name=time]').selectOption('08:00');
    await page.getByTestId('book-submit').click();
    await expect.poll(() => form.locator('.field-error').textContent(), { timeout: 10_000 }).toContain('fully booked');
    expect(await form.locator('.field-error').getAttribute('role')).toBe('alert');
    expect(await form.locator('select[name=time]').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('booked').count()).toBe(0);
    expect((await appointments()).length).toBe(before);
    expect(await page.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(page, 'book-service-full-en');
  });
});

describe('booking from the truck page', () => {
  it('the advisor opens booking from the truck\'s maintenance panel with what is due checked', { timeout: 60_000 }, async () => {
    const due = (await harness.app.inject({ method: 'GET', url: `/v1/vehicles/${noShowTruck.vin}/maintenance`, headers: admin })).json().due.items as DueItem[];
    const expected = due.filter((i) => i.status !== 'ok' && i.itemId !== 'warranty').map((i) => i.itemId).sort();
    expect(expected.length).toBeGreaterThan(0);
    const page = await open('advisor', { advisorId: 'adv-1' }, `#/trucks/${noShowTruck.vin}`, 'zh-CN');
    await page.getByTestId('due-items').waitFor({ timeout: 15_000 });
    await page.getByTestId('book-link').click();
    const form = page.getByTestId('book-form');
    await form.waitFor({ timeout: 10_000 });
    expect(await page.locator('main h1').textContent()).toBe(`预约保养 · ${noShowTruck.plate}`);
    const checked = await form.locator('input[name=items]:checked').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
    expect(checked.sort()).toEqual(expected);
  });
});

describe('station actions', () => {
  it('the station marks a no-show after a confirmation; kit and slot are released', { timeout: 60_000 }, async () => {
    const res = await harness.app.inject({ method: 'POST', url: '/v1/appointments', headers: admin, payload: { vin: noShowTruck.vin, stationId: 'cs-0', items: ['engine-oil'], start: `${chinaDay(1)}T11:00:00+08:00` } });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    const station = await open('station', { stationId: 'cs-0' }, '#/maintenance', 'en');
    const card = station.locator(`[data-appointment-id="${id}"]`);
    await card.waitFor({ timeout: 10_000 });
    // The kit by the parts' names.
    expect(await card.locator('li[data-part="LUB-OIL-18"]').textContent()).toContain('Diesel engine oil');
    expect(await card.locator('li[data-part="LUB-OIL-18"]').getAttribute('data-status')).toBe('reserved');
    await card.getByRole('button', { name: 'No-show' }).click();
    await station.getByTestId('confirm').waitFor();
    expect((await appointments()).find((a) => a.id === id)!.status).toBe('requested');
    await station.getByTestId('confirm-yes').click();
    await expect.poll(() => station.locator(`[data-appointment-id="${id}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('no_show');
    const stored = (await appointments()).find((a) => a.id === id)!;
    expect(stored.status).toBe('no_show');
    expect(stored.kit.every((k) => k.status === 'released')).toBe(true);
  });

  it('a live reload of the list keeps what the station is typing in another appointment\'s form', { timeout: 60_000 }, async () => {
    const book = async (hour: string) => {
      const res = await harness.app.inject({ method: 'POST', url: '/v1/appointments', headers: admin, payload: { vin: noShowTruck.vin, stationId: 'cs-0', items: ['engine-oil'], start: `${chinaDay(3)}T${hour}:00:00+08:00` } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const [typing, other] = [await book('08'), await book('12')];
    const station = await open('station', { stationId: 'cs-0' }, '#/maintenance', 'en');
    const card = station.locator(`[data-appointment-id="${typing}"]`);
    await card.waitFor({ timeout: 10_000 });
    await card.getByText('Complete service…').click();
    await card.getByLabel('Odometer (km)').fill('123456');
    // Someone else confirms the other appointment: its live event reloads the station's list.
    const confirmed = await harness.app.inject({ method: 'POST', url: `/v1/appointments/${other}/confirm`, headers: admin });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    await expect.poll(() => station.locator(`[data-appointment-id="${other}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('confirmed');
    expect(await card.getByTestId('complete').getAttribute('open')).not.toBeNull();
    expect(await card.getByLabel('Odometer (km)').inputValue()).toBe('123456');
  });

  it('an agent completes with the odometer prefilled from the truck\'s live report and sees what is due now', { timeout: 60_000 }, async () => {
    await harness.redis.hset(redisKeys(harness.services.redisPrefix).live(unserviced.vin), { customerId: 'acme', lat: String(CENTRE.lat), lon: String(CENTRE.lon), ts: String(Date.now()), odometerKm: '88000', engineHours: '1600' });
    const live = await harness.app.inject({ method: 'GET', url: `/v1/vehicles/${unserviced.vin}`, headers: admin });
    expect(live.json().live?.odometerKm, 'the live hash the test wrote is the one the API reads').toBe(88000);
    const res = await harness.app.inject({ method: 'POST', url: '/v1/appointments', headers: admin, payload: { vin: unserviced.vin, stationId: 'cs-0', items: ['engine-oil'], start: `${chinaDay(1)}T14:00:00+08:00` } });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    expect((await dueItem(unserviced.vin, 'engine-oil')).status).toBe('overdue');
    const agent = await open('agent', {}, '#/maintenance?tab=appointments', 'en');
    const card = agent.locator(`[data-appointment-id="${id}"]`);
    await card.waitFor({ timeout: 10_000 });
    expect(await card.textContent()).toContain(unserviced.plate);
    await card.getByText('Complete service…').click();
    await expect.poll(() => card.getByLabel('Odometer (km)').inputValue(), { timeout: 10_000 }).toBe('88000');
    expect(await card.getByLabel('Engine hours (optional)').inputValue()).toBe('1600');
    await card.getByRole('button', { name: 'Record service' }).click();
    const dueNow = agent.getByTestId('due-now');
    await dueNow.waitFor({ timeout: 10_000 });
    expect(await dueNow.locator('tr[data-item="engine-oil"]').getAttribute('data-due')).toBe('ok');
    expect(await dueNow.textContent()).toContain(unserviced.plate);
    expect((await dueItem(unserviced.vin, 'engine-oil')).status).toBe('ok');
  });
});

describe('navigation', () => {
  it('an agent opens Tasks and Maintenance from the menu', { timeout: 60_000 }, async () => {
    const agent = await open('agent', {}, '#/queue', 'en');
    await agent.locator('.topbar nav').getByRole('link', { name: 'Tasks' }).click();
    await expect.poll(() => agent.locator('main h1').textContent()).toBe('Tasks');
    expect(new URL(agent.url()).hash).toBe('#/tasks');
    await agent.locator('.topbar nav').getByRole('link', { name: 'Maintenance' }).click();
    await expect.poll(() => agent.locator('main h1').textContent()).toBe('Maintenance');
  });
});

describe('snooze', () => {
  it('the snooze date is a China-time yyyy-mm-dd date whatever the browser\'s zone and locale', { timeout: 60_000 }, async () => {
    const page = await open('customer', { customerId: 'acme' }, '#/maintenance?tab=reminders', 'en', async (p) => {
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'America/Los_Angeles' });
      await cdp.send('Emulation.setLocaleOverride', { locale: 'de-DE' });
    });
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/Los_Angeles');
    const reminder = page.locator('[data-reminder-id][data-state="open"]').filter({ hasText: unserviced.plate! }).first();
    await reminder.waitFor({ timeout: 15_000 });
    const id = (await reminder.getAttribute('data-reminder-id'))!;
    const card = page.locator(`[data-reminder-id="${id}"]`);
    const until = card.getByLabel('Snooze until (yyyy-mm-dd, China time)');
    // Tomorrow in China, also when it is still yesterday in Los Angeles.
    expect(await until.inputValue()).toBe(chinaDay(1));
    await card.getByLabel('Reason').fill('waiting for the haul to end');
    await until.fill('31.12.2026');
    await card.getByRole('button', { name: 'Snooze', exact: true }).click();
    await expect.poll(() => card.locator('.field-error').textContent()).toContain('yyyy-mm-dd');
    const target = chinaDay(3);
    await until.fill(target);
    await card.getByRole('button', { name: 'Snooze', exact: true }).click();
    await expect.poll(() => page.locator(`[data-reminder-id="${id}"]`).getAttribute('data-state'), { timeout: 10_000 }).toBe('snoozed');
    const stored = (await harness.app.inject({ method: 'GET', url: '/v1/maintenance/reminders?state=snoozed', headers: admin })).json() as Array<{ id: string; snoozedUntil?: number }>;
    expect(stored.find((r) => r.id === id)?.snoozedUntil).toBe(Date.parse(`${target}T00:00:00+08:00`));
  });
});

describe('the new screens, both languages', () => {
  it('are translated, have one h1 and no serious or critical axe violation', { timeout: 180_000 }, async () => {
    const views: Array<{ name: string; role: Role; scope?: Scope; hash: string }> = [
      { name: 'customer-book-service', role: 'customer', scope: { customerId: 'acme' }, hash: `#/maintenance/book/${unserviced.vin}` },
      { name: 'agent-appointments', role: 'agent', hash: '#/maintenance?tab=appointments' },
      { name: 'station-appointments', role: 'station', scope: { stationId: 'cs-small' }, hash: '#/maintenance' },
    ];
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const v of views) {
        const page = await open(v.role, v.scope ?? {}, v.hash, lang);
        await page.locator('main h1').first().waitFor();
        await expect.poll(() => page.locator('[data-loading]').count(), { timeout: 15_000 }).toBe(0);
        // Open every completion form: its fields are part of the screen.
        for (const fold of await page.getByTestId('complete').all()) await fold.locator('summary').click();
        expect(await page.locator('body').textContent(), `${v.name} (${lang})`).not.toContain('⟦');
        expect(await page.locator('main h1').count(), `${v.name}: one h1`).toBe(1);
        expect(await page.locator('[role=alert]').count(), `${v.name} (${lang}): no error`).toBe(0);
        const violations = await seriousAxeViolations(page);
        expect(violations, `${v.name} (${lang}) axe`).toEqual([]);
        await browser.screenshot(page, `${v.name}-${lang}`);
        await page.close();
      }
    }
  });
});
