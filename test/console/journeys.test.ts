// Each role's job end to end in real Chromium against the real API (Redis, InfluxDB, Mosquitto from the
// harness), in Chinese and English: every view without an untranslated key, with one <h1>, named map
// markers and no serious or critical axe-core violation, screenshotted in both languages; twenty rapid
// view switches under the production rate limit (600 a minute) without one 429; a 429 shows an error
// banner with retry, never an empty state; the admin's fleet map shows every one of 10,000 trucks.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/auth.ts';
import { redisKeys } from '../../core/keys.ts';
import type { Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, seriousAxeViolations, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { CENTRE, seedRegistry, VEHICLES } from './seed.ts';

type Lang = 'en' | 'zh-CN';
type Scope = { customerId?: string; stationId?: string; advisorId?: string; sub?: string };

let harness: ApiHarness;
let browser: ConsoleBrowser;
let base: string;

beforeAll(async () => {
  await buildConsole();
  // The production rate limit: normal use must stay under it.
  const [h, b] = await Promise.all([startApiHarness('consolejourney', { rateLimitMax: 600 }), launchBrowser()]);
  harness = h;
  browser = b;
  const registry = createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix });
  await seedRegistry(registry);
  const admin = harness.auth(await harness.token('admin'));
  const assigned = await harness.app.inject({ method: 'PUT', url: '/v1/customers/acme/assignments', headers: admin, payload: { assignments: [{ region: '310000', stationId: 'cs-0', advisorId: 'adv-1' }] } });
  expect(assigned.statusCode, assigned.body).toBe(200);
  // Live state as the ingester writes it: acme's first truck broke down (oil pressure), the second drives.
  const keys = redisKeys(harness.services.redisPrefix);
  const now = String(Date.now());
  await harness.redis.hset(keys.live(VEHICLES[0]!.vin), { customerId: 'acme', lat: String(CENTRE.lat + 0.02), lon: String(CENTRE.lon + 0.03), speedKmh: '0', ts: now, lastSeen: now, status: 'online', severity: 'critical', dtcs: JSON.stringify([{ spn: 100, fmi: 1, oc: 1 }]), lamps: JSON.stringify({ mil: false, redStop: true, amberWarning: false, protect: false }) });
  await harness.redis.hset(keys.live(VEHICLES[1]!.vin), { customerId: 'acme', lat: String(CENTRE.lat - 0.1), lon: String(CENTRE.lon), speedKmh: '62', ts: now, lastSeen: now, status: 'online', severity: 'none', dtcs: '[]' });
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterEach(async () => browser?.closePages());
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

/** Signs in a fresh tab in the given language (as if the user had chosen it) and opens `hash`. */
async function open(role: Role, scope: Scope, hash: string, lang: Lang = 'en', viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.page(viewport);
  // Once per tab (a reload keeps what the user switched to since).
  await page.addInitScript((l) => {
    if (sessionStorage.getItem('test-locale-set')) return;
    localStorage.setItem('fleet-console.locale', l);
    sessionStorage.setItem('test-locale-set', '1');
  }, lang);
  await signInWithToken(page, base, await harness.token(role, scope));
  await page.goto(`${base}${hash}`);
  return page;
}

/** Waits until the view has no loading placeholder left. */
async function settled(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor();
  await expect.poll(() => page.locator('[data-loading]').count(), { timeout: 15_000 }).toBe(0);
}

/** The checks every view passes: translated, one h1, named markers, no serious/critical axe violation. */
async function checkView(page: Page, name: string, lang: Lang): Promise<void> {
  await settled(page);
  const text = (await page.locator('body').textContent()) ?? '';
  expect(text, `${name} (${lang}) shows an untranslated key`).not.toContain('⟦');
  expect(await page.locator('main h1').count(), `${name}: one h1`).toBe(1);
  if (lang === 'zh-CN') expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
  const unnamed = await page.locator('.leaflet-marker-icon').evaluateAll((els) => els.filter((e) => !e.closest('.leaflet-pane')?.classList.contains('leaflet-cities-pane') && !(e.getAttribute('aria-label') || e.getAttribute('title'))).length);
  expect(unnamed, `${name}: every marker has an accessible name`).toBe(0);
  const violations = await seriousAxeViolations(page);
  expect(violations, `${name} (${lang}) axe`).toEqual([]);
  await browser.screenshot(page, `${name}-${lang}`);
}

describe('every view, both languages', () => {
  it('is translated, has one h1, named markers, no serious axe violation; Chinese renders with the shipped font', { timeout: 400_000 }, async () => {
    const agent = harness.auth(await harness.token('agent'));
    const created = await harness.app.inject({ method: 'POST', url: '/v1/rescues', headers: agent, payload: { vin: VEHICLES[0]!.vin, lat: CENTRE.lat + 0.02, lon: CENTRE.lon + 0.03, description: '机油压力报警，已停车', contactPhone: '+86 138 0000 0001' } });
    expect(created.statusCode).toBe(201);
    const caseId = created.json().id as string;
    const views: Array<{ name: string; role: Role; scope?: Scope; hash: string; viewport?: { width: number; height: number } }> = [
      { name: 'agent-queue', role: 'agent', hash: '#/queue' },
      { name: 'agent-queue-history', role: 'agent', hash: '#/queue?tab=history' },
      { name: 'agent-case', role: 'agent', hash: `#/cases/${caseId}` },
      { name: 'agent-launch', role: 'agent', hash: '#/launch' },
      { name: 'advisor-fleet', role: 'advisor', scope: { advisorId: 'adv-1' }, hash: '#/fleet' },
      { name: 'advisor-truck', role: 'advisor', scope: { advisorId: 'adv-1' }, hash: `#/trucks/${VEHICLES[0]!.vin}` },
      { name: 'customer-coverage', role: 'customer', scope: { customerId: 'acme' }, hash: '#/coverage' },
      { name: 'customer-kpis', role: 'customer', scope: { customerId: 'acme' }, hash: '#/kpis' },
      { name: 'station-desk', role: 'station', scope: { stationId: 'cs-0' }, hash: '#/offers', viewport: { width: 768, height: 1024 } },
      { name: 'admin-fleet', role: 'admin', hash: '#/fleet' },
      { name: 'admin-stations', role: 'admin', hash: '#/admin/stations' },
      { name: 'admin-assignments', role: 'admin', hash: '#/admin/assignments?customer=acme' },
      { name: 'admin-import', role: 'admin', hash: '#/admin/import' },
      { name: 'settings', role: 'agent', hash: '#/settings' },
    ];
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const v of views) {
        const page = await open(v.role, v.scope ?? {}, v.hash, lang, v.viewport);
        await checkView(page, v.name, lang);
        await page.close();
      }
    }
    // Chinese text is drawn with the Noto Sans SC that ships with the console (this machine has no CJK font).
    const page = await open('agent', {}, '#/queue', 'zh-CN');
    await settled(page);
    expect(await page.locator('.topbar nav a').first().textContent()).toBe('救援队列');
    expect(await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'Noto Sans SC' && f.status === 'loaded');
    })).toBe(true);
    // Times are Asia/Shanghai, 24 h, whatever the browser's zone.
    expect(await page.locator('tbody td').nth(4).textContent()).toMatch(/\d{2}:\d{2}:\d{2}/);
    // The switch persists: after a reload the console is still in English once chosen.
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.locator('.topbar nav a').first().textContent()).toBe('Queue');
    await page.reload();
    await expect.poll(() => page.locator('.topbar nav a').first().textContent()).toBe('Queue');
  });
});

