#!/usr/bin/env node
// `npm run bench`: what WebRTC Scope costs a real call, measured in one run of Debian's Chromium with the built
// extension, side by side with Chromium's own numbers:
//   (a) hook cost: main-thread ms the hook spends per poll per PC vs the page's own getStats() time (ratio);
//   (b) storage: bytes stored per PC-minute vs chrome://webrtc-internals' dump of the same call (ratio), plus a
//       check that stored stats values equal the dump's wherever both saw the same stats snapshot;
//   (c) page heap growth per hour of call, with the extension and in a baseline Chromium without it.
// Prints a table (metric, measured, target, ratio, result) and writes it, with the machine and how each number
// is measured, into BENCHMARKS.md (earlier results kept below, newest first). Exit status 0 even when a target is
// missed (it is a benchmark): misses are printed as MISSED. Status 1 only when the run itself failed.
//
// Environment: BENCH_MINUTES (default 10: the heap window and so the call length; ≥ 2 for results worth keeping,
//   and 10 covers the hook's JIT warm-up, see (c) in the generated text),
//   BENCH_OUT (default BENCHMARKS.md at the repo root; '-' = do not write), CHROMIUM_PATH.
// Runs inside a private network namespace (tests/e2e/support/netns.mjs), like the end-to-end tests.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureNetns, inNetns } from '../tests/e2e/support/netns.mjs';
import { CROSS_ORIGIN_ISOLATION_HEADERS, REPO_ROOT, startServer } from '../tests/e2e/support/server.mjs';
import { ensureBuild, step, waitFor } from '../tests/e2e/support/util.mjs';
import {
  CHROMIUM_ARGS, CHROMIUM_PATH, downloadWebrtcInternalsDump, launchChromiumWithExtension, openExtensionPage,
  openWebrtcInternals, readExtensionDb, tabIdForUrl,
} from '../tests/e2e/support/chromium.mjs';
import { latestSessionOfTab } from '../tests/e2e/support/scope-api.mjs';
import { panelBench, panelDetails, panelRows } from './bench-panel.mjs';
import { dumpBench, dumpDetails, dumpRows } from './bench-dump.mjs';

// One bench at a time: two runs on a 2-core machine skew each other's timings. The lock is taken by the process
// started on the host (the namespaced re-exec below is its child) and removed when it exits.
const LOCK = '/tmp/webrtc-scope-bench.lock';
if (!inNetns()) await takeLock();
await ensureNetns();

async function takeLock() {
  let told = false;
  const giveUpAt = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      process.on('exit', () => {
        try {
          if (readFileSync(LOCK, 'utf8') === String(process.pid)) unlinkSync(LOCK);
        } catch {}
      });
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(LOCK, 'utf8'));
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = true;
    } catch (err) {
      alive = err.code === 'EPERM';
    }
    if (!alive) {
      try {
        unlinkSync(LOCK); // stale: its process is gone
      } catch {}
      continue;
    }
    if (Date.now() > giveUpAt) {
      console.error(`another npm run bench (pid ${holder}) still holds ${LOCK} after 30 min; giving up`);
      process.exit(1);
    }
    if (!told) console.log(`another npm run bench is running (pid ${holder}); waiting for it so the two do not skew each other…`);
    told = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

const MINUTES = Number(process.env.BENCH_MINUTES ?? 10);
if (!(MINUTES > 0)) {
  console.error(`BENCH_MINUTES must be a positive number (got ${process.env.BENCH_MINUTES})`);
  process.exit(2);
}
const OUT = process.env.BENCH_OUT === '-' ? null : resolveOut(process.env.BENCH_OUT || 'BENCHMARKS.md');
/** Heap window starts this long after the call connected (start-up allocations settle first). */
const WARMUP_MS = 20_000;
/** Extra heap samples inside the window (for a least-squares slope next to the two-point number). */
const HEAP_SAMPLE_EVERY_MS = 20_000;
/** Polls per PC left out of the steady-state hook cost (the first one is a full snapshot). */
const SKIP_POLLS = 3;
/** Length of the floor run's polling (see floorRun). */
const FLOOR_SECONDS = 60;
const TARGETS = { hookRatio: 0.25, storageRatio: 0.05, heapMBPerHour: 1 };
const MB = 1e6; // MB = 10^6 bytes, KB = 10^3 bytes throughout
const KB = 1e3;
const PAGE = 'bench.html';

function resolveOut(p) {
  return isAbsolute(p) ? p : join(REPO_ROOT, p);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

// ───────────────────────────── small statistics ─────────────────────────────
function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q; // linear interpolation between closest ranks
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const mean = (v) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
function summary(values) {
  return { n: values.length, mean: mean(values), p50: quantile(values, 0.5), p90: quantile(values, 0.9), max: Math.max(...values) };
}
/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const mx = mean(xs);
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}
const jsonBytes = (v) => Buffer.byteLength(JSON.stringify(v), 'utf8');
/** Approximate stored size of a row: its JSON, with binary fields (Uint8Array) counted at their byte length. */
function rowBytes(row) {
  let binary = 0;
  const json = JSON.stringify(row, (_key, value) => {
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      binary += value.byteLength;
      return 0;
    }
    return value;
  });
  return Buffer.byteLength(json, 'utf8') + binary;
}
const fmt = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x));
const fixed = (x, d) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

// ───────────────────────────── the machine ─────────────────────────────
function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\s+$/, '');
  } catch {
    return '(unavailable)';
  }
}
function machineInfo() {
  const cpuModel = (() => {
    try {
      const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
      return m ? m[1].trim() : cpus()[0]?.model ?? '(unknown)';
    } catch {
      return cpus()[0]?.model ?? '(unknown)';
    }
  })();
  // What the extension build is made of (ensureBuild's inputs): uncommitted changes there change the results.
  const sources = ['entrypoints', 'lib', 'components', 'public', 'assets', 'wxt.config.ts', 'package-lock.json'];
  const dirty = sh('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', ...sources]) ? ' + uncommitted changes to its sources' : '';
  return {
    date: sh('date', ['-u']),
    nproc: sh('nproc', []),
    free: sh('free', ['-g']),
    cpuModel,
    chromium: sh(CHROMIUM_PATH, ['--version']),
    node: process.version,
    commit: sh('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']) + dirty,
  };
}

// ───────────────────────────── one call ─────────────────────────────
async function heapSample(cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const u = await cdp.send('Runtime.getHeapUsage');
  return { t: Date.now(), used: u.usedSize, total: u.totalSize, embedder: u.embedderHeapUsedSize ?? null };
}

/**
 * webrtc-internals first (so its log and stats cover the whole call), then the bench page; waits for the call,
 * then samples the page heap from connectedAt + WARMUP_MS for MINUTES. The call is still running on return.
 */
