#!/usr/bin/env node
// e2e-timeout-seconds: 1200
// The page hook in real browsers, without the extension: lib/page is bundled (esbuild, IIFE) with a small harness
// that plays the relay (tests/e2e/hook-standalone.harness.ts), injected as an init script into Chromium (Playwright,
// context.addInitScript) and Firefox ESR (puppeteer-core over WebDriver BiDi, page.evaluateOnNewDocument), then:
//   - call.html: every PC, traced method, event, media call and ≥ 1 stats poll per second per PC is recorded, every
//     record passes the relay's guard, credentials never leave the page, config messages switch capture off/on;
//   - call.html with the hook in the top frame only: about:blank and srcdoc frames are reached through the iframe
//     getters;
//   - transparency.html with and without the hook (and with webrtc-adapter): identical results.
//
// Run: node tests/e2e/hook-standalone.e2e.mjs [--only=chromium|firefox] [--scenario=call,call-top,call-adapter,
//      transparency,transparency-adapter] [--verbose]
// (re-executes itself inside a private network namespace; see support/netns.mjs). Exits non-zero on failure and
// prints 'N passed, M failed' last.
import { ensureNetns } from './support/netns.mjs';

await ensureNetns();

const { build } = await import('esbuild');
const { startServer, REPO_ROOT } = await import('./support/server.mjs');
const path = await import('node:path');
const fs = await import('node:fs/promises');
const os = await import('node:os');

const args = process.argv.slice(2);
const only = (args.find((a) => a.startsWith('--only=')) ?? '').slice(7) || null;
const verbose = args.includes('--verbose');
const scenarios = (args.find((a) => a.startsWith('--scenario=')) ?? '').slice(11).split(',').filter(Boolean);
if (!scenarios.length) scenarios.push(...['call', 'call-top', 'call-adapter', 'transparency', 'transparency-adapter']);

const PC_METHODS = [
  'createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate', 'addTrack', 'removeTrack',
  'addTransceiver', 'createDataChannel', 'restartIce', 'setConfiguration', 'close', 'sender.replaceTrack',
  'sender.setParameters', 'transceiver.setCodecPreferences', 'transceiver.direction', 'transceiver.stop',
];
const PC_EVENTS_REQUIRED = [
  'icecandidate', 'track', 'negotiationneeded', 'signalingstatechange', 'iceconnectionstatechange',
  'icegatheringstatechange', 'connectionstatechange', 'datachannel',
];
const RELAY_TO_PAGE_EVENT = '__webrtc-scope:relay__';

let passed = 0;
let failed = 0;
const failures = [];
function ok(cond, name, detail) {
  if (cond) {
    passed++;
    if (verbose) console.log(`  ok   ${name}`);
  } else {
    failed++;
    failures.push(name);
    console.log(`  FAIL ${name}${detail !== undefined ? ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, 1500) : ''}`);
  }
  return cond;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, timeoutMs, what) {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('timeout: ' + what);
    await sleep(100);
  }
}

