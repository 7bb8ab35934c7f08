// Where the live panel's main-thread time goes (issue 3's live target), not part of `npm run bench`: the bench's
// 4-PC call with the panel page in front, its TaskDuration per second untraced, then a Chromium trace of the panel's
// renderer main thread split by kind of task:
//   canvas frame  an animation frame that changed only the charts' canvases (no Paint of the page);
//   DOM frame     an animation frame that also painted the page (new latest values, legends, tables);
//   message       a task that received port messages (the view protocol: samples, events); "+ DOM text" when it
//                 also changed text in the page (a Preact render runs in the task that delivered the samples);
//   other         everything else (timers, Chromium's own small tasks: memory monitor, resource release, …).
// For each kind: how many, ms each, ms per second, and the trace events with the most self time.
//
// After `npm run build`:
//   node scripts/bench/panel-frames.mjs [--seconds 30] [--height 3200] [--extension-dir .output/chrome-mv3]
//        [--flag=--some-chromium-flag …] [--save trace.json]
// A modified build (another --extension-dir) shows what a change does to each kind, e.g. latest values held back.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromiumWithExtension, tabIdForUrl } from '../../tests/e2e/support/chromium.mjs';
import { ensureNetns } from '../../tests/e2e/support/netns.mjs';
import { CROSS_ORIGIN_ISOLATION_HEADERS, startServer } from '../../tests/e2e/support/server.mjs';
import { CHROME_BUILD, waitFor } from '../../tests/e2e/support/util.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    height: { type: 'string', default: '3200' },
    'extension-dir': { type: 'string', default: CHROME_BUILD },
    flag: { type: 'string', multiple: true, default: [] },
    save: { type: 'string' },
  },
});
await ensureNetns();
const SECONDS = Number(opts.seconds);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Trace events of the panel's renderer main thread (the process whose events name the panel's URL). */
function panelMainThread(events) {
  const threads = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const pids = new Set();
  for (const e of events) if (e.args && JSON.stringify(e.args).includes('devtools-panel.html')) pids.add(e.pid);
  for (const pid of pids) {
    const main = [...threads].find(([key, name]) => key.startsWith(`${pid}:`) && name === 'CrRendererMain');
    if (main) {
      const tid = Number(main[0].split(':')[1]);
      return events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X').sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    }
  }
  throw new Error('no renderer main thread of the panel in the trace');
}

/** Top-level tasks with their nested events, classified; self time per event name per kind. */
function breakdown(events) {
  const kinds = ['canvas frame', 'DOM frame', 'message + DOM text', 'message', 'other'];
  const byKind = Object.fromEntries(kinds.map((k) => [k, { count: 0, us: 0, self: new Map() }]));
  let i = 0;
  let end = -Infinity;
  let first = null;
  let last = 0;
  while (i < events.length) {
    const task = events[i];
    if (task.ts < end) {
      i++;
      continue;
    }
    end = task.ts + task.dur;
    first ??= task.ts;
    last = end;
    const nested = [];
    let j = i;
    while (j < events.length && events[j].ts < end) nested.push(events[j++]);
    i = j;
    const names = new Set(nested.map((e) => e.name));
    const kind = names.has('ProxyMain::BeginMainFrame')
      ? names.has('Paint')
        ? 'DOM frame'
        : 'canvas frame'
      : names.has('Receive mojo message')
        ? names.has('InlineNode::SetTextWithOffset') ? 'message + DOM text' : 'message'
        : 'other';
    const slot = byKind[kind];
    slot.count++;
    slot.us += task.dur;
    // Self time: each event's duration less that of the events directly inside it.
    const stack = [];
    const child = new Map();
    for (const e of nested) {
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      if (stack.length) child.set(stack[stack.length - 1], (child.get(stack[stack.length - 1]) ?? 0) + e.dur);
      stack.push(e);
    }
    for (const e of nested) slot.self.set(e.name, (slot.self.get(e.name) ?? 0) + e.dur - (child.get(e) ?? 0));
  }
  return { seconds: (last - first) / 1e6, byKind };
}

const server = await startServer({ headers: { '/bench.html': CROSS_ORIGIN_ISOLATION_HEADERS } });
const browser = await launchChromiumWithExtension({
  extensionDir: opts['extension-dir'],
  contextOptions: { viewport: { width: 1280, height: Number(opts.height) } },
  args: opts.flag,
});
try {
  const call = await browser.context.newPage();
  const url = server.url + 'bench.html?pairs=2';
  await call.goto(url);
  await waitFor(() => call.evaluate(() => window.benchState.connected || window.benchState.error), { timeout: 60_000, what: '4-PC bench call' });
  const panel = await browser.context.newPage();
  await panel.goto(`chrome-extension://${browser.extensionId}/devtools-panel.html?tabId=${await tabIdForUrl(browser.serviceWorker, url)}`);
  await panel.bringToFront();
  const cdp = await browser.context.newCDPSession(panel);
  await cdp.send('Performance.enable');
  await sleep(15_000);
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metrics();
  const t0 = Date.now();
  await sleep(SECONDS * 1000);
  const m1 = await metrics();
  const s = (Date.now() - t0) / 1000;
  const per = (name) => (((m1[name] - m0[name]) * 1000) / s).toFixed(2);
  console.log(`untraced, ${s.toFixed(1)} s: TaskDuration ${per('TaskDuration')} ms/s (script ${per('ScriptDuration')}, layout ${per('LayoutDuration')}, style ${per('RecalcStyleDuration')})`);

  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'cc', 'toplevel', 'v8'] } });
  await sleep(SECONDS * 1000);
  await cdp.send('Tracing.end');
  await complete;
  if (opts.save) writeFileSync(opts.save, JSON.stringify(events));
  const { seconds, byKind } = breakdown(panelMainThread(events));
  const total = Object.values(byKind).reduce((n, k) => n + k.us, 0);
  console.log(`traced, ${seconds.toFixed(1)} s: ${(total / 1000 / seconds).toFixed(2)} ms/s in top-level tasks (tracing adds to it)`);
  for (const [kind, k] of Object.entries(byKind)) {
    if (k.count === 0) continue;
    console.log(`\n${kind}: ${k.count} tasks, ${(k.us / 1000 / k.count).toFixed(2)} ms each, ${(k.us / 1000 / seconds).toFixed(2)} ms/s`);
    for (const [name, us] of [...k.self].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${(us / 1000 / k.count).toFixed(3).padStart(7)} ms each  ${name}`);
  }
} finally {
  await browser.close();
  await server.close();
}
