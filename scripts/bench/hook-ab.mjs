// Side by side: two versions of the hook's per-poll read and diff (lib/page/stats-poller.ts) on the same real call,
// in one Chromium page without the extension. For work on bench target (a), whose run-to-run spread (a quarter of the
// hook's time between runs of one build) hides changes of a few microseconds.
//
//   node scripts/bench/hook-ab.mjs <checkoutA> <checkoutB> [seconds=120]
//
// Each checkout is a directory with this repository's `lib/` (e.g. `git worktree add /tmp/old <commit>`). The bench
// call (tests/e2e/pages/bench.html, 2 PCs, cross-origin isolated: a 5 µs clock) runs in a private network namespace.
// Every second, for each PC, two getStats() reports are taken back to back and one goes to each version, at random,
// and the versions run in random order. Two reports, not one: Chromium keeps the JS objects it made for a report,
// so a version reading a report second reads it faster. Each version keeps its own previous report and read plan, as
// the hook does per PC. Prints, for planned and full polls, each version's read and diff times and their paired
// difference (B − A), in microseconds.
//
// Noise: two 60 s runs of one version against itself (2026-11-23, Chromium 156, 108 planned polls each) gave paired
// differences of up to 30 µs at the median and 30 µs in the mean, both ways. Run 300 s or more, and an A/A run
// beside, before reading a difference of a few tens of microseconds.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/e2e/support/chromium.mjs';
import { ensureNetns } from '../../tests/e2e/support/netns.mjs';
import { CROSS_ORIGIN_ISOLATION_HEADERS, startServer } from '../../tests/e2e/support/server.mjs';
import { waitFor } from '../../tests/e2e/support/util.mjs';

const [dirA, dirB, secondsArg = '120'] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node scripts/bench/hook-ab.mjs <checkoutA> <checkoutB> [seconds=120]');
  process.exit(2);
}
await ensureNetns();

/** One version's read + diff of a poll, as the poller does it (stats-poller.ts handleReport), timed. */
const RUNNER = (pollerPath) => `
import { collectPlanned, collectReport, diffRawReportsText, FULL_READ_EVERY, planReads, reportStamp } from ${JSON.stringify(pollerPath)};
export function makeRunner() {
  const proto = RTCStatsReport.prototype;
  const sizeNative = Object.getOwnPropertyDescriptor(proto, 'size').get;
  const states = new Map();
  const info = { refersToOthers: false };
  const stringify = (v) => JSON.stringify(v);
  return (pcIndex, report) => {
    let st = states.get(pcIndex);
    if (!st) states.set(pcIndex, (st = { prev: null, plan: null, stamp: undefined, since: 0 }));
    const t0 = performance.now();
    let raw = st.prev !== null && st.plan !== null && st.since < FULL_READ_EVERY - 1 ? collectPlanned(report, st.prev, st.plan, sizeNative, proto.get) : null;
    const full = raw === null;
    if (raw === null) raw = collectReport(report, proto.forEach);
    const t1 = performance.now();
    const stamp = reportStamp(raw);
    const retime = st.prev !== null && st.stamp !== undefined && stamp !== undefined && stamp !== st.stamp ? [st.stamp, stamp] : undefined;
    diffRawReportsText(st.prev, raw, retime, stringify, info);
    if (full) { st.plan = planReads(raw, stamp); st.since = 0; } else st.since++;
    st.prev = raw;
    st.stamp = stamp;
    return [t1 - t0, performance.now() - t1, full ? 1 : 0];
  };
}`;

async function bundleRunner(checkout, name) {
  const work = mkdtempSync(join(tmpdir(), 'hook-ab-'));
  try {
    const entry = join(work, 'runner.mjs');
    writeFileSync(entry, RUNNER(resolve(checkout, 'lib/page/stats-poller.ts')));
    const out = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: name, minify: true, write: false, logLevel: 'warning' });
    return out.outputFiles[0].text;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const scripts = [await bundleRunner(dirA, '__hookAbA'), await bundleRunner(dirB, '__hookAbB')];
const server = await startServer({ headers: { '/bench.html': CROSS_ORIGIN_ISOLATION_HEADERS } });
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
try {
  const page = await browser.newPage();
  // The page's PCs, for the harness (the page keeps them in a closure).
  await page.addInitScript(() => {
    const Native = RTCPeerConnection;
    window.__hookAbPcs = [];
    window.RTCPeerConnection = function (...args) {
      const pc = new Native(...args);
      window.__hookAbPcs.push(pc);
      return pc;
    };
    window.RTCPeerConnection.prototype = Native.prototype;
    window.RTCPeerConnection.generateCertificate = Native.generateCertificate;
  });
  // As window properties: Playwright runs an init script inside a function of its own, where a top-level `var` stays local.
  for (const script of scripts) await page.addInitScript(script.replace(/\bvar (__hookAb[AB])=/, 'window.$1='));
  await page.goto(server.url + 'bench.html');
  await waitFor(() => page.evaluate(() => window.benchState.connected || window.benchState.error), { timeout: 60_000, what: 'bench call' });
  await page.evaluate(() => {
    const a = window.__hookAbA.makeRunner();
    const b = window.__hookAbB.makeRunner();
    window.__hookAbRows = [];
    setInterval(async () => {
      for (let i = 0; i < window.__hookAbPcs.length; i++) {
        const first = await window.__hookAbPcs[i].getStats();
        const second = await window.__hookAbPcs[i].getStats();
        const [forA, forB] = Math.random() < 0.5 ? [first, second] : [second, first];
        let ra, rb;
        if (Math.random() < 0.5) {
          ra = a(i, forA);
          rb = b(i, forB);
        } else {
          rb = b(i, forB);
          ra = a(i, forA);
        }
        window.__hookAbRows.push([ra, rb]);
      }
    }, 1000);
  });
  await sleep(15_000); // past the first snapshots and the first optimizations
  const skip = await page.evaluate(() => window.__hookAbRows.length);
  await sleep(Number(secondsArg) * 1000);
  const rows = (await page.evaluate(() => window.__hookAbRows)).slice(skip);
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const p50 = (v) => [...v].sort((x, y) => x - y)[Math.floor((v.length - 1) / 2)];
  const us = (x) => (x * 1000).toFixed(1);
  console.log(`A = ${dirA}\nB = ${dirB}\n${rows.length} polls (µs; B − A paired per poll)`);
  for (const [label, full] of [['planned', 0], ['full', 1]]) {
    const sel = rows.filter(([ra, rb]) => ra[2] === full && rb[2] === full);
    if (sel.length === 0) continue;
    for (const [part, k] of [['read', 0], ['diff', 1]]) {
      const a = sel.map((r) => r[0][k]);
      const b = sel.map((r) => r[1][k]);
      const d = sel.map((r) => r[1][k] - r[0][k]);
      console.log(`${label.padEnd(8)}${part.padEnd(5)} n ${String(sel.length).padStart(4)}  A mean ${us(mean(a))} p50 ${us(p50(a))}  B mean ${us(mean(b))} p50 ${us(p50(b))}  B−A mean ${us(mean(d))} p50 ${us(p50(d))}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
}
