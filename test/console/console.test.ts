// The web console in real headless Chromium against the real API (listening on loopback), with the
// harness's Redis / Mosquitto / InfluxDB. Screenshots: test-artifacts/console/.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/auth.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { CENTRE, consoleVin, seedRegistry, VEHICLES } from './seed.ts';

let harness: ApiHarness;
let browser: ConsoleBrowser;
let base: string;

beforeAll(async () => {
  // Build first: the app decides at start-up whether there is a console build to serve.
  await buildConsole();
  const [h, b] = await Promise.all([startApiHarness('consoleui'), launchBrowser()]);
  harness = h;
  browser = b;
  await seedRegistry(createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix }));
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterEach(async () => browser?.closePages());
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function signIn(page: Page, role: Role, scope: { customerId?: string; stationId?: string; advisorId?: string } = {}, hash = ''): Promise<void> {
  await signInWithToken(page, base + hash, await harness.token(role, scope));
}

describe('console shell', () => {
  it('refuses a malformed token and keeps a valid one for the tab, with the navigation of its role', async () => {
    const page = await browser.page();
    await page.goto(base);
    await page.getByTestId('token-signin').locator('summary').click();
    await page.getByLabel('Bearer token').fill('not-a-jwt');
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not a JWT');

    await page.getByLabel('Bearer token').fill(await harness.token('station', { stationId: 'cs-0' }));
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('who').textContent()).toBe('station · Console Station 0');
    expect(await page.locator('.topbar nav a').allTextContents()).toEqual(['Offers']);
    expect(page.url()).toContain('#/offers');
    // A station cannot open the agent's launch form: the router sends it back to its own screen.
    await page.goto(`${base}#/launch`);
    await expect.poll(() => page.url()).toContain('#/offers');
    // The token survives a reload of the tab.
    await page.reload();
    await expect.poll(() => page.getByTestId('who').textContent()).toBe('station · Console Station 0');
    await page.close();
  });

  it('draws the offline province outline as the base map at 1280×800 and on a 768 px tablet', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 768, height: 1024 }]) {
      const page = await browser.page(viewport);
      await signIn(page, 'agent', {}, '#/launch');
      const map = page.getByTestId('launch-map');
      await expect.poll(() => map.getAttribute('data-outline')).toBe('loaded');
      expect(await map.getAttribute('data-base')).toBe('outline');
      // The map and the form both fit the viewport width (no horizontal scrolling).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const box = (await map.boundingBox())!;
      expect(box.width).toBeGreaterThan(viewport.width * 0.4);
      await browser.screenshot(page, `launch-${viewport.width}`);
      await page.close();
    }
  });
});

