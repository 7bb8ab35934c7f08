// The panel/viewer part of `npm run bench` (issue 3): time to open a stored 60-minute, 4-PC session with all
// default charts drawn, and the panel's main-thread cost of live updates of a 4-PC call per second of data.
// Called by scripts/bench.mjs with the session its extension run recorded (the source of the long session).
import { build } from 'esbuild';
import { join } from 'node:path';
import { launchChromiumWithExtension, tabIdForUrl } from '../tests/e2e/support/chromium.mjs';
import { REPO_ROOT, step, waitFor } from '../tests/e2e/support/util.mjs';

export const PANEL_TARGETS = { openMs: 200, liveMsPerS: 4 };
export const LONG_MINUTES = 60;
export const LONG_COPIES = 2; // the recorded call's 2 PCs twice: 4 PCs
export const OPEN_RUNS = 5;
export const LIVE_WARMUP_MS = 20_000;
export const LIVE_WINDOW_MS = 60_000;
const VIEWPORT = { width: 1280, height: 3200 }; // tall enough for every default chart to be on screen (they draw only when visible)
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The seeding module (scripts/bench/seed-long-session.ts and the extension's own storage code) as one script. */
async function seedBundle() {
  const out = await build({
    entryPoints: [join(REPO_ROOT, 'scripts/bench/seed-long-session.ts')],
    bundle: true,
    format: 'iife',
    globalName: '__scopeBenchSeed',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  // Playwright evaluates a string inside a function: publish the module on the worker's global explicitly.
  return `${out.outputFiles[0].text}\nself.__scopeBenchSeed = __scopeBenchSeed;`;
}

/**
 * In an extension page: resolves with performance.now() (ms since the page's navigation start) at the moment every
 * chart of the connection page has drawn up to `lastXs` (epoch s), i.e. the newest sample.
 */
function whenChartsDrawn(lastXs) {
  return new Promise((resolve) => {
    const done = () => {
      const plots = [...document.querySelectorAll('figure[data-chart-id] .ts-chart__plot')];
      return plots.length >= 1 && plots.every((p) => Math.abs(Number(p.dataset.lastX) - lastXs) < 1e-6) ? plots.length : 0;
    };
    const check = () => {
      const n = done();
      if (n) {
        observer.disconnect();
        resolve({ ms: performance.now(), charts: n });
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-last-x'] });
    check();
  });
}

export async function panelBench({ extensionDir, server, recorded }) {
  const browser = await launchChromiumWithExtension({ extensionDir, contextOptions: { viewport: VIEWPORT } });
  try {
    // ── open a stored 60-minute 4-PC session ──
    let seed;
    await step(`viewer: a ${LONG_MINUTES}-minute ${LONG_COPIES * 2}-PC session stored (from the recorded call)`, async () => {
      await browser.serviceWorker.evaluate(await seedBundle());
      seed = await browser.serviceWorker.evaluate((arg) => self.__scopeBenchSeed.seedLongSession(arg), { recorded, minutes: LONG_MINUTES, copies: LONG_COPIES });
    });
    const firstPc = seed.pcIds[0];
    const lastX = seed.lastTByPc[firstPc] / 1000;
    const opens = [];
    await step(`viewer: open the session ${OPEN_RUNS} times, until every default chart of its first PC is drawn`, async () => {
      for (let i = 0; i < OPEN_RUNS; i++) {
        const page = await browser.context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`chrome-extension://${browser.extensionId}/viewer.html?session=${encodeURIComponent(seed.sessionId)}`, { waitUntil: 'commit' });
        const drawn = await page.evaluate(whenChartsDrawn, lastX);
        if (errors.length) throw new Error(`viewer errors: ${errors.join('; ')}`);
        opens.push(drawn);
        await page.close();
      }
    });

    // ── live updates of a 4-PC call ──
    const call = await browser.context.newPage();
    const url = server.url + 'bench.html?pairs=2';
    await step('panel: 4-PC call connects', async () => {
      await call.goto(url);
      await waitFor(() => call.evaluate(() => window.benchState.connected || window.benchState.error), { timeout: 60_000, what: '4-PC bench call' });
      const error = await call.evaluate(() => window.benchState.error);
      if (error) throw new Error(`bench page: ${error}`);
    });
    const tabId = await tabIdForUrl(browser.serviceWorker, url);
    const panel = await browser.context.newPage();
    await panel.goto(`chrome-extension://${browser.extensionId}/devtools-panel.html?tabId=${tabId}`);
    await panel.bringToFront();
    const cdp = await browser.context.newCDPSession(panel);
    await cdp.send('Performance.enable');
    const metrics = async () => ({ t: Date.now(), ...Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value])) });
    let live;
    await step(`panel: main-thread time over ${LIVE_WINDOW_MS / 1000} s of live data (after ${LIVE_WARMUP_MS / 1000} s)`, async () => {
      await sleep(LIVE_WARMUP_MS);
      const charts = await panel.evaluate(() => document.querySelectorAll('figure[data-chart-id] .ts-chart__plot').length);
      const m0 = await metrics();
      await sleep(LIVE_WINDOW_MS);
      const m1 = await metrics();
      const lag = await panel.evaluate(() => {
        const xs = [...document.querySelectorAll('figure[data-chart-id] .ts-chart__plot')].map((p) => Number(p.dataset.lastX) * 1000);
        return Date.now() - Math.min(...xs);
      });
      const pcs = await panel.evaluate(() => document.querySelectorAll('[role="tab"]').length - 1); // minus "Media requests"
      const seconds = (m1.t - m0.t) / 1000;
      live = {
        seconds,
        pcs,
        charts,
        taskMsPerS: ((m1.TaskDuration - m0.TaskDuration) * 1000) / seconds,
        scriptMsPerS: ((m1.ScriptDuration - m0.ScriptDuration) * 1000) / seconds,
        layoutMsPerS: ((m1.LayoutDuration - m0.LayoutDuration) * 1000) / seconds,
        oldestChartLagMs: lag,
      };
    });
    await call.evaluate(() => window.hangUp());
    return { seed, opens, live };
  } finally {
    await browser.close();
  }
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function panelRows(p, { fmt, fixed }) {
  const firstOpen = p.opens[0].ms;
  const med = median(p.opens.map((o) => o.ms));
  const verdict = (ok) => (ok ? 'PASS' : 'MISSED');
  return [
    {
      metric: `(panel) open a stored ${LONG_MINUTES}-min ${p.seed.pcIds.length}-PC session in the viewer, all default charts drawn, median of ${p.opens.length}`,
      measured: `${fmt(med)} ms (first ${fmt(firstOpen)} ms; ${p.opens[0].charts} charts)`,
      target: `≤ ${PANEL_TARGETS.openMs} ms`,
      ratio: fixed(med / PANEL_TARGETS.openMs, 3),
      result: verdict(med <= PANEL_TARGETS.openMs),
    },
    {
      metric: `(panel) live updates of a ${p.live.pcs}-PC call: panel main-thread time per second of data (CDP TaskDuration)`,
      measured: `${fmt(p.live.taskMsPerS)} ms/s (script ${fmt(p.live.scriptMsPerS)}, layout ${fmt(p.live.layoutMsPerS)}; ${p.live.charts} charts on screen)`,
      target: `≤ ${PANEL_TARGETS.liveMsPerS} ms/s`,
      ratio: fixed(p.live.taskMsPerS / PANEL_TARGETS.liveMsPerS, 3),
      result: verdict(p.live.taskMsPerS <= PANEL_TARGETS.liveMsPerS),
    },
  ];
}

export function panelDetails(p, { fmt }) {
  return [
    `- (panel) Long session: ${p.seed.pcIds.length} PCs × ${p.seed.samplesPerPc} samples (${LONG_MINUTES} min at the recorded call's poll rate), ` +
      `${p.seed.chunks} chunks, stored through the extension's own SessionStore in ${fmt(p.seed.ms)} ms. Opens (ms from the viewer's ` +
      `navigation start to the last default chart of its first PC drawn up to the newest sample): ${p.opens.map((o) => fmt(o.ms)).join(', ')}.`,
    `- (panel) Live: the panel page of a ${p.live.pcs}-PC bench call (bench.html?pairs=2), first PC shown with ${p.live.charts} charts on ` +
      `screen, ${fmt(p.live.seconds)} s window after ${LIVE_WARMUP_MS / 1000} s; newest chart point ${fmt(p.live.oldestChartLagMs)} ms behind now at the end.`,
  ];
}