async function runCall(context, server, label) {
  const internals = await openWebrtcInternals(context);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  const cdp = await context.newCDPSession(page);
  const url = server.url + PAGE;
  await step(`${label}: call connects`, async () => {
    await page.goto(url);
    await page.bringToFront();
    await waitFor(() => page.evaluate(() => window.benchState.connected || window.benchState.error), { timeout: 60_000, what: 'bench call connected' });
  });
  const state = await page.evaluate(() => window.benchState);
  if (state.error) throw new Error(`${label}: bench page error: ${state.error}`);
  const heap = [];
  const perf = {};
  await cdp.send('Performance.enable');
  const metrics = async () => ({
    t: Date.now(),
    ...Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value])),
  });
  await step(`${label}: page heap sampled for ${MINUTES} min (from ${WARMUP_MS / 1000} s after connecting)`, async () => {
    await sleep(state.connectedAt + WARMUP_MS - Date.now());
    heap.push(await heapSample(cdp));
    perf.m0 = await metrics();
    const end = heap[0].t + MINUTES * 60_000;
    for (;;) {
      const last = heap[heap.length - 1].t;
      const next = Math.min(last + HEAP_SAMPLE_EVERY_MS, end);
      await sleep(next - Date.now());
      if (next >= end) {
        perf.m1 = await metrics(); // before the last forced GC, like m0 after the first
        perf.load1 = loadavg()[0];
      }
      heap.push(await heapSample(cdp));
      if (next >= end) break;
    }
  });
  const stillUp = await page.evaluate(() => ({ error: window.benchState.error, messages: window.benchState.messages }));
  if (stillUp.error) throw new Error(`${label}: bench page error during the call: ${stillUp.error}`);
  return { internals, page, cdp, url, state, heap, perf, pageErrors };
}

/**
 * Main-thread JavaScript time of the page over the window (CDP Performance.getMetrics ScriptDuration, all worlds:
 * page, hook, relay), per second of window.
 */
function scriptRate(perf) {
  const seconds = (perf.m1.t - perf.m0.t) / 1000;
  return {
    seconds,
    scriptPerS: (perf.m1.ScriptDuration - perf.m0.ScriptDuration) / seconds,
    taskPerS: (perf.m1.TaskDuration - perf.m0.TaskDuration) / seconds,
    t0: perf.m0.t,
    t1: perf.m1.t,
  };
}

function heapGrowth(heap) {
  const a = heap[0];
  const b = heap[heap.length - 1];
  const seconds = (b.t - a.t) / 1000;
  const twoPoint = ((b.used - a.used) * 3600) / seconds; // bytes per hour
  const fit = slope(heap.map((s) => s.t / 1000), heap.map((s) => s.used)) * 3600;
  return { used0: a.used, used1: b.used, seconds, perHour: twoPoint, fitPerHour: fit, samples: heap.length, series: heap.map((x) => x.used) };
}

// ───────────────────────────── the webrtc-internals dump ─────────────────────────────
/** Per PC of the dump: stats objects as { ts: { values, startTime, endTime }, fields: name → series }. */
function parseDump(dump) {
  const pcs = {};
  for (const [key, pc] of Object.entries(dump.PeerConnections ?? {})) {
    const stats = pc.stats ?? {};
    const ids = Object.keys(stats).filter((k) => k.endsWith('-timestamp')).map((k) => k.slice(0, -'-timestamp'.length));
    ids.sort((a, b) => b.length - a.length); // longest first: ids may contain '-'
    const objects = {};
    for (const id of ids) objects[id] = { type: stats[`${id}-timestamp`].statsType, ts: null, fields: {} };
    for (const [k, series] of Object.entries(stats)) {
      if (k.endsWith(']')) continue; // calculated by webrtc-internals, not a getStats field
      const id = ids.find((i) => k.startsWith(i + '-'));
      if (id === undefined) continue;
      const field = k.slice(id.length + 1);
      const s = { values: JSON.parse(series.values), startTime: series.startTime, endTime: series.endTime };
      if (field === 'timestamp') objects[id].ts = s;
      else objects[id].fields[field] = s;
    }
    const createdAt = pc.updateLog?.length ? pc.updateLog[0].timestamp : null;
    pcs[key] = { objects, createdAt, statsBytes: jsonBytes(stats), logEntries: pc.updateLog?.length ?? 0 };
  }
  return pcs;
}

/** Index of each dump point of `series` in the object's timestamp series, or null when it cannot be aligned exactly. */
function alignSeries(ts, series) {
  if (series.values.length === ts.values.length && series.startTime === ts.startTime && series.endTime === ts.endTime) {
    return series.values.map((_, j) => j);
  }
  const iso = ts.values.map((t) => new Date(t).toISOString());
  const start = iso.indexOf(series.startTime);
  const end = iso.lastIndexOf(series.endTime);
  if (start >= 0 && end >= start && end - start + 1 === series.values.length) return series.values.map((_, j) => start + j);
  return null;
}

/**
 * Compares stored numeric stats values with the dump's wherever both hold the same stats object at the same
 * `timestamp` (the same snapshot of Chromium's collector: RTCP-driven objects keep their timestamp until the next
 * report, and a getStats() within Chromium's short result cache of a webrtc-internals poll shares its snapshot).
 */
function compareWithDump(data, dumpPcs) {
  const ours = Object.entries(data.stats);
  // Pair our PCs with the dump's by the number of (stats id, timestamp) points they share.
  const shared = (cols, dpc) => {
    let n = 0;
    for (const [id, obj] of Object.entries(dpc.objects)) {
      const mine = cols.objects[id]?.fields.timestamp;
      if (!mine || !obj.ts) continue;
      const set = new Set(mine);
      for (const t of obj.ts.values) if (set.has(t)) n++;
    }
    return n;
  };
  const pairs = [];
  for (const [pcId, cols] of ours) for (const [key, dpc] of Object.entries(dumpPcs)) pairs.push({ pcId, key, n: shared(cols, dpc) });
  pairs.sort((a, b) => b.n - a.n);
  const used = new Set();
  const mapping = [];
  for (const p of pairs) {
    if (p.n === 0 || used.has(p.pcId) || used.has('d:' + p.key)) continue;
    used.add(p.pcId).add('d:' + p.key);
    mapping.push(p);
  }

  const result = { mapping: mapping.map((p) => `${p.pcId}↔${p.key}`), points: 0, compared: 0, mismatches: [], byType: {}, skippedSeries: 0, sharedSnapshots: {} };
  for (const { pcId, key } of mapping) {
    const cols = data.stats[pcId];
    const dpc = dumpPcs[key];
    const snapshotRows = new Set();
    for (const [id, obj] of Object.entries(dpc.objects)) {
      const mine = cols.objects[id];
      if (!mine || !obj.ts) continue;
      const rowsByTs = new Map();
      mine.fields.timestamp.forEach((t, r) => {
        if (typeof t !== 'number') return;
        if (!rowsByTs.has(t)) rowsByTs.set(t, []);
        rowsByTs.get(t).push(r);
      });
      const aligned = {};
      for (const [field, series] of Object.entries(obj.fields)) {
        if (!mine.fields[field]) continue;
        const idx = alignSeries(obj.ts, series);
        if (idx === null) {
          result.skippedSeries++;
          continue;
        }
        const byPoint = new Map();
        idx.forEach((point, j) => byPoint.set(point, series.values[j]));
        aligned[field] = byPoint;
      }
      obj.ts.values.forEach((t, point) => {
        const rows = rowsByTs.get(t);
        if (!rows) return;
        result.points++;
        const type = obj.type ?? mine.type;
        result.byType[type] ??= { points: 0, values: 0 };
        result.byType[type].points++;
        if (type === 'peer-connection') for (const r of rows) snapshotRows.add(r);
        for (const [field, byPoint] of Object.entries(aligned)) {
          if (!byPoint.has(point)) continue;
          const theirs = byPoint.get(point);
          for (const r of rows) {
            const mineValue = mine.fields[field][r];
            // The dump turns numeric-looking strings into numbers and has no undefined: numbers on both sides only.
            if (typeof mineValue !== 'number' || typeof theirs !== 'number') continue;
            result.compared++;
            result.byType[type].values++;
            result.firstCompared ??= { pcId, id, field, row: r };
            if (!Object.is(mineValue, theirs)) {
              result.mismatches.push({ pcId, id, field, t, stored: mineValue, dump: theirs });
            }
          }
        }
      });
    }
    result.sharedSnapshots[pcId] = snapshotRows;
  }
  return result;
}

