// e2e-timeout-seconds: 180
// Health in real Chromium during the demo loopback call: the popup (opened as a page for the call's tab) shows
// both PCs as good with bitrate > 0; the toolbar badge shows the number of live PCs; stopping the caller's
// senders (replaceTrack(null)) makes the receiver's "no packets received" appear in the popup, as information that
// names the page's own pause (the verdict and the badge stay good); after the
// page closes its PCs the badge clears and the popup shows the empty state. Screenshot: tmp/screenshots/popup.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { REPO_ROOT, ensureBuild, step, waitFor } from './support/util.mjs';
import * as ch from './support/chromium.mjs';

await ensureNetns();
const extensionDir = ensureBuild('chrome');
const server = await startServer();
const browser = await ch.launchChromiumWithExtension({ extensionDir, contextOptions: { viewport: { width: 900, height: 800 } } });
const shots = join(REPO_ROOT, 'tmp/screenshots');
mkdirSync(shots, { recursive: true });

/** What the popup shows, read from its DOM. */
const readPopup = (popup) =>
  popup.evaluate(() => ({
    pcs: [...document.querySelectorAll('li.popup-pc')].map((li) => ({
      id: li.dataset.pcId,
      verdict: li.querySelector('[data-verdict]')?.dataset.verdict,
      send: li.querySelector('[data-field="send-bitrate"]')?.textContent,
      receive: li.querySelector('[data-field="receive-bitrate"]')?.textContent,
      state: li.querySelector('[data-field="state"]')?.textContent,
      rules: [...li.querySelectorAll('[data-rule]')].map((e) => e.dataset.rule),
      severity: /severity-(\w+)/.exec(li.querySelector('.popup-issue')?.className ?? '')?.[1] ?? null,
      text: li.textContent,
    })),
    empty: document.querySelector('[data-testid="popup-empty"]')?.textContent ?? null,
  }));
const bitsPerSecond = (text) => {
  const m = /^([\d.]+) (bit|kbit|Mbit)\/s$/.exec(text ?? '');
  return m ? Number(m[1]) * { bit: 1, kbit: 1e3, Mbit: 1e6 }[m[2]] : 0;
};

