// A hostile page against the extension, the same in Chromium and Firefox (tests/e2e/hostile.*.e2e.mjs): the page
// (pages/hostile.html) dispatches records on the hook's channel itself (one of 50 MB, then 10,000 a second for 3 s,
// and one whose data-channel label is markup) while a call runs in another tab. The extension must refuse what
// breaks its caps and say so in the page's session, keep recording the other tab without a missing sample, keep
// recording the hostile page's own PC after the flood, and show the markup as text in the panel. In Firefox the call's
// tab is hidden meanwhile, so its check is also one of a background call's sampling (≥ 1 a second, no gap of 2 s).
import assert from 'node:assert/strict';
import { step, waitFor } from './util.mjs';
import { latestSessionOfTab, viewRequest } from './scope-api.mjs';
import { startBenchCall } from './bench-call.mjs';

const FLOOD_SECONDS = 3;
const FLOOD_PER_SECOND = 10_000;
/** The relay's cap (RELAY_LIMITS.maxRecordsPerSecond in lib/protocol/constants.ts). */
const RELAY_RECORDS_PER_SECOND = 500;
const MARKUP = `<img src=x onerror="document.title='owned'"><b>forged-label</b>`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {object} b the browser, as the two drivers differ
 * @param {string} b.browserName
 * @param {string} b.serverUrl
 * @param {() => Promise<any>} b.newPage a new tab (Playwright or puppeteer page: only goto/evaluate/title/close are used)
 * @param {(path: string) => Promise<any>} b.openExtensionPage an extension page in a new tab
 * @param {(url: string) => Promise<number>} b.tabIdForUrl the extension's tab id of the tab showing `url`
 */