/** The comparison must be able to fail: a copy of the stored stats with one compared value moved by one ulp. */
function checkIsLive(data, dumpPcs, exact) {
  if (!exact.firstCompared) return null;
  const { pcId, id, field, row } = exact.firstCompared;
  const copy = { ...data, stats: structuredClone(data.stats) };
  const column = copy.stats[pcId].objects[id].fields[field];
  const v = column[row];
  column[row] = v === 0 ? Number.MIN_VALUE : v + Math.abs(v) * Number.EPSILON;
  if (Object.is(column[row], v)) column[row] = v * 2; // (huge values) still a different number
  const again = compareWithDump(copy, dumpPcs);
  // (more than one more difference when several dump points share that snapshot's timestamp)
  return again.mismatches.length > exact.mismatches.length;
}

// ───────────────────────────── runs ─────────────────────────────
async function extensionRun(server) {
  const extensionDir = ensureBuild('chrome');
  const browser = await launchChromiumWithExtension({ extensionDir });
  try {
    const call = await runCall(browser.context, server, 'with extension');
    const coi = call.state.crossOriginIsolated;

    let dumpText;
    let dumpAt;
    await step('webrtc-internals dump downloaded (call still up)', async () => {
      dumpText = await downloadWebrtcInternalsDump(call.internals);
      dumpAt = Date.now();
    });
    await call.page.evaluate(() => window.hangUp());
    const tabId = await tabIdForUrl(browser.serviceWorker, call.url);
    const panel = await openExtensionPage(browser.context, browser.extensionId, `devtools-panel.html?tabId=${tabId}`);
    let data;
    let db;
    await step('hung up: every PC closed and chunked in the extension', async () => {
      data = await waitFor(async () => {
        const d = await latestSessionOfTab(panel, tabId);
        return d && d.pcs.length > 0 && d.pcs.every((p) => p.closedAt !== null) ? d : null;
      }, { timeout: 30_000, what: 'every PC closed in the stored session' });
      db = await waitFor(async () => {
        const dump = await readExtensionDb(browser.serviceWorker);
        const pending = (dump?.stores.pendingSamples ?? []).filter((r) => r.sessionId === data.session.id);
        return pending.length === 0 ? dump : null;
      }, { timeout: 30_000, what: 'no pending samples left for the session' });
      data = await latestSessionOfTab(panel, tabId); // final, after chunking
    });
    return { call, coi, dumpText, dumpAt, data, db, extensionId: browser.extensionId };
  } finally {
    await browser.close();
  }
}

/** Runs `fn(context)` in a Chromium without the extension (fresh profile, the bench's flags), then closes it. */
async function withPlainChromium(profilePrefix, fn) {
  const profileDir = await mkdtemp(join(tmpdir(), profilePrefix));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    args: [...CHROMIUM_ARGS],
  });
  try {
    const extensionWorkers = context.serviceWorkers().filter((w) => w.url().startsWith('chrome-extension://'));
    if (extensionWorkers.length) throw new Error('the plain Chromium has an extension loaded');
    return await fn(context);
  } finally {
    await context.close().catch(() => {});
    await rm(profileDir, { recursive: true, force: true }).catch(() => {});
  }
}

async function baselineRun(server) {
  return withPlainChromium('webrtc-scope-bench-baseline-', async (context) => {
    const call = await runCall(context, server, 'baseline (no extension)');
    await call.page.evaluate(() => window.hangUp());
    return { call, coi: call.state.crossOriginIsolated };
  });
}

/**
 * The floor of (a): the same page without the extension, polling like the hook (bench.html?floor=1) and timing
 * only getStats() and one plain read of every stats object. No recorder can read a report for less.
 */
async function floorRun(server) {
  return withPlainChromium('webrtc-scope-bench-floor-', async (context) => {
    const page = await context.newPage();
    let floor;
    await step(`floor (no extension, the page reads each report once): ${FLOOR_SECONDS} s of polls`, async () => {
      await page.goto(server.url + PAGE + '?floor=1');
      await page.bringToFront();
      await waitFor(() => page.evaluate(() => window.benchState.connected || window.benchState.error), { timeout: 60_000, what: 'floor call connected' });
      await sleep(FLOOR_SECONDS * 1000);
      floor = await page.evaluate(() => ({ polls: window.benchState.floor, error: window.benchState.error }));
      await page.evaluate(() => window.hangUp());
    });
    if (floor.error) throw new Error(`floor run: bench page error: ${floor.error}`);
    const kept = [];
    const seen = {};
    for (const poll of floor.polls) {
      seen[poll.pc] = (seen[poll.pc] ?? 0) + 1;
      if (seen[poll.pc] > SKIP_POLLS) kept.push(poll);
    }
    const read = summary(kept.map((p) => p.readMs));
    const getStats = summary(kept.map((p) => p.getStatsMs));
    return { n: kept.length, read, getStats, ratioMean: read.mean / getStats.mean, ratioP50: read.p50 / getStats.p50 };
  });
}

