// A call in a background tab, the same in Chromium and Firefox (tests/e2e/background.*.e2e.mjs): the bench page's
// two-PC call is hidden behind another tab for longer than Chrome's intensive wake-up throttling takes to start
// (5 minutes hidden), and every PC must still have a stats sample every second with no gap of 1.5 s. Browsers wake a
// hidden page's timers only on whole seconds (Chrome and Firefox alike): the poller's fixed cadence
// (lib/page/stats-poller.ts) is what keeps the samples a second apart there, where a page's own setTimeout(1000)
// chain gets gaps of 2 s.
import assert from 'node:assert/strict';
import { step, waitFor } from './util.mjs';
import { viewRequest } from './scope-api.mjs';
import { startBenchCall } from './bench-call.mjs';

/** Past the 5 minutes after which Chrome throttles a hidden page's chained timers to one wake-up a minute. */
export const HIDDEN_SECONDS = Number(process.env.E2E_BACKGROUND_SECONDS ?? 330);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {object} b
 * @param {string} b.browserName
 * @param {string} b.serverUrl
 * @param {() => Promise<any>} b.newPage a new tab in the same window, in front (puppeteer page)
 * @param {(path: string) => Promise<any>} b.openExtensionPage
 */
export async function runBackgroundCallChecks({ browserName, serverUrl, newPage, openExtensionPage }) {
  const options = await openExtensionPage('options.html');
  const { call, callUrl } = await startBenchCall({ browserName, serverUrl, newPage });

  let from = 0;
  let to = 0;
  await step(`the call's tab stays hidden behind another for ${HIDDEN_SECONDS} s`, async () => {
    const other = await newPage();
    await other.goto(serverUrl).catch(() => {});
    await other.bringToFront?.();
    await waitFor(async () => (await call.evaluate(() => document.visibilityState)) === 'hidden', { what: `${browserName}: the call's tab hidden` });
    from = Date.now();
    // The page's own one-second timer chain, for the log: what a poller that set each timer after it ran would get.
    await call.evaluate(() => {
      window.__ticks = [];
      const tick = () => {
        window.__ticks.push(Date.now());
        setTimeout(tick, 1000);
      };
      tick();
    });
    for (let s = 0; s < HIDDEN_SECONDS; s += 60) {
      await sleep(Math.min(60, HIDDEN_SECONDS - s) * 1000);
      assert.equal(await call.evaluate(() => document.visibilityState), 'hidden', `${browserName}: still hidden after ${Math.min(s + 60, HIDDEN_SECONDS)} s`);
    }
    to = Date.now();
    const ticks = await call.evaluate(() => window.__ticks);
    const pageGaps = ticks.slice(1).map((t, i) => t - ticks[i]);
    console.log(`  the page's own setTimeout(1000) chain meanwhile: ${ticks.length} ticks, largest gap ${Math.max(...pageGaps)} ms, ${pageGaps.filter((g) => g >= 1500).length} gaps of 1.5 s or more`);
  });

  await step('every PC of the hidden call has a sample every second, no gap of 1.5 s', async () => {
    // The last hidden second's samples reach the store within the relay's batch and the store's write.
    await sleep(2000);
    const list = await viewRequest(options, { type: 'list-sessions' });
    const session = list.find((s) => s.url === callUrl);
    assert.ok(session, `${browserName}: the call's session is stored`);
    const data = await viewRequest(options, { type: 'get-session', sessionId: session.id });
    assert.equal(data.pcs.length, 2, `${browserName}: the call page has its two PCs`);
    const span = (to - from) / 1000;
    for (const pc of data.pcs) {
      const t = (data.stats[pc.pcId]?.t ?? []).filter((x) => x >= from && x <= to);
      const gaps = t.slice(1).map((x, i) => x - t[i]);
      const maxGap = Math.max(...gaps);
      console.log(`  ${pc.pcId}: ${t.length} samples over ${span.toFixed(0)} s hidden, largest gap ${Math.round(maxGap)} ms`);
      assert.ok(t.length >= Math.floor(span) - 1, `${browserName}: ${pc.pcId}: ${t.length} samples over ${span.toFixed(0)} s hidden`);
      assert.ok(maxGap < 1500, `${browserName}: ${pc.pcId}: largest gap between samples ${maxGap} ms`);
    }
  });
}
