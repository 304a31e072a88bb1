// Acceptance of the console's rescue flow in real headless Chromium, against the whole chain: a truck
// publishes a red-stop-lamp DM1 over MQTT → the real ingester process → fault-event queue → the
// dispatcher (in-process, built like its process) → case + offer → live stream → the agent's queue.
// Then the offered station accepts on a tablet-sized page, and the agent's case page turns `launched`
// without a reload. Screenshots: test-artifacts/console/.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/auth.ts';
import { deviceTopic } from '../../core/topics.ts';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { waitFor } from '../harness/context.ts';
import { spawnService, type ServiceProcess } from '../harness/processes.ts';
import { tempDir } from '../ingest/support.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { CENTRE, seedRegistry, VEHICLES } from './seed.ts';

let harness: ApiHarness;
let browser: ConsoleBrowser;
let dispatcher: RunningDispatcher;
let ingester: ServiceProcess;
let base: string;

beforeAll(async () => {
  // Build first: the app decides at start-up whether there is a console build to serve.
  await buildConsole();
  const [h, b] = await Promise.all([startApiHarness('consoleflow'), launchBrowser()]);
  harness = h;
  browser = b;
  await seedRegistry(createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix }));
  const env = harness.services.env({
    // The harness ACL gives the ingester account the production root only; this file's trucks publish
    // under the file's own topic root, which the ops account may read.
    MQTT_USERNAME: harness.services.accounts.ops.username,
    MQTT_PASSWORD: harness.services.accounts.ops.password,
    INGEST_METRICS_PORT: '0',
    INGEST_CLIENT_ID: `console-${harness.services.namespace}`,
    INGEST_SPOOL_DIR: tempDir('console'),
    LOG_LEVEL: 'info',
  });
  ingester = spawnService('ingest/main.ts', env);
  // Trucks publish only once the ingester's session is subscribed (QoS 1 to a session that does not exist yet is lost).
  await waitFor(() => ingester.output().includes('"subscribed"') || ingester.child.exitCode !== null, { what: 'ingester start' });
  expect(ingester.child.exitCode, ingester.output()).toBeNull();
  dispatcher = await startDispatcher(readDispatcherConfig(env), pino({ level: 'error' }));
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterEach(async () => browser?.closePages());
afterAll(async () => {
  await browser?.close();
  await dispatcher?.stop();
  ingester?.kill();
  await ingester?.exited();
  await harness?.close();
});

async function signIn(page: Page, role: Role, scope: { customerId?: string; stationId?: string; advisorId?: string } = {}, hash = ''): Promise<void> {
  await signInWithToken(page, base + hash, await harness.token(role, scope));
}

