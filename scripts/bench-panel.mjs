// The panel/viewer part of `npm run bench` (issue 3): time to open a stored 60-minute, 4-PC session with all
// default charts drawn, and the panel's main-thread cost of live updates of a 4-PC call per second of data.
// Called by scripts/bench.mjs with the session its extension run recorded (the source of the long session).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromiumWithExtension, tabIdForUrl } from '../tests/e2e/support/chromium.mjs';
import { REPO_ROOT, step, waitFor } from '../tests/e2e/support/util.mjs';
import { chromiumRenderers } from './bench/renderers.mjs';

export const PANEL_TARGETS = { openMs: 200, liveMsPerS: 4 };
export const LONG_MINUTES = 60;
export const LONG_COPIES = 2; // the recorded call's 2 PCs twice: 4 PCs
export const OPEN_RUNS = 5;
export const LIVE_WARMUP_MS = 20_000;
export const LIVE_WINDOW_MS = 60_000;
export const IDLE_WINDOW_MS = 20_000;
export const FLOOR_WINDOW_MS = 30_000;
export const DOCKED_WINDOW_MS = 30_000;
const VIEWPORT = { width: 1280, height: 3200 }; // tall enough for every default chart to be on screen (they draw only when visible)
/** A panel docked at the bottom of a 1080p screen's browser window, or a short undocked DevTools window. */
const DOCKED_VIEWPORT = { width: 1280, height: 800 };
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * CPU time (ms) the main thread of Chromium's extension renderer has used so far: /proc/<pid>/task/<pid>/schedstat
 * (nanoseconds on the CPU). The panel page is the only document in that process (the service worker has its own
 * thread), so over a window this is what the panel itself ran, without the time the thread waited for a core while
 * the call's video encoders had it (which TaskDuration counts). Null when no such process is found.
 */
