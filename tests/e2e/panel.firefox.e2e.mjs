// e2e-timeout-seconds: 240
// The devtools panel page (opened as a tab with ?tabId=) in real Firefox ESR during a live loopback call: the
// same checks as in Chromium (charts keep up, selected candidate pair, offer/answer in the event log); then the
// popup page for the call's tab.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { REPO_ROOT, ensureBuild, step, waitFor } from './support/util.mjs';
import * as ff from './support/firefox.mjs';
import { checkLivePanel, selectConnection } from './support/panel-checks.mjs';

await ensureNetns();
const extensionDir = ensureBuild('firefox');
const server = await startServer();
const firefox = await ff.launchFirefoxWithExtension({ extensionDir });
const shots = join(REPO_ROOT, 'tmp/screenshots');
mkdirSync(shots, { recursive: true });
try {
  const page = await firefox.browser.newPage();
  const callUrl = `${server.url}demo.html`;
  await step('demo call connects', async () => {
    await page.bringToFront(); // Firefox delays enumerateDevices/getUserMedia in a tab that never had focus
    await page.goto(callUrl);
    await waitFor(() => page.evaluate(() => window.demoState.connected || window.demoState.error), { timeout: 90_000, what: 'demo call connected' });
    assert.equal(await page.evaluate(() => window.demoState.error), null);
  });
  const tabId = await ff.tabIdForUrl(firefox.browser, firefox.uuid, callUrl, { extensionDir });
  const panel = await ff.openExtensionPage(firefox.browser, firefox.uuid, `devtools-panel.html?tabId=${tabId}`);
  const errors = [];
  panel.on('pageerror', (e) => errors.push(String(e)));
  await step('panel (?tabId=) shows live charts, the selected pair and the offer/answer', async () => {
    await panel.bringToFront(); // requestAnimationFrame does not run in a background tab
    const result = await checkLivePanel(panel, { senderPcId: '0-1', receiverPcId: '0-2', browserName: 'firefox' });
    console.log(`    chart lag behind now: ${result.lagsMs.map((x) => `${Math.round(x)} ms`).join(', ')}; selected pair: ${result.pair}`);
  });
  await step('panel screenshot', async () => {
    await panel.evaluate(() => document.querySelector('[role="tab"]')?.click());
    await new Promise((r) => setTimeout(r, 1500));
    await panel.screenshot({ path: join(shots, 'panel-firefox.png') });
  });
  await step('popup (?tabId=) shows both PCs with a verdict and bitrate, like in Chromium', async () => {
    const popup = await ff.openExtensionPage(firefox.browser, firefox.uuid, `popup.html?tabId=${tabId}`);
    popup.on('pageerror', (e) => errors.push(`popup: ${e}`));
    const pcs = await waitFor(
      () => popup.evaluate(() => {
        const items = [...document.querySelectorAll('li.popup-pc')].map((li) => ({
          verdict: li.querySelector('[data-verdict]')?.dataset.verdict,
          receive: li.querySelector('[data-field="receive-bitrate"]')?.textContent ?? '',
        }));
        return items.length === 2 && items.every((p) => p.verdict === 'good') && /[1-9]/.test(items[1].receive) ? items : null;
      }),
      { timeout: 30_000, what: 'popup: two good PCs with bitrate' },
    );
    console.log(`    popup: ${pcs.map((p) => `${p.verdict} receive ${p.receive}`).join('; ')}`);
    await popup.screenshot({ path: join(shots, 'popup-firefox.png') });
  });
  await step('"Stop sending" (replaceTrack(null)): Firefox sends black video at 1 fps; the panel calls it the page\'s own pause', async () => {
    await page.evaluate(() => window.toggleSending());
    await panel.bringToFront();
    const issues = () => panel.evaluate(() => [...document.querySelectorAll('.health-issue')].map((li) => ({ rule: li.dataset.rule, text: li.textContent.replace(/\s+/g, ' ') })));
    await selectConnection(panel, '0-2');
    // The receiver: what it lacks (audio packets; video frames, which Firefox counts as freezes) is information that
    // names connection 0-1's replaceTrack(null), not a warning about the network.
    const received = await waitFor(async () => {
      const list = await issues();
      const paused = list.filter((i) => /Paused by this page: its connection 0-1 left the sender of this stream without a track/.test(i.text));
      return paused.length > 0 ? list : null;
    }, { timeout: 40_000, what: 'firefox: the receiver\'s issues name the pause' });
    for (const issue of received) assert.ok(!/^warning/.test(issue.text) || !/Paused by this page/.test(issue.text), `firefox: a paused stream's issue is information (${issue.text.slice(0, 120)})`);
    assert.ok(!received.some((i) => i.rule === 'video-frozen' && /^warning/.test(i.text)), `firefox: no frozen-video warning for the paused stream (${received.map((i) => i.text.slice(0, 80)).join(' | ')})`);
    // The sender: no "Low or collapsing bitrate" for its 1 fps of black frames.
    await selectConnection(panel, '0-1');
    await new Promise((r) => setTimeout(r, 5000)); // the Health section re-assesses every 4 s
    const sent = await issues();
    assert.ok(!sent.some((i) => i.rule === 'low-bitrate'), `firefox: the paused sender is not called starved (${sent.map((i) => i.text.slice(0, 80)).join(' | ')})`);
    await page.evaluate(() => window.toggleSending());
  });
  assert.deepEqual(errors, [], 'no errors in the panel');
} finally {
  await firefox.close();
  await server.close();
}