describe('console rescue flow', () => {
  it('a red-stop DM1 shows up in the agent queue; the candidates are explained; one station declines, the next accepts; the agent sees launched live', async () => {
    const truck = VEHICLES[0]!;
    const at = { lat: CENTRE.lat + 0.02, lon: CENTRE.lon + 0.03 };

    const agent = await browser.page({ width: 1280, height: 800 });
    await signIn(agent, 'agent', {}, '#/queue');
    await expect.poll(() => agent.getByTestId('live').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await expect.poll(() => agent.getByTestId('queue').textContent()).toContain('No open cases');

    const published = Date.now();
    const topicRoot = harness.services.topicRoot;
    await harness.mqtt.publishAsync(deviceTopic(topicRoot, truck.vin, 'position'), JSON.stringify({ ts: Date.now(), ...at, speedKmh: 0, seq: 1 }), { qos: 1 });
    await harness.mqtt.publishAsync(deviceTopic(topicRoot, truck.vin, 'dm1'), JSON.stringify({
      ts: Date.now(), seq: 2, ...at, lamps: { redStop: true }, dtcs: [{ spn: 100, fmi: 1, oc: 1 }],
    }), { qos: 1 });

    // The case appears in the queue by itself (no reload), with a running launch countdown.
    // Listed by plate, not VIN.
    const row = agent.locator('tr[data-case-id]', { hasText: truck.plate! });
    await row.waitFor({ timeout: 20_000 }).catch(async (err: unknown) => {
      const cases = await harness.app.inject({ method: 'GET', url: `/v1/rescues?vin=${truck.vin}`, headers: harness.auth(await harness.token('agent')) });
      throw new Error(`${String(err)}\ncases: ${cases.body.slice(0, 500)}\ningester output:\n${ingester.output().slice(-3000)}`);
    });
    const appearedMs = Date.now() - published;
    expect(await row.locator('.countdown').textContent()).toMatch(/^\d\d:\d\d$/);
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('offered to');
    expect(await agent.title()).toBe('(1) Rescue queue · Fleet rescue console');
    await agent.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await browser.screenshot(agent, 'agent-queue-1280');

    await row.click();
    const candidates = agent.getByTestId('candidates');
    await candidates.waitFor();
    const kept = candidates.locator('tr.kept');
    const dropped = candidates.locator('tr.dropped');
    await expect.poll(() => kept.count()).toBeGreaterThan(0);
    // The tyre-only station next door was looked at and dropped for the missing engine capability.
    expect(await candidates.locator('tr[data-station-id="cs-tyres"]').textContent()).toContain('dropped: cannot do this repair');
    expect(await dropped.count()).toBeGreaterThan(0);
    const caseId = decodeURIComponent(agent.url().split('#/cases/')[1]!);
    const offered = (await harness.app.inject({ method: 'GET', url: `/v1/rescues/${caseId}`, headers: harness.auth(await harness.token('agent')) })).json() as {
      status: string; offers: Array<{ stationId: string; outcome: string }>; candidates: Array<{ stationId: string; kept: boolean; rank?: number }>;
    };
    expect(offered.status).toBe('offered');
    const stationId = offered.offers.find((o) => o.outcome === 'pending')!.stationId;
    // The page lists the same first-ranked station the dispatcher offered to.
    expect(await kept.first().getAttribute('data-station-id')).toBe(stationId);
    await browser.screenshot(agent, 'agent-case-offered-1280');

    // The first station, on a 768 px tablet, sees the offer and declines it: no van.
    const first = await browser.page({ width: 768, height: 1024 });
    await signIn(first, 'station', { stationId }, '#/offers');
    const firstCard = first.locator(`[data-testid="offers-list"] [data-case-id="${caseId}"]`);
    await firstCard.waitFor({ timeout: 10_000 });
    await browser.screenshot(first, 'station-offers-768');
    await firstCard.click();
    const decline = first.getByTestId('decline-form');
    await decline.waitFor();
    await decline.getByLabel('Reason').selectOption('no_van');
    await decline.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => first.getByTestId('decline-form').count()).toBe(0);

    // The dispatcher offers the case to the next candidate; the agent's page shows the declined offer live.
    const second = await waitFor(async () => {
      const c = (await harness.app.inject({ method: 'GET', url: `/v1/rescues/${caseId}`, headers: harness.auth(await harness.token('agent')) })).json() as typeof offered;
      return c.offers.find((o) => o.outcome === 'pending' && o.stationId !== stationId)?.stationId;
    }, { what: 'offer to the next station' });
    await expect.poll(() => agent.getByTestId('offers').locator('tr[data-outcome="declined"]').textContent(), { timeout: 10_000 }).toContain('declined · No van available');

    // The second station accepts with van and technician.
    const station = await browser.page({ width: 768, height: 1024 });
    await signIn(station, 'station', { stationId: second }, '#/offers');
    const card = station.locator(`[data-testid="offers-list"] [data-case-id="${caseId}"]`);
    await card.waitFor({ timeout: 10_000 });
    await card.click();
    const accept = station.getByTestId('accept-form');
    await accept.waitFor();
    await accept.getByLabel('Van').fill('VAN-7');
    await accept.getByLabel('Technician').fill('Wang Lei');
    await browser.screenshot(station, 'station-accept-768');
    await accept.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => station.locator('.panel-head [data-status]').first().getAttribute('data-status')).toBe('launched');

    // The agent's open case page turns `launched` through the live stream, without a reload.
    await expect.poll(() => agent.locator('.panel-head [data-status]').first().getAttribute('data-status'), { timeout: 10_000 }).toBe('launched');
    expect(await agent.getByTestId('launch').textContent()).toContain('VAN-7');
    expect(await agent.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await browser.screenshot(agent, 'agent-case-launched-1280');
    console.info(`console: case visible in the agent queue ${appearedMs} ms after the DM1 was published`);
  });

  it('the advisor sees its customers\' trucks by state, the active fault and the open case, and trucks update live', async () => {
    // Runs after the test above: truck 1 has a red-stop fault and a launched case.
    const [broken, moving] = [VEHICLES[0]!, VEHICLES[1]!];
    const foreign = VEHICLES.find((v) => v.customerId !== 'acme')!;
    const topicRoot = harness.services.topicRoot;
    await harness.mqtt.publishAsync(deviceTopic(topicRoot, moving.vin, 'position'), JSON.stringify({ ts: Date.now(), lat: CENTRE.lat - 0.1, lon: CENTRE.lon, speedKmh: 60, seq: 1 }), { qos: 1 });
    await waitFor(async () => {
      const res = await harness.app.inject({ method: 'GET', url: `/v1/vehicles/${moving.vin}`, headers: harness.auth(await harness.token('agent')) });
      return (res.json() as { live: { speedKmh?: number } | null }).live?.speedKmh === 60;
    }, { what: 'position of the moving truck stored' });

    // The tablet first: the desktop pass ends by sending the moving truck offline.
    for (const viewport of [{ width: 768, height: 1024 }, { width: 1280, height: 800 }]) {
      const page = await browser.page(viewport);
      await signIn(page, 'advisor', { advisorId: 'adv-1' }, '#/fleet');
      // Each truck is a named marker on the map (two trucks: not clustered).
      const marker = (vin: string) => page.locator(`.map-dot[data-vin="${vin}"]`);
      await expect.poll(() => page.locator('.map-dot[data-vin]').count(), { timeout: 10_000 }).toBe(2);
      expect(await page.getByTestId('fleet-map').textContent()).not.toContain(foreign.plate!);
      expect(await marker(broken.vin).getAttribute('aria-label')).toBe(`${broken.plate} · broken down`);
      expect(await marker(moving.vin).getAttribute('aria-label')).toBe(`${moving.plate} · moving · 60 km/h`);
      expect(await page.getByTestId('faults').textContent()).toMatch(new RegExp(`${broken.plate}.*critical`));
      expect(await page.getByTestId('legend').locator('[data-state="broken_down"]').textContent()).toContain('(1)');
      await expect.poll(() => page.getByTestId('open-cases').locator('tr[data-case-id]').count()).toBe(1);
      expect(await page.getByTestId('fleet-map').getAttribute('data-trucks')).toBe('2');
      await browser.screenshot(page, `advisor-fleet-${viewport.width}`);
      if (viewport.width === 768) {
        await page.close();
        continue;
      }
      // Live: a new position and then the truck going offline show up without a reload.
      await harness.mqtt.publishAsync(deviceTopic(topicRoot, moving.vin, 'position'), JSON.stringify({ ts: Date.now(), lat: CENTRE.lat - 0.09, lon: CENTRE.lon, speedKmh: 72, seq: 2 }), { qos: 1 });
      await expect.poll(() => marker(moving.vin).getAttribute('aria-label'), { timeout: 10_000 }).toBe(`${moving.plate} · moving · 72 km/h`);
      await harness.mqtt.publishAsync(deviceTopic(topicRoot, moving.vin, 'status'), 'offline', { qos: 1 });
      await expect.poll(() => marker(moving.vin).getAttribute('aria-label'), { timeout: 10_000 }).toBe(`${moving.plate} · offline`);
      await page.close();
    }
  });

  it('uses a configured XYZ tile source in the GCJ-02 datum: tiles are fetched, a point picked on the truck converts back to its WGS-84 position', async () => {
    // A stand-in tile provider (a true external): a real HTTP server on loopback that records requests.
    const requested: string[] = [];
    const tiles = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => tiles.listen(0, '127.0.0.1', r));
    try {
      const tileUrl = `http://127.0.0.1:${(tiles.address() as AddressInfo).port}/{z}/{x}/{y}.png`;
      const truck = VEHICLES[0]!;
      const live = (await harness.app.inject({ method: 'GET', url: `/v1/vehicles/${truck.vin}`, headers: harness.auth(await harness.token('agent')) })).json() as { live: { lat: number; lon: number } };

      const page = await browser.page();
      await signInWithToken(page, `${base}?tiles=${encodeURIComponent(tileUrl)}&datum=gcj02`, await harness.token('agent'));
      await page.locator('.topbar nav a', { hasText: 'Launch' }).click();
      const map = page.getByTestId('launch-map');
      await map.waitFor();
      expect(await map.getAttribute('data-base')).toBe('tiles');
      expect(await map.getAttribute('data-datum')).toBe('gcj02');

      await page.getByLabel('Find truck (plate or VIN)').fill(truck.vin);
      await page.getByRole('button', { name: 'Find', exact: true }).click();
      await page.getByTestId('search-results').locator(`a[data-vin="${truck.vin}"]`).click();
      await expect.poll(() => page.locator('input[name=lat]').inputValue()).toBe(live.live.lat.toFixed(6));
      expect(await page.locator('input[name=lon]').inputValue()).toBe(live.live.lon.toFixed(6));
      await waitFor(() => requested.some((u) => /^\/\d+\/\d+\/\d+\.png$/.test(u)), { what: 'tile requests' });

      // Click the truck as drawn (in GCJ-02): the picked point converts back to the WGS-84 position
      // (within a pixel at this zoom; the datum shift in Shanghai is ~500 m, tens of pixels).
      const box = (await page.locator('.map-truck').boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await expect.poll(() => page.getByTestId('location-note').textContent()).toContain('picked on the map');
      const lat = Number(await page.locator('input[name=lat]').inputValue());
      const lon = Number(await page.locator('input[name=lon]').inputValue());
      expect(Math.abs(lat - live.live.lat)).toBeLessThan(0.0005);
      expect(Math.abs(lon - live.live.lon)).toBeLessThan(0.0005);
      await page.close();
    } finally {
      tiles.close();
    }
  });

  it('the customer\'s KPIs count its launched rescue as launched within 15 minutes', async () => {
    // Runs after the first test: acme's truck 1 was launched seconds after its report.
    const page = await browser.page();
    await signIn(page, 'customer', { customerId: 'acme' }, '#/kpis');
    const kpis = page.getByTestId('kpis');
    await kpis.waitFor();
    const tile = kpis.locator('.kpi', { hasText: 'Launched within 15 min' });
    expect(await tile.locator('.kpi-value').textContent()).toBe('100.0 %');
    expect(await tile.textContent()).toContain('1 of 1 launched');
    expect(await kpis.locator('.kpi', { hasText: 'Time to launch' }).locator('.kpi-value').textContent()).toMatch(/^\d+ min$/);
    await browser.screenshot(page, 'customer-kpis-1280');
  });
});
