// e2e-timeout-seconds: 180
// Dump files in real Firefox ESR (puppeteer-core over WebDriver BiDi), no call needed: the viewer's import control
// reads corpus dumps (Chromium's webrtc-internals dump and Chromium's rtcstats export of the same 60 s call), each
// opens with its PCs (the file's own PC ids shown), charts and the file's entries we have no record type for (the
// webrtc-internals dump gzipped too, to the same stored session; and Firefox's own "Copy Report History" JSON); the
// export dialog writes our own format and webrtc-internals (the Blob the page hands to `<a download>` is read
// from the page); our own file imports again as the same session, and our webrtc-internals file with the same
// polls and the same entries we have no record type for.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ensureNetns } from './support/netns.mjs';
import { REPO_ROOT, ensureBuild, step, waitFor } from './support/util.mjs';
import { viewRequest } from './support/scope-api.mjs';
import * as ff from './support/firefox.mjs';

await ensureNetns();
const CORPUS = process.env.WEBRTC_SCOPE_CORPUS ? join(process.env.WEBRTC_SCOPE_CORPUS, 'dumps') : resolve(REPO_ROOT, '../shared/corpus/dumps');
const INTERNALS = join(CORPUS, 'chrome-webrtc-internals/chromium156-loopback-2pc-60s.json');
const RTCSTATS = join(CORPUS, 'rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz');
for (const f of [INTERNALS, RTCSTATS]) if (!existsSync(f)) throw new Error(`corpus file missing: ${f}`);

const extensionDir = ensureBuild('firefox');
const firefox = await ff.launchFirefoxWithExtension({ extensionDir });
const work = mkdtempSync(join(tmpdir(), 'webrtc-scope-dump-ff-'));
const t0 = performance.now();

/** Entries of the corpus call that we have no record type for (jq: transceiverAdded 2+2, transceiverModified 4+2). */
const GENERIC_ENTRIES = 10;
const isGeneric = (e) => e.record.type === 'pc-event' && e.record.event === 'dump-entry';

