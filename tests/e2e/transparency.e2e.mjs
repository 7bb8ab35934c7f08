// e2e-timeout-seconds: 420
// The hook must not change what a page sees: tests/e2e/pages/transparency.html runs its checks (instanceof,
// prototypes, subclassing, statics, toString, descriptors, legacy callbacks, error types and messages, on…
// handlers, no message events, unhandled rejections, …) in a browser WITH the built extension and in one
// WITHOUT it, plain and with webrtc-adapter loaded by the page, in Chromium and in Firefox ESR. The results must
// be identical, and the extension must really have been recording the page meanwhile.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild, step, waitFor } from './support/util.mjs';
import * as ch from './support/chromium.mjs';
import * as ff from './support/firefox.mjs';
import { viewRequest } from './support/scope-api.mjs';

await ensureNetns();
const chromeDir = ensureBuild('chrome');
const firefoxDir = ensureBuild('firefox');
const server = await startServer();
const VARIANTS = ['', '?adapter=1'];

/** Runs transparency.html in `page` and returns its results (throws on a harness error). */
async function transparencyResults(page, query) {
  await page.goto(`${server.url}transparency.html${query}`);
  await waitFor(() => page.evaluate(() => window.transparencyDone === true), { timeout: 120_000, what: `transparency${query} done` });
  const { results, error } = await page.evaluate(() => ({ results: window.transparencyResults, error: window.transparencyError ?? null }));
  assert.equal(error, null, `transparency page error: ${error}`);
  assert.ok(Object.keys(results).length >= 20, 'the page ran its checks');
  return results;
}

function assertSame(withExtension, without, tag) {
  const keys = [...new Set([...Object.keys(withExtension), ...Object.keys(without)])].sort();
  const differing = keys.filter((k) => JSON.stringify(withExtension[k]) !== JSON.stringify(without[k]));
  assert.deepEqual(
    differing.map((k) => ({ check: k, withExtension: withExtension[k], without: without[k] })),
    [],
    `${tag}: results differ with the extension in ${differing.join(', ')}`,
  );
  return keys.length;
}

const failures = [];
async function browserSection(name, fn) {
  try {
    await fn();
  } catch (err) {
    failures.push(name);
    console.log(`  FAILED ${name}: ${err?.stack ?? err}`);
  }
}

await browserSection('chromium', async () => {
  const profile = await mkdtemp(join(tmpdir(), 'plain-chromium-'));
  const plain = await chromium.launchPersistentContext(profile, { executablePath: ch.CHROMIUM_PATH, headless: true, args: ch.CHROMIUM_ARGS });
  const withExt = await ch.launchChromiumWithExtension({ extensionDir: chromeDir });
  try {
    const basePage = await plain.newPage();
    const extPage = await withExt.context.newPage();
    const panel = await ch.openExtensionPage(withExt.context, withExt.extensionId, 'options.html');
    for (const query of VARIANTS) {
      await step(`chromium transparency${query}: identical with and without the extension`, async () => {
        const n = assertSame(await transparencyResults(extPage, query), await transparencyResults(basePage, query), `chromium${query}`);
        const tabId = await ch.tabIdForUrl(withExt.serviceWorker, `${server.url}transparency.html${query}`);
        const sessions = await viewRequest(panel, { type: 'list-sessions', tabId });
        assert.ok(sessions[0]?.pcCount > 0, 'the extension recorded the page while it ran the checks');
        console.log(`    ${n} checks identical; ${sessions[0].pcCount} PCs and ${sessions[0].eventCount} events recorded meanwhile`);
      });
    }
  } finally {
    await withExt.close();
    await plain.close();
    await rm(profile, { recursive: true, force: true });
  }
});

await browserSection('firefox', async () => {
  const plain = await puppeteer.launch({ browser: 'firefox', executablePath: ff.FIREFOX_PATH, headless: true, extraPrefsFirefox: ff.FIREFOX_PREFS });
  const withExt = await ff.launchFirefoxWithExtension({ extensionDir: firefoxDir });
  try {
    const basePage = await plain.newPage();
    const extPage = await withExt.browser.newPage();
    for (const query of VARIANTS) {
      await step(`firefox transparency${query}: identical with and without the extension`, async () => {
        await extPage.bringToFront();
        const withResults = await transparencyResults(extPage, query);
        const n = assertSame(withResults, await transparencyResults(basePage, query), `firefox${query}`);
        const tabId = await ff.tabIdForUrl(withExt.browser, withExt.uuid, `${server.url}transparency.html${query}`, { extensionDir: firefoxDir });
        const panel = await ff.openExtensionPage(withExt.browser, withExt.uuid, 'options.html');
        const sessions = await viewRequest(panel, { type: 'list-sessions', tabId });
        await panel.close();
        assert.ok(sessions[0]?.pcCount > 0, 'the extension recorded the page while it ran the checks');
        console.log(`    ${n} checks identical; ${sessions[0].pcCount} PCs and ${sessions[0].eventCount} events recorded meanwhile`);
      });
    }
  } finally {
    await withExt.close();
    await plain.close();
  }
});

await server.close();
if (failures.length) {
  console.log(`transparency: failed in ${failures.join(', ')}`);
  process.exit(1);
}
console.log('transparency: identical in both browsers');
