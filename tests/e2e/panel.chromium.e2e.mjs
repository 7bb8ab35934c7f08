// e2e-timeout-seconds: 240
// The devtools panel page (opened as a tab with ?tabId=) and the viewer in real Chromium during a live loopback
// call: charts keep up with the call, the selected candidate pair and the offer/answer are shown; screenshots of
// both go to tmp/screenshots/ (docs/ keeps the ones in the README).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { REPO_ROOT, ensureBuild, step, waitFor } from './support/util.mjs';
import * as ch from './support/chromium.mjs';
import { checkLivePanel } from './support/panel-checks.mjs';

await ensureNetns();
const extensionDir = ensureBuild('chrome');
const server = await startServer();
const browser = await ch.launchChromiumWithExtension({ extensionDir, contextOptions: { viewport: { width: 1280, height: 900 } } });
const shots = join(REPO_ROOT, 'tmp/screenshots');
mkdirSync(shots, { recursive: true });
try {
  const page = await browser.context.newPage();
  const pageErrors = [];
  const callUrl = `${server.url}demo.html`;
  await step('demo call connects', async () => {
    await page.goto(callUrl);
    await waitFor(() => page.evaluate(() => window.demoState.connected || window.demoState.error), { timeout: 60_000, what: 'demo call connected' });
    assert.equal(await page.evaluate(() => window.demoState.error), null);
  });
  const tabId = await ch.tabIdForUrl(browser.serviceWorker, callUrl);
  const panel = await browser.context.newPage();
  panel.on('pageerror', (e) => pageErrors.push(`panel: ${e}`));
  await step('panel (?tabId=) shows live charts, the selected pair and the offer/answer', async () => {
    await panel.goto(`chrome-extension://${browser.extensionId}/devtools-panel.html?tabId=${tabId}`);
    await panel.bringToFront();
    const result = await checkLivePanel(panel, { senderPcId: '0-1', receiverPcId: '0-2', browserName: 'chromium' });
    console.log(`    chart lag behind now: ${result.lagsMs.map((x) => `${x} ms`).join(', ')}; selected pair: ${result.pair}`);
  });
  await step('panel screenshot', async () => {
    await panel.evaluate(() => document.querySelector('[role="tab"]')?.click());
    await new Promise((r) => setTimeout(r, 1500));
    await panel.screenshot({ path: join(shots, 'panel.png'), fullPage: true });
  });
  await step("the stats table's toggles are named by their text alone, without the arrow glyphs (Chromium's own accessibility tree)", async () => {
    const cdp = await browser.context.newCDPSession(panel);
    try {
      const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
      const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '.st-group-toggle' });
      const names = [];
      for (const nodeId of nodeIds) {
        const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
        names.push(nodes[0]?.name?.value);
      }
      assert.ok(names.length >= 5, `stats groups: ${names.join(' | ')}`);
      for (const name of names) assert.match(name, /^[a-z-]+( \([a-z]+\))? \(\d+\)$/, `a stats group toggle named ${JSON.stringify(name)}`);
      assert.ok(names.includes('outbound-rtp (video) (1)'), names.join(' | '));
    } finally {
      await cdp.detach();
    }
  });
  await step('at 1280 px (a DevTools panel in a 1080p window) the candidate-pair table fits its column: no sideways scrolling', async () => {
    const box = await panel.evaluate(() => {
      const scroll = document.querySelector('section[aria-label="Candidate pairs"] .cp-table-scroll');
      return { scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth, columns: scroll.querySelectorAll('thead th').length, viewport: innerWidth };
    });
    assert.equal(box.viewport, 1280);
    assert.equal(box.columns, 12);
    assert.ok(box.scrollWidth <= box.clientWidth, `candidate-pair table ${box.scrollWidth} px wide in a ${box.clientWidth} px box`);
  });
  await step('viewer lists the session live and opens it', async () => {
    const viewer = await browser.context.newPage();
    viewer.on('pageerror', (e) => pageErrors.push(`viewer: ${e}`));
    await viewer.goto(`chrome-extension://${browser.extensionId}/viewer.html`);
    await viewer.bringToFront();
    await waitFor(
      () => viewer.evaluate(() => document.querySelector('aside.scope-sidebar')?.textContent.includes('demo.html') && document.querySelectorAll('[role="tab"]').length >= 3),
      { timeout: 15_000, what: 'viewer shows the demo session with its PCs' },
    );
    await waitFor(() => viewer.evaluate(() => document.querySelector('figure[data-chart-id="bitrate-send"] .ts-chart__plot')?.dataset.lastX), { what: 'viewer charts drawn' });
    await viewer.screenshot({ path: join(shots, 'viewer.png'), fullPage: false });
  });
  await step('a session deleted in the viewer leaves the open panel at once (sessions channel; the panel never polls)', async () => {
    // A reload: the tab's first session ends, the panel follows the new one.
    await page.reload();
    await waitFor(() => page.evaluate(() => window.demoState?.connected), { timeout: 60_000, what: 'demo call connected again' });
    const panelSessions = () => panel.evaluate(() => [...document.querySelectorAll('.session-open')].map((b) => b.dataset.sessionId));
    await waitFor(async () => (await panelSessions()).length === 2, { timeout: 15_000, what: 'panel lists both sessions of the tab' });
    const [, endedId] = await panelSessions();
    const viewer = await browser.context.newPage();
    viewer.on('pageerror', (e) => pageErrors.push(`viewer: ${e}`));
    await viewer.goto(`chrome-extension://${browser.extensionId}/viewer.html`);
    await waitFor(() => viewer.evaluate((id) => !!document.querySelector(`.session-open[data-session-id="${id}"]`), endedId), { what: 'viewer lists the ended session' });
    await viewer.evaluate((id) => document.querySelector(`.session-open[data-session-id="${id}"]`).closest('li').querySelector('input.session-mark').click(), endedId);
    await viewer.getByRole('button', { name: /^Delete marked \(1\)$/ }).click();
    await viewer.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
    const t0 = Date.now();
    await waitFor(async () => {
      const ids = await panelSessions();
      return ids.length === 1 && !ids.includes(endedId);
    }, { timeout: 5_000, what: 'panel drops the session deleted in the viewer' });
    console.log(`    panel dropped it ${Date.now() - t0} ms after the viewer's confirm`);
    // The viewer's focus went back into its session list (not to the body, with the confirmation gone).
    assert.equal(await viewer.evaluate(() => document.activeElement?.classList.contains('session-open') ?? false), true, 'focus on a session row after the deletion');
    await viewer.close();
  });
  assert.deepEqual(pageErrors, [], 'no errors in the panel or viewer');
} finally {
  await browser.close();
  await server.close();
}