// ───────────── bundles ─────────────
async function bundle(mode) {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, 'tests/e2e/hook-standalone.harness.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2020',
    define: { __HOOK_MODE__: JSON.stringify(mode) },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
// The recorder's decoder, to check that each PC's delta chain rebuilds its reports.
const { applyStatsDelta } = await (async () => {
  const result = await build({ entryPoints: [path.join(REPO_ROOT, 'lib/model/stats-delta.ts')], bundle: true, format: 'esm', write: false, logLevel: 'silent' });
  return import('data:text/javascript;base64,' + Buffer.from(result.outputFiles[0].text).toString('base64'));
})();
const scripts = { hook: await bundle('hook'), top: await bundle('top'), baseline: await bundle('baseline') };
console.log(`bundled lib/page: ${(scripts.hook.length / 1024).toFixed(1)} KB (with harness)`);

// ───────────── browser drivers ─────────────
const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('./support/chromium.mjs');

async function chromiumDriver() {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  return {
    name: 'chromium',
    version: browser.version(),
    async open(script, url) {
      const context = await browser.newContext();
      await context.addInitScript({ content: script });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      return {
        errors,
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        frames: () => page.frames().map((f) => ({ url: f.url(), evaluate: (fn, arg) => f.evaluate(fn, arg) })),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

async function firefoxDriver() {
  const puppeteer = (await import('puppeteer-core')).default;
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'hook-ff-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.autoplay.default': 0,
    },
  });
  return {
    name: 'firefox',
    version: await browser.version(),
    async open(script, url) {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
      await page.evaluateOnNewDocument(script);
      await page.goto(url);
      return {
        errors,
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        frames: () => page.frames().map((f) => ({ url: f.url(), evaluate: (fn, arg) => f.evaluate(fn, arg) })),
        close: () => page.close(),
      };
    },
    async close() {
      await browser.close();
      await fs.rm(profile, { recursive: true, force: true });
    },
  };
}

// ───────────── helpers over records ─────────────
async function collect(tab) {
  const out = [];
  for (const frame of tab.frames()) {
    const data = await frame
      .evaluate(() => (window.__hookTest ? { records: window.__hookTest.records, invalid: window.__hookTest.invalid, hooked: window.__hookTest.hooked } : null))
      .catch(() => null);
    if (data) out.push({ url: frame.url, ...data });
  }
  return out;
}
const keyOf = (r) => r.type + (r.method ? ':' + r.method : '') + (r.event ? ':' + r.event : '');
function countBy(records) {
  const counts = {};
  for (const r of records) counts[keyOf(r)] = (counts[keyOf(r)] ?? 0) + 1;
  return counts;
}
const shortUrl = (u) => u.replace(/^https?:\/\/[^/]+\//, '/');

/** Checks over all frames' records of one call.html run. */
function checkCallRecords(tag, frames, callState, frameState, { holdStartedAt }) {
  const all = frames.flatMap((f) => f.records.map((r) => ({ ...r, frame: shortUrl(f.url) })));
  const invalid = frames.flatMap((f) => f.invalid);
  ok(invalid.length === 0, `${tag}: every record passes the relay's guard`, invalid.slice(0, 5));
  const counts = countBy(all);
  console.log(`  ${tag}: ${all.length} records in ${frames.filter((f) => f.records.length).length} documents`);
  for (const f of frames) {
    if (f.records.length) console.log(`    ${shortUrl(f.url) || '(top)'}${f.hooked ? '' : ' (no own hook)'}: ${f.records.length} records, ${new Set(f.records.filter((r) => r.type === 'pc-created').map((r) => r.pc)).size} PCs`);
  }
  console.log(`    counts: ${JSON.stringify(Object.fromEntries(Object.entries(counts).sort()))}`);

  // PCs: one pc-created per PC, per document.
  const pcKey = (r) => `${r.frame}#${r.pc}`;
  const created = new Map();
  const repeats = [];
  for (const r of all) {
    if (r.type !== 'pc-created') continue;
    if (created.has(pcKey(r))) repeats.push(r);
    else created.set(pcKey(r), r);
  }
  const expectedPcs = callState.pcs + (frameState?.pcs ?? 0);
  ok(created.size === expectedPcs, `${tag}: every PC recorded (${created.size} of ${expectedPcs})`);
  ok([...created.values()].some((c) => JSON.stringify(c.constraints) === '{"optional":[{"googIPv6":true}]}'), `${tag}: legacy constraints argument recorded`);
  // Switching capture off and on (below, in the top document) announces its live PCs once more, as they were
  // created: the only repeats allowed.
  const badRepeats = repeats.filter((r) => {
    const first = created.get(pcKey(r));
    return r.t !== first.t || JSON.stringify(r.config) !== JSON.stringify(first.config) || repeats.filter((x) => pcKey(x) === pcKey(r)).length > 1;
  });
  ok(badRepeats.length === 0, `${tag}: no PC announced twice except once more when capture resumed (${repeats.length} such)`, badRepeats.slice(0, 3));
  const orphan = all.filter((r) => 'pc' in r && !created.has(pcKey(r)));
  ok(orphan.length === 0, `${tag}: every PC record follows its pc-created`, orphan.slice(0, 3));

  // Methods: each has a call and a settlement, paired by call id.
  for (const m of PC_METHODS) ok((counts['pc-call:' + m] ?? 0) > 0 && (counts['pc-settled:' + m] ?? 0) > 0, `${tag}: ${m} traced`);
  const calls = new Map();
  for (const r of all) if (r.type === 'pc-call') calls.set(`${r.frame}#${r.call}`, r);
  const settles = new Map();
  for (const r of all) if (r.type === 'pc-settled') settles.set(`${r.frame}#${r.call}`, (settles.get(`${r.frame}#${r.call}`) ?? 0) + 1);
  const unsettled = [...calls.keys()].filter((k) => settles.get(k) !== 1);
  ok(unsettled.length === 0, `${tag}: every pc-call settled exactly once`, unsettled.slice(0, 5).map((k) => keyOf(calls.get(k))));
  const legacy = all.find((r) => r.type === 'pc-call' && r.method === 'createOffer' && r.args[0] === '[function]');
  const legacySettled = legacy && all.find((r) => r.type === 'pc-settled' && r.frame === legacy.frame && r.call === legacy.call);
  ok(legacySettled?.ok === true && /^v=0/.test(legacySettled?.value?.sdp ?? ''), `${tag}: legacy createOffer(success, failure) traced with its SDP`);
  const legacySrd = all.find((r) => r.type === 'pc-call' && r.method === 'setRemoteDescription' && r.args[1] === '[function]');
  ok(!!legacySrd && /^v=0/.test(legacySrd.args[0]?.sdp ?? ''), `${tag}: legacy setRemoteDescription(desc, success, failure) traced with full SDP`);
  const garbageIce = all.find((r) => r.type === 'pc-call' && r.method === 'addIceCandidate' && r.args[0]?.candidate === 'candidate:garbage');
  const failedIce = garbageIce && all.find((r) => r.type === 'pc-settled' && r.frame === garbageIce.frame && r.call === garbageIce.call);
  const seenAs = (settled) => (settled ? (settled.ok ? 'resolved' : settled.error?.name) : 'missing');
  ok(seenAs(failedIce) === callState.failures.addIceCandidate, `${tag}: addIceCandidate(garbage) recorded as the page saw it (${callState.failures.addIceCandidate})`, failedIce);
  const midIce = all.find((r) => r.type === 'pc-call' && r.method === 'addIceCandidate' && r.args[0]?.sdpMid === 'no-such-mid');
  const midSettled = midIce && all.find((r) => r.type === 'pc-settled' && r.frame === midIce.frame && r.call === midIce.call);
  ok(seenAs(midSettled) === callState.failures.addIceCandidateUnknownMid && midSettled?.ok === false, `${tag}: failing addIceCandidate recorded with the page's error (${callState.failures.addIceCandidateUnknownMid})`, midSettled);
  const bogusSrd = all.find((r) => r.type === 'pc-call' && r.method === 'setRemoteDescription' && /bogus/.test(r.args[0]?.sdp ?? ''));
  const failedSrd = bogusSrd && all.find((r) => r.type === 'pc-settled' && r.frame === bogusSrd.frame && r.call === bogusSrd.call);
  ok(failedSrd?.ok === false && seenAs(failedSrd) === callState.failures.setRemoteDescription, `${tag}: failing setRemoteDescription recorded with the page's error (${callState.failures.setRemoteDescription})`, failedSrd);
  const setConfig = all.find((r) => r.type === 'pc-call' && r.method === 'setConfiguration');
  ok(!!setConfig && setConfig.args[0]?.iceServers?.[0]?.username === 'user', `${tag}: setConfiguration args recorded`, setConfig?.args);
  ok(!JSON.stringify(all).includes('secret-credential'), `${tag}: TURN credential never recorded`);
  const targets = all.filter((r) => r.type === 'pc-call' && (r.method.startsWith('sender.') || r.method.startsWith('transceiver.')));
  ok(targets.length > 0 && targets.every((r) => r.target && typeof r.target.index === 'number'), `${tag}: sender/transceiver calls carry their target`);

  // Events.
  for (const e of PC_EVENTS_REQUIRED) ok((counts['pc-event:' + e] ?? 0) > 0, `${tag}: event ${e} observed`);
  console.log(`    icecandidateerror events: ${counts['pc-event:icecandidateerror'] ?? 0} (not required: depends on the browser's STUN timeout)`);
  const connected = all.filter((r) => r.type === 'pc-event' && r.event === 'connectionstatechange' && r.value === 'connected');
  ok(connected.length >= expectedPcs - 1, `${tag}: connectionstatechange 'connected' for every connected PC (${connected.length})`);
  for (const e of ['open', 'close']) ok((counts['channel-event:' + e] ?? 0) > 0, `${tag}: channel-event ${e}`);
  ok((counts['track-event:unmute'] ?? 0) + (counts['track-event:mute'] ?? 0) + (counts['track-event:ended'] ?? 0) > 0, `${tag}: track events observed`);
  ok((counts['track-event:ended'] ?? 0) > 0, `${tag}: track ended observed after hang-up`);
  ok((counts['track-event:stop'] ?? 0) >= 2, `${tag}: the page's track.stop() of its camera and microphone at hang-up recorded (${counts['track-event:stop'] ?? 0})`);

  // Media.
  for (const m of ['getUserMedia', 'enumerateDevices']) {
    ok((counts['media-call:' + m] ?? 0) > 0 && (counts['media-settled:' + m] ?? 0) > 0, `${tag}: ${m} traced`);
  }
  const gum = all.find((r) => r.type === 'media-settled' && r.method === 'getUserMedia');
  ok(gum?.ok && gum.value.tracks.length === 2 && gum.value.tracks.every((t) => t.settings && typeof t.settings === 'object'), `${tag}: getUserMedia result has tracks with settings`, gum?.value);

  // Stats: ≥ 1 poll per second per PC while open, gap-free indexes, first poll a snapshot, deltas apply.
  const closedAt = new Map();
  for (const r of all) if (r.type === 'pc-call' && r.method === 'close' && !closedAt.has(pcKey(r))) closedAt.set(pcKey(r), r.t);
  const stats = new Map();
  for (const r of all) if (r.type === 'pc-stats') (stats.get(pcKey(r)) ?? stats.set(pcKey(r), []).get(pcKey(r))).push(r);
  const rates = [];
  let getStatsMs = [];
  let hookMs = [];
  for (const [key, c] of created) {
    const list = stats.get(key) ?? [];
    const end = closedAt.get(key) ?? holdStartedAt;
    const lifetime = end - c.t;
    const inLife = list.filter((r) => r.t <= end + 50);
    const expected = Math.max(0, Math.floor(lifetime / 1000) - 1);
    rates.push(`${key} ${inLife.length}/${(lifetime / 1000).toFixed(1)}s`);
    ok(inLife.length >= expected && (lifetime < 2000 || inLife.length >= 1), `${tag}: ${key} polled ≥ 1/s (${inLife.length} polls in ${(lifetime / 1000).toFixed(1)} s)`);
    const late = list.filter((r) => closedAt.has(key) && r.t > closedAt.get(key) + 1500);
    ok(late.length === 0, `${tag}: ${key} not polled after close`, late.length);
    const gapFree = list.every((r, i) => r.index === i);
    ok(gapFree, `${tag}: ${key} stats indexes gap-free`, list.map((r) => r.index));
    if (!gapFree) {
      // Seen once in Firefox (one index missing, nothing invalid): what the PC did around the gap, to find it from a log.
      const at = list.findIndex((r, i) => r.index !== i);
      const from = list[at - 1]?.t ?? c.t;
      const to = list[at]?.t ?? Infinity;
      const around = all
        .filter((r) => pcKey(r) === key && r.t >= from - 1500 && r.t <= to + 500)
        .map((r) => `${(r.t - c.t).toFixed(0)} ms ${r.type}${r.method ? ':' + r.method : r.event ? ':' + r.event : ''}${r.type === 'pc-stats' ? ` #${r.index}${r.reset ? ' reset' : ''} getStats ${r.cost.getStatsMs} ms` : ''}`);
      console.log(`    around the gap in ${key}:\n      ${around.join('\n      ')}`);
    }
    ok(list.length === 0 || list[0].reset === true, `${tag}: ${key} first poll is a full snapshot`);
    if (applyStatsDelta && list.length) {
      let report = null;
      try {
        for (const r of list) report = applyStatsDelta(r.reset ? null : report, r.delta);
        const types = new Set(Object.values(report).map((s) => s.type));
        ok(types.has('peer-connection') || types.size > 0, `${tag}: ${key} delta chain rebuilds a report`, [...types]);
      } catch (err) {
        ok(false, `${tag}: ${key} delta chain rebuilds a report`, String(err));
      }
    }
    getStatsMs = getStatsMs.concat(list.map((r) => r.cost.getStatsMs));
    hookMs = hookMs.concat(list.map((r) => r.cost.hookMs));
  }
  const pct = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN);
  console.log(`    stats polls: ${rates.join(', ')}`);
  console.log(`    cost per poll: getStats p50 ${pct(getStatsMs, 0.5)} ms p90 ${pct(getStatsMs, 0.9)} ms; hook p50 ${pct(hookMs, 0.5)} ms p90 ${pct(hookMs, 0.9)} ms max ${Math.max(...hookMs)} ms`);
  // The main pair carries media: its rebuilt report must hold RTP stats.
  const mediaPc = [...created.values()].find((c) => c.frame.startsWith('/call.html') && (stats.get(pcKey(c)) ?? []).some((r) => JSON.stringify(r.delta).includes('outbound-rtp')));
  ok(!!mediaPc, `${tag}: outbound-rtp stats recorded for the media PC`);
  return { all, counts };
}

// ───────────── scenarios ─────────────
async function runCall(driver, server, mode, query = '') {
  const tag = `${driver.name}/call${query}${mode === 'top' ? ' (hook in top frame only)' : ''}`;
  const tab = await driver.open(scripts[mode], server.url + 'call.html' + query);
  try {
    const state = await until(() => tab.evaluate(() => window.callState && (window.callState.done || window.callState.error) && window.callState), 60000, 'call done').catch(async (err) => {
      // Say where the call stalled, so a flaky run can be diagnosed from CI's log.
      const at = await tab.evaluate(() => JSON.stringify({ phase: window.callState?.phase, steps: window.callState?.steps })).catch(() => 'unknown');
      throw new Error(`${err.message} (call page at ${at})`);
    });
    if (!ok(!state.error, `${tag}: call ran every step`, state.error ?? state.phase)) return;
    const frameState = await tab.frames().find((f) => f.url.endsWith('/frame.html'))?.evaluate(() => window.frameState);
    const holdStartedAt = await tab.evaluate(() => performance.timeOrigin + performance.now());
    await sleep(4000);

    if (mode === 'hook') {
      // Capture off: nothing is posted, polling stops; forged/malformed configs are ignored.
      const before = await tab.evaluate(() => window.__hookTest.records.length);
      await tab.evaluate((type) => {
        const send = (detail) => window.dispatchEvent(new CustomEvent(type, { detail }));
        send(JSON.stringify({ source: 'webrtc-scope', v: 1, type: 'config', enabled: 'no', pollIntervalMs: 100 }));
        send(JSON.stringify({ source: 'webrtc-scope', v: 2, type: 'config', enabled: false, pollIntervalMs: 1000 }));
        send({ source: 'webrtc-scope', v: 1, type: 'config', enabled: false, pollIntervalMs: 1000 });
      }, RELAY_TO_PAGE_EVENT);
      await sleep(1500);
      const afterForged = await tab.evaluate(() => window.__hookTest.records.length);
      ok(afterForged > before, `${tag}: malformed config messages are ignored (stats keep coming)`);
      await tab.evaluate((type) => window.dispatchEvent(new CustomEvent(type, { detail: JSON.stringify({ source: 'webrtc-scope', v: 1, type: 'config', enabled: false, pollIntervalMs: 1000 }) })), RELAY_TO_PAGE_EVENT);
      await sleep(300);
      const offStart = await tab.evaluate(() => window.__hookTest.records.length);
      await sleep(2500);
      const offEnd = await tab.evaluate(() => window.__hookTest.records.length);
      ok(offEnd === offStart, `${tag}: enabled:false stops all records`, offEnd - offStart);
      await tab.evaluate((type) => window.dispatchEvent(new CustomEvent(type, { detail: JSON.stringify({ source: 'webrtc-scope', v: 1, type: 'config', enabled: true, pollIntervalMs: 250, resync: true }) })), RELAY_TO_PAGE_EVENT);
      await sleep(2600);
      const resumed = (await tab.evaluate((n) => window.__hookTest.records.slice(n), offEnd)).filter((r) => r.type === 'pc-stats');
      const perPc = {};
      for (const r of resumed) (perPc[r.pc] ??= []).push(r);
      const lists = Object.values(perPc);
      ok(lists.length > 0 && lists.every((l) => l[0].reset === true), `${tag}: re-enabled polling starts with a full snapshot`);
      ok(lists.length > 0 && lists.every((l) => l.length >= 7), `${tag}: pollIntervalMs 250 → ≥ 7 polls in 2.6 s per PC`, lists.map((l) => l.length));
      await tab.evaluate((type) => window.dispatchEvent(new CustomEvent(type, { detail: JSON.stringify({ source: 'webrtc-scope', v: 1, type: 'config', enabled: true, pollIntervalMs: 1000 }) })), RELAY_TO_PAGE_EVENT);
    }

    await tab.evaluate(() => window.hangUp());
    await sleep(2500);
    const frames = await collect(tab);
    if (mode === 'top') {
      const top = frames.find((f) => f.hooked);
      const childCreated = (top?.records ?? []).filter((r) => r.type === 'pc-created');
      // gatherer, pc1, pc2, about:blank pair, srcdoc pair: all in the top document's records. frame.html's PCs too when
      // the parent touched the iframe's initial about:blank realm and the navigation reused that Window (Chromium).
      const expected = [state.pcs, state.pcs + (frameState?.pcs ?? 0)];
      ok(expected.includes(childCreated.length), `${tag}: about:blank and srcdoc PCs reached through contentWindow (${childCreated.length} PCs; ${state.pcs} in call.html's realms, +${frameState?.pcs ?? 0} in frame.html)`);
      const blankCalls = (top?.records ?? []).filter((r) => r.type === 'pc-call' && r.method === 'createDataChannel' && ['blank', 'srcdoc'].includes(r.args[0]));
      ok(blankCalls.length === 2, `${tag}: child-realm createDataChannel calls traced`, blankCalls.length);
      ok(frames.every((f) => f.invalid.length === 0), `${tag}: records valid`);
    } else {
      checkCallRecords(tag, frames, state, frameState, { holdStartedAt });
    }
    ok(tab.errors.length === 0, `${tag}: no uncaught page errors`, tab.errors);
  } finally {
    await tab.close();
  }
}

function diffJson(a, b, at = '$', out = []) {
  if (out.length >= 40) return out;
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diffJson(a[k], b[k], `${at}.${k}`, out);
    return out;
  }
  out.push(`${at}: ${JSON.stringify(a)?.slice(0, 300)} ≠ ${JSON.stringify(b)?.slice(0, 300)}`);
  return out;
}

async function runTransparency(driver, server, query = '') {
  const tag = `${driver.name}/transparency${query}`;
  const results = {};
  for (const [run, mode] of [['baseline', 'baseline'], ['hook', 'hook'], ['baseline2', 'baseline']]) {
    const tab = await driver.open(scripts[mode], server.url + 'transparency.html' + query);
    try {
      await until(() => tab.evaluate(() => window.transparencyDone === true), 120000, 'transparency done');
      results[run] = await tab.evaluate(() => ({ results: window.transparencyResults, info: window.transparencyInfo, error: window.transparencyError ?? null }));
      if (mode === 'hook') {
        const records = await tab.evaluate(() => window.__hookTest.records.length);
        ok(records > 50, `${tag}: hook recorded the transparency page (${records} records)`);
      }
    } finally {
      await tab.close();
    }
  }
  ok(!results.baseline.error, `${tag}: page ran`, results.baseline.error);
  const unstable = diffJson(results.baseline.results, results.baseline2.results);
  ok(unstable.length === 0, `${tag}: results are deterministic without the hook`, unstable);
  const unstableKeys = new Set(unstable.map((d) => d.split(/[.:]/)[1] + '.' + d.split(/[.:]/)[2]));
  const diffs = diffJson(results.baseline.results, results.hook.results).filter((d) => !unstableKeys.has(d.split(/[.:]/)[1] + '.' + d.split(/[.:]/)[2]));
  const count = Object.keys(results.baseline.results).length;
  ok(diffs.length === 0, `${tag}: ${count} checks identical with and without the hook`, diffs);
  if (process.env.HOOK_DIFF_FILE) await fs.writeFile(process.env.HOOK_DIFF_FILE, JSON.stringify({ diffs, unstable }, null, 1));
  const infoDiff = diffJson(results.baseline.info, results.hook.info);
  console.log(`  ${tag}: known differences (informational): ${infoDiff.length ? '\n      ' + infoDiff.join('\n      ') : 'none'}`);
  return results;
}

// ───────────── main ─────────────
const server = await startServer();
const drivers = [
  ['chromium', chromiumDriver],
  ['firefox', firefoxDriver],
].filter(([name]) => !only || only === name);
for (const [name, make] of drivers) {
  let driver;
  try {
    driver = await make();
  } catch (err) {
    ok(false, `${name}: browser launched`, String(err?.stack ?? err));
    continue;
  }
  console.log(`\n== ${name} ${driver.version}`);
  const steps = [
    ['call', () => runCall(driver, server, 'hook')],
    ['call-top', () => runCall(driver, server, 'top')],
    ['call-adapter', () => runCall(driver, server, 'hook', '?adapter=1')],
    ['transparency', () => runTransparency(driver, server)],
    ['transparency-adapter', () => runTransparency(driver, server, '?adapter=1')],
  ].filter(([id]) => !scenarios || scenarios.includes(id)).map(([, run]) => run);
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      ok(false, `${name}: scenario threw`, String(err?.stack ?? err));
    }
  }
  await driver.close().catch(() => {});
}
await server.close();
if (failures.length) console.log(`\nfailed: ${failures.join('; ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