try {
  const page = await browser.context.newPage();
  const pageErrors = [];
  const callUrl = `${server.url}demo.html?health`;
  await step('demo call connects', async () => {
    await page.goto(callUrl);
    await waitFor(() => page.evaluate(() => window.demoState.connected || window.demoState.error), { timeout: 60_000, what: 'demo call connected' });
    assert.equal(await page.evaluate(() => window.demoState.error), null);
  });
  const tabId = await ch.tabIdForUrl(browser.serviceWorker, callUrl);
  const badgeText = () => browser.serviceWorker.evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId);
  const badgeColor = () => browser.serviceWorker.evaluate((id) => chrome.action.getBadgeBackgroundColor({ tabId: id }), tabId);

  const popup = await browser.context.newPage();
  popup.on('pageerror', (e) => pageErrors.push(`popup: ${e}`));
  await step('popup shows both PCs as good with bitrate > 0', async () => {
    await popup.setViewportSize({ width: 380, height: 700 });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tabId=${tabId}`);
    // Good needs a few intervals of media (the score is the mean of the last 5).
    const view = await waitFor(
      async () => {
        const v = await readPopup(popup);
        return v.pcs.length === 2 && v.pcs.every((p) => p.verdict === 'good') && bitsPerSecond(v.pcs[0].send) > 0 && bitsPerSecond(v.pcs[1].receive) > 0 ? v : null;
      },
      { timeout: 30_000, what: 'popup: two good PCs with bitrate' },
    );
    console.log(`    popup: ${view.pcs.map((p) => `${p.id} ${p.verdict} send ${p.send} receive ${p.receive}`).join('; ')}`);
    assert.deepEqual(view.pcs.map((p) => p.state), ['connected', 'connected']);
    await popup.screenshot({ path: join(shots, 'popup.png') });
  });

  await step('badge text is the number of live PCs, green', async () => {
    await waitFor(async () => (await badgeText()) === '2', { timeout: 10_000, what: 'badge "2"' });
    // The badge follows the updates at most once a second: it turns green (BADGE_COLORS.good, #188038) shortly
    // after the popup, which asks for a fresh verdict.
    await waitFor(async () => JSON.stringify(await badgeColor()) === JSON.stringify([0x18, 0x80, 0x38, 255]), { timeout: 5_000, what: 'green badge' });
  });

  await step('"Open this session in the viewer" opens the viewer on the call\'s session', async () => {
    const [viewer] = await Promise.all([
      browser.context.waitForEvent('page', { timeout: 10_000 }),
      popup.getByRole('button', { name: 'Open this session in the viewer' }).click(),
    ]);
    viewer.on('pageerror', (e) => pageErrors.push(`viewer: ${e}`));
    await viewer.waitForLoadState();
    assert.match(viewer.url(), /\/viewer\.html\?session=/);
    await waitFor(
      () => viewer.evaluate(() => document.querySelector('[aria-current="true"]')?.closest('li')?.textContent.includes('demo.html') && document.querySelectorAll('[role="tab"]').length >= 3),
      { timeout: 15_000, what: 'viewer shows the demo session selected, with its PCs' },
    );
    await viewer.close();
    await popup.bringToFront();
  });

  await step('stopping the senders: the popup names "no packets received" on the receiver as this page\'s own pause, and the verdict holds', async () => {
    await page.evaluate(() => window.toggleSending());
    const view = await waitFor(
      async () => {
        const v = await readPopup(popup);
        const receiver = v.pcs.find((p) => p.id === '0-2');
        return receiver?.rules.includes('no-packets-received') ? v : null;
      },
      { timeout: 30_000, what: 'popup: no-packets-received on PC 0-2' },
    );
    const receiver = view.pcs.find((p) => p.id === '0-2');
    assert.match(receiver.text, /No packets received/);
    // The trace says why: PC 0-1 of the same page left the senders of these streams without a track. Information,
    // not a warning: nothing is wrong with the call, and the verdict and the green badge stay.
    assert.match(receiver.text, /Paused by this page: its connection 0-1 left the sender of this stream without a track \(replaceTrack\(null\)\)/);
    assert.equal(receiver.severity, 'info');
    assert.equal(receiver.verdict, 'good');
    assert.deepEqual(await badgeColor(), [0x18, 0x80, 0x38, 255]);
    await popup.screenshot({ path: join(shots, 'popup-issue.png') });
    await page.evaluate(() => window.toggleSending());
  });

  await step('an offer the page never answers: after 30 s its card reads "Offer not answered" (no media rated), not "Low quality"', async () => {
    await page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      window.unansweredPc = pc;
      pc.addTransceiver('audio');
      await pc.setLocalDescription(await pc.createOffer());
    });
    const view = await waitFor(
      async () => {
        const v = await readPopup(popup);
        const stuck = v.pcs.find((p) => p.rules.includes('negotiation-stuck'));
        return stuck ? { v, stuck } : null;
      },
      { timeout: 60_000, what: 'popup: negotiation-stuck on the third PC' },
    );
    const verdict = await popup.evaluate((id) => document.querySelector(`li.popup-pc[data-pc-id="${id}"] [data-verdict]`).textContent, view.stuck.id);
    assert.equal(view.stuck.verdict, 'low');
    assert.match(verdict, /^Offer not answered/);
    assert.match(view.stuck.text, /signaling state: have-local-offer for \d+ s/);
    // The call's own PCs keep their quality verdicts.
    assert.deepEqual(view.v.pcs.filter((p) => p !== view.stuck).map((p) => p.verdict), ['good', 'good']);
    console.log(`    popup: ${view.stuck.id} "${verdict}"`);
    await page.evaluate(() => window.unansweredPc.close());
  });

  await step('after the page closes its PCs, the badge clears and the popup shows no live PC', async () => {
    await page.evaluate(() => window.hangUp());
    await waitFor(async () => (await badgeText()) === '', { timeout: 10_000, what: 'badge cleared' });
    const view = await waitFor(async () => {
      const v = await readPopup(popup);
      return v.pcs.length === 0 && v.empty ? v : null;
    }, { what: 'popup empty state' });
    assert.match(view.empty, /connections have closed/);
  });
  assert.deepEqual(pageErrors, [], 'no errors in the popup');
} finally {
  await browser.close();
  await server.close();
}
