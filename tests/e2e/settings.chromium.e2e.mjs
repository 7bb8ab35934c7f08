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
    // A call that connects while capture is off, in a tab of its own.
    const quiet = await browser.context.newPage();
    const quietUrl = `${server.url}call.html?frames=0&media=0&paused=1`;
    await quiet.goto(quietUrl);
    await waitFor(() => quiet.evaluate(() => window.callState.connected), { timeout: 60_000, what: 'a call connected while paused' });
    const quietTab = await ch.tabIdForUrl(browser.serviceWorker, quietUrl);
    await saveSettings(options, (o) => o.uncheck('input[name=paused]'));
    await waitFor(async () => (await sampleCount()) > before, { what: 'polling resumes' });
    // Its PCs are recorded from the resume on, with the states they have (they had read "new" for the rest of the
    // call: their state changes happened while capture was off).
    const states = await waitFor(async () => {
      const data = await latestSessionOfTab(options, quietTab).catch(() => null);
      const open = data?.pcs.filter((p) => p.closedAt === null) ?? [];
      // call.html's two call PCs connected; its first PC only made an offer ("have-local-offer", not "stable").
      const connected = open.filter((p) => p.connectionState === 'connected' && p.iceConnectionState === 'connected');
      const offering = open.filter((p) => p.signalingState === 'have-local-offer');
      return connected.length === 2 && offering.length === 1 ? open.map((p) => `${p.pcId} ${p.signalingState} ${p.iceConnectionState} ${p.connectionState}`) : null;
    }, { what: 'the PCs of the call that connected while paused, connected once capture resumed' }).catch(async (e) => {
      const data = await latestSessionOfTab(options, quietTab).catch((x) => String(x));
      throw new Error(`${e.message}: ${JSON.stringify(data?.pcs?.map((p) => [p.pcId, p.closedAt, p.signalingState, p.iceConnectionState, p.connectionState]) ?? data)}`);
    });
    console.log(`  resumed: ${states.join('; ')}`);
    await quiet.close();
  });

  await step('an excluded site is not captured', async () => {
    // Pasted as a URL: the site is its host (the URL had been stored as a pattern that matched nothing).
    await saveSettings(options, (o) => o.fill('textarea[name=excludedSites]', `${server.url}call.html`));
    assert.deepEqual((await viewRequest(options, { type: 'get-settings' })).excludedSites, [new URL(server.url).hostname]);
    const other = await browser.context.newPage();
    const url = `${server.url}call.html?frames=0&media=0`;
    await other.goto(url);
    await waitFor(() => other.evaluate(() => window.callState.connected), { timeout: 60_000, what: 'second call connected' });
    await sleep(2000);
    const otherTab = await ch.tabIdForUrl(browser.serviceWorker, url);
    assert.deepEqual(await viewRequest(options, { type: 'list-sessions', tabId: otherTab }), []);
  });

  await step('bad values are refused: the interval stays within 100 ms … 60 s', async () => {
    const saved = await viewRequest(options, { type: 'set-settings', settings: { pollIntervalMs: 5, excludedSites: [] } });
    assert.equal(saved.pollIntervalMs, 1000, 'an out-of-range interval falls back to the default');
    // Past setTimeout's 2^31 − 1 ms a page would poll every few ms: refused too.
    const huge = await viewRequest(options, { type: 'set-settings', settings: { pollIntervalMs: 3_000_000_000 } });
    assert.equal(huge.pollIntervalMs, 1000, 'an interval above the maximum falls back to the default');
  });
  console.log('settings.chromium: all checks passed');
} finally {
  await browser.close();
  await server.close();
}
