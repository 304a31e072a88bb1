// The repair loop and maintenance in real Chromium against the real API: a repaired case shows its parts by
// name and source, the warranty and the 24 h clock, and the customer rates it in Chinese; the advisor
// completes the follow-up call; a complaint filed from the case is answered by the station complained about;
// the truck page shows an overdue maintenance item and the customer snoozes its reminder with a reason.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/auth.ts';
import { redisKeys } from '../../core/keys.ts';
import { cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import type { Depot, Vehicle } from '../../core/registry.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, seriousAxeViolations, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { CENTRE, consoleVin, seedMaintenance, seedRegistry } from './seed.ts';

type Scope = { customerId?: string; stationId?: string; advisorId?: string };

let harness: ApiHarness;
let browser: ConsoleBrowser;
let base: string;
let caseId: string;
let admin: { authorization: string };

const truck: Vehicle = { vin: consoleVin(41), customerId: 'acme', plate: '沪A04141', model: 'H6', inServiceDate: new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10), active: true };
// Two years in service, last oil change at 100,000 km, now past 150,000 km: the engine oil is overdue.
const serviced: Vehicle = { vin: consoleVin(42), customerId: 'acme', plate: '沪A04242', model: 'H6', inServiceDate: new Date(Date.now() - 700 * 86_400_000).toISOString().slice(0, 10), active: true };
const depot: Depot = { id: 'dp-sh', name: '上海嘉定配件库', lat: CENTRE.lat + 0.3, lon: CENTRE.lon - 0.2, region: '310000', partsCategories: ['engine', 'lubricants', 'filters'], active: true };

beforeAll(async () => {
  await buildConsole();
  const [h, b] = await Promise.all([startApiHarness('consolerepair'), launchBrowser()]);
  harness = h;
  browser = b;
  const registry = createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix });
  await seedRegistry(registry);
  await registry.putMany('vehicle', [truck, serviced]);
  await registry.putMany('depot', [depot]);
  admin = harness.auth(await harness.token('admin'));
  const put = async (url: string, items: unknown[]) => {
    const res = await harness.app.inject({ method: 'PUT', url, headers: admin, payload: { items } });
    expect(res.statusCode, res.body).toBe(200);
  };
  // The station has oil and the filter; the oil pump comes from the depot.
  await put('/v1/stations/cs-0/stock', [{ partNo: 'LUB-OIL-18', qty: 5 }, { partNo: 'FLT-OF-01', qty: 2 }]);
  await put(`/v1/depots/${depot.id}/stock`, [{ partNo: 'LUB-OP-01', qty: 2 }]);
  // Oil pressure low (SPN 100 FMI 1) on the truck's live state, as the ingester writes it.
  const now = String(Date.now());
  await harness.redis.hset(redisKeys(harness.services.redisPrefix).live(truck.vin), { customerId: 'acme', lat: String(CENTRE.lat), lon: String(CENTRE.lon), speedKmh: '0', ts: now, lastSeen: now, status: 'online', severity: 'critical', odometerKm: '120000', dtcs: JSON.stringify([{ spn: 100, fmi: 1, oc: 1 }]) });
  const agent = harness.auth(await harness.token('agent'));
  const created = await harness.app.inject({ method: 'POST', url: '/v1/rescues', headers: agent, payload: { vin: truck.vin, lat: CENTRE.lat, lon: CENTRE.lon, description: '机油压力低' } });
  expect(created.statusCode, created.body).toBe(201);
  caseId = created.json().id;
  const assigned = await harness.app.inject({ method: 'POST', url: `/v1/rescues/${caseId}/assign`, headers: agent, payload: { stationId: 'cs-0', vanId: 'V1', etaMin: 20 } });
  expect(assigned.statusCode, assigned.body).toBe(200);
  await maintenanceHistory();
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterEach(async () => browser?.closePages());
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

/** The serviced truck's last oil change, its driving of the last days in InfluxDB, and one scan of what is due. */
async function maintenanceHistory(): Promise<void> {
  await seedMaintenance(harness, serviced, admin, '上次换油');
}

async function open(role: Role, scope: Scope, hash: string, lang: 'en' | 'zh-CN'): Promise<Page> {
  const page = await browser.page();
  await page.addInitScript((l) => localStorage.setItem('fleet-console.locale', l), lang);
  await signInWithToken(page, `${base}${hash}`, await harness.token(role, scope));
  return page;
}

async function caseNow(): Promise<Record<string, any>> {
  return (await harness.app.inject({ method: 'GET', url: `/v1/rescues/${caseId}`, headers: admin })).json();
}