describe('agent and station', () => {
  it('agent launches by plate search and assigns from the station list; the station reports en route, on site and repaired with notes; the agent cancels another case with a reason', async () => {
    const truck = VEHICLES[1]!;
    const agent = await open('agent', {}, '#/launch', 'zh-CN');
    await settled(agent);
    // Partial plate without the province character.
    await agent.getByLabel('查找车辆（车牌或 VIN）').fill(truck.plate!.slice(1));
    await agent.getByTestId('search-results').locator(`a[data-vin="${truck.vin}"]`).click();
    await expect.poll(() => agent.getByTestId('found-vehicle').textContent()).toContain('Acme Logistics');
    // Typed coordinates move the marker.
    await agent.getByLabel('纬度').fill(String(CENTRE.lat + 0.011));
    await agent.getByLabel('经度').fill(String(CENTRE.lon - 0.012));
    await expect.poll(() => agent.getByTestId('launch-map').getAttribute('data-marker')).toBe(`${(CENTRE.lat + 0.011).toFixed(5)},${(CENTRE.lon - 0.012).toFixed(5)}`);
    await agent.getByLabel('情况描述').fill('左后轮爆胎');
    await agent.getByRole('button', { name: '发起救援' }).click();
    await agent.waitForURL(/#\/cases\//);
    const caseId = decodeURIComponent(agent.url().split('#/cases/')[1]!);
    await settled(agent);
    expect(await agent.locator('main h1').textContent()).toBe(`${truck.plate} 的救援`);
    // Everything the call needs: customer, fixed point and advisor with phones.
    expect(await agent.getByTestId('fixed-point').textContent()).toBe('Console Station 0 · +86 21 6000 0100');
    expect(await agent.getByTestId('advisor').locator('a[href^="tel:"]').textContent()).toBe('+86 21 5555 0101');
    await agent.locator('summary', { hasText: '人工指派服务站' }).click();
    const form = agent.getByTestId('assign-form');
    await form.getByRole('radio', { name: /^Console Station 0 · 预计/ }).check();
    await form.getByLabel('服务车').fill('沪V-01');
    await form.getByRole('button', { name: '指派' }).click();
    await expect.poll(() => agent.locator('.panel-head [data-status]').first().getAttribute('data-status')).toBe('launched');
    await browser.screenshot(agent, 'journey-agent-assigned-zh-CN');

    // The station (tablet, Chinese) sees the rescue with plate and customer, and reports progress with notes.
    const station = await open('station', { stationId: 'cs-0' }, '#/offers', 'zh-CN', { width: 768, height: 1024 });
    const card = station.getByTestId('my-rescues').locator(`[data-case-id="${caseId}"]`);
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain(truck.plate!);
    expect(await card.textContent()).toContain('Acme Logistics');
    await card.click();
    for (const [status, label, note] of [['on_site', '已到达现场', '已到现场，正在检查'], ['repaired', '维修完成', '更换轮胎完成']] as const) {
      const actions = station.getByTestId('status-actions');
      await actions.waitFor();
      await actions.getByLabel('备注（可选）').fill(note);
      await actions.getByRole('button', { name: label }).click();
      // Nothing happens before the confirmation.
      await station.getByTestId('confirm').waitFor();
      expect((await harness.app.inject({ method: 'GET', url: `/v1/rescues/${caseId}`, headers: harness.auth(await harness.token('agent')) })).json().status).not.toBe(status);
      await station.getByTestId('confirm-yes').click();
      await expect.poll(() => station.locator('.panel-head [data-status]').first().getAttribute('data-status')).toBe(status);
      await expect.poll(() => station.getByTestId('timeline').textContent()).toContain(note);
    }
    await browser.screenshot(station, 'journey-station-repaired-zh-CN');

    // Van out of service and the station closed: the record dispatch reads says so.
    await station.goto(`${base}#/offers`);
    await station.getByTestId('van-out').click();
    await station.getByTestId('confirm-yes').click();
    await station.getByTestId('toggle-open').waitFor();
    await expect.poll(() => station.getByTestId('vans').textContent()).toContain('1 辆');
    await station.getByTestId('toggle-open').click();
    await station.getByTestId('confirm-yes').click();
    await expect.poll(() => station.getByTestId('open-state').textContent()).toBe('已关闭');
    const record = (await harness.app.inject({ method: 'GET', url: '/v1/stations/cs-0', headers: harness.auth(await harness.token('agent')) })).json();
    expect(record).toMatchObject({ vans: 1, closed: true });
    await station.getByTestId('toggle-open').click();
    await station.getByTestId('confirm-yes').click();
    await expect.poll(() => station.getByTestId('open-state').textContent()).toBe('营业中');

    // Cancel asks for confirmation and shows its reason afterwards.
    const other = await harness.app.inject({ method: 'POST', url: '/v1/rescues', headers: harness.auth(await harness.token('agent')), payload: { vin: VEHICLES[2]!.vin, lat: CENTRE.lat, lon: CENTRE.lon } });
    const otherId = other.json().id as string;
    await agent.goto(`${base}#/cases/${otherId}`);
    const cancel = agent.getByTestId('cancel-form');
    await cancel.getByLabel('取消原因').fill('司机已自行修复');
    await cancel.getByRole('button', { name: '取消救援' }).click();
    await agent.getByTestId('confirm').getByRole('button', { name: '返回' }).click();
    expect((await harness.app.inject({ method: 'GET', url: `/v1/rescues/${otherId}`, headers: harness.auth(await harness.token('agent')) })).json().status).not.toBe('cancelled');
    await cancel.getByRole('button', { name: '取消救援' }).click();
    await agent.getByTestId('confirm-yes').click();
    await expect.poll(() => agent.getByTestId('cancel-reason').textContent()).toBe('已取消：司机已自行修复');
  });
});

describe('names, not ids', () => {
  it('the top bar and the settings page name the station, customer and advisor the caller is bound to, in both languages, never by id', async () => {
    const bound: Array<[Role, Scope, string, string, Record<Lang, string>]> = [
      ['station', { stationId: 'cs-0' }, 'cs-0', 'Console Station 0', { en: 'station', 'zh-CN': '服务站' }],
      ['customer', { customerId: 'acme' }, 'acme', 'Acme Logistics', { en: 'customer', 'zh-CN': '客户' }],
      ['advisor', { advisorId: 'adv-1' }, 'adv-1', 'Chen Jing', { en: 'advisor', 'zh-CN': '服务顾问' }],
    ];
    for (const [role, scope, id, name, roleLabel] of bound) {
      for (const lang of ['en', 'zh-CN'] as const) {
        const page = await open(role, scope, '#/settings', lang);
        const who = page.getByTestId('who');
        await expect.poll(() => who.textContent(), { timeout: 10_000 }).toBe(`${roleLabel[lang]} · ${name}`);
        await expect.poll(() => page.getByTestId('bound-name').textContent()).toBe(name);
        // (The settings page's "subject" is the token's own subject, not the binding: not checked here.)
        const shown = `${await who.textContent()} ${await page.getByTestId('bound-name').textContent()} ${await page.locator('header.topbar').textContent()}`;
        expect(shown, `${role} (${lang})`).not.toContain(id);
        // The language switch rewrites the top bar in place: still the name.
        await page.getByTestId('language').selectOption(lang === 'en' ? 'zh-CN' : 'en');
        await expect.poll(() => who.textContent()).toBe(`${roleLabel[lang === 'en' ? 'zh-CN' : 'en']} · ${name}`);
        await page.close();
      }
    }
  });
});

describe('advisor, customer, admin', () => {
  it('advisor opens the truck page from a fault and has the fixed point\'s number to call', async () => {
    const page = await open('advisor', { advisorId: 'adv-1' }, '#/fleet');
    await settled(page);
    await page.getByTestId('faults').locator(`tr[data-vin="${VEHICLES[0]!.vin}"] a`).click();
    await page.waitForURL(/#\/trucks\//);
    await settled(page);
    expect(await page.getByTestId('faults-table').textContent()).toContain('Engine oil pressure: below normal, most severe');
    expect(await page.getByTestId('faults-table').textContent()).toContain('red stop');
    // The fixed point of the region the truck is in, with the number to call (and the advisor's).
    const servedBy = page.getByTestId('served-by');
    expect(await servedBy.textContent()).toContain('Console Station 0 · +86 21 6000 0100');
    expect(await servedBy.locator('a[href^="tel:"]').first().getAttribute('href')).toBe('tel:+862160000100');
    expect(await servedBy.textContent()).toContain('Chen Jing · +86 21 5555 0101');
  });

  it('customer reads coverage for a chosen period and threshold; nothing driven is said, not shown as 0 %', async () => {
    const page = await open('customer', { customerId: 'globex' }, '#/coverage');
    await settled(page);
    await page.getByTestId('period').selectOption('30');
    await expect.poll(() => page.url()).toContain('days=30');
    await page.getByTestId('threshold').selectOption('90');
    await expect.poll(() => page.url()).toContain('threshold=90');
    await settled(page);
    expect(await page.getByTestId('period').inputValue()).toBe('30');
    expect(await page.getByTestId('threshold').inputValue()).toBe('90');
    await expect.poll(() => page.getByTestId('coverage-empty').textContent()).toContain('No driving recorded in the last 30 days');
    expect(await page.getByTestId('coverage-summary').textContent()).not.toContain('%');
  });

  it('admin creates a station and a fixed-point assignment, is warned before deactivating a fixed point, and a taken plate is refused in Chinese', async () => {
    const page = await open('admin', {}, '#/admin/stations', 'zh-CN');
    await settled(page);
    await page.getByTestId('admin-new').click();
    const form = page.getByTestId('admin-form');
    await form.getByLabel('编号').fill('cs-new');
    await form.getByLabel('名称').fill('闵行重卡服务站');
    await form.getByLabel('地区').selectOption('310000');
    await form.getByLabel('纬度').fill('31.11');
    await form.getByLabel('经度').fill('121.38');
    await form.getByLabel('电话').fill('+86 21 6000 9999');
    const capabilities = form.locator('fieldset', { hasText: '维修能力' });
    await capabilities.getByRole('checkbox', { name: '重型车' }).check();
    await capabilities.getByRole('checkbox', { name: '发动机' }).check();
    await form.getByLabel('服务车数量').fill('2');
    await form.getByLabel('评分（0–5）').fill('4');
    await form.getByRole('button', { name: '保存' }).click();
    await page.getByTestId('saved').waitFor();
    expect(await page.getByTestId('admin-list').locator('tr[data-id="cs-new"]').textContent()).toContain('闵行重卡服务站');

    await page.goto(`${base}#/admin/assignments?customer=globex`);
    const assign = page.getByTestId('assignment-form');
    await assign.getByLabel('地区').selectOption('310000');
    await assign.getByLabel('定点服务站').selectOption('cs-new');
    await assign.getByLabel('服务顾问').selectOption('adv-1');
    await assign.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.getByTestId('assignments').textContent()).toContain('闵行重卡服务站');
    const stored = (await harness.app.inject({ method: 'GET', url: '/v1/customers/globex/assignments', headers: harness.auth(await harness.token('admin')) })).json();
    expect(stored.assignments).toEqual([expect.objectContaining({ region: '310000', stationId: 'cs-new', advisorId: 'adv-1' })]);

    // Deactivating a fixed point names the customers it leaves without one; "back" keeps it active.
    await page.goto(`${base}#/admin/stations`);
    await page.getByTestId('admin-list').locator('tr[data-id="cs-new"]').getByTestId('deactivate').click();
    await expect.poll(() => page.getByTestId('fixed-point-warning').textContent()).toContain('Globex Freight');
    await page.getByTestId('confirm').getByRole('button', { name: '返回' }).click();
    expect((await harness.app.inject({ method: 'GET', url: '/v1/stations/cs-new', headers: harness.auth(await harness.token('admin')) })).json().active).toBe(true);

    await page.goto(`${base}#/admin/vehicles`);
    await settled(page);
    await page.getByTestId('admin-new').click();
    const vehicle = page.getByTestId('admin-form');
    await vehicle.getByLabel('VIN').fill(withCheckDigit('LFWCNSL0X00000077'));
    await vehicle.getByLabel('车牌').fill(VEHICLES[0]!.plate!.slice(0, 1) + ' ' + VEHICLES[0]!.plate!.slice(1));
    await vehicle.getByLabel('客户').selectOption('acme');
    await vehicle.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => vehicle.getByRole('alert').textContent()).toBe('该车牌已被另一辆在用车辆使用。');
    expect(await vehicle.locator('[name=plate]').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the rate limit', () => {
  it('twenty rapid view switches under the production limit get no 429', async () => {
    const page = await open('advisor', { advisorId: 'adv-1', sub: 'advisor-switcher' }, '#/fleet');
    await settled(page);
    const statuses: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/v1/')) statuses.push(r.status());
    });
    for (let i = 0; i < 20; i++) {
      await page.locator('.topbar nav a').nth(i % 4).click();
      await page.locator('main h1').first().waitFor();
    }
    await settled(page);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    // Frugal too: the shared directory means far fewer than one request per switch and view part.
    expect(statuses.length).toBeLessThan(60);
  });

  it('a refused request shows an error banner with retry, never an empty state', async () => {
    // A caller that used up its budget elsewhere: the real limiter answers 429.
    const token = await harness.token('advisor', { advisorId: 'adv-1', sub: 'advisor-exhausted' });
    for (let i = 0; i < 600; i++) await harness.app.inject({ method: 'GET', url: '/v1/stations?limit=1', headers: harness.auth(token) });
    const page = await browser.page();
    await page.goto(base);
    await page.getByTestId('token-signin').locator('summary').click(); // the operators' token form is folded away
    await page.getByLabel('Bearer token').fill(token);
    await page.getByTestId('token-submit').click();
    const banner = page.locator('[role=alert][data-error="rate_limited"]').first();
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain('Too many requests');
    expect(await banner.getByTestId('retry').isVisible()).toBe(true);
    const text = await page.locator('main').textContent();
    expect(text).not.toContain('No open cases');
    expect(text).not.toContain('No truck has an active fault');
    await browser.screenshot(page, 'advisor-fleet-429-en');
  });
});

describe('national scale', () => {
  it('the admin\'s fleet map shows every one of 10,000 trucks with a position', { timeout: 120_000 }, async () => {
    const registry = createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix });
    await registry.putMany('customer', [{ id: 'bulk', name: '全国物流', active: true }]);
    const bulk: Vehicle[] = Array.from({ length: 10_000 }, (_, i) => ({ vin: withCheckDigit(`LFWBULK0X${String(i).padStart(8, '0')}`), customerId: 'bulk', plate: `京B${String(i).padStart(5, '0')}`, active: true }));
    await registry.putMany('vehicle', bulk);
    const keys = redisKeys(harness.services.redisPrefix);
    const pipeline = harness.redis.pipeline();
    bulk.forEach((v, i) => pipeline.hset(keys.live(v.vin), { customerId: 'bulk', lat: String(22 + (i % 100) * 0.2), lon: String(100 + Math.floor(i / 100) * 0.2), speedKmh: String(i % 90), ts: String(Date.now()), status: 'online', severity: i % 97 === 0 ? 'critical' : 'none', dtcs: '[]' }));
    await pipeline.exec();
    // The registry's count of trucks with a position (every bulk truck + the two seeded ones).
    const live = (await harness.app.inject({ method: 'GET', url: '/v1/fleet/live?limit=20000', headers: harness.auth(await harness.token('admin')) })).json();
    const withPosition = live.items.filter((t: { lat?: number }) => t.lat !== undefined).length;
    expect(withPosition).toBe(10_002);

    const page = await open('admin', { sub: 'admin-national' }, '#/fleet');
    const map = page.getByTestId('fleet-map');
    await expect.poll(() => map.getAttribute('data-ready'), { timeout: 20_000 }).toBe('true');
    expect(Number(await map.getAttribute('data-trucks'))).toBe(withPosition);
    // Every truck is inside some drawn cluster or marker at the whole-country view.
    expect(Number(await map.getAttribute('data-shown'))).toBe(withPosition);
    expect(await page.getByTestId('fleet-summary').textContent()).toContain('10,003 trucks, 10,002 with a position');
    await browser.screenshot(page, 'admin-fleet-10000-en');
  });
});