// ───────────────────────────── metrics ─────────────────────────────
function hookCost(data, sharedSnapshots) {
  const hook = [];
  const gs = [];
  const hookFresh = [];
  const gsFresh = [];
  const first = [];
  let polls = 0;
  for (const [pcId, cols] of Object.entries(data.stats)) {
    const { getStatsMs, hookMs } = cols.cost;
    polls += cols.t.length;
    if (hookMs[0] != null) first.push({ pcId, hookMs: hookMs[0], getStatsMs: getStatsMs[0], nextHookMs: hookMs[1] ?? null });
    for (let i = SKIP_POLLS; i < cols.t.length; i++) {
      if (hookMs[i] == null || getStatsMs[i] == null) continue;
      hook.push(hookMs[i]);
      gs.push(getStatsMs[i]);
      if (!sharedSnapshots[pcId]?.has(i)) {
        hookFresh.push(hookMs[i]);
        gsFresh.push(getStatsMs[i]);
      }
    }
  }
  const h = summary(hook);
  const g = summary(gs);
  return {
    polls,
    hook: h,
    getStats: g,
    ratioMean: h.mean / g.mean,
    ratioP50: h.p50 / g.p50,
    first,
    fresh: { n: hookFresh.length, ratioMean: mean(hookFresh) / mean(gsFresh), getStatsMean: mean(gsFresh) },
  };
}

