// The dump part of `npm run bench` (issue 5): import throughput and peak memory of a ~100 MB webrtc-internals dump,
// and export time of a 60-minute 4-PC session, in Chromium with the built extension, through the extension's own
// dump worker (the chunk lib/views/dump-worker.ts builds to) and its IndexedDB.
//
// Peak memory: the worker runs in the extension page's renderer process. The bench notes every renderer's RSS, loads
// the file's bytes into the page, resets the peak RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux), runs the import
// and takes the renderer whose peak (VmHWM) rose most above its RSS before the file arrived: peak growth ÷ file
// size. It counts everything the import holds (the file's bytes, text, parsed values, encoded chunks, IndexedDB's
// buffers), not only the JS heap; the fetch's own transient buffers are left out.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { launchChromiumWithExtension } from '../tests/e2e/support/chromium.mjs';
import { REPO_ROOT, step } from '../tests/e2e/support/util.mjs';
import { chromiumRenderers } from './bench/renderers.mjs';

export const DUMP_TARGETS = { mbPerS: 50, memoryRatio: 3 };
export const BIG_DUMP_MB = 100;
export const IMPORT_RUNS = 3;
export const EXPORT_MINUTES = 60;
export const EXPORT_COPIES = 2; // the recorded call's 2 PCs twice: 4 PCs