try {
  const viewer = await ff.openExtensionPage(firefox.browser, firefox.uuid, 'viewer.html');
  const errors = [];
  viewer.on('pageerror', (e) => errors.push(String(e)));
  await viewer.bringToFront(); // requestAnimationFrame (the charts) does not run in a background tab

  /**
   * Sets `path` on the import control's file input. puppeteer's uploadFile (BiDi input.setFiles) when it works,
   * else the same through a DataTransfer built in the page (a real File and a real `change` event either way).
   */
  const importFile = async (path, name) => {
    const input = await waitFor(() => viewer.$('input[type="file"]'), { what: 'the import control' });
    let viaBidi = true;
    try {
      await input.uploadFile(path);
    } catch {
      viaBidi = false;
      const base64 = readFileSync(path).toString('base64');
      await viewer.evaluate(
        (b64, fileName) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], fileName));
          const el = document.querySelector('input[type="file"]');
          el.files = transfer.files;
          el.dispatchEvent(new Event('change', { bubbles: true }));
        },
        base64,
        name,
      );
    }
    await waitFor(() => viewer.$(`button[aria-label="Open the session imported from ${name}"]`), { timeout: 30_000, what: `${name} imported` });
    const result = await viewer.evaluate((n) => [...document.querySelectorAll('.dump-result')].find((li) => li.querySelector('.dump-file-name')?.textContent === n)?.textContent ?? '', name);
    const session = (await viewRequest(viewer, { type: 'list-sessions' })).find((s) => s.imported?.fileName === name);
    assert.ok(session, `session of ${name} listed`);
    return { result, session, viaBidi };
  };

  /** Opens a session from its import result and waits for its PC tabs, the first PC's header and a drawn chart. */
  const openImported = async (name, pcCount) => {
    await viewer.evaluate((n) => document.querySelector(`button[aria-label="Open the session imported from ${n}"]`).click(), name);
    return waitFor(
      () =>
        viewer.evaluate((count) => {
          const tabs = [...document.querySelectorAll('.connection-tab')].map((t) => t.textContent).filter((t) => t.startsWith('PC '));
          const figure = document.querySelector('figure[data-chart-id]');
          // Charts are drawn only while visible (IntersectionObserver).
          figure?.scrollIntoView({ block: 'center' });
          const plot = figure?.querySelector('.ts-chart__plot');
          const fileId = [...document.querySelectorAll('.connection-header dt')].find((dt) => dt.textContent === 'In file')?.nextElementSibling?.textContent ?? null;
          return tabs.length >= count && plot?.dataset.lastX && fileId ? { tabs, fileId, charts: document.querySelectorAll('figure[data-chart-id]').length } : null;
        }, pcCount),
      { timeout: 30_000, what: `${name}: PC tabs, header and a drawn chart` },
    );
  };

  /** Sessions as the view protocol gives them, with the generic entries by PC. */
  const sessionData = (id) => viewRequest(viewer, { type: 'get-session', sessionId: id });

  await step('the webrtc-internals corpus dump imports through the file input and opens with PCs, file ids and charts', async () => {
    const { result, session, viaBidi } = await importFile(INTERNALS, 'chromium156-loopback-2pc-60s.json');
    assert.match(result, /webrtc-internals, 1 session imported/);
    const shown = await openImported('chromium156-loopback-2pc-60s.json', 2);
    assert.deepEqual(shown.tabs.map((t) => /^PC (\S+) \((.+?)\)/.exec(t)?.slice(1)), [['0-1', '10-1'], ['0-2', '10-2']]);
    assert.equal(shown.fileId, '10-1');
    const data = await sessionData(session.id);
    assert.deepEqual(data.pcs.map((p) => [p.pcId, p.fileId, p.sampleCount]), [['0-1', '10-1', 60], ['0-2', '10-2', 60]]);
    assert.equal(data.events.filter(isGeneric).length, GENERIC_ENTRIES);
    console.log(`    files set ${viaBidi ? 'with BiDi input.setFiles' : 'through a DataTransfer'}; ${shown.charts} charts; tabs: ${shown.tabs.join(' | ')}`);
  });

  await step('the same dump gzipped imports to the same PCs, polls and stats (the worker frees the inflated bytes PC by PC)', async () => {
    const path = join(work, 'chromium156-loopback-2pc-60s.json.gz');
    writeFileSync(path, gzipSync(readFileSync(INTERNALS)));
    const { result, session } = await importFile(path, 'chromium156-loopback-2pc-60s.json.gz');
    assert.match(result, /webrtc-internals, 1 session imported/);
    const plainId = (await viewRequest(viewer, { type: 'list-sessions' })).find((s) => s.imported?.fileName === 'chromium156-loopback-2pc-60s.json').id;
    const [plain, gz] = await Promise.all([sessionData(plainId), sessionData(session.id)]);
    assert.deepEqual(gz.pcs.map((p) => [p.pcId, p.fileId, p.sampleCount]), [['0-1', '10-1', 60], ['0-2', '10-2', 60]]);
    assert.equal(gz.events.length, plain.events.length);
    assert.deepEqual(gz.stats, plain.stats);
  });

  await step('the event log shows the file\'s transceiverAdded/Modified entries under their own name', async () => {
    await waitFor(() => viewer.evaluate(() => document.querySelector('.event-log .el-list') !== null), { timeout: 15_000, what: 'the event log' });
    const summaries = await viewer.evaluate(() => [...document.querySelectorAll('.el-list .el-file')].map((b) => b.closest('li').querySelector('.el-summary').textContent));
    assert.equal(summaries.filter((s) => s.startsWith('transceiverAdded ')).length, 2, summaries.join('\n'));
    assert.equal(summaries.filter((s) => s.startsWith('transceiverModified ')).length, 4, summaries.join('\n'));
  });

  let rtcstatsSession;
  await step('the rtcstats corpus dump imports and opens with PCs, file ids and charts', async () => {
    const { result, session } = await importFile(RTCSTATS, 'chromium156-loopback-2pc-60s.jsonl.gz');
    assert.match(result, /rtcstats-v3, 1 session imported/);
    rtcstatsSession = session;
    const shown = await openImported('chromium156-loopback-2pc-60s.jsonl.gz', 2);
    assert.equal(shown.fileId, '10-1');
    const data = await sessionData(session.id);
    assert.deepEqual(data.pcs.map((p) => [p.pcId, p.fileId, p.sampleCount]), [['0-1', '10-1', 60], ['0-2', '10-2', 60]]);
    assert.equal(data.events.filter(isGeneric).length, GENERIC_ENTRIES);
  });

  // Exports: the page hands the file to `<a download>` as a Blob URL; record the Blob and its name instead of
  // letting Firefox save it (the page's own realm: extension pages have no isolated world).
  await viewer.evaluate(() => {
    window.__exports = [];
    const blobs = new Map();
    const create = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob) => {
      const url = create(blob);
      blobs.set(url, blob);
      return url;
    };
    HTMLAnchorElement.prototype.click = function () {
      if (this.download && blobs.has(this.href)) window.__exports.push({ name: this.download, blob: blobs.get(this.href) });
    };
  });
  /** Exports the open session from the dialog in `label`'s format; returns the file's name and bytes. */
  const exportOpen = async (label) => {
    const before = await viewer.evaluate(() => window.__exports.length);
    await viewer.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Export…').click());
    await waitFor(() => viewer.$('[role="dialog"]'), { what: 'export dialog' });
    // One change per task: Preact renders state changes later, and the Export button's handler reads the rendered state.
    const settle = () => viewer.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    await viewer.evaluate((l) => {
      const dialog = document.querySelector('[role="dialog"]');
      [...dialog.querySelectorAll('label')].find((x) => x.querySelector('.dump-format-label')?.textContent === l).querySelector('input').click();
    }, label);
    await settle();
    await viewer.evaluate(() => {
      const redact = [...document.querySelectorAll('[role="dialog"] label')].find((x) => /Redact addresses/.test(x.textContent))?.querySelector('input');
      if (redact?.checked) redact.click();
    });
    await settle();
    const chosen = await viewer.evaluate(() => document.querySelector('[role="dialog"] input[name="export-format"]:checked')?.closest('label').querySelector('.dump-format-label').textContent);
    assert.equal(chosen, label);
    await viewer.evaluate(() => [...document.querySelectorAll('[role="dialog"] button')].find((b) => b.textContent.trim() === 'Export').click());
    await waitFor(() => viewer.evaluate((n) => window.__exports.length > n, before), { timeout: 30_000, what: `${label} export` });
    const file = await viewer.evaluate(async () => {
      const { name, blob } = window.__exports[window.__exports.length - 1];
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { name, base64: btoa(s) };
    });
    await viewer.evaluate(() => [...document.querySelectorAll('[role="dialog"] button')].find((b) => b.textContent.trim() === 'Close')?.click());
    const path = join(work, file.name);
    writeFileSync(path, Buffer.from(file.base64, 'base64'));
    return { name: file.name, path, bytes: readFileSync(path) };
  };

  let own;
  let internals;
  await step('the rtcstats session exports as our own format and as webrtc-internals', async () => {
    own = await exportOpen('WebRTC Scope (.webrtc-scope.json.gz)');
    assert.match(own.name, /\.webrtc-scope\.json\.gz$/);
    const doc = JSON.parse(gunzipSync(own.bytes).toString('utf8'));
    assert.equal(doc.format, 'webrtc-scope');
    assert.equal(doc.version, 2);
    assert.deepEqual(doc.sessions[0].pcs.map((p) => p.fileId), ['10-1', '10-2']);
    internals = await exportOpen('webrtc-internals (.json)');
    const dump = JSON.parse(internals.bytes.toString('utf8'));
    const pcs = Object.values(dump.PeerConnections);
    assert.equal(pcs.length, 2);
    for (const pc of pcs) assert.ok(Object.keys(pc.stats).length > 100, 'stats series of each PC');
    // The file's entries without a record of ours go back under their own name.
    const names = pcs.flatMap((pc) => pc.updateLog.map((e) => e.type));
    assert.equal(names.filter((n) => n === 'transceiverAdded').length, 4);
    assert.equal(names.filter((n) => n === 'transceiverModified').length, 6);
    console.log(`    ${own.name} ${own.bytes.length} B; ${internals.name} ${internals.bytes.length} B`);
  });

  await step('our own file imports again as the same session', async () => {
    const { result, session } = await importFile(own.path, own.name);
    assert.match(result, /webrtc-scope, 1 session imported/);
    const original = await sessionData(rtcstatsSession.id);
    const copy = await sessionData(session.id);
    assert.notEqual(copy.session.id, original.session.id);
    const strip = (pcs) => pcs.map(({ sessionId, ...pc }) => pc);
    assert.deepEqual(strip(copy.pcs), strip(original.pcs));
    assert.deepEqual(copy.events, original.events);
    for (const pc of original.pcs) assert.deepEqual(copy.stats[pc.pcId], original.stats[pc.pcId], `stats of ${pc.pcId}`);
    assert.equal(copy.events.filter(isGeneric).length, GENERIC_ENTRIES);
    const shown = await openImported(own.name, 2);
    assert.equal(shown.fileId, '10-1');
  });

  await step('our webrtc-internals export imports again with the file\'s entries and the same polls', async () => {
    const { session } = await importFile(internals.path, internals.name);
    const original = await sessionData(rtcstatsSession.id);
    const back = await sessionData(session.id);
    const generic = (d) => d.events.filter(isGeneric).map((e) => [e.pcId, e.record.t, e.record.value.name, e.record.value.text]);
    assert.deepEqual(generic(back), generic(original));
    assert.deepEqual(back.pcs.map((p) => p.sampleCount), original.pcs.map((p) => p.sampleCount));
    // The export kept the rtcstats file's PC ids as its keys: the copy names its PCs as the original file did.
    assert.deepEqual(back.pcs.map((p) => p.fileId), original.pcs.map((p) => p.fileId));
    assert.deepEqual(back.pcs.map((p) => p.fileId), ['10-1', '10-2']);
  });

  await step('Firefox\'s own about:webrtc "Copy Report History" JSON imports and opens with its PC and charts', async () => {
    const name = 'firefox153-copy-report-history.json';
    const { result, session } = await importFile(join(REPO_ROOT, 'tests/fixtures/dumps', name), name);
    assert.match(result, /firefox-about-webrtc, 1 session imported/);
    const shown = await openImported(name, 1);
    assert.ok(shown.charts >= 5, `${shown.charts} charts`);
    assert.match(shown.fileId, /^\{[0-9a-f-]+\} \d+ \(id=\d+ url=/);
    const data = await sessionData(session.id);
    assert.deepEqual(data.pcs.map((p) => [p.sampleCount, p.iceConnectionState, p.connectionState]), [[8, 'connected', 'connected']]);
    console.log(`    ${shown.charts} charts; tab: ${shown.tabs[0]}`);
  });

  assert.deepEqual(errors, [], 'no errors in the viewer');
  console.log(`    run time after launch: ${((performance.now() - t0) / 1000).toFixed(1)} s (launch ${firefox.launchMs} ms)`);
} finally {
  await firefox.close();
}
