// e2e-timeout-seconds: 300
// The capture pipeline in real Chromium with the built extension: the call page (two-PC loopback with fake
// audio + video and a data channel, renegotiation, every traced API, PCs in a same-origin, an about:blank and a
// srcdoc iframe) is recorded from its first line; the service worker is stopped mid-call and no stats sample may
// go missing; hanging up closes every PC; a reload ends the session and starts a new one. A local TURN server that
// refuses the credentials (support/turn-reject.mjs) makes the first PC's gathering fire icecandidateerror, which must
// be stored with the fields the page saw, and the TURN credential nowhere.
import assert from 'node:assert/strict';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild, step, waitFor } from './support/util.mjs';
import { checkTurnRejectRecorded, startTurnReject } from './support/turn-reject.mjs';
import * as ch from './support/chromium.mjs';
import { checkCallSession, latestSessionOfTab, viewRequest } from './support/scope-api.mjs';

await ensureNetns();
const extensionDir = ensureBuild('chrome');
const server = await startServer();
const turn = await startTurnReject(); // answers only local senders; closed in `finally`
const browser = await ch.launchChromiumWithExtension({ extensionDir });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
  const page = await browser.context.newPage();
  const callUrl = `${server.url}call.html`;
  // The first PC also gathers for the refusing TURN server (call.js ?turn=); the reload below goes without it.
  const firstUrl = `${callUrl}?turn=${encodeURIComponent(turn.url)}`;
  await step('call page connects and runs every step', async () => {
    await page.goto(firstUrl);
    await waitFor(() => page.evaluate(() => window.callState.done || window.callState.error), { timeout: 90_000, what: 'call done' });
    const state = await page.evaluate(() => window.callState);
    assert.equal(state.error, null, `call page error: ${state.error}`);
  });
  const tabId = await ch.tabIdForUrl(browser.serviceWorker, page.url());
  const panel = await ch.openExtensionPage(browser.context, browser.extensionId, `devtools-panel.html?tabId=${tabId}`);

  const before = await latestSessionOfTab(panel, tabId);
  const pc1 = before.pcs.find((p) => p.frame === 0 && p.pcId === '0-2');
  assert.ok(pc1, 'pc1 of the main frame recorded');

  await step('a TURN server refusing the credentials: icecandidateerror stored with its fields, credential not', async () => {
    // Chromium fires it once per host socket (loopback and veth), with the URL as configured: see turn-reject.mjs.
    await turn.waitForRequests((r) => r.authenticated, { timeout: 10_000 });
    const summary = await waitFor(async () => {
      const seen = await page.evaluate(() => ({ turnServer: window.callState.turnServer, pageErrors: window.callState.iceCandidateErrors }));
      const data = await latestSessionOfTab(panel, tabId);
      return checkTurnRejectRecorded(data, { turn, ...seen, expectedUrl: turn.url, browserName: 'chromium' });
    }, { timeout: 10_000, what: 'icecandidateerror stored as the page saw it' });
    console.log(`    ${summary}`);
  });

  await step('service worker stopped mid-call comes back without losing a sample', async () => {
    const { stopMs } = await ch.stopServiceWorker(browser.context, browser.extensionId);
    console.log(`    worker stopped in ${stopMs} ms`);
    // Meanwhile the page keeps polling: the relays queue, reconnect (which restarts the worker) and resend.
    await sleep(5000);
    await waitFor(async () => (await ch.serviceWorkerStatus(browser.context, browser.extensionId)) === 'running', { what: 'worker running again' });
  });
  await sleep(2000);

  const expectedPcs = await page.evaluate(() => {
    const frame = [...document.querySelectorAll('iframe')].map((f) => f.contentWindow?.frameState).find(Boolean);
    return window.callState.pcs + (frame?.pcs ?? 0);
  });
  let data;
  await step('every PC, call, event and ≥ 1 sample/s/PC stored, no gap across the worker restart', async () => {
    data = await latestSessionOfTab(panel, tabId);
    console.log(`    ${checkCallSession(data, { expectedPcs, browserName: 'chromium', overconstrained: await page.evaluate(() => window.callState.overconstrained), applied: await page.evaluate(() => window.callState.applied) })}`);
    const columns = data.stats['0-2'];
    const samplesSinceStop = columns.t.filter((t) => t > pc1.lastSampleAt).length;
    assert.ok(samplesSinceStop >= 6, `pc1 sampled through the worker stop (${samplesSinceStop} new samples)`);
  });

  await step('hanging up closes every PC; polling stops', async () => {
    await page.evaluate(() => window.hangUp());
    await waitFor(async () => (await latestSessionOfTab(panel, tabId)).pcs.every((p) => p.closedAt !== null), { what: 'all PCs closed' });
    const closed = await latestSessionOfTab(panel, tabId);
    const counts = closed.pcs.map((p) => p.sampleCount).join();
    await sleep(2500);
    const later = await latestSessionOfTab(panel, tabId);
    assert.equal(later.pcs.map((p) => p.sampleCount).join(), counts, 'no getStats polling after close');
    assert.ok(later.events.some((e) => e.record.type === 'pc-call' && e.record.method === 'close'), 'close() traced');
  });

  await step('stats of closed PCs are stored as columnar compressed chunks, events row by row', async () => {
    const db = await ch.readExtensionDb(browser.serviceWorker);
    const chunks = db.stores.chunks ?? [];
    assert.ok(chunks.length > 0, 'stats chunks stored');
    assert.ok(chunks.every((c) => c.data instanceof Uint8Array && c.data.byteLength > 0), 'chunk data is binary');
    const pending = (db.stores.pendingSamples ?? []).filter((r) => r.sessionId === data.session.id);
    assert.equal(pending.length, 0, 'a closed PC keeps no pending (unpacked) samples');
    const chunkedSamples = chunks.filter((c) => c.sessionId === data.session.id).reduce((n, c) => n + c.count, 0);
    const stored = (await latestSessionOfTab(panel, tabId)).pcs.reduce((n, p) => n + p.sampleCount, 0);
    assert.equal(chunkedSamples, stored, 'every sample is in a chunk');
    const eventRows = (db.stores.events ?? []).filter((r) => r.sessionId === data.session.id);
    assert.equal(eventRows.length, (await latestSessionOfTab(panel, tabId)).session.eventCount, 'every event has its row');
  });

  await step('a reload ends the session (kept, marked ended) and the new page gets its own', async () => {
    const firstId = data.session.id;
    await page.goto(`${callUrl}?frames=0`);
    await waitFor(() => page.evaluate(() => window.callState.connected), { timeout: 60_000, what: 'second call connected' });
    await waitFor(async () => {
      const sessions = await viewRequest(panel, { type: 'list-sessions', tabId });
      return sessions.length === 2 && sessions.find((s) => s.id === firstId)?.endedAt !== null;
    }, { what: 'two sessions, the first ended' });
    const sessions = await viewRequest(panel, { type: 'list-sessions', tabId });
    assert.equal(sessions.find((s) => s.id !== firstId).endedAt, null, 'the new session is live');
  });

  await step('closing the tab ends its live session; the session stays stored', async () => {
    const live = (await viewRequest(panel, { type: 'list-sessions', tabId })).find((s) => s.endedAt === null);
    assert.ok(live, 'a live session before the tab closes');
    await page.close();
    await waitFor(async () => (await viewRequest(panel, { type: 'get-session', sessionId: live.id }))?.session.endedAt !== null, { what: 'session ended' });
    const ended = await viewRequest(panel, { type: 'get-session', sessionId: live.id });
    assert.ok(ended.pcs.every((p) => p.closedAt !== null), 'its PCs are marked closed');
  });

  await step('a page that never uses WebRTC leaves no session', async () => {
    const quiet = await browser.context.newPage();
    await quiet.goto(`${server.url}quiet.html`);
    await sleep(1500);
    const quietTab = await ch.tabIdForUrl(browser.serviceWorker, `${server.url}quiet.html`);
    assert.deepEqual(await viewRequest(panel, { type: 'list-sessions', tabId: quietTab }), []);
  });
  console.log('capture.chromium: all checks passed');
} finally {
  await browser.close();
  await server.close();
  await turn.close();
}
