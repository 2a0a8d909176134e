import { existsSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from './harness.ts';

/** Debian's Chromium (package `chromium`); .ci/run installs it. Never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.runIf(existsSync(CHROMIUM))('the API reference page in a browser', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('renders the operations with no network beyond the API itself', async () => {
    const t = await createTestApp();
    cleanups.push(() => t.close());
    const { port, close } = await new Promise<{ port: number; close: () => Promise<unknown> }>(
      (resolve) => {
        const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
          resolve({ port: info.port, close: () => new Promise((done) => server.close(done)) }),
        );
      },
    );
    cleanups.push(close);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
      outside.push(url.href);
      return route.abort();
    });

    await page.goto(`http://127.0.0.1:${port}/docs`);
    await expect
      .poll(() => page.getByText('Liveness: the process answers').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await page.getByText('Mercato API').count()).toBeGreaterThan(0);
    expect(outside).toEqual([]);
    await page.screenshot({ path: 'coverage/docs-page.png' });
  });
});