describe('repair loop', () => {
  it('the station moves the case through repairing with a confirmation and a note; the repaired case shows parts, warranty and the clock; the customer rates it in Chinese', { timeout: 120_000 }, async () => {
    const station = await open('station', { stationId: 'cs-0' }, `#/cases/${caseId}`, 'zh-CN');
    for (const [status, label, note] of [['on_site', '已到达现场', '已到现场'], ['repairing', '开始维修', '开始更换机油泵'], ['repaired', '维修完成', '机油泵已更换']] as const) {
      const actions = station.getByTestId('status-actions');
      await actions.getByRole('button', { name: label }).waitFor();
      await actions.getByLabel('备注（可选）').fill(note);
      await actions.getByRole('button', { name: label }).click();
      await station.getByTestId('confirm').waitFor();
      expect((await caseNow()).status).not.toBe(status);
      await station.getByTestId('confirm-yes').click();
      await expect.poll(() => station.locator('.panel-head [data-status]').first().getAttribute('data-status'), { timeout: 10_000 }).toBe(status);
      await expect.poll(() => station.getByTestId('timeline').textContent()).toContain(note);
    }
    await station.close();

    const c = await caseNow();
    expect(c.status).toBe('repaired');
    const catalog = new Map(((await harness.app.inject({ method: 'GET', url: '/v1/parts', headers: admin })).json().items as Array<{ partNo: string; nameZh: string }>).map((p) => [p.partNo, p.nameZh]));

    const customer = await open('customer', { customerId: 'acme' }, `#/cases/${caseId}`, 'zh-CN');
    const parts = customer.getByTestId('parts');
    await parts.waitFor({ timeout: 10_000 });
    const pump = parts.locator('tr[data-part="LUB-OP-01"]');
    expect(await pump.textContent()).toContain(catalog.get('LUB-OP-01'));
    expect(await pump.textContent()).toContain(depot.name);
    expect(await parts.locator('tr[data-part="LUB-OIL-18"]').textContent()).toContain('Console Station 0');
    expect(await customer.getByTestId('parts-ready').getAttribute('data-ready')).toBe(String(c.partsReadyAtArrival));
    expect(await customer.getByTestId('warranty').textContent()).toContain('在保');
    expect(await customer.getByTestId('repair-clock').textContent()).toContain('24 小时内修复');
    expect(await customer.getByTestId('follow-up').getAttribute('data-status')).toBe('open');

    const form = customer.getByTestId('rating-form');
    await form.getByLabel('4 分（满分 5）').check();
    await form.getByLabel('评价内容（可选）').fill('很快，服务好');
    await form.getByRole('button', { name: '提交评价' }).click();
    await expect.poll(() => customer.getByTestId('rating').getAttribute('data-score'), { timeout: 10_000 }).toBe('4');
    expect(await customer.getByTestId('rating-form').count()).toBe(0);
    expect((await caseNow()).rating).toMatchObject({ score: 4, comment: '很快，服务好' });
    expect(await customer.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(customer, 'repair-case-rated-zh-CN');
  });

  it('the advisor completes the follow-up call from the tasks list', { timeout: 60_000 }, async () => {
    const advisor = await open('advisor', { advisorId: 'adv-1' }, '#/tasks', 'en');
    const row = advisor.locator(`[data-task-id="fu-${caseId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain(truck.plate);
    expect(await row.textContent()).toContain('Acme Logistics');
    await row.getByLabel('Outcome').selectOption('satisfied');
    await row.getByLabel('Note (optional)').fill('customer happy');
    await row.getByRole('button', { name: 'Complete' }).click();
    await advisor.getByText('Task completed.').waitFor();
    await expect.poll(async () => (await caseNow()).followUp?.status).toBe('done');
    expect(await advisor.getByTestId('tasks').textContent()).not.toContain(truck.plate);
    await advisor.goto(`${base}#/tasks?tab=done`);
    await expect.poll(() => advisor.locator(`[data-task-id="fu-${caseId}"]`).textContent()).toContain('customer happy');
    expect(await advisor.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(advisor, 'repair-tasks-en');
  });

  it('the customer files a complaint from the case; the station complained about answers it in time', { timeout: 60_000 }, async () => {
    const customer = await open('customer', { customerId: 'acme' }, `#/cases/${caseId}`, 'zh-CN');
    await customer.getByTestId('complaint-fold').locator('summary').click();
    await customer.getByTestId('complaint-form').getByLabel('投诉内容').fill('服务车迟到');
    await customer.getByRole('button', { name: '提交投诉' }).click();
    await customer.getByText('投诉已提交。').waitFor();
    await customer.close();

    const station = await open('station', { stationId: 'cs-0' }, '#/complaints', 'zh-CN');
    const card = station.locator('[data-complaint-id]').filter({ hasText: '服务车迟到' });
    await card.waitFor({ timeout: 10_000 });
    expect(await card.getAttribute('data-overdue')).toBe('false');
    expect(await card.textContent()).toContain('答复截止');
    await card.getByLabel('答复内容').fill('已致歉并加强调度');
    await card.getByRole('button', { name: '提交答复' }).click();
    await expect.poll(() => station.locator('[data-complaint-id]').first().getAttribute('data-status'), { timeout: 10_000 }).toBe('answered');
    expect(await station.getByTestId('complaint-answer').textContent()).toContain('按时答复');
    expect(await station.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(station, 'repair-complaints-station-zh-CN');
  });
});

describe('scorecard', () => {
  it('an agent reads the station\'s scorecard with the repair and the rating; the station reads its own', { timeout: 60_000 }, async () => {
    const agent = await open('agent', {}, '#/scorecard/cs-0?days=7', 'en');
    const card = agent.getByTestId('scorecard');
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('Console Station 0');
    expect(await card.locator('tr', { hasText: 'Average rating' }).textContent()).toContain('4.0');
    expect(await card.locator('tr', { hasText: 'Repaired within 24 h' }).textContent()).toContain('1 of 1');
    expect(await agent.locator('body').textContent()).not.toContain('⟦');
    await agent.close();
    // The station's tablet keeps one top-bar entry; its scorecard is a tap away on the desk.
    const station = await open('station', { stationId: 'cs-0' }, '#/offers', 'zh-CN');
    await station.getByTestId('desk-links').getByRole('link', { name: '服务站评分' }).click();
    await expect.poll(() => station.getByTestId('scorecard').textContent(), { timeout: 10_000 }).toContain('平均评分');
    expect(await station.getByTestId('scorecard-station').count()).toBe(0);
    await browser.screenshot(station, 'scorecard-station-zh-CN');
  });
});

describe('customer KPIs', () => {
  it('add parts ready at arrival and the average rating', { timeout: 60_000 }, async () => {
    const page = await open('customer', { customerId: 'acme' }, '#/kpis', 'en');
    const kpis = page.getByTestId('kpis');
    await expect.poll(() => kpis.textContent(), { timeout: 10_000 }).toContain('Average rating');
    expect(await kpis.locator('.kpi', { hasText: 'Average rating' }).textContent()).toContain('4.0');
    expect(await kpis.locator('.kpi', { hasText: 'Parts ready at arrival' }).textContent()).toContain('that needed parts');
  });
});

describe('maintenance', () => {
  it('the truck page shows the overdue oil change and the service history; the customer snoozes the reminder with a reason', { timeout: 90_000 }, async () => {
    const page = await open('customer', { customerId: 'acme' }, `#/trucks/${serviced.vin}`, 'zh-CN');
    const oil = page.getByTestId('due-items').locator('tr[data-item="engine-oil"]');
    await oil.waitFor({ timeout: 15_000 });
    expect(await oil.getAttribute('data-due')).toBe('overdue');
    expect(await oil.textContent()).toContain('机油及机油滤清器');
    expect(await oil.textContent()).toContain('已逾期');
    await page.getByText('保养记录').click();
    await expect.poll(() => page.getByTestId('service-history').textContent()).toContain('Console Station 0');
    const history = await page.getByTestId('service-history').textContent();
    expect(history).toContain('上次换油');
    // The item by its name, not its id.
    expect(history).toContain('机油及机油滤清器');
    expect(history).not.toContain('engine-oil');
    expect(await page.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(page, 'maintenance-truck-zh-CN');

    // The fleet list filtered to overdue trucks leads to the same truck.
    await page.goto(`${base}#/maintenance?status=overdue`);
    await expect.poll(() => page.getByTestId('maintenance-due').locator(`[data-vin="${serviced.vin}"]`).getAttribute('data-due'), { timeout: 10_000 }).toBe('overdue');

    await page.goto(`${base}#/maintenance?tab=reminders`);
    const reminder = page.locator('[data-reminder-id]').filter({ hasText: serviced.plate! }).filter({ has: page.locator('.badge.due-overdue') }).first();
    await reminder.waitFor({ timeout: 10_000 });
    const id = await reminder.getAttribute('data-reminder-id');
    await reminder.getByLabel('原因').fill('下周进站保养');
    await reminder.getByRole('button', { name: '暂缓', exact: true }).click();
    await page.getByText('提醒已暂缓。').waitFor();
    await expect.poll(() => page.locator(`[data-reminder-id="${id}"]`).getAttribute('data-state')).toBe('snoozed');
    expect(await page.locator(`[data-reminder-id="${id}"]`).textContent()).toContain('下周进站保养');
    const stored = (await harness.app.inject({ method: 'GET', url: '/v1/maintenance/reminders?state=snoozed', headers: admin })).json() as Array<{ id: string; reason?: string; snoozedUntil?: number }>;
    expect(stored.find((r) => r.id === id)).toMatchObject({ reason: '下周进站保养' });
    expect(await page.locator('body').textContent()).not.toContain('⟦');
    await browser.screenshot(page, 'maintenance-reminders-zh-CN');
  });
});

describe('appointments', () => {
  it('the station confirms a booked service; the customer cancels it with a reason', { timeout: 60_000 }, async () => {
    const customerAuth = harness.auth(await harness.token('customer', { customerId: 'acme' }));
    const start = new Date(cstDayStart(Date.now()) + 2 * DAY_MS + 2 * 3600_000).toISOString(); // 10:00 China time, the day after tomorrow
    const booked = await harness.app.inject({ method: 'POST', url: '/v1/appointments', headers: customerAuth, payload: { vin: serviced.vin, stationId: 'cs-0', items: ['engine-oil'], start } });
    expect(booked.statusCode, booked.body).toBe(201);
    const id = booked.json().id as string;

    const station = await open('station', { stationId: 'cs-0' }, '#/maintenance', 'zh-CN');
    const row = station.locator(`[data-appointment-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('机油及机油滤清器');
    await row.getByRole('button', { name: '确认', exact: true }).click();
    await expect.poll(() => station.locator(`[data-appointment-id="${id}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('confirmed');
    await station.close();

    const customer = await open('customer', { customerId: 'acme' }, '#/maintenance?tab=appointments', 'en');
    const mine = customer.locator(`[data-appointment-id="${id}"]`);
    await mine.waitFor({ timeout: 10_000 });
    expect(await mine.textContent()).toContain('Console Station 0');
    expect(await mine.textContent()).toContain(serviced.plate);
    await mine.getByLabel('Reason for cancelling').fill('truck on a long haul');
    await mine.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => customer.locator(`[data-appointment-id="${id}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('cancelled');
    const stored = (await harness.app.inject({ method: 'GET', url: `/v1/appointments/${id}`, headers: admin })).json() as { status: string; history: Array<{ action: string; note?: string }> };
    expect(stored.status).toBe('cancelled');
    expect(stored.history.some((h) => h.note === 'truck on a long haul')).toBe(true);
    await browser.screenshot(customer, 'maintenance-appointments-en');
  });
});

describe('the new views, both languages', () => {
  it('are translated, have one h1 and no serious or critical axe violation', { timeout: 300_000 }, async () => {
    const views: Array<{ name: string; role: Role; scope?: Scope; hash: string }> = [
      { name: 'customer-case-repaired', role: 'customer', scope: { customerId: 'acme' }, hash: `#/cases/${caseId}` },
      { name: 'station-case-repaired', role: 'station', scope: { stationId: 'cs-0' }, hash: `#/cases/${caseId}` },
      { name: 'advisor-tasks', role: 'advisor', scope: { advisorId: 'adv-1' }, hash: '#/tasks?tab=done' },
      { name: 'agent-complaints', role: 'agent', hash: '#/complaints' },
      { name: 'customer-truck-maintenance', role: 'customer', scope: { customerId: 'acme' }, hash: `#/trucks/${serviced.vin}` },
      { name: 'advisor-maintenance', role: 'advisor', scope: { advisorId: 'adv-1' }, hash: '#/maintenance' },
      { name: 'customer-reminders', role: 'customer', scope: { customerId: 'acme' }, hash: '#/maintenance?tab=reminders' },
      { name: 'admin-appointments', role: 'admin', hash: '#/maintenance?tab=appointments' },
      { name: 'admin-scorecard', role: 'admin', hash: '#/scorecard/cs-0' },
    ];
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const v of views) {
        const page = await open(v.role, v.scope ?? {}, v.hash, lang);
        await page.locator('main h1').first().waitFor();
        await expect.poll(() => page.locator('[data-loading]').count(), { timeout: 15_000 }).toBe(0);
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
