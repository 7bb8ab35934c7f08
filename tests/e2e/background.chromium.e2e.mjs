// e2e-timeout-seconds: 600
// A call in a hidden Chromium tab for longer than Chrome's intensive timer throttling takes to start: a sample every
// second throughout (support/background-checks.mjs). Chromium is driven by puppeteer-core here, not Playwright:
// under Playwright a page behind another tab or window still reports `visible` (measured with Chromium 156, also
// with Playwright's background-throttling flags removed), so no Playwright test ever runs a hidden page.
import puppeteer from 'puppeteer-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild } from './support/util.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/chromium.mjs';
import { runBackgroundCallChecks } from './support/background-checks.mjs';

await ensureNetns();
const extensionDir = resolve(ensureBuild('chrome'));
const server = await startServer();
const profileDir = await mkdtemp(join(tmpdir(), 'webrtc-scope-chromium-bg-'));
const browser = await puppeteer.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  userDataDir: profileDir,
  // puppeteer's defaults switch off what this test is about (timer throttling and backgrounding of hidden pages) and
  // all extensions.
  ignoreDefaultArgs: ['--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding', '--disable-extensions'],
  args: [`--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`, '--no-sandbox', ...CHROMIUM_ARGS],
});
try {
  const worker = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'), { timeout: 30_000 });
  const origin = `chrome-extension://${new URL(worker.url()).host}`;
  await runBackgroundCallChecks({
    browserName: 'chromium',
    serverUrl: server.url,
    newPage: () => browser.newPage(),
    openExtensionPage: async (path) => {
      const page = await browser.newPage();
      await page.goto(`${origin}/${path}`);
      return page;
    },
  });
} finally {
  await browser.close().catch(() => {});
  await server.close?.();
  await rm(profileDir, { recursive: true, force: true }).catch(() => {});
}
