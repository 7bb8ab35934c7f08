// Smoke test of the browser rig itself (tests/e2e/support): server, namespace, Chromium and Firefox with the
// built extension, IndexedDB dumps, service worker stop/restart, webrtc-internals download. It depends on no
// extension feature, only on the builds existing.
//   node tests/e2e/rig.e2e.mjs            (re-execs itself inside a private network namespace)
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNetns, inNetns } from './support/netns.mjs';
import { startServer, CROSS_ORIGIN_ISOLATION_HEADERS, REPO_ROOT } from './support/server.mjs';
import { ensureBuild, step, waitFor } from './support/util.mjs';
import * as ch from './support/chromium.mjs';
import * as ff from './support/firefox.mjs';

await ensureNetns();

const RIG_PAGES = join(REPO_ROOT, 'tests/e2e/support/pages');
const failures = [];

async function section(name, fn) {
  console.log(`${name}`);
  try {
    await fn();
  } catch (err) {
    failures.push(name);
    console.log(`  FAILED: ${err?.stack ?? err}`);
  }
}

/** Creates 'rig-probe' with typed values, in whatever context this runs (service worker or extension page). */
async function writeProbeDb() {
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open('rig-probe', 3);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('things', { keyPath: 'id' });
      req.result.createObjectStore('blobs');
    };
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  const tx = db.transaction(['things', 'blobs'], 'readwrite');
  tx.objectStore('things').put({ id: 'a', bytes: new Uint8Array([1, 2, 3, 250]), at: new Date(1700000000000), n: NaN, nested: { f64: new Float64Array([0.5, -1]) } });
  tx.objectStore('things').put({ id: 'b', text: 'hello' });
  tx.objectStore('blobs').put(new Blob(['xyz'], { type: 'text/plain' }), 'k1');
  await new Promise((ok, fail) => {
    tx.oncomplete = ok;
    tx.onerror = () => fail(tx.error);
  });
  db.close();
  return true;
}

function checkProbeDump(dump) {
  assert.ok(dump, 'dump of rig-probe');
  assert.equal(dump.version, 3);
  assert.deepEqual(Object.keys(dump.stores).sort(), ['blobs', 'things']);
  const a = dump.stores.things.find((x) => x.id === 'a');
  assert.ok(a.bytes instanceof Uint8Array, 'Uint8Array revived');
  assert.deepEqual([...a.bytes], [1, 2, 3, 250]);
  assert.ok(a.at instanceof Date && a.at.getTime() === 1700000000000, 'Date revived');
  assert.ok(Number.isNaN(a.n), 'NaN revived');
  assert.ok(a.nested.f64 instanceof Float64Array && a.nested.f64[1] === -1, 'Float64Array revived');
  assert.deepEqual(dump.keys.blobs, ['k1']);
  assert.equal(Buffer.from(dump.stores.blobs[0].bytes).toString(), 'xyz');
  assert.deepEqual(dump.meta.things.keyPath, 'id');
}