function storage(data, db, dumpText, dumpAt) {
  const sid = data.session.id;
  const rows = (name) => (db.stores[name] ?? []).filter((r) => (name === 'sessions' ? r.id : r.sessionId) === sid);
  const chunks = rows('chunks');
  const parts = {
    chunks: chunks.reduce((n, c) => n + c.data.byteLength, 0),
    pendingSamples: rows('pendingSamples').reduce((n, r) => n + rowBytes(r), 0),
    events: rows('events').reduce((n, r) => n + rowBytes(r), 0),
    pcs: rows('pcs').reduce((n, r) => n + rowBytes(r), 0),
    // Since schema version 2 a PC's configuration is stored apart from its summary.
    pcConfigs: rows('pcConfigs').reduce((n, r) => n + rowBytes(r), 0),
    session: rows('sessions').reduce((n, r) => n + rowBytes(r), 0),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const eventKinds = {};
  const eventsBySeq = new Map(data.events.map((e) => [e.seq, e])); // rows may be deflated: kinds from the view
  for (const r of rows('events')) {
    const rec = (r.event ?? eventsBySeq.get(r.seq))?.record ?? { type: '(unknown)' };
    const k = `${rec.type}${rec.method ? ' ' + rec.method : rec.event ? ' ' + rec.event : ''}`;
    eventKinds[k] ??= { n: 0, bytes: 0 };
    eventKinds[k].n++;
    eventKinds[k].bytes += rowBytes(r);
    if (r.packed) eventKinds[k].packed = (eventKinds[k].packed ?? 0) + 1;
  }
  const pcMinutes = data.pcs.reduce((n, p) => n + (p.closedAt - p.createdAt) / 60_000, 0);

  const dump = JSON.parse(dumpText);
  const dumpPcs = parseDump(dump);
  const dumpEnd = typeof dump.timestamp === 'number' ? dump.timestamp : dumpAt;
  const dumpPcMinutes = Object.values(dumpPcs).reduce((n, p) => n + (dumpEnd - (p.createdAt ?? dumpEnd)) / 60_000, 0);
  const dumpBytes = Buffer.byteLength(dumpText, 'utf8');
  const dumpStatsBytes = Object.values(dumpPcs).reduce((n, p) => n + p.statsBytes, 0);
  const ours = total / pcMinutes;
  const oursStats = parts.chunks / pcMinutes;
  const theirs = dumpBytes / dumpPcMinutes;
  return {
    parts,
    total,
    eventKinds,
    eventCount: rows('events').length,
    chunkCount: chunks.length,
    samples: chunks.reduce((n, c) => n + c.count, 0),
    pcCount: data.pcs.length,
    pcMinutes,
    dumpPcCount: Object.keys(dumpPcs).length,
    dumpPcMinutes,
    dumpBytes,
    dumpStatsBytes,
    dumpMinifiedBytes: jsonBytes(dump),
    ours,
    oursStats,
    theirs,
    theirsStats: dumpStatsBytes / dumpPcMinutes,
    ratio: ours / theirs,
    ratioStats: oursStats / theirs,
    sessionBytesField: data.session.bytes,
    dumpPcs,
  };
}

// ───────────────────────────── report ─────────────────────────────
function buildRows(m) {
  const rows = [];
  const verdict = (ok) => (ok ? 'PASS' : 'MISSED');
  const a = m.hook;
  rows.push({
    metric: '(a) hook ms per poll per PC vs getStats ms, mean',
    measured: `${fmt(a.hook.mean)} ms vs ${fmt(a.getStats.mean)} ms`,
    target: `≤ ${TARGETS.hookRatio}`,
    ratio: fixed(a.ratioMean, 3),
    result: verdict(a.ratioMean <= TARGETS.hookRatio),
  });
  rows.push({
    metric: '(a) same, p50',
    measured: `${fmt(a.hook.p50)} ms vs ${fmt(a.getStats.p50)} ms`,
    target: `≤ ${TARGETS.hookRatio}`,
    ratio: fixed(a.ratioP50, 3),
    result: verdict(a.ratioP50 <= TARGETS.hookRatio),
  });
  rows.push({
    metric: '(a) same, p90 (info)',
    measured: `${fmt(a.hook.p90)} ms vs ${fmt(a.getStats.p90)} ms`,
    target: '—',
    ratio: fixed(a.hook.p90 / a.getStats.p90, 3),
    result: 'info',
  });
  rows.push({
    metric: '(a) extra main-thread task time (CDP TaskDuration, ext − baseline) per poll per PC vs getStats mean (info)',
    measured: `${fmt(a.script.taskPerPollMs)} ms vs ${fmt(a.getStats.mean)} ms`,
    target: '—',
    ratio: fixed(a.script.taskPerPollMs / a.getStats.mean, 3),
    result: 'info',
  });
  rows.push({
    metric: '(a) floor: reading each report once without the extension (forEach + Object.keys/values) vs getStats, p50 (info)',
    measured: `${fmt(a.floor.read.p50)} ms vs ${fmt(a.floor.getStats.p50)} ms`,
    target: '—',
    ratio: fixed(a.floor.ratioP50, 3),
    result: 'info',
  });
  rows.push({
    metric: '(a) hook above that floor (hook p50 − floor p50) vs getStats p50 (info)',
    measured: `${fmt(a.hook.p50 - a.floor.read.p50)} ms vs ${fmt(a.getStats.p50)} ms`,
    target: '—',
    ratio: fixed((a.hook.p50 - a.floor.read.p50) / a.getStats.p50, 3),
    result: 'info',
  });
  const f = a.first;
  rows.push({
    metric: '(a) first poll (full snapshot), per PC (info)',
    measured: f.map((x) => `${x.pcId}: ${fmt(x.hookMs)} ms vs ${fmt(x.getStatsMs)} ms (poll 2: ${fmt(x.nextHookMs)} ms)`).join('; '),
    target: '—',
    ratio: f.map((x) => fixed(x.hookMs / x.getStatsMs, 2)).join('; '),
    result: 'info',
  });
  const s = m.storage;
  rows.push({
    metric: '(b) bytes stored per PC-minute vs webrtc-internals dump',
    measured: `${fmt(s.ours / KB)} KB vs ${fmt(s.theirs / KB)} KB`,
    target: `≤ ${TARGETS.storageRatio}`,
    ratio: fixed(s.ratio, 4),
    result: verdict(s.ratio <= TARGETS.storageRatio),
  });
  rows.push({
    metric: '(b) stats only (chunks) per PC-minute vs the dump (info)',
    measured: `${fmt(s.oursStats / KB)} KB vs ${fmt(s.theirs / KB)} KB`,
    target: '—',
    ratio: fixed(s.ratioStats, 4),
    result: 'info',
  });
  const x = m.exact;
  rows.push({
    metric: '(b) stored numeric stats values equal to the dump\'s (same snapshot)',
    measured: x.compared ? `${x.compared} values compared, ${x.mismatches.length} differ` : 'no common snapshot found',
    target: '0 differ',
    ratio: '—',
    result: x.compared === 0 ? 'n/a' : x.mismatches.length === 0 && x.live ? 'PASS' : 'FAIL',
  });
  const h = m.heap;
  rows.push({
    metric: '(c) page heap growth per hour: extension − baseline',
    measured: `${fmt(h.ext.perHour / MB)} − ${fmt(h.base.perHour / MB)} = ${fmt(h.diff / MB)} MB/h`,
    target: `≤ ${TARGETS.heapMBPerHour} MB/h`,
    ratio: fixed(h.diff / MB / TARGETS.heapMBPerHour, 3),
    result: verdict(h.diff / MB <= TARGETS.heapMBPerHour),
  });
  rows.push({
    metric: '(c) same, least-squares slope over all samples (info)',
    measured: `${fmt(h.ext.fitPerHour / MB)} − ${fmt(h.base.fitPerHour / MB)} = ${fmt((h.ext.fitPerHour - h.base.fitPerHour) / MB)} MB/h`,
    target: '—',
    ratio: fixed((h.ext.fitPerHour - h.base.fitPerHour) / MB / TARGETS.heapMBPerHour, 3),
    result: 'info',
  });
  return rows;
}

/** Call length (min, 2 PCs) at which ours/dump = target, from this run's fixed and per-PC-minute parts. */
function breakEven(s) {
  const pcs = s.pcCount;
  const oursFixed = s.total - s.parts.chunks - s.parts.pendingSamples;
  const dumpFixed = s.dumpBytes - s.dumpStatsBytes;
  const r = TARGETS.storageRatio;
  // oursFixed + pcs·T·oursStats = r·(dumpFixed + pcs·T·theirsStats)
  const perMinute = pcs * (r * s.theirsStats - s.oursStats);
  if (perMinute <= 0) return 'never (the stats alone are above the target)';
  const T = (oursFixed - r * dumpFixed) / perMinute;
  return T <= 0 ? 'any length' : `about ${fixed(T, 1)} min`;
}

function textTable(rows) {
  const cols = ['metric', 'measured', 'target', 'ratio', 'result'];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) => cols.map((c, i) => String(r[c]).padEnd(width[i])).join('  ');
  return [line(Object.fromEntries(cols.map((c) => [c, c]))), width.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function mdTable(rows) {
  const esc = (v) => String(v).replace(/\|/g, '\\|');
  return [
    '| metric | measured | target | ratio | result |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${esc(r.metric)} | ${esc(r.measured)} | ${esc(r.target)} | ${esc(r.ratio)} | ${r.result === 'MISSED' || r.result === 'FAIL' ? `**${r.result}**` : r.result} |`),
  ].join('\n');
}

function details(m) {
  const a = m.hook;
  const s = m.storage;
  const x = m.exact;
  const h = m.heap;
  const kb = (b) => `${fmt(b / KB, 4)} KB`;
  const lines = [
    `- Call: 2 PCs (audio + video 640x480@30 + a data channel), heap window ${fixed(h.ext.seconds, 1)} s (extension) / ` +
      `${fixed(h.base.seconds, 1)} s (baseline); PCs open ${fixed(s.pcMinutes / s.pcCount, 2)} min each (extension run).`,
    `- Machine load (1-min load average at the end of each window, all processes on the machine): ` +
      `${fixed(m.load.ext, 2)} with the extension, ${fixed(m.load.base, 2)} baseline; ${fixed(m.load.start, 2)} before the run.`,
    `- Page cross-origin isolated: extension run ${m.coi.ext}, baseline ${m.coi.base}; performance.now() step ` +
      `${m.nowRes.ext} ms / ${m.nowRes.base} ms.`,
    `- (a) ${a.polls} polls stored; ${a.hook.n} after skipping the first ${SKIP_POLLS} per PC. hookMs: mean ${fmt(a.hook.mean)}, ` +
      `p50 ${fmt(a.hook.p50)}, p90 ${fmt(a.hook.p90)}, max ${fmt(a.hook.max)} ms. getStatsMs: mean ${fmt(a.getStats.mean)}, ` +
      `p50 ${fmt(a.getStats.p50)}, p90 ${fmt(a.getStats.p90)}, max ${fmt(a.getStats.max)} ms.`,
    `- (a) Polls whose getStats() returned the snapshot a webrtc-internals poll had just taken (same peer-connection ` +
      `timestamp): ${a.hook.n - a.fresh.n} of ${a.hook.n}; without them the ratio of means is ` +
      `${fixed(a.fresh.ratioMean, 3)} (getStats mean ${fmt(a.fresh.getStatsMean)} ms).`,
    `- (a) Floor run (no extension, ${FLOOR_SECONDS} s, ${a.floor.n} polls after skipping ${SKIP_POLLS} per PC): reading a ` +
      `report once took mean ${fmt(a.floor.read.mean)}, p50 ${fmt(a.floor.read.p50)}, p90 ${fmt(a.floor.read.p90)} ms; its ` +
      `getStats() mean ${fmt(a.floor.getStats.mean)}, p50 ${fmt(a.floor.getStats.p50)} ms (ratio of means ${fixed(a.floor.ratioMean, 3)}).`,
    `- (a) Page main thread over the heap window (CDP Performance.getMetrics), extension vs baseline: TaskDuration ` +
      `${fmt(a.script.ext.taskPerS * 1000)} vs ${fmt(a.script.base.taskPerS * 1000)} ms/s, ScriptDuration ` +
      `${fmt(a.script.ext.scriptPerS * 1000)} vs ${fmt(a.script.base.scriptPerS * 1000)} ms/s. Over the ${a.script.polls} ` +
      `polls in the window that is ${fmt(a.script.taskPerPollMs)} ms (tasks) / ${fmt(a.script.scriptPerPollMs)} ms (script) ` +
      `per poll per PC, against hookMs ${fmt(a.hook.mean)} ms. TaskDuration also counts what hookMs leaves out: the ` +
      `main-thread side of the extension's own getStats() calls, the poller's timer, the relay's batched ` +
      `port.postMessage and the GC of the extension's garbage.`,
    `- (b) Ours: ${kb(s.total)} for ${s.pcCount} PCs × ${fixed(s.pcMinutes / s.pcCount, 2)} min = ${fixed(s.pcMinutes, 2)} PC-min ` +
      `(chunks ${kb(s.parts.chunks)} in ${s.chunkCount} chunks / ${s.samples} samples, pending ${kb(s.parts.pendingSamples)}, ` +
      `events ${kb(s.parts.events)}, pcs ${kb(s.parts.pcs)}, session ${kb(s.parts.session)}; the session's own \`bytes\` ` +
      `estimate: ${kb(s.sessionBytesField)}). Events (${s.eventCount}) are mostly set-up: ` +
      Object.entries(s.eventKinds).sort((p, q) => q[1].bytes - p[1].bytes).slice(0, 4)
        .map(([k, v]) => `${k} ×${v.n}${v.packed ? ` (${v.packed} deflated)` : ''} ${kb(v.bytes)}`).join(', ') + '.',
    `- (b) Dump: ${kb(s.dumpBytes)} as downloaded (${kb(s.dumpMinifiedBytes)} minified; stats part ${kb(s.dumpStatsBytes)}) ` +
      `for ${s.dumpPcCount} PCs, ${fixed(s.dumpPcMinutes, 2)} PC-min (PC creation → download). Stats part alone: ` +
      `${fmt(s.theirsStats / KB)} KB per PC-min, so chunks vs dump stats = ${fixed(s.oursStats / s.theirsStats, 4)}.`,
    `- (b) Fixed vs per-minute parts (extrapolation, not a measurement): ours ${kb(s.total - s.parts.chunks - s.parts.pendingSamples)} ` +
      `fixed (events, PC and session rows) + ${kb(s.oursStats)} per PC-min; dump ${kb(s.dumpBytes - s.dumpStatsBytes)} fixed + ` +
      `${kb(s.theirsStats)} per PC-min. For a 2-PC call like this one the ratio would be ≤ ${TARGETS.storageRatio} from ` +
      `${breakEven(s)}; past ~16.7 min webrtc-internals drops its oldest points (1000 per series) and stops growing.`,
    `- (b) Exactness: PCs paired ${x.mapping.join(', ') || '(none)'}; ${x.points} (stats id, timestamp) points in common; ` +
      `${x.compared} numeric values compared, ${x.mismatches.length} differ; ${x.skippedSeries} dump series not alignable exactly ` +
      `(skipped). By type: ${Object.entries(x.byType).map(([t, v]) => `${t} ${v.points} points/${v.values} values`).join(', ') || '—'}. ` +
      `Self-check (one stored value moved by 1 ulp in a copy is reported as a difference): ${x.live === null ? 'not run' : x.live ? 'yes' : 'NO: the comparison is broken'}.`,
  ];
  if (x.mismatches.length) {
    lines.push(`- (b) First differences: ${x.mismatches.slice(0, 8).map((d) => `${d.pcId} ${d.id}.${d.field} @${d.t}: stored ${d.stored}, dump ${d.dump}`).join('; ')}.`);
  }
  lines.push(
    `- (c) usedSize extension: ${fmt(h.ext.used0 / MB, 5)} → ${fmt(h.ext.used1 / MB, 5)} MB; baseline: ${fmt(h.base.used0 / MB, 5)} → ` +
      `${fmt(h.base.used1 / MB, 5)} MB (${h.ext.samples} / ${h.base.samples} samples, every ${HEAP_SAMPLE_EVERY_MS / 1000} s; ` +
      `usedSize in bytes, extension: ${h.ext.series.join(', ')}; baseline: ${h.base.series.join(', ')}).`,
  );
  if (m.panelDetails) lines.push(...m.panelDetails);
  if (m.pageErrors.length) lines.push(`- Page errors: ${m.pageErrors.join('; ')}`);
  return lines.join('\n');
}

const HOW_MEASURED = `## How measured

\`npm run bench\` (\`scripts/bench.mjs\`) builds the Chrome extension if needed, then, inside a private network
namespace, runs Debian's Chromium (headless, the flags of \`tests/e2e/support/chromium.mjs\`) twice, one after the
other: once with the extension, once without it (baseline). Each run opens \`chrome://webrtc-internals\` first, then
\`tests/e2e/pages/bench.html\`: a steady two-PC loopback call in one page (fake camera 640x480@30 and microphone on
PC 1 → PC 2, one data channel with a message a second each way, nothing else), served with COOP/COEP so the page is
cross-origin isolated (checked: \`crossOriginIsolated\` and the smallest \`performance.now()\` step are reported).
\`BENCH_MINUTES\` (default 10) sets the measuring window; the call lasts about that plus 25 s. MB = 10^6 bytes,
KB = 10^3 bytes. Percentiles interpolate linearly between ranks. Timings need an otherwise idle machine: only one
bench runs at a time (a lock in /tmp; a second one waits), and the 1-minute load average is recorded with each run
(compare it across runs: anything else running, e.g. \`npm test\`, skews (a)).

### (a) Hook cost
The hook stores, with every poll of every PC, \`cost.getStatsMs\` (native \`getStats()\` call → promise resolution,
the page's own view of what getStats costs) and \`cost.hookMs\` (main-thread time of reading the report, diffing
it against the previous poll, and posting the record, including the relay's listener, which runs
inside the hook's \`dispatchEvent\` and only caps and queues the text: the relay parses and validates it in its
150 ms batch timer, which TaskDuration below counts). Both are read back from the stored session through the extension's view protocol (\`get-session\`). As a
cross-check of what hookMs leaves out, CDP \`Performance.getMetrics\` (\`TaskDuration\`: every task on the page's
main thread; \`ScriptDuration\`: JavaScript) is read at both ends of the heap window in both runs; (extension −
baseline) ÷ polls in the window is the extension's whole added main-thread time per poll per PC (info row; it
includes the main-thread side of the getStats() calls the extension adds, so it is not a hook-only figure). The first
${SKIP_POLLS} polls of each PC are left out of the steady-state numbers (the first one is a full snapshot) and shown
apart; the hook times posting a record after the fact and adds it to the *next* poll's hookMs, so the first
snapshot's posting shows up in poll 2. Targets apply to the ratio of the means and of the medians: hook ÷ getStats ≤ ${TARGETS.hookRatio}.
webrtc-internals polls the same PCs once a second; a page getStats() that lands within the stats collector's short
result cache (50 ms in libwebrtc's RTCStatsCollector) after such a poll would get the same snapshot back cheaply.
Such polls are recognised (same \`peer-connection\` timestamp as a dump point) and counted; the ratio without them is
given too.

**Floor.** A third Chromium run, without the extension, opens \`bench.html?floor=1\`: the page polls each PC once a
second like the hook and times getStats() and one plain read of the report (\`forEach\` with \`Object.keys\` and
\`Object.values\` of every object, what the hook does on a full read). Chromium turns its stats into JS objects on
that first read. Since 2026-11-22 the hook reads fixed-type objects (certificate, codec, candidates: constant for
as long as their id exists) only on every 30th poll (every 10th until 2026-11-24) and when the report's ids or references change (a read plan;
ARCHITECTURE.md), so on most polls it reads less than this floor and the "hook above the floor" row can be small or
negative; the floor's ratio to getStats and the hook's time above it stay as info rows.
**Comparing two versions of the hook** (not part of the bench): \`scripts/bench/hook-ab.mjs\` runs two checkouts' read
and diff side by side on the same call in one page, each on its own getStats() report of every poll, and prints
their paired difference; the spread of (a) between bench runs (a quarter of the hook's time) hides changes of a few
microseconds that a paired comparison can show.

### (b) Storage
The call runs with webrtc-internals open from before its start; at the end the dump is downloaded as plain JSON
while the call is still up (closed PCs leave the dump), then the page hangs up so the extension packs every
stats sample of the closed PCs into chunks. Ours = chunk \`data\` bytes + JSON size of pending samples, events,
PC rows, PC configurations and the session row of that session (binary fields, e.g. deflated event rows, at their byte length), read from the extension's IndexedDB in its service worker, ÷ the
PCs' open time (creation → close, summed over PCs). Dump = its size as downloaded (\`JSON.stringify(…, null, 1)\`
as Chromium writes it) ÷ its PCs' time (first log entry → download). Target: ours ÷ dump ≤ ${TARGETS.storageRatio}.
The dump has a fixed part (SDPs, log) and webrtc-internals keeps at most 1000 points per series, so its bytes per
minute fall for very long calls.

**Exactness.** The page's getStats() and webrtc-internals poll at different moments, so most of their values
cannot be compared. Two kinds of points are the same snapshot of Chromium's stats collector and must be equal:
objects whose \`timestamp\` is the time of an RTCP report (remote-inbound-rtp, remote-outbound-rtp keep it until the
next report), and whole reports a page poll got from the collector's cache right after a webrtc-internals poll.
For every stats id and \`timestamp\` value present in both the stored session and the dump, every field that is a
number on both sides is compared with \`Object.is\` (dump series are aligned to the \`-timestamp\` series by their
start/end times; series that cannot be aligned exactly, and calculated \`[…]\` series, are skipped). The check
fails on any difference and reports n/a when no common point exists; to show it can fail, it is run again on a
copy of the stored stats with one compared value moved by one ulp, which must be reported. The unit tests
(\`tests/unit/model/stats-chunk.test.ts\`) prove bit-exact round trips of the codec on their own.

### (c) Page heap growth
A CDP session on the call page: \`HeapProfiler.collectGarbage\` (twice) then \`Runtime.getHeapUsage\` (\`usedSize\`:
the page's V8 isolate, which also holds the extension's MAIN-world hook and isolated-world relay) at t0 = connected +
${WARMUP_MS / 1000} s and t1 = t0 + BENCH_MINUTES, plus every ${HEAP_SAMPLE_EVERY_MS / 1000} s between.
Growth per hour = (used1 − used0) × 3600 / (t1 − t0); the least-squares slope over all samples is shown for
reference. Same page and flags in the baseline (no extension, webrtc-internals open too). Target: extension −
baseline ≤ ${TARGETS.heapMBPerHour} MB/h. With the extension, samples scatter by about ±10 KB around their trend
(the baseline's do not move at all), i.e. about ±0.3 MB/h over a two-minute window and ±0.06 MB/h over ten.
**Why ten minutes.** Heap snapshots of the call page over 12 minutes (\`scripts/bench/heap-series.mjs\`, forced GC
before each; see the note of the 2026-11-23 01:40 run) show that what grows with the extension is V8's compiled
code, as the hook's and the relay's functions are optimized: +90 KB, levelling off about nine minutes into the
call, with everything else flat after the first minutes. A two-minute window starting ${WARMUP_MS / 1000} s in sees only the
steepest part of that warm-up and extrapolates it to an hour (1.06 and 1.2 MB/h in the two-minute and four-minute
runs of 2026-11-23). The default window is therefore ten minutes, so it holds the whole warm-up: the figure still
extrapolates the warm-up linearly and so still overstates an hour's growth, but less. Shorter windows remain
available (\`BENCH_MINUTES=2\`) and are labelled with their length.

### (panel) The devtools panel and the viewer (\`scripts/bench-panel.mjs\`)
A fourth Chromium run with the extension (viewport 1280×3200, so every default chart of a connection is on screen:
charts draw only while visible). **Open:** the session the extension run recorded is made into a
${60}-minute, 4-PC session (its two PCs twice; each PC's samples repeated end to end with times shifted and counters
continued, \`tests/fixtures/long-session.ts\`) and stored through the extension's own \`SessionStore\` inside its
service worker, plus a 1-minute one. In one viewer tab showing the short session, the long one is clicked in the
list; the time runs from the click to the moment every default chart of its first PC has drawn up to its newest
sample (a MutationObserver on the charts' \`data-last-x\`); then back to the short one; 5 times, median against the
target (≤ 200 ms). Opening it in a new viewer tab (navigation start → drawn) is given for information.
**Live:** \`bench.html?pairs=2\` (two loopback pairs, 4 PCs) with the panel page for its tab in front, first PC
shown; after 20 s, CDP \`Performance.getMetrics\` \`TaskDuration\` of the panel page over 60 s, per second
(target ≤ 4 ms/s); script and layout shares are given too. For information: the CPU time the panel's main thread
used over the same window (\`/proc/<pid>/task/<pid>/schedstat\` of the extension renderer, whose only document is the
panel: TaskDuration is wall time inside tasks, so it also counts the moments the thread waited for one of the 2
cores the call's encoders keep busy), and both figures for 20 s of the same panel after the call ended.
**Floor:** while the call still runs, a page without the extension (\`tests/e2e/pages/panel-floor.html\`) gets the
panel's chart canvases at their sizes and as many legend values, and does only what a live panel cannot avoid: one
line segment per canvas every second in one animation frame, every legend value rewritten every 2 s. Its
TaskDuration per second (30 s, in front, same browser and call) is what the browser itself charges for that part of
the panel's work, next to the 4 ms/s target (info).
**Docked:** then the same panel is resized to 1280×800, the size of a DevTools docked in a 1080p browser window, and
its TaskDuration and CPU per second are taken over 30 s (5 s after the resize, same call): only the charts in view
draw and only the latest-value views in view render, so this is what a typical session of debugging costs (info).
**Where the time goes** (not part of the bench): \`scripts/bench/panel-frames.mjs\` traces the same live panel and
splits its main thread by kind of task: frames that change only the canvases, frames that also paint the page, port
messages with and without a render, and Chromium's own small tasks. On 2026-11-24 (Intel Xeon, 2 cores, 30 s,
software canvas as in the bench) the panel read 10.6–11.5 ms/s: canvas-only frames 3.1–3.7 ms each, frames with new
latest values 8.7–8.9 ms each (layout ~1.3, paint ~1.1), a message that renders them 4.9 ms and one that does not
0.8 ms, and Chromium's own tasks 1.2–1.3 ms/s. A build with the latest values held back (no DOM change but the
charts') read 6.3 ms/s: canvas frames 3.0, messages 1.2 and Chromium's tasks 1.0 ms/s already make 5.2, above the
4 ms/s target before any latest value is shown. GPU canvas and raster (SwiftShader, \`--use-angle=swiftshader
--enable-unsafe-swiftshader --enable-gpu-rasterization\`) read 9.4 ms/s.

### (dump) Import and export of dump files (\`scripts/bench-dump.mjs\`)
A fifth Chromium run with the extension. The recorded session is grown to a ~100 MB webrtc-internals dump (its two
PCs twice, repeated end to end) by our own exporter in Chromium 156's shape. In a viewer page, the file's bytes are
posted to the extension's own dump worker (the built \`lib/views/dump-worker.ts\`), which detects, parses,
converts and stores it in the extension's IndexedDB in one transaction; the time runs from the post to the
worker's answer, 3 runs, median against ≥ 50 MB/s. \`JSON.parse\` of the same text in the same page is given as
the floor. **Memory:** the peak RSS of every renderer is reset before each import (\`/proc/<pid>/clear_refs\`) and
the largest rise of a renderer's peak (VmHWM) over its RSS before is divided by the file size (target ≤ 3×): it
counts everything the import holds, not just the JS heap. **Export:** a stored 60-minute 4-PC session (as in the
panel part) exported through the same worker in each format, and redacted (information).
`;

function writeReport(m, rows, info) {
  const marker = '<!-- bench:results (newest first; npm run bench inserts new sections here) -->';
  let previous = '';
  if (existsSync(OUT)) {
    const old = readFileSync(OUT, 'utf8');
    const at = old.indexOf(marker);
    if (at >= 0) previous = old.slice(at + marker.length).replace(/^\n+/, '');
  }
  const section = [
    `### ${info.date} (BENCH_MINUTES=${MINUTES}${MINUTES < 2 ? ': a short run, below the 2-minute minimum' : ''})`,
    '',
    `Machine: ${info.cpuModel}, ${info.nproc} cores (nproc); ${info.chromium}; node ${info.node}; extension at ${info.commit}.`,
    '',
    '```',
    `$ free -g`,
    info.free,
    '```',
    '',
    mdTable(rows),
    '',
    details(m),
    '',
  ].join('\n');
  const head = `# Benchmarks

What WebRTC Scope costs a call, measured by \`npm run bench\` with the built extension in real Chromium, each number
side by side with Chromium's own figure from the same bench run. Results below are real runs, newest first.

${HOW_MEASURED}
## Results

${marker}
`;
  writeFileSync(OUT, head + '\n' + section + (previous ? '\n' + previous : ''));
}

// ───────────────────────────── main ─────────────────────────────
const loadAtStart = loadavg()[0];
const info = machineInfo();
console.log(`WebRTC Scope benchmark: BENCH_MINUTES=${MINUTES}, ${info.chromium}, node ${info.node}, ${info.nproc} cores`);
if (MINUTES < 2) console.log(`  (BENCH_MINUTES < 2: a short run; the figures are not comparable with the 2-minute ones)`);
const server = await startServer({ headers: { ['/' + PAGE]: CROSS_ORIGIN_ISOLATION_HEADERS } });
let exitCode = 0;
try {
  const ext = await extensionRun(server);
  const base = await baselineRun(server);
  const floor = await floorRun(server);
  const panel = await panelBench({ extensionDir: ensureBuild('chrome'), server, recorded: ext.data });
  const dump = await dumpBench({ extensionDir: ensureBuild('chrome'), recorded: ext.data });
  const storageM = storage(ext.data, ext.db, ext.dumpText, ext.dumpAt);
  const exact = compareWithDump(ext.data, storageM.dumpPcs);
  exact.live = checkIsLive(ext.data, storageM.dumpPcs, exact);
  const hook = hookCost(ext.data, exact.sharedSnapshots);
  const heapExt = heapGrowth(ext.call.heap);
  const sExt = scriptRate(ext.call.perf);
  const sBase = scriptRate(base.call.perf);
  const pollsInWindow = Object.values(ext.data.stats).reduce((n, c) => n + c.t.filter((t) => t >= sExt.t0 && t <= sExt.t1).length, 0);
  hook.script = {
    ext: sExt,
    base: sBase,
    polls: pollsInWindow,
    // extra ms per poll per PC = (ext − base) seconds per second × window seconds × 1000 / polls
    scriptPerPollMs: ((sExt.scriptPerS - sBase.scriptPerS) * sExt.seconds * 1000) / pollsInWindow,
    taskPerPollMs: ((sExt.taskPerS - sBase.taskPerS) * sExt.seconds * 1000) / pollsInWindow,
  };
  const heapBase = heapGrowth(base.call.heap);
  hook.floor = floor;
  const m = {
    hook,
    storage: storageM,
    exact,
    heap: { ext: heapExt, base: heapBase, diff: heapExt.perHour - heapBase.perHour },
    coi: { ext: ext.coi, base: base.coi },
    load: { start: loadAtStart, ext: ext.call.perf.load1, base: base.call.perf.load1 },
    nowRes: { ext: ext.call.state.nowResolutionMs, base: base.call.state.nowResolutionMs },
    pageErrors: [...ext.call.pageErrors.map((e) => `extension run: ${e}`), ...base.call.pageErrors.map((e) => `baseline: ${e}`)],
  };
  if (!ext.coi || !base.coi) console.log('WARNING: the bench page was not cross-origin isolated: performance.now() is coarse (0.1 ms)');
  const rows = [...buildRows(m), ...panelRows(panel, { fmt, fixed }), ...dumpRows(dump, { fmt, fixed })];
  m.panelDetails = [...panelDetails(panel, { fmt }), ...dumpDetails(dump, { fmt })];
  console.log('\n' + textTable(rows) + '\n');
  console.log(details(m) + '\n');
  const missed = rows.filter((r) => r.result === 'MISSED' || r.result === 'FAIL');
  if (missed.length) console.log(`MISSED: ${missed.map((r) => r.metric).join(' | ')}`);
  else console.log('All targets met.');
  if (OUT) {
    writeReport(m, rows, info);
    console.log(`written: ${OUT}`);
  }
} catch (err) {
  console.error(`benchmark run failed: ${err?.stack ?? err}`);
  exitCode = 1;
} finally {
  await server.close();
}
process.exit(exitCode);