function extensionMainThreadCpuMs() {
  const renderer = chromiumRenderers().find((r) => r.extension);
  if (!renderer) return null;
  try {
    return Number(readFileSync(`/proc/${renderer.pid}/task/${renderer.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return null;
  }
}

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
    // A short second session to switch away from and back.
    const other = await browser.serviceWorker.evaluate((arg) => self.__scopeBenchSeed.seedLongSession(arg), { recorded, minutes: 1, copies: 1 });
    const viewerUrl = (id) => `chrome-extension://${browser.extensionId}/viewer.html?session=${encodeURIComponent(id)}`;
    const errors = [];
    const opens = [];
    await step(`viewer open: click the ${LONG_MINUTES}-minute session in the list ${OPEN_RUNS} times (from another session), until every default chart of its first PC is drawn`, async () => {
      const page = await browser.context.newPage();
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(viewerUrl(other.sessionId), { waitUntil: 'commit' });
      await page.evaluate(whenChartsDrawn, other.lastTByPc[other.pcIds[0]] / 1000);
      for (let i = 0; i < OPEN_RUNS; i++) {
        const drawn = await page.evaluate(
          async ({ id, lastXs, whenDrawn }) => {
            const wait = new Function(`return (${whenDrawn})`)();
            const button = document.querySelector(`button.session-open[data-session-id="${CSS.escape(id)}"]`);
            const t0 = performance.now();
            button.click();
            const done = await wait(lastXs);
            return { ms: done.ms - t0, charts: done.charts };
          },
          { id: seed.sessionId, lastXs: lastX, whenDrawn: whenChartsDrawn.toString() },
        );
        opens.push(drawn);
        await page.evaluate(
          async ({ id, lastXs, whenDrawn }) => {
            document.querySelector(`button.session-open[data-session-id="${CSS.escape(id)}"]`).click();
            await new Function(`return (${whenDrawn})`)()(lastXs);
          },
          { id: other.sessionId, lastXs: other.lastTByPc[other.pcIds[0]] / 1000, whenDrawn: whenChartsDrawn.toString() },
        );
      }
      await page.close();
    });
    const coldOpens = [];
    await step('viewer cold open: a new viewer tab on the session, 2 times', async () => {
      for (let i = 0; i < 2; i++) {
        const page = await browser.context.newPage();
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(viewerUrl(seed.sessionId), { waitUntil: 'commit' });
        coldOpens.push(await page.evaluate(whenChartsDrawn, lastX));
        await page.close();
      }
    });
    if (errors.length) throw new Error(`viewer errors: ${errors.join('; ')}`);

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
    /** The panel's TaskDuration, ScriptDuration and LayoutDuration per second over `ms`, and its renderer's CPU per second. */
    const measurePanel = async (ms) => {
      const m0 = await metrics();
      const cpu0 = extensionMainThreadCpuMs();
      await sleep(ms);
      const m1 = await metrics();
      const cpu1 = extensionMainThreadCpuMs();
      const seconds = (m1.t - m0.t) / 1000;
      const perSecond = (name) => ((m1[name] - m0[name]) * 1000) / seconds;
      return {
        seconds,
        taskMsPerS: perSecond('TaskDuration'),
        scriptMsPerS: perSecond('ScriptDuration'),
        layoutMsPerS: perSecond('LayoutDuration'),
        cpuMsPerS: cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / seconds,
      };
    };
    let live;
    await step(`panel: main-thread time over ${LIVE_WINDOW_MS / 1000} s of live data (after ${LIVE_WARMUP_MS / 1000} s)`, async () => {
      await sleep(LIVE_WARMUP_MS);
      const charts = await panel.evaluate(() => document.querySelectorAll('figure[data-chart-id] .ts-chart__plot').length);
      const measured = await measurePanel(LIVE_WINDOW_MS);
      const lag = await panel.evaluate(() => {
        const xs = [...document.querySelectorAll('figure[data-chart-id] .ts-chart__plot')].map((p) => Number(p.dataset.lastX) * 1000);
        return Date.now() - Math.min(...xs);
      });
      const pcs = await panel.evaluate(() => document.querySelectorAll('[role="tab"]').length - 1); // minus "Media requests"
      live = { ...measured, pcs, charts, oldestChartLagMs: lag };
    });
    // ── the floor: what the browser charges a page for the same canvases and legend values, during the same call ──
    await step(`panel floor: a page with the panel's chart canvases and legend values, updated like a live panel, over ${FLOOR_WINDOW_MS / 1000} s`, async () => {
      const shape = await panel.evaluate(() =>
        [...document.querySelectorAll('figure[data-chart-id]')].map((figure) => {
          const canvas = figure.querySelector('.uplot canvas');
          const rect = canvas.getBoundingClientRect();
          return { w: Math.round(rect.width), h: Math.round(rect.height), texts: figure.querySelectorAll('.u-legend .u-value').length };
        }),
      );
      const floor = await browser.context.newPage();
      await floor.goto(`${server.url}panel-floor.html?canvases=${shape.map((c) => `${c.w}x${c.h}`).join(',')}&texts=${shape.map((c) => c.texts).join(',')}`);
      await floor.bringToFront();
      const floorCdp = await browser.context.newCDPSession(floor);
      await floorCdp.send('Performance.enable');
      const floorMetrics = async () => ({ t: Date.now(), ...Object.fromEntries((await floorCdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value])) });
      await sleep(5000);
      const m0 = await floorMetrics();
      const f0 = await floor.evaluate(() => window.floorFrames);
      await sleep(FLOOR_WINDOW_MS);
      const m1 = await floorMetrics();
      const f1 = await floor.evaluate(() => window.floorFrames);
      const seconds = (m1.t - m0.t) / 1000;
      live.floor = {
        canvases: shape.length,
        texts: shape.reduce((a, c) => a + c.texts, 0),
        frames: f1 - f0,
        seconds,
        taskMsPerS: ((m1.TaskDuration - m0.TaskDuration) * 1000) / seconds,
      };
      await floor.close();
      await panel.bringToFront();
    });
    // ── the same panel at the size of a docked DevTools (info): only the charts in view draw ──
    await step(`panel at ${DOCKED_VIEWPORT.width}×${DOCKED_VIEWPORT.height} (docked DevTools size): main-thread time over ${DOCKED_WINDOW_MS / 1000} s`, async () => {
      await panel.setViewportSize(DOCKED_VIEWPORT);
      await sleep(5000);
      const inView = await panel.evaluate(
        () =>
          [...document.querySelectorAll('figure[data-chart-id]')].filter((f) => {
            const r = f.getBoundingClientRect();
            return r.bottom > 0 && r.top < innerHeight;
          }).length,
      );
      live.docked = { ...DOCKED_VIEWPORT, chartsInView: inView, ...(await measurePanel(DOCKED_WINDOW_MS)) };
      await panel.setViewportSize(VIEWPORT);
    });
    await call.evaluate(() => window.hangUp());
    await step(`panel: the same panel idle for ${IDLE_WINDOW_MS / 1000} s after the call ended`, async () => {
      await sleep(3000);
      const idle = await measurePanel(IDLE_WINDOW_MS);
      live.idleTaskMsPerS = idle.taskMsPerS;
      live.idleCpuMsPerS = idle.cpuMsPerS;
    });
    return { seed, opens, coldOpens, live };
  } finally {
    await browser.close();
  }
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function panelRows(p, { fmt, fixed }) {
  const med = median(p.opens.map((o) => o.ms));
  const cold = median(p.coldOpens.map((o) => o.ms));
  const verdict = (ok) => (ok ? 'PASS' : 'MISSED');
  return [
    {
      metric: `(panel) open a stored ${LONG_MINUTES}-min ${p.seed.pcIds.length}-PC session in the viewer (click in the list → all default charts of its first PC drawn), median of ${p.opens.length}`,
      measured: `${fmt(med)} ms (${p.opens[0].charts} charts)`,
      target: `≤ ${PANEL_TARGETS.openMs} ms`,
      ratio: fixed(med / PANEL_TARGETS.openMs, 3),
      result: verdict(med <= PANEL_TARGETS.openMs),
    },
    {
      metric: '(panel) same, from opening a new viewer tab on it (navigation start → drawn), median of 2 (info)',
      measured: `${fmt(cold)} ms`,
      target: '—',
      ratio: fixed(cold / PANEL_TARGETS.openMs, 3),
      result: 'info',
    },
    {
      metric: `(panel) live updates of a ${p.live.pcs}-PC call: panel main-thread time per second of data (CDP TaskDuration)`,
      measured: `${fmt(p.live.taskMsPerS)} ms/s (script ${fmt(p.live.scriptMsPerS)}, layout ${fmt(p.live.layoutMsPerS)}; ${p.live.charts} charts on screen)`,
      target: `≤ ${PANEL_TARGETS.liveMsPerS} ms/s`,
      ratio: fixed(p.live.taskMsPerS / PANEL_TARGETS.liveMsPerS, 3),
      result: verdict(p.live.taskMsPerS <= PANEL_TARGETS.liveMsPerS),
    },
    {
      metric: '(panel) same, CPU time the panel\'s main thread used (/proc schedstat: without the waits for a core TaskDuration counts) (info)',
      measured: p.live.cpuMsPerS == null ? 'n/a' : `${fmt(p.live.cpuMsPerS)} ms/s`,
      target: '—',
      ratio: p.live.cpuMsPerS == null ? '—' : fixed(p.live.cpuMsPerS / PANEL_TARGETS.liveMsPerS, 3),
      result: 'info',
    },
    ...(p.live.floor
      ? [
          {
            metric: `(panel) floor: a page without the extension with the same ${p.live.floor.canvases} canvases (one line segment each a second) and ${p.live.floor.texts} legend values (rewritten every 2 s), during the same call (CDP TaskDuration) (info)`,
            measured: `${fmt(p.live.floor.taskMsPerS)} ms/s; the panel is ${fmt(p.live.taskMsPerS / p.live.floor.taskMsPerS)}× it`,
            target: '—',
            ratio: fixed(p.live.floor.taskMsPerS / PANEL_TARGETS.liveMsPerS, 3),
            result: 'info',
          },
        ]
      : []),
    ...(p.live.docked
      ? [
          {
            metric: `(panel) same call, the panel at ${p.live.docked.width}×${p.live.docked.height} (a docked DevTools; ${p.live.docked.chartsInView} charts in view): TaskDuration / CPU per second (info)`,
            measured: `${fmt(p.live.docked.taskMsPerS)} / ${p.live.docked.cpuMsPerS == null ? 'n/a' : fmt(p.live.docked.cpuMsPerS)} ms/s (script ${fmt(p.live.docked.scriptMsPerS)})`,
            target: '—',
            ratio: fixed(p.live.docked.taskMsPerS / PANEL_TARGETS.liveMsPerS, 3),
            result: 'info',
          },
        ]
      : []),
    {
      metric: '(panel) the same panel after the call ended (nothing arriving): TaskDuration / CPU per second (info)',
      measured: `${fmt(p.live.idleTaskMsPerS)} / ${p.live.idleCpuMsPerS == null ? 'n/a' : fmt(p.live.idleCpuMsPerS)} ms/s`,
      target: '—',
      ratio: '—',
      result: 'info',
    },
  ];
}

export function panelDetails(p, { fmt }) {
  return [
    `- (panel) Long session: ${p.seed.pcIds.length} PCs × ${p.seed.samplesPerPc} samples (${LONG_MINUTES} min at the recorded call's poll rate), ` +
      `${p.seed.chunks} chunks, stored through the extension's own SessionStore in ${fmt(p.seed.ms)} ms. Opens (ms from the click on ` +
      `the session in the viewer's list, coming from a 1-minute session, to the last default chart of its first PC drawn up to the ` +
      `newest sample): ${p.opens.map((o) => fmt(o.ms)).join(', ')}; in a new viewer tab (from navigation start): ` +
      `${p.coldOpens.map((o) => fmt(o.ms)).join(', ')}. The viewer fetches the session without stats, then the shown PC's stored chunks, ` +
      `and decodes them straight into columns.`,
    `- (panel) Live: the panel page of a ${p.live.pcs}-PC bench call (bench.html?pairs=2), first PC shown with ${p.live.charts} charts on ` +
      `screen, ${fmt(p.live.seconds)} s window after ${LIVE_WARMUP_MS / 1000} s; newest chart point ${fmt(p.live.oldestChartLagMs)} ms behind now at the end.` +
      (p.live.floor
        ? ` Floor (tests/e2e/pages/panel-floor.html, same browser, same call, ${fmt(p.live.floor.seconds)} s, ${p.live.floor.frames} frames): ` +
          `${fmt(p.live.floor.taskMsPerS)} ms/s, the share of the target the browser takes for the canvases and legend text alone.`
        : '') +
      (p.live.docked
        ? ` Docked: the same panel resized to ${p.live.docked.width}×${p.live.docked.height} after the floor (later in the same call), ` +
          `${fmt(p.live.docked.seconds)} s after 5 s; charts out of view do not draw and latest-value views out of view do not render.`
        : ''),
  ];
}
