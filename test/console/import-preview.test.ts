// The admin's import preview in real Chromium against the real API: the preview is the server's dry run
// (POST /v1/import/{kind}?dryRun=true) — every row's problem marked, the counts the import would store —
// and nothing is stored until the admin imports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../core/vin.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback, signInWithToken } from './browser.ts';
import { buildConsole } from './build.ts';
import { seedRegistry } from './seed.ts';

let harness: ApiHarness;
let browser: ConsoleBrowser;
let base: string;

beforeAll(async () => {
  await buildConsole();
  const [h, b] = await Promise.all([startApiHarness('consoleimport'), launchBrowser()]);
  harness = h;
  browser = b;
  await seedRegistry(createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix }));
  base = `${await listenOnLoopback(harness.app)}/console/`;
});
afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

describe('import preview', () => {
  it('shows the server\'s problems per row and what an import would store, storing nothing', { timeout: 120_000 }, async () => {
    const page = await browser.page();
    await page.addInitScript(() => localStorage.setItem('fleet-console.locale', 'en'));
    await signInWithToken(page, `${base}#/admin/import`, await harness.token('admin'));
    const good = withCheckDigit('LFWXMPRT000000001');
    const other = withCheckDigit('LFWXMPRT000000002');
    await page.locator('select[name=kind]').selectOption('vehicles');
    // Row 2 names a customer the registry does not have: only the server can know.
    await page.locator('textarea[name=file]').fill(`vin,customerId,plate\n${good},acme,沪A66601\n${other},nobody,沪A66602\n`);
    await page.getByTestId('import-preview-button').click();
    const preview = page.getByTestId('import-preview');
    await expect.poll(() => preview.locator('tr[data-row="2"] [data-testid=row-error]').textContent(), { timeout: 20_000 }).not.toBe('');
    expect(await preview.locator('tr[data-row="1"] [data-testid=row-error]').textContent()).toBe('');
    expect(await preview.textContent()).toContain('1 of 2 rows have problems');
    const registry = createRegistryStore({ redis: harness.redis, prefix: harness.services.redisPrefix });
    expect(await registry.getMany('vehicle', [good])).toEqual([undefined]);

    await page.locator('textarea[name=file]').fill(`vin,customerId,plate\n${good},acme,沪A66601\n`);
    await page.getByTestId('import-preview-button').click();
    await expect.poll(() => page.getByTestId('import-plan').textContent(), { timeout: 20_000 }).toContain('1 new, 0 changed, 0 unchanged');
    expect(await registry.getMany('vehicle', [good])).toEqual([undefined]);
    await page.getByTestId('import-submit').click();
    await page.getByTestId('imported').waitFor({ timeout: 20_000 });
    expect((await registry.getMany('vehicle', [good]))[0]?.plate).toBe('沪A66601');
    await browser.screenshot(page, 'admin-import-preview-en');
    await page.close();
  });
});
