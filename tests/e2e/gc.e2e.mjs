// e2e-timeout-seconds: 240
// The hook must not keep a page's WebRTC objects alive: whatever a browser collects WITHOUT the extension after the page
// dropped it must also be collected WITH it. tests/e2e/pages/gc.html runs each scenario (see gc.js: a loopback call
// with fake getUserMedia, canvas and WebAudio tracks and a data channel, stats polled by the hook, then torn down or
// just dropped; and an IP-probe PC never closed) in a tab of its own, all at once, and keeps only WeakRefs to the PCs,
// senders, receivers, transceivers, tracks, streams and channels. The test then forces full garbage collections until
// the set of live objects is stable, and compares it with and without the extension, in Chromium and in Firefox ESR.
//
// Forcing GC: Chromium through CDP `HeapProfiler.collectGarbage` (full collections without the page's stack; no
// --expose-gc, so the page is the same in both runs). Firefox through WebDriver BiDi in the browser's chrome scope
// (needs --remote-allow-system-access): Cu.forceGC/forceCC in the parent and `child-gc-request`/`child-cc-request` to
// the content processes (what about:memory's GC and CC buttons do).
//
// Known differences (KNOWN below) are objects the browser keeps alive *because the hook listens to them*: Chromium does
// not collect a live track that has an `ended` listener, nor a connecting/open data channel with an open/message/
// closing/close/error listener (webrtc-pc "Garbage collection"). They are allowed, logged, and must not grow.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild, step, waitFor } from './support/util.mjs';
import * as ch from './support/chromium.mjs';
import * as ff from './support/firefox.mjs';
import { latestSessionOfTab } from './support/scope-api.mjs';

await ensureNetns();
const chromeDir = ensureBuild('chrome');
const firefoxDir = ensureBuild('firefox');
const server = await startServer();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SCENARIOS = ['close', 'drop-media', 'drop', 'pcs', 'probe'];
/** How long each call runs before its teardown (the hook polls stats every second meanwhile). */
const HOLD_MS = 2500;
/**
 * Objects alive with the extension only, allowed per browser and scenario (see the header). Chromium: the canvas
 * track the page never stopped (the hook's `ended` listener), the probe's never-connected channel (the hook's channel
 * listeners; the probe PC itself is kept by Chromium until closed, with or without the extension).
 */
const KNOWN = {
  chromium: { pcs: ['canvasStream', 'canvas.video'], probe: ['probeChannel'] },
  firefox: {},
};
/**
 * Without the extension the forced collections must have collected at least this many objects of the tidy `close`
 * scenario (else they did not work, and the comparison would prove nothing).
 */
const MIN_COLLECTED_CLOSE = 20;

/**
 * Runs every scenario in a tab of its own, then forces collections until the live sets are the same in two rounds in
 * a row (at least 3 rounds). Returns { [scenario]: { watched, alive, finalized } } and the open pages.
 */
async function runScenarios(newPage, forceGc, label) {
  const t0 = performance.now();
  const pages = [];
  for (const scenario of SCENARIOS) {
    const page = await newPage();
    await page.goto(`${server.url}gc.html?${scenario}`);
    pages.push(page);
  }
  const watched = await Promise.all(pages.map((page, i) => page.evaluate(([s, hold]) => gcScope.run(s, hold), [SCENARIOS[i], HOLD_MS])));
  const tRun = performance.now();
  const aliveNow = () => Promise.all(pages.map((page) => page.evaluate(() => gcScope.alive())));
  let previous = null;
  let alive;
  let rounds = 0;
  for (;;) {
    await forceGc(pages);
    await sleep(250);
    rounds++;
    alive = await aliveNow();
    const key = JSON.stringify(alive);
    if (rounds >= 3 && key === previous) break;
    if (rounds >= 12) throw new Error(`${label}: live objects still changing after ${rounds} forced collections`);
    previous = key;
  }
  const finalized = await Promise.all(pages.map((page) => page.evaluate(() => gcScope.finalized())));
  const out = {};
  SCENARIOS.forEach((s, i) => {
    out[s] = { watched: watched[i], alive: alive[i], finalized: finalized[i] };
  });
  console.log(`    ${label}: calls ${Math.round(tRun - t0)} ms, ${rounds} forced collections ${Math.round(performance.now() - tRun)} ms`);
  return { results: out, pages };
}