console.log(`rig smoke test (network namespace: ${inNetns() ? 'yes' : 'no'})`);
const server = await startServer({
  mounts: { '/rig/': RIG_PAGES },
  headers: { '/rig/coi.html': CROSS_ORIGIN_ISOLATION_HEADERS },
});
try {
  await section('server', async () => {
    await step('serves pages, vendor adapter, COOP/COEP headers; refuses traversal', async () => {
      const adapter = await fetch(server.url + 'vendor/webrtc-adapter/adapter.js');
      assert.equal(adapter.status, 200);
      assert.match(adapter.headers.get('content-type'), /javascript/);
      const coi = await fetch(server.url + 'rig/coi.html');
      assert.equal(coi.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.equal(coi.headers.get('cross-origin-opener-policy'), 'same-origin');
      const plain = await fetch(server.url + 'rig/rig-call.html');
      assert.equal(plain.status, 200);
      assert.equal(plain.headers.get('cross-origin-embedder-policy'), null);
      const raw = (path) => new Promise((ok, fail) => {
        http.get({ host: '127.0.0.1', port: server.port, path }, (res) => { res.resume(); ok(res.statusCode); }).on('error', fail);
      });
      assert.equal(await raw('/rig/..%2F..%2Fserver.mjs'), 403);
      assert.equal(await raw('/rig/../../../package.json'), 404); // normalised to /package.json: not in pages/
      assert.equal((await fetch(server.url + 'nope.html')).status, 404);
    });
  });

  await section('chromium', async () => {
    const dir = await step('build chrome-mv3 (if stale)', async () => ensureBuild('chrome'));
    const browser = await step('launch with extension', () => ch.launchChromiumWithExtension({ extensionDir: dir }));
    try {
      console.log(`    extension ${browser.extensionId}, launch ${browser.launchMs} ms`);
      const sw = browser.serviceWorker;
      await step('service worker runs in the extension', async () => {
        assert.equal(await sw.evaluate(() => chrome.runtime.id), browser.extensionId);
      });
      const internals = await step('open chrome://webrtc-internals before the call', () => ch.openWebrtcInternals(browser.context));
      const page = await browser.context.newPage();
      await step('loopback call connects (rig-call.html, adapter loaded)', async () => {
        await page.goto(server.url + 'rig/rig-call.html');
        assert.equal(await page.evaluate(() => window.adapterLoaded), true);
        await page.evaluate(() => window.rigCall.start());
        await waitFor(() => page.evaluate(() => window.rigCall.state === 'connected' || window.rigCall.state === 'failed'), { timeout: 15_000, what: 'call' });
        assert.equal(await page.evaluate(() => window.rigCall.state), 'connected', await page.evaluate(() => window.rigCall.error));
      });
      await step('tab id of the call page via chrome.tabs', async () => {
        const id = await ch.tabIdForUrl(sw, page.url());
        assert.equal(typeof id, 'number');
      });
      await step('webrtc-internals dump downloads as JSON with both PCs and stats', async () => {
        // Stats reach webrtc-internals once a second: poll the download until they do.
        const { text, dump, pcs } = await waitFor(async () => {
          const text = await ch.downloadWebrtcInternalsDump(internals);
          const dump = JSON.parse(text);
          const pcs = Object.keys(dump.PeerConnections ?? {});
          const withStats = pcs.filter((k) => Object.keys(dump.PeerConnections[k].stats ?? {}).length > 0);
          return pcs.length >= 2 && withStats.length >= 2 && { text, dump, pcs };
        }, { timeout: 15_000, interval: 500, what: 'two PCs with stats in the dump' });
        assert.ok(dump.PeerConnections[pcs[0]].updateLog.length > 5, 'full update log (opened before the call)');
        console.log(`    dump ${text.length} chars, ${pcs.length} PCs`);
      });
      await page.evaluate(() => window.rigCall.stop());

      await step('cross-origin-isolated page is isolated', async () => {
        await page.goto(server.url + 'rig/coi.html');
        assert.equal(await page.evaluate(() => window.isolated), true);
        assert.equal(await page.evaluate(() => window.adapterLoaded), true);
      });

      await step('IndexedDB written in the worker reads back typed', async () => {
        await sw.evaluate(writeProbeDb);
        checkProbeDump(await ch.readExtensionDb(sw, 'rig-probe'));
      });
      await step('reading a missing database gives null and does not create it', async () => {
        assert.equal(await ch.readExtensionDb(sw, 'rig-missing'), null);
        const names = (await ch.listExtensionDbs(sw)).map((d) => d.name);
        assert.ok(!names.includes('rig-missing'), `created: ${names}`);
      });
      await step('stopServiceWorker really stops the worker; it restarts with a fresh global', async () => {
        const before = await sw.evaluate(() => {
          globalThis.__rigMark = Math.random();
          return { mark: globalThis.__rigMark, origin: performance.timeOrigin };
        });
        const { stopMs } = await ch.stopServiceWorker(browser.context, browser.extensionId);
        assert.equal(await ch.serviceWorkerStatus(browser.context, browser.extensionId), 'stopped');
        const { startMs } = await ch.startServiceWorker(browser.context, browser.extensionId);
        const after = await sw.evaluate(() => ({ mark: globalThis.__rigMark, origin: performance.timeOrigin }));
        assert.equal(after.mark, undefined, 'global state survived: the worker did not restart');
        assert.ok(after.origin > before.origin, 'new timeOrigin');
        checkProbeDump(await ch.readExtensionDb(sw, 'rig-probe'));
        console.log(`    stop ${stopMs} ms, start ${startMs} ms`);
      });
      await step('an extension event (opening an extension page) restarts a stopped worker', async () => {
        await ch.stopServiceWorker(browser.context, browser.extensionId);
        assert.equal(await ch.serviceWorkerStatus(browser.context, browser.extensionId), 'stopped');
        const p = await ch.openExtensionPage(browser.context, browser.extensionId, 'manifest.json');
        // A page of the extension that talks to the worker wakes it; a plain resource does not need to.
        await p.evaluate(() => chrome.runtime.sendMessage({ rig: 'ping' }).catch(() => null));
        assert.equal(await waitFor(async () => (await ch.serviceWorkerStatus(browser.context, browser.extensionId)) === 'running' && 'running', { timeout: 10_000, what: 'worker to run' }), 'running');
        assert.equal(await sw.evaluate(() => globalThis.__rigMark), undefined);
        await p.close();
      });
      const panel = join(dir, 'devtools-panel.html');
      if (existsSync(panel)) {
        await step('devtools-panel.html opens as a tab', async () => {
          const p = await ch.openExtensionPage(browser.context, browser.extensionId, 'devtools-panel.html?tabId=1');
          assert.match(p.url(), /devtools-panel\.html/);
          await p.close();
        });
      } else {
        console.log('    (no devtools-panel.html in the build yet: panel check skipped)');
      }
    } finally {
      await browser.close();
    }
  });

  await section('firefox', async () => {
    const dir = await step('build firefox-mv3 (if stale)', async () => ensureBuild('firefox'));
    const browser = await step('launch and install the add-on', () => ff.launchFirefoxWithExtension({ extensionDir: dir }));
    try {
      console.log(`    add-on ${browser.addonId} at ${browser.baseUrl}, launch+install ${browser.launchMs} ms`);
      await step('add-on background page runs', async () => {
        const info = await ff.evaluateInExtension(browser.browser, browser.uuid, async () => {
          const bg = await browser.runtime.getBackgroundPage();
          return { href: location.href, bg: bg?.location.href, name: browser.runtime.getManifest().name };
        }, undefined, { extensionDir: dir });
        assert.match(info.bg, /^moz-extension:\/\/.*_generated_background_page\.html$/);
        assert.equal(info.name, 'WebRTC Scope');
      });
      await step('IndexedDB written by the extension reads back typed', async () => {
        assert.equal(await ff.evaluateInExtension(browser.browser, browser.uuid, writeProbeDb, undefined, { extensionDir: dir }), true);
        checkProbeDump(await ff.readExtensionDb(browser.browser, browser.uuid, 'rig-probe', { extensionDir: dir }));
        assert.equal(await ff.readExtensionDb(browser.browser, browser.uuid, 'rig-missing', { extensionDir: dir }), null);
      });
      const page = await browser.browser.newPage();
      await step('loopback call connects (needs the namespace veth)', async () => {
        await page.goto(server.url + 'rig/rig-call.html');
        assert.equal(await page.evaluate(() => window.adapterLoaded), true);
        await page.evaluate(() => window.rigCall.start());
        await waitFor(() => page.evaluate(() => window.rigCall.state === 'connected' || window.rigCall.state === 'failed'), { timeout: 20_000, what: 'call' });
        assert.equal(await page.evaluate(() => window.rigCall.state), 'connected', await page.evaluate(() => window.rigCall.error));
      });
      await step('tab id of the call page via browser.tabs', async () => {
        assert.equal(typeof (await ff.tabIdForUrl(browser.browser, browser.uuid, page.url(), { extensionDir: dir })), 'number');
      });
      await page.evaluate(() => window.rigCall.stop());
    } finally {
      await browser.close();
    }
  });
} finally {
  await server.close();
}

if (failures.length) {
  console.log(`rig: FAILED (${failures.join(', ')})`);
  process.exit(1);
}
console.log('rig: ok');
