// The admin queue board (bull-board at /admin/queues) in real headless Chromium against the real API
// listening on loopback: the sign-in form sets the board cookie and the board's own page then loads its
// scripts and its JSON API with it. Screenshot: test-artifacts/console/queue-board.png.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { RESCUE_QUEUES } from '../../core/queues.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { type ConsoleBrowser, launchBrowser, listenOnLoopback } from './browser.ts';

let harness: ApiHarness;
let browser: ConsoleBrowser;
let origin: string;
let jobs: Queue;

beforeAll(async () => {
  const [h, b] = await Promise.all([startApiHarness('queueboardui'), launchBrowser()]);
  harness = h;
  browser = b;
  jobs = new Queue(RESCUE_QUEUES.rescueJobs, { connection: { url: h.services.redisUrl }, prefix: redisKeys(h.services.redisPrefix).bullPrefix });
  await jobs.add('advance', { kind: 'advance', caseId: 'rc-browser-1' }, { jobId: 'advance-rc-browser-1' });
  origin = await listenOnLoopback(harness.app);
});
afterAll(async () => {
  await browser?.close();
  await jobs?.close();
  await harness?.close();
});

describe('queue board in a browser', () => {
  it('an admin signs in with the form and the board shows the queues and their jobs', async () => {
    const page = await browser.page();
    const refused = await page.goto(`${origin}/admin/queues`);
    expect(refused?.status()).toBe(401);

    await page.goto(`${origin}/admin/queues/login`);
    await page.locator('textarea[name=token]').fill(await harness.token('admin'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/admin/queues`);
    for (const name of ['fault-events', 'rescue-jobs', 'rescue-webhooks']) {
      await page.getByText(name, { exact: true }).first().waitFor();
    }
    await page.goto(`${origin}/admin/queues/queue/rescue-jobs?status=waiting`);
    await page.getByText('advance-rc-browser-1').first().waitFor();
    await browser.screenshot(page, 'queue-board');

    // Signing out clears the cookie: the board refuses the browser again.
    await page.goto(`${origin}/admin/queues/logout`);
    await page.waitForURL(`${origin}/admin/queues/login`);
    expect((await page.goto(`${origin}/admin/queues`))?.status()).toBe(401);
    await page.close();
  });

  it('refuses the sign-in of an agent', async () => {
    const page = await browser.page();
    await page.goto(`${origin}/admin/queues/login`);
    await page.locator('textarea[name=token]').fill(await harness.token('agent'));
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${origin}/admin/queues/login` && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(answer.status()).toBe(403);
    expect((await page.goto(`${origin}/admin/queues`))?.status()).toBe(401);
    await page.close();
  });
});