/** Compares the live sets scenario by scenario; throws on any difference outside KNOWN. */
function compare(browserName, withExt, without) {
  const known = KNOWN[browserName];
  const problems = [];
  for (const s of SCENARIOS) {
    const w = withExt[s];
    const o = without[s];
    assert.deepEqual([...w.watched].sort(), [...o.watched].sort(), `${browserName} ${s}: the same objects watched`);
    const extra = w.alive.filter((n) => !o.alive.includes(n));
    const missing = o.alive.filter((n) => !w.alive.includes(n)); // collected only with the extension: odd, but no leak
    const allowed = known[s] ?? [];
    const unexpected = extra.filter((n) => !allowed.includes(n));
    const collected = (r) => r.watched.length - r.alive.length;
    console.log(
      `    ${browserName} ${s.padEnd(10)} watched ${String(w.watched.length).padStart(2)}, collected without ${String(collected(o)).padStart(2)}` +
        ` / with ${String(collected(w)).padStart(2)}` +
        (extra.length ? `; alive only with the extension: ${extra.join(', ')}${unexpected.length ? ' (NOT KNOWN)' : ' (known)'}` : '') +
        (missing.length ? `; collected only with the extension: ${missing.join(', ')}` : ''),
    );
    if (unexpected.length) problems.push(`${s}: kept alive only with the extension: ${unexpected.join(', ')}`);
    const knownGone = allowed.filter((n) => !extra.includes(n));
    if (knownGone.length) console.log(`    note: ${browserName} ${s}: known difference no longer seen (${knownGone.join(', ')}): update KNOWN`);
  }
  assert.deepEqual(problems, [], `${browserName}: the extension keeps objects alive that the page dropped`);
  const closeCollected = without.close.watched.length - without.close.alive.length;
  assert.ok(closeCollected >= MIN_COLLECTED_CLOSE, `${browserName}: forced GC collected only ${closeCollected} objects of the close scenario`);
}

const failures = [];
async function browserSection(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    console.log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    failures.push(name);
    console.log(`  FAILED ${name}: ${err?.stack ?? err}`);
  }
}

await browserSection('chromium', async () => {
  const cdpGc = (context) => async (pages) => {
    for (const page of pages) {
      const session = await context.newCDPSession(page);
      try {
        await session.send('HeapProfiler.collectGarbage');
      } finally {
        await session.detach().catch(() => {});
      }
    }
  };
  let without;
  await step('chromium without the extension', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'plain-chromium-'));
    const plain = await chromium.launchPersistentContext(profile, { executablePath: ch.CHROMIUM_PATH, headless: true, args: ch.CHROMIUM_ARGS });
    try {
      ({ results: without } = await runScenarios(() => plain.newPage(), cdpGc(plain), 'without'));
    } finally {
      await plain.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
  await step('chromium with the extension: nothing more kept alive', async () => {
    const withExt = await ch.launchChromiumWithExtension({ extensionDir: chromeDir });
    try {
      const { results, pages } = await runScenarios(() => withExt.context.newPage(), cdpGc(withExt.context), 'with');
      const panel = await ch.openExtensionPage(withExt.context, withExt.extensionId, 'options.html');
      const tabId = await ch.tabIdForUrl(withExt.serviceWorker, pages[0].url());
      checkRecorded(await latestSessionOfTab(panel, tabId), 'chromium');
      compare('chromium', results, without);
    } finally {
      await withExt.close();
    }
  });
});

await browserSection('firefox', async () => {
  const chromeScopeGc = (browser) => async () => {
    const tree = await browser.connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
    const context = tree.result.contexts[0].context;
    await browser.connection.send('script.evaluate', {
      expression: `Cu.forceGC(); Cu.forceCC(); Services.obs.notifyObservers(null, 'child-gc-request'); Services.obs.notifyObservers(null, 'child-cc-request'); true`,
      target: { context },
      awaitPromise: false,
    });
  };
  let without;
  await step('firefox without the extension', async () => {
    const plain = await puppeteer.launch({
      browser: 'firefox',
      executablePath: ff.FIREFOX_PATH,
      headless: true,
      args: ['--remote-allow-system-access'],
      extraPrefsFirefox: ff.FIREFOX_PREFS,
    });
    try {
      ({ results: without } = await runScenarios(() => plain.newPage(), chromeScopeGc(plain), 'without'));
    } finally {
      await plain.close();
    }
  });
  await step('firefox with the extension: nothing more kept alive', async () => {
    const withExt = await ff.launchFirefoxWithExtension({ extensionDir: firefoxDir });
    try {
      const { results, pages } = await runScenarios(() => withExt.browser.newPage(), chromeScopeGc(withExt.browser), 'with');
      const tabId = await ff.tabIdForUrl(withExt.browser, withExt.uuid, pages[0].url(), { extensionDir: firefoxDir });
      const panel = await ff.openExtensionPage(withExt.browser, withExt.uuid, 'options.html');
      checkRecorded(await latestSessionOfTab(panel, tabId), 'firefox');
      compare('firefox', results, without);
    } finally {
      await withExt.close();
    }
  });
});

/** The extension really recorded the `close` scenario's call meanwhile: both PCs, their close, and polled stats. */
function checkRecorded(data, browserName) {
  assert.ok(data, `${browserName}: a session for the close scenario's tab`);
  assert.equal(data.pcs.length, 2, `${browserName}: both PCs of the close scenario recorded`);
  for (const pc of data.pcs) {
    assert.ok(pc.sampleCount >= 1, `${browserName}: PC ${pc.pcId} polled (${pc.sampleCount} stats samples)`);
    assert.notEqual(pc.closedAt, null, `${browserName}: PC ${pc.pcId} recorded as closed`);
  }
  console.log(`    ${browserName}: the hook recorded the close scenario (${data.pcs.map((p) => `${p.sampleCount} samples`).join(', ')})`);
}

await server.close();
if (failures.length) {
  console.log(`gc: failed in ${failures.join(', ')}`);
  process.exit(1);
}
console.log('gc: nothing kept alive by the extension beyond the known listener effects, in both browsers');