/** Bench TS (scripts/bench/*.ts and the code it reaches) as one module for Node or one script for a page. */
async function bundle(entry, platform, globalName) {
  const out = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    format: platform === 'node' ? 'esm' : 'iife',
    ...(globalName ? { globalName } : {}),
    platform,
    target: platform === 'node' ? 'node20' : 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/** The built dump worker's path inside the extension. */
function workerPath(extensionDir) {
  const walk = (dir) => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
  const found = walk(join(extensionDir, 'assets')).filter((p) => /dump-worker[^/]*\.js$/.test(p));
  if (found.length !== 1) throw new Error(`expected one dump-worker chunk in ${extensionDir}, found ${found.length}`);
  return '/' + relative(extensionDir, found[0]);
}

/** Renderer processes of this Chromium (by command line), with their RSS now. */
function renderers() {
  const out = [];
  for (const { pid } of chromiumRenderers()) {
    try {
      out.push({ pid, rssKb: statusKb(pid, 'VmRSS') });
    } catch {
      // gone
    }
  }
  return out;
}
const statusKb = (pid, key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const resetPeaks = (procs) => procs.forEach((p) => {
  try {
    writeFileSync(`/proc/${p.pid}/clear_refs`, '5');
  } catch {
    // gone
  }
});

/** In the extension page: fetches the file into `window.__benchBytes` (before the measured import). */
function fetchBytes(url) {
  return (async () => {
    window.__benchBytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    return window.__benchBytes.byteLength;
  })();
}

/** In the extension page: runs one job on a fresh dump worker and resolves with its outcome and wall time. */
function runWorkerJob({ workerUrl, message, withBytes }) {
  return (async () => {
    let bytes = null;
    if (withBytes) {
      bytes = window.__benchBytes;
      window.__benchBytes = null;
    }
    const worker = new Worker(workerUrl); // Vite builds it as a classic worker script
    const t0 = performance.now();
    const reply = await new Promise((resolve) => {
      worker.onmessage = (e) => {
        if (e.data.type !== 'import-progress') resolve(e.data);
      };
      worker.onerror = (e) => resolve({ type: 'job-failed', error: e.message });
      if (bytes) {
        message.files[0].bytes = bytes;
        worker.postMessage(message, [bytes.buffer]);
      } else worker.postMessage(message);
    });
    const ms = performance.now() - t0;
    worker.terminate();
    if (reply.type === 'job-failed') throw new Error(reply.error);
    if (reply.type === 'import-done') {
      const r = reply.results[0];
      if (r.error) throw new Error(r.error);
      return { ms, sessions: r.sessions.map((s) => ({ id: s.id, pcCount: s.pcCount, sampleCount: s.sampleCount })) };
    }
    return { ms, bytes: reply.result.data.byteLength, fileName: reply.result.fileName };
  })();
}

export async function dumpBench({ extensionDir, recorded }) {
  // ── a ~100 MB dump, made by our own exporter in Chromium's shape from the recorded call ──
  const dir = join(REPO_ROOT, 'tmp/bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'big-webrtc-internals.json');
  let made;
  await step(`make a ~${BIG_DUMP_MB} MB webrtc-internals dump (${EXPORT_COPIES * 2} PCs, from the recorded call)`, async () => {
    const modulePath = join(dir, 'make-big-dump.mjs');
    writeFileSync(modulePath, await bundle('scripts/bench/make-big-dump.ts', 'node'));
    const { bigInternalsDump } = await import(modulePath + `?${Date.now()}`);
    const { text, minutes } = bigInternalsDump(recorded, BIG_DUMP_MB * 1024 * 1024, EXPORT_COPIES);
    writeFileSync(file, text);
    made = { minutes, bytes: Buffer.byteLength(text) };
  });

  // The file reaches the extension page over loopback HTTP (Playwright's route.fulfill closes the page on a body
  // this size).
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'content-length': made.bytes });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const fileUrl = `http://127.0.0.1:${server.address().port}/big.json`;
  const workerUrlOf = (browser) => `chrome-extension://${browser.extensionId}${workerPath(extensionDir)}`;
  const openViewer = async (browser) => {
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${browser.extensionId}/viewer.html`);
    return page;
  };
  try {
    const imports = [];
    let parseMs = null;
    // Each import in a fresh browser: extension pages share one renderer, whose freed pages stay resident and
    // would hide the next run's peak.
    await step(`import it ${IMPORT_RUNS} times through the dump worker, each in a fresh browser (file bytes → stored in IndexedDB)`, async () => {
      for (let i = 0; i < IMPORT_RUNS; i++) {
        const browser = await launchChromiumWithExtension({ extensionDir });
        try {
          const page = await openViewer(browser);
          // Baseline before the file is in the page; the peak is taken from after it arrived, so the fetch's own
          // transient buffers (not the importer's) stay out, while the file's bytes (1×) count.
          const before = renderers();
          await page.evaluate(fetchBytes, fileUrl);
          resetPeaks(before);
          const result = await page.evaluate(runWorkerJob, {
            workerUrl: workerUrlOf(browser),
            withBytes: true,
            message: { type: 'import', jobId: 1, files: [{ name: 'big-webrtc-internals.json', bytes: null }], allowPartial: false },
          });
          let peakKb = 0;
          for (const p of before) {
            if (!existsSync(`/proc/${p.pid}`)) continue;
            peakKb = Math.max(peakKb, statusKb(p.pid, 'VmHWM') - p.rssKb);
          }
          imports.push({ ...result, peakBytes: peakKb * 1024 });
          if (i === IMPORT_RUNS - 1) {
            // JSON.parse of the same text in the same page: the floor any JSON importer stands on (info).
            parseMs = await page.evaluate(async (url) => {
              const text = await (await fetch(url)).text();
              const t0 = performance.now();
              JSON.parse(text);
              return performance.now() - t0;
            }, fileUrl);
          }
        } finally {
          await browser.close();
        }
      }
    });

    // ── export of a stored 60-minute 4-PC session ──
    const browser = await launchChromiumWithExtension({ extensionDir });
    try {
      const page = await openViewer(browser);
      const workerUrl = workerUrlOf(browser);
      const seedScript = `${await bundle('scripts/bench/seed-long-session.ts', 'browser', '__scopeBenchSeed')}\nself.__scopeBenchSeed = __scopeBenchSeed;`;
      await browser.serviceWorker.evaluate(seedScript);
      const seed = await browser.serviceWorker.evaluate((arg) => self.__scopeBenchSeed.seedLongSession(arg), { recorded, minutes: EXPORT_MINUTES, copies: EXPORT_COPIES });
      const exports = {};
      await step(`export the stored ${EXPORT_MINUTES}-minute ${EXPORT_COPIES * 2}-PC session in each format through the dump worker`, async () => {
        const request = (format, redact) => ({ type: 'export', jobId: 1, request: { sessionIds: [seed.sessionId], format, redact, redactUrl: redact }, meta: { extensionVersion: 'bench', userAgent: 'bench' } });
        for (const format of ['webrtc-scope', 'webrtc-internals', 'rtcstats-v3']) exports[format] = await page.evaluate(runWorkerJob, { workerUrl, message: request(format, false) });
        exports.redacted = await page.evaluate(runWorkerJob, { workerUrl, message: request('webrtc-internals', true) });
      });
      return { made, parseMs, imports, seed, exports };
    } finally {
      await browser.close();
    }
  } finally {
    server.close();
  }
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function dumpRows(d, { fmt, fixed }) {
  const mb = d.made.bytes / (1024 * 1024);
  const ms = median(d.imports.map((i) => i.ms));
  const mbPerS = mb / (ms / 1000);
  const ratio = median(d.imports.map((i) => i.peakBytes)) / d.made.bytes;
  const verdict = (ok) => (ok ? 'PASS' : 'MISSED');
  return [
    {
      metric: `(dump) import a ${fmt(mb)} MB webrtc-internals dump (${d.imports[0].sessions[0].pcCount} PCs × ${fmt(d.made.minutes)} min) through the dump worker into IndexedDB, median of ${d.imports.length}`,
      measured: `${fmt(mbPerS)} MB/s (${fmt(ms)} ms; JSON.parse alone ${fmt(d.parseMs)} ms)`,
      target: `≥ ${DUMP_TARGETS.mbPerS} MB/s`,
      ratio: fixed(mbPerS / DUMP_TARGETS.mbPerS, 3),
      result: verdict(mbPerS >= DUMP_TARGETS.mbPerS),
    },
    {
      metric: '(dump) peak memory of that import ÷ file size (renderer peak RSS growth)',
      measured: `${fixed(ratio, 2)}× (${fmt(median(d.imports.map((i) => i.peakBytes)) / (1024 * 1024))} MB)`,
      target: `≤ ${DUMP_TARGETS.memoryRatio}×`,
      ratio: fixed(ratio / DUMP_TARGETS.memoryRatio, 3),
      result: verdict(ratio <= DUMP_TARGETS.memoryRatio),
    },
    ...Object.entries(d.exports).map(([format, e]) => ({
      metric: `(dump) export the stored ${EXPORT_MINUTES}-min ${d.seed.pcIds.length}-PC session as ${format === 'redacted' ? 'webrtc-internals, redacted' : format}`,
      measured: `${fmt(e.ms)} ms (${fmt(e.bytes / (1024 * 1024))} MB file)`,
      target: '—',
      ratio: '—',
      result: 'info',
    })),
  ];
}

export function dumpDetails(d, { fmt }) {
  return [
    `- (dump) The big dump is the recorded call's PCs (twice) repeated to ${fmt(d.made.minutes)} minutes, written by our webrtc-internals ` +
      `exporter (Chromium 156's shape). Imports (ms): ${d.imports.map((i) => fmt(i.ms)).join(', ')}; peak renderer memory growth (MB): ` +
      `${d.imports.map((i) => fmt(i.peakBytes / (1024 * 1024))).join(', ')}. Timed from posting the file's bytes to the worker to its answer ` +
      `(read, detect, parse, build, encode chunks, one IndexedDB transaction).`,
  ];
}