describe('customer scope', () => {
  it('a customer opens its own case but gets "not found" for another customer\'s case id typed into the URL', async () => {
    const agentAuth = harness.auth(await harness.token('agent'));
    const open = async (vin: string) => {
      const res = await harness.app.inject({ method: 'POST', url: '/v1/rescues', headers: agentAuth, payload: { vin, lat: CENTRE.lat, lon: CENTRE.lon, description: 'engine stopped' } });
      expect(res.statusCode).toBe(201);
      return (res.json() as { id: string }).id;
    };
    const own = await open(VEHICLES.find((v) => v.customerId === 'acme')!.vin);
    const foreign = await open(VEHICLES.find((v) => v.customerId === 'globex')!.vin);

    const page = await browser.page();
    await signIn(page, 'customer', { customerId: 'acme' }, `#/cases/${own}`);
    // Named by its plate, not its id.
    await expect.poll(() => page.locator('.panel-head h1').textContent()).toBe('Rescue for 沪A00001');
    expect(await page.locator('.facts').textContent()).toContain('engine stopped');

    await page.goto(`${base}#/cases/${foreign}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Not found');
    expect(await page.locator('.view').getAttribute('data-not-found')).toBe('true');
    expect(await page.locator('body').textContent()).not.toContain('globex');
    await browser.screenshot(page, 'customer-foreign-case-1280');
    await page.close();
  });
});

describe('agent', () => {
  it('assigns a station by hand to a case no station has taken, and the page shows the launch', async () => {
    const agentAuth = harness.auth(await harness.token('agent'));
    const res = await harness.app.inject({ method: 'POST', url: '/v1/rescues', headers: agentAuth, payload: { vin: VEHICLES[1]!.vin, lat: CENTRE.lat, lon: CENTRE.lon, contactPhone: '+86 138 0000 0000' } });
    expect(res.statusCode).toBe(201);
    const id = (res.json() as { id: string }).id;

    const page = await browser.page();
    await signIn(page, 'agent', {}, '#/queue');
    await page.locator(`tr[data-case-id="${id}"]`).click();
    await page.locator('summary', { hasText: 'Assign a station by hand' }).click();
    const form = page.getByTestId('assign-form');
    // Picked from the nearest capable stations, by name (with ETA and phone), not typed as an id.
    await form.getByRole('radio', { name: /^Console Station 1 · ETA/ }).check();
    await form.getByLabel('Van').fill('VAN-2');
    await form.getByLabel('Technician').fill('Zhao Min');
    await form.getByLabel('ETA (minutes)').fill('35');
    await form.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => page.locator('.panel-head [data-status]').first().getAttribute('data-status')).toBe('launched');
    await expect.poll(() => page.getByTestId('launch').textContent()).toContain('Console Station 1 · Van VAN-2 · Zhao Min · ETA 35 min');
    const stored = (await harness.app.inject({ method: 'GET', url: `/v1/rescues/${id}`, headers: agentAuth })).json() as { status: string; launch: { stationId: string; manual: boolean } };
    expect(stored).toMatchObject({ status: 'launched', launch: { stationId: 'cs-1', manual: true } });
    await browser.screenshot(page, 'agent-assigned-1280');
    await page.close();
  });
});

describe('customer coverage', () => {
  it('shows the customer its covered and uncovered stretches, the stations, the shares and the gaps', async () => {
    // Truck 1 of acme drove 250 km due west from the station cluster over the last hours, one position a minute at 60 km/h.
    const truck = VEHICLES.find((v) => v.customerId === 'acme')!;
    const start = Date.now() - 6 * 3600_000;
    const lines: string[] = [];
    for (let i = 0; i <= 250; i++) {
      const lon = CENTRE.lon - (i * 1) / (111.32 * Math.cos((CENTRE.lat * Math.PI) / 180));
      lines.push(`position,customer=acme,vin=${truck.vin} lat=${CENTRE.lat},lon=${lon.toFixed(6)},speedKmh=60 ${start + i * 60_000}`);
    }
    await createTelemetryStore({ version: 1, url: harness.services.influxUrl, database: harness.services.influxDb }).write(lines);

    const page = await browser.page();
    await signIn(page, 'customer', { customerId: 'acme' }, '#/coverage');
    const map = page.getByTestId('coverage-map');
    await expect.poll(() => map.getAttribute('data-uncovered-lines'), { timeout: 15_000 }).toBe('1');
    expect(await map.getAttribute('data-covered-lines')).toBe('1');
    expect(Number(await map.getAttribute('data-stations'))).toBeGreaterThan(0);
    const share = await page.getByTestId('coverage-summary').locator('.kpi', { hasText: 'Kilometres covered' }).locator('.kpi-value').textContent();
    const pct = Number(share!.replace(' %', ''));
    // Near the stations it is covered, 250 km out it is not.
    expect(pct).toBeGreaterThan(0);
    expect(pct).toBeLessThan(100);
    await expect.poll(() => page.getByTestId('gaps').locator('tbody tr').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('fixed-points').textContent()).toContain('Lead advisor: Chen Jing');
    await browser.screenshot(page, 'customer-coverage-1280');

    // Another customer's coverage is not reachable from the console (the API answers 404).
    const foreign = await harness.app.inject({ method: 'GET', url: '/v1/customers/globex/coverage', headers: harness.auth(await harness.token('customer', { customerId: 'acme' })) });
    expect(foreign.statusCode).toBe(404);
  });
});

describe('customer reports a breakdown', () => {
  it('finds only its own trucks and opens a case for one of them', async () => {
    const truck = { vin: consoleVin(9), customerId: 'acme', plate: '沪A00009', active: true };
    await createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix }).putMany('vehicle', [truck]);
    const foreign = VEHICLES.find((v) => v.customerId !== 'acme')!;

    const page = await browser.page({ width: 768, height: 1024 });
    await signIn(page, 'customer', { customerId: 'acme' }, '#/fleet');
    await page.locator('.topbar nav a', { hasText: 'Report breakdown' }).click();
    await expect.poll(() => page.locator('.panel-head h1').textContent()).toBe('Report a breakdown');

    await page.getByLabel('Find truck (plate or VIN)').fill(foreign.plate!);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await expect.poll(() => page.getByTestId('search-results').textContent()).toContain('No truck matches.');
    expect(await page.getByRole('button', { name: 'Report a breakdown' }).isDisabled()).toBe(true);

    // Without the province character.
    await page.getByLabel('Find truck (plate or VIN)').fill(truck.plate.slice(1));
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.getByTestId('search-results').locator(`a[data-vin="${truck.vin}"]`).click();
    await expect.poll(() => page.getByTestId('found-vehicle').textContent()).toContain(truck.vin);
    await page.getByLabel('Latitude').fill(String(CENTRE.lat));
    await page.getByLabel('Longitude').fill(String(CENTRE.lon));
    await page.getByLabel('Description').fill('Flat tyre, trailer axle');
    await page.getByRole('button', { name: 'Report a breakdown' }).click();
    await page.waitForURL(/#\/cases\//);
    const id = decodeURIComponent(page.url().split('#/cases/')[1]!);
    const stored = (await harness.app.inject({ method: 'GET', url: `/v1/rescues/${id}`, headers: harness.auth(await harness.token('agent')) })).json() as { vin: string; source: string; description: string };
    expect(stored).toMatchObject({ vin: truck.vin, source: 'customer', description: 'Flat tyre, trailer axle' });
    await expect.poll(() => page.locator('.facts').textContent()).toContain('Flat tyre, trailer axle');
    await browser.screenshot(page, 'customer-report-768');
  });
});