export async function runHostilePageChecks({ browserName, serverUrl, newPage, openExtensionPage, tabIdForUrl }) {
  const options = await openExtensionPage('options.html');

  const { call, callUrl } = await startBenchCall({ browserName, serverUrl, newPage });
  const callTab = await tabIdForUrl(callUrl);

  const hostile = await newPage();
  const hostileUrl = `${serverUrl}hostile.html`;
  await hostile.goto(hostileUrl);
  await waitFor(() => hostile.evaluate(() => window.hostileState.ready || window.hostileState.error), { what: `${browserName}: hostile page ready` });
  assert.equal(await hostile.evaluate(() => window.hostileState.error), null, `${browserName}: the hostile page made its offer`);
  const hostileTab = await tabIdForUrl(hostileUrl);
  const hostileSamples = async () => (await latestSessionOfTab(options, hostileTab))?.pcs.find((p) => p.pcId === '0-1')?.sampleCount ?? 0;
  await waitFor(async () => (await hostileSamples()) >= 2, { what: `${browserName}: the hostile page's own PC recorded and polled` });

  await hostile.evaluate((label) => window.forgeMarkup(label), MARKUP);
  // The flood starts in another second of the relay's rate window than the markup record.
  await sleep(1200);
  // Firefox hides the call's tab behind the hostile one (its timers then run on whole-second wake-ups: see
  // lib/page/stats-poller.ts); Chromium's headless pages stay visible.
  const callVisibility = await call.evaluate(() => document.visibilityState);
  const floodStart = Date.now();
  const result = await hostile.evaluate((a) => window.attack(a[0], a[1]), [FLOOD_SECONDS, FLOOD_PER_SECOND]);
  const floodEnd = Date.now();
  console.log(`  flood: ${result.forged} forged records in ${((floodEnd - floodStart) / 1000).toFixed(1)} s, plus one of 50 MB; the call's tab ${callVisibility}`);

  await step("the hostile page's session counts what the relay refused: the 50 MB record, and the flood past the rate cap", async () => {
    const forgedOf = (data) => data.events.filter((e) => e.record.type === 'pc-event' && e.record.event === 'negotiationneeded' && e.record.value?.forged !== undefined).length;
    // Every forged record is accounted for once the relay's last batch is stored: stored, or counted as refused (the
    // rate count also holds the page's own stats records the flood crowded out).
    let last = null;
    const session = await waitFor(async () => {
      const data = (last = await latestSessionOfTab(options, hostileTab));
      const refused = data?.session.refused ?? {};
      return (refused['too-large'] ?? 0) >= 1 && forgedOf(data) + (refused['rate-limit'] ?? 0) >= result.forged ? data : null;
    }, { timeout: 10_000, what: `${browserName}: every forged record stored or counted as refused` }).catch((e) => {
      throw new Error(`${e.message}: refused ${JSON.stringify(last?.session.refused)}, forged stored ${last ? forgedOf(last) : '?'} of ${result.forged}`);
    });
    const refused = session.session.refused;
    const forgedStored = forgedOf(session);
    console.log(`  refused ${JSON.stringify(refused)}; forged records stored ${forgedStored}`);
    assert.equal(refused['too-large'], 1, `${browserName}: the 50 MB record refused once, as too large`);
    // Each second of the flood gets at most the cap (plus the part of a window the first burst may share).
    const budget = (FLOOD_SECONDS + 1) * RELAY_RECORDS_PER_SECOND;
    assert.ok(forgedStored <= budget, `${browserName}: at most ${budget} forged records stored, got ${forgedStored}`);
    assert.ok(!session.events.some((e) => typeof e.record.value === 'string' && e.record.value.length > 1_000_000), `${browserName}: nothing of the 50 MB stored`);
  });

  await step('the call in the other tab lost no stats sample while the flood ran', async () => {
    // Let the samples of the flood's last second reach the store.
    await sleep(3000);
    const data = await latestSessionOfTab(options, callTab);
    assert.equal(data.pcs.length, 2, `${browserName}: the call page has its two PCs`);
    const from = floodStart - 2000;
    const to = floodEnd + 2000;
    const span = (to - from) / 1000;
    for (const pc of data.pcs) {
      const t = (data.stats[pc.pcId]?.t ?? []).filter((x) => x >= from && x <= to);
      let maxGap = 0;
      for (let i = 1; i < t.length; i++) maxGap = Math.max(maxGap, t[i] - t[i - 1]);
      console.log(`  ${pc.pcId}: ${t.length} samples over the ${span.toFixed(1)} s around the flood, largest gap ${Math.round(maxGap)} ms`);
      assert.ok(t.length >= Math.floor(span) - 1, `${browserName}: ${pc.pcId}: ${t.length} samples over ${span.toFixed(1)} s`);
      assert.ok(maxGap < 2000, `${browserName}: ${pc.pcId}: largest gap between samples ${maxGap} ms`);
    }
  });

  await step("the hostile page's own PC is still recorded after the flood", async () => {
    const before = await hostileSamples();
    await waitFor(async () => (await hostileSamples()) >= before + 2, { timeout: 10_000, what: `${browserName}: new samples of the hostile page's PC` });
    const answer = await viewRequest(options, { type: 'get-settings' });
    assert.equal(typeof answer.pollIntervalMs, 'number', `${browserName}: the background answers`);
  });

  await step('the panel shows the forged markup as text', async () => {
    const panel = await openExtensionPage(`devtools-panel.html?tabId=${hostileTab}`);
    await waitFor(() => panel.evaluate(() => document.querySelector('input[aria-label="Filter events"]') !== null), { what: `${browserName}: the event log` });
    const title = await panel.title();
    await panel.evaluate(() => {
      const input = document.querySelector('input[aria-label="Filter events"]');
      input.value = 'forged-label';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const shown = await waitFor(
      () => panel.evaluate(() => [...document.querySelectorAll('.el-list li')].map((li) => li.textContent).find((text) => text.includes('forged-label')) ?? null),
      { what: `${browserName}: the forged data-channel event in the event log` },
    );
    assert.ok(shown.includes('<img src=x onerror='), `${browserName}: the label shown as its characters: ${shown}`);
    const injected = await panel.evaluate(() => ({
      img: document.querySelectorAll('img[src="x"]').length,
      bold: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'forged-label').length,
    }));
    assert.deepEqual(injected, { img: 0, bold: 0 }, `${browserName}: no element made from the label`);
    assert.equal(await panel.title(), title, `${browserName}: no handler of the markup ran`);
    await panel.close();
  });
}
