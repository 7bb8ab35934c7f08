// e2e-timeout-seconds: 300
// The capture pipeline in real Firefox ESR with the built extension (temporary add-on, puppeteer-core over
// WebDriver BiDi): the same call page as in Chromium is recorded completely, hanging up closes every PC, and a
// reload ends the session. A local TURN server that refuses the credentials (support/turn-reject.mjs) makes the
// first PC's gathering fire icecandidateerror, which must be stored with the fields the page saw.
import assert from 'node:assert/strict';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild, step, waitFor } from './support/util.mjs';
import { checkTurnRejectRecorded, startTurnReject } from './support/turn-reject.mjs';
import * as ff from './support/firefox.mjs';
import { checkCallSession, latestSessionOfTab, viewRequest } from './support/scope-api.mjs';

await ensureNetns();
const extensionDir = ensureBuild('firefox');
const server = await startServer();
const turn = await startTurnReject(); // answers only local senders; closed in `finally`
const firefox = await ff.launchFirefoxWithExtension({ extensionDir });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
  const page = await firefox.browser.newPage();
  const callUrl = `${server.url}call.html`;
  // The first PC also gathers for the refusing TURN server (call.js ?turn=); the reload below goes without it.
  const firstUrl = `${callUrl}?turn=${encodeURIComponent(turn.url)}`;
  await step('call page connects and runs every step', async () => {
    await page.goto(firstUrl);
    await waitFor(() => page.evaluate(() => window.callState.done || window.callState.error), { timeout: 120_000, what: 'call done' });
    const state = await page.evaluate(() => window.callState);
    assert.equal(state.error, null, `call page error: ${state.error}`);
  });
  await sleep(4000);
  const tabId = await ff.tabIdForUrl(firefox.browser, firefox.uuid, page.url(), { extensionDir });
  const panel = await ff.openExtensionPage(firefox.browser, firefox.uuid, `devtools-panel.html?tabId=${tabId}`);

  const expectedPcs = await page.evaluate(() => {
    const frame = [...document.querySelectorAll('iframe')].map((f) => f.contentWindow?.frameState).find(Boolean);
    return window.callState.pcs + (frame?.pcs ?? 0);
  });
  await step('every PC, call, event and ≥ 1 sample/s/PC stored', async () => {
    const data = await latestSessionOfTab(panel, tabId);
    assert.ok(data, 'a session for the call tab');
    console.log(`    ${checkCallSession(data, { expectedPcs, browserName: 'firefox', overconstrained: await page.evaluate(() => window.callState.overconstrained), applied: await page.evaluate(() => window.callState.applied) })}`);
    assert.match(data.session.userAgent, /Firefox/);
  });

  await step('a TURN server refusing the credentials: icecandidateerror stored with its fields, credential not', async () => {
    // Firefox 153 fires it (once, for its veth host socket) only when the authenticated Allocate gets 401 again, and
    // reports the URL without its `?transport=udp` and an empty errorText: see turn-reject.mjs.
    await turn.waitForRequests((r) => r.authenticated, { timeout: 10_000 });
    const summary = await waitFor(async () => {
      const seen = await page.evaluate(() => ({ turnServer: window.callState.turnServer, pageErrors: window.callState.iceCandidateErrors }));
      const data = await latestSessionOfTab(panel, tabId);
      return checkTurnRejectRecorded(data, { turn, ...seen, expectedUrl: turn.url.replace(/\?transport=udp$/, ''), browserName: 'firefox' });
    }, { timeout: 10_000, what: 'icecandidateerror stored as the page saw it' });
    console.log(`    ${summary}`);
  });

  await step('the panel page renders the live session as text', async () => {
    await waitFor(() => panel.evaluate(() => document.body.innerText.includes('peer connection')), { what: 'panel content' });
    const text = await panel.evaluate(() => document.body.innerText);
    assert.match(text, /live/);
  });

  await step('hanging up closes every PC; polling stops', async () => {
    await page.evaluate(() => window.hangUp());
    await waitFor(async () => (await latestSessionOfTab(panel, tabId)).pcs.every((p) => p.closedAt !== null), { what: 'all PCs closed' });
    const counts = (await latestSessionOfTab(panel, tabId)).pcs.map((p) => p.sampleCount).join();
    await sleep(2500);
    const later = await latestSessionOfTab(panel, tabId);
    assert.equal(later.pcs.map((p) => p.sampleCount).join(), counts, 'no polling after close');
    const closes = later.events.filter((e) => e.record.type === 'pc-call' && e.record.method === 'close');
    assert.ok(closes.length > 0, 'close() traced');
    const settledCalls = new Set(later.events.filter((e) => e.record.type === 'pc-settled').map((e) => `${e.pcId}/${e.record.call}`));
    assert.ok(closes.every((e) => settledCalls.has(`${e.pcId}/${e.record.call}`)), 'close() settled');
  });

  await step('a reload ends the session and the new page gets its own', async () => {
    const first = await latestSessionOfTab(panel, tabId);
    // Firefox holds enumerateDevices() back while a document is not focused; the panel tab has the focus now.
    await page.bringToFront();
    await page.goto(`${callUrl}?frames=0`);
    await waitFor(() => page.evaluate(() => window.callState.connected), { timeout: 60_000, what: 'second call connected' }).catch(async (e) => {
      throw new Error(`${e.message}; page state ${await page.evaluate(() => JSON.stringify(window.callState)).catch((x) => x.message)}`);
    });
    await waitFor(async () => {
      const sessions = await viewRequest(panel, { type: 'list-sessions', tabId });
      return sessions.length === 2 && sessions.find((s) => s.id === first.session.id)?.endedAt !== null;
    }, { what: 'two sessions, the first ended' });
  });
  console.log('capture.firefox: all checks passed');
} finally {
  await firefox.close();
  await server.close();
  await turn.close();
}
