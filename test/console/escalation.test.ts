// The call center's side in real headless Chromium with rescue timers of seconds: an agent launches a
// rescue through the form; no station answers, the dispatcher escalates it; the queue shows it on top of
// an earlier, already launched case; the agent assigns a station by hand. Screenshots: test-artifacts/console/.
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { waitFor } from '../harness/context.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { CENTRE, seedRegistry, VEHICLES } from './seed.ts';

let harness: ApiHarness;
let browser: ConsoleBrowser;
let dispatcher: RunningDispatcher;
let base: string;

beforeAll(async () => {
  // Build first: the app decides at start-up whether there is a console build to serve.
  await buildConsole();
  const [h, b] = await Promise.all([startApiHarness('consoleesc'), launchBrowser()]);
  harness = h;
  browser = b;
  await seedRegistry(createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix }));
  // Offers time out after 2 s and a case escalates 4 s after its report.
  const env = harness.services.env({ STATION_OFFER_TIMEOUT_S: '2', RESCUE_LAUNCH_WINDOW_S: '12', ESCALATE_BEFORE_S: '8' });
  dispatcher = await startDispatcher(readDispatcherConfig(env), pino({ level: 'error' }));
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterEach(async () => browser?.closePages());
afterAll(async () => {
  await browser?.close();
  await dispatcher?.stop();
  await harness?.close();
});

async function signIn(page: Page, hash: string): Promise<void> {
  await signInWithToken(page, base + hash, await harness.token('agent'));
}

type Case = { id: string; status: string; escalated: boolean; offers: Array<{ stationId: string; outcome: string }> };

describe('escalation', () => {
  it('launch form → no station answers → escalated case on top of the queue → the agent assigns by hand', async () => {
    const agentAuth = harness.auth(await harness.token('agent'));
    const getCase = async (id: string) => (await harness.app.inject({ method: 'GET', url: `/v1/rescues/${id}`, headers: agentAuth })).json() as Case;

    // An earlier case that its station accepts: launched, with the earlier launch deadline.
    const earlier = (await harness.app.inject({ method: 'POST', url: '/v1/rescues', headers: agentAuth, payload: { vin: VEHICLES[2]!.vin, lat: CENTRE.lat, lon: CENTRE.lon } })).json() as Case;
    const offeredTo = await waitFor(async () => (await getCase(earlier.id)).offers.find((o) => o.outcome === 'pending')?.stationId, { what: 'first offer' });
    const accepted = await harness.app.inject({
      method: 'POST', url: `/v1/rescues/${earlier.id}/accept`,
      headers: harness.auth(await harness.token('station', { stationId: offeredTo })), payload: { vanId: 'V1' },
    });
    expect(accepted.statusCode).toBe(200);

    // The agent launches a rescue for a truck found by its plate, at a position typed in.
    const truck = VEHICLES[1]!;
    const page = await browser.page();
    await signIn(page, '#/launch');
    await page.getByLabel('Find truck (plate or VIN)').fill(truck.plate!);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.getByTestId('search-results').locator(`a[data-vin="${truck.vin}"]`).click();
    await expect.poll(() => page.getByTestId('found-vehicle').textContent()).toContain(truck.vin);
    await page.getByLabel('Latitude').fill(String(CENTRE.lat + 0.01));
    await page.getByLabel('Longitude').fill(String(CENTRE.lon - 0.01));
    await page.getByLabel('Description').fill('Driver reports loss of power, smoke');
    await page.getByLabel('Contact phone').fill('+86 139 1234 5678');
    await page.getByRole('button', { name: 'Launch rescue' }).click();
    await page.waitForURL(/#\/cases\//);
    const id = decodeURIComponent(page.url().split('#/cases/')[1]!);
    const created = await getCase(id);
    expect(created).toMatchObject({ id });
    expect(await page.locator('.facts').textContent()).toContain('Driver reports loss of power, smoke');

    // Nobody answers: the case escalates; the queue (updated live) lists it above the launched case.
    await page.locator('.topbar nav a', { hasText: 'Queue' }).click();
    const rows = page.locator('tr[data-case-id]');
    await expect.poll(() => page.locator(`tr[data-case-id="${id}"] .badge.escalated`).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-case-id')))).toEqual([id, earlier.id]);
    expect(await rows.first().getAttribute('class')).toContain('row-escalated');
    expect(await page.getByTestId('queue-summary').textContent()).toContain('1 escalated');
    await browser.screenshot(page, 'agent-queue-escalated-1280');

    // The escalated case page shows the manual form unfolded; the agent assigns a station.
    await rows.first().click();
    const form = page.getByTestId('assign-form');
    await form.waitFor();
    expect(await form.textContent()).toContain('Escalated: assign a station by hand');
    await form.getByRole('radio', { name: /^Console Station 2 · ETA/ }).check();
    await form.getByLabel('Van').fill('VAN-9');
    await browser.screenshot(page, 'agent-escalated-case-1280');
    await form.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(() => page.locator('.panel-head [data-status]').first().getAttribute('data-status')).toBe('launched');
    expect(await getCase(id)).toMatchObject({ status: 'launched', escalated: true });
  });
});
