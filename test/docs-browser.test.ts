import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from './factories.ts';
import { createTestApp, type TestApp } from './harness.ts';

/** Debian's Chromium (package `chromium`); .ci/run installs it. Never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.runIf(existsSync(CHROMIUM))('the API reference page in a browser', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A port nobody listens on, so the app's PUBLIC_URL (the docs' server) can name it. */
  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

  async function served(env: Record<string, string> = {}): Promise<{ t: TestApp; port: number }> {
    const port = await freePort();
    const t = await createTestApp({ env: { PUBLIC_URL: `http://127.0.0.1:${port}`, ...env } });
    cleanups.push(() => t.close());
    await new Promise<void>((resolve) => {
      const server = serve({ fetch: t.app.fetch, port, hostname: '127.0.0.1' }, () => resolve());
      cleanups.push(() => new Promise((done) => server.close(done)));
    });
    return { t, port };
  }

  let browser: Browser | undefined;
  async function newPage() {
    if (!browser) {
      const launched = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      cleanups.push(() => launched.close());
      browser = launched;
    }
    return browser.newPage();
  }

  it('renders the operations with no network beyond the API itself', async () => {
    const { port } = await served();
    const page = await newPage();
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

  it('signs in through "Authorize" and calls a protected operation with the token', async () => {
    const { t, port } = await served({ AUTH_RATE_LIMIT_PER_MINUTE: '100' });
    const user = await createUser(t);
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${port}/docs`);
    await page.getByRole('button', { name: 'Select Auth Type' }).click({ timeout: 15_000 });
    await page.getByRole('option', { name: 'passwordLogin' }).click();
    await page.keyboard.press('Escape');
    const field = async (label: string) =>
      page.locator(
        `[id="${await page.locator('label', { hasText: new RegExp(`^${label}$`) }).getAttribute('for')}"]`,
      );
    await (await field('Username')).locator('[contenteditable=true]').fill(user.email ?? '');
    await (await field('Password')).fill(TEST_PASSWORD);
    const login = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
    await page.getByRole('button', { name: 'Authorize' }).click();
    expect((await login).status()).toBe(200);

    await page.goto(`http://127.0.0.1:${port}/docs#tag/auth/GET/api/v1/auth/me`);
    await page.getByRole('button', { name: /Test Request\s*\(get \/api\/v1\/auth\/me\)/ }).click();
    const me = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/me'));
    await page.getByRole('button', { name: /^Send/ }).first().click();
    const answer = await me;
    expect(answer.status()).toBe(200);
    expect(await answer.json()).toMatchObject({ id: user.id, email: user.email });
  });
});
