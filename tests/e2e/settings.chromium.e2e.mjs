// e2e-timeout-seconds: 240
// Settings through the real options page, applied to live pages at once: a faster poll interval, pausing
// capture, and an excluded site.
import assert from 'node:assert/strict';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild, step, waitFor } from './support/util.mjs';
import * as ch from './support/chromium.mjs';
import { latestSessionOfTab, viewRequest } from './support/scope-api.mjs';

await ensureNetns();
const extensionDir = ensureBuild('chrome');
const server = await startServer();
const browser = await ch.launchChromiumWithExtension({ extensionDir });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function saveSettings(options, fill) {
  await options.reload();
  await options.waitForSelector('form[aria-label="Capture settings"]');
  await fill(options);
  await options.click('button[type=submit]');
  await waitFor(() => options.evaluate(() => document.querySelector('[role=status]').textContent.startsWith('Saved')), { what: 'saved' }).catch(async (e) => {
    throw new Error(`${e.message}: status "${await options.evaluate(() => document.querySelector('[role=status]')?.textContent)}"`);
  });
}

try {
  const options = await ch.openExtensionPage(browser.context, browser.extensionId, 'options.html');
  const page = await browser.context.newPage();
  const callUrl = `${server.url}call.html?frames=0`;
  await page.goto(callUrl);
  await waitFor(() => page.evaluate(() => window.callState.connected), { timeout: 60_000, what: 'call connected' });
  const tabId = await ch.tabIdForUrl(browser.serviceWorker, callUrl);
  const sampleCount = async () => (await latestSessionOfTab(options, tabId)).pcs.find((p) => p.pcId === '0-2').sampleCount;

  await step('a 250 ms poll interval set on the options page applies to the running call', async () => {
    await saveSettings(options, (o) => o.fill('input[name=pollIntervalMs]', '250'));
    assert.equal((await viewRequest(options, { type: 'get-settings' })).pollIntervalMs, 250);
    await sleep(1000);
    const before = await sampleCount();
    await sleep(3000);
    const rate = ((await sampleCount()) - before) / 3;
    assert.ok(rate >= 3, `≈ 4 samples/s expected, got ${rate.toFixed(1)}/s`);
  });

  await step('pausing capture stops polling and recording', async () => {
    await saveSettings(options, (o) => o.check('input[name=paused]'));
    await sleep(1000);
    const before = await sampleCount();
    await page.evaluate(() => new RTCPeerConnection().close());
    await sleep(2500);
    assert.equal(await sampleCount(), before, 'no sample while paused');
    const pcs = (await latestSessionOfTab(options, tabId)).pcs.length;
    assert.equal(pcs, 3, 'a PC created while paused is not recorded');
    await saveSettings(options, (o) => o.uncheck('input[name=paused]'));
    await waitFor(async () => (await sampleCount()) > before, { what: 'polling resumes' });
  });

  await step('an excluded site is not captured', async () => {
    await saveSettings(options, (o) => o.fill('textarea[name=excludedSites]', '127.0.0.1'));
    const other = await browser.context.newPage();
    const url = `${server.url}call.html?frames=0&media=0`;
    await other.goto(url);
    await waitFor(() => other.evaluate(() => window.callState.connected), { timeout: 60_000, what: 'second call connected' });
    await sleep(2000);
    const otherTab = await ch.tabIdForUrl(browser.serviceWorker, url);
    assert.deepEqual(await viewRequest(options, { type: 'list-sessions', tabId: otherTab }), []);
  });

  await step('bad values are refused: the interval never goes below 100 ms', async () => {
    const saved = await viewRequest(options, { type: 'set-settings', settings: { pollIntervalMs: 5, excludedSites: [] } });
    assert.equal(saved.pollIntervalMs, 1000, 'an out-of-range interval falls back to the default');
  });
  console.log('settings.chromium: all checks passed');
} finally {
  await browser.close();
  await server.close();
}
