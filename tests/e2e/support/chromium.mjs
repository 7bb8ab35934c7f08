// Chromium (Debian's /usr/bin/chromium) with the unpacked extension, driven by playwright-core.
//
//   const ch = await launchChromiumWithExtension({ extensionDir: '.output/chrome-mv3' });
//   try {
//     const page = await ch.context.newPage();
//     ...
//     const dump = await readExtensionDb(ch.serviceWorker);          // { version, stores: { name: [values] } }
//     await stopServiceWorker(ch.context, ch.extensionId);           // really stops the MV3 worker
//   } finally { await ch.close(); }
//
// Notes (Chromium 156 + Playwright 1.65, measured here):
// - Playwright passes --no-sandbox itself (chromiumSandbox defaults to false), which running as root needs.
// - Playwright keeps a DevTools session on the extension's service worker, and Chrome keeps that session across
//   a stop and restart of the worker. So the `serviceWorker` object stays valid: after a stop, `evaluate` waits
//   until the worker runs again and then executes in the fresh global. Chrome never idle-stops a worker with
//   DevTools attached: use stopServiceWorker() to simulate the MV3 30 s termination.
import { chromium } from 'playwright-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dumpIdbInContext, reviveIdbDump } from './idb-dump.mjs';

export { waitFor } from './util.mjs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * @param {object} options
 * @param {string} options.extensionDir unpacked build (e.g. '.output/chrome-mv3'); resolved to an absolute path.
 * @param {boolean} [options.headless=true]
 * @param {string[]} [options.args] extra Chromium flags.
 * @param {object} [options.contextOptions] extra launchPersistentContext options (viewport, …).
 * @param {number} [options.timeout=30000] how long to wait for the extension's service worker.
 * @param {boolean} [options.handleSignals=true] let Playwright close the browser on SIGINT/SIGTERM/SIGHUP (and
 *   exit). Pass false when the caller handles signals itself and calls close().
 * @returns {Promise<{ context: import('playwright-core').BrowserContext,
 *   serviceWorker: import('playwright-core').Worker, extensionId: string, extensionDir: string,
 *   profileDir: string, launchMs: number, close: () => Promise<void> }>}
 */
export async function launchChromiumWithExtension(options) {
  const { headless = true, args = [], contextOptions = {}, timeout = 30_000, handleSignals = true } = options;
  const extensionDir = resolve(options.extensionDir);
  if (!existsSync(join(extensionDir, 'manifest.json'))) {
    throw new Error(`no manifest.json in ${extensionDir}: build first (npx wxt build)`);
  }
  const profileDir = await mkdtemp(join(tmpdir(), 'webrtc-scope-chromium-'));
  // Last resort when the process exits without close() (a signal, process.exit): no profile left behind.
  const removeProfile = () => {
    try {
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 2 });
    } catch {}
  };
  process.once('exit', removeProfile);
  const t0 = performance.now();
  let context;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless,
      acceptDownloads: true,
      handleSIGINT: handleSignals,
      handleSIGTERM: handleSignals,
      handleSIGHUP: handleSignals,
      viewport: { width: 1280, height: 800 },
      ...contextOptions,
      args: [
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        ...CHROMIUM_ARGS,
        ...args,
      ],
    });
    const serviceWorker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
      (await context.waitForEvent('serviceworker', {
        timeout,
        predicate: (w) => w.url().startsWith('chrome-extension://'),
      }));
    const extensionId = new URL(serviceWorker.url()).host;
    const launchMs = Math.round(performance.now() - t0);
    let closing;
    return {
      context,
      serviceWorker,
      extensionId,
      extensionDir,
      profileDir,
      launchMs,
      close() {
        closing ??= (async () => {
          await context.close().catch(() => {});
          await rm(profileDir, { recursive: true, force: true }).catch(() => {});
          process.off('exit', removeProfile);
        })();
        return closing;
      },
    };
  } catch (err) {
    await context?.close().catch(() => {});
    await rm(profileDir, { recursive: true, force: true }).catch(() => {});
    process.off('exit', removeProfile);
    throw err;
  }
}

/**
 * Dump every object store of an IndexedDB database of the extension, read inside its service worker.
 * Resolves to null when the database does not exist (and does not create it).
 * Values come back revived: Uint8Array/ArrayBuffer/Date/Map/Set as themselves, Blob as { blobType, bytes }.
 * @param {import('playwright-core').Worker | import('playwright-core').Page} target the service worker (or any
 *   extension page).
 * @param {string} [dbName='webrtc-scope']
 * @returns {Promise<import('./idb-dump.mjs').IdbDump | null>}
 */
export async function readExtensionDb(target, dbName = 'webrtc-scope') {
  return reviveIdbDump(await target.evaluate(dumpIdbInContext, dbName));
}

/** List the IndexedDB databases visible in the worker / page: [{ name, version }]. */
export async function listExtensionDbs(target) {
  return target.evaluate(async () => (await indexedDB.databases()).map((d) => ({ name: d.name, version: d.version })));
}

/**
 * A CDP session with the ServiceWorker domain enabled, tracking registrations and versions. Uses a page of the
 * context (an about:blank helper page when none is open; it is closed by dispose()).
 */
async function serviceWorkerDomain(context) {
  let page = context.pages().find((p) => !p.isClosed());
  const ownPage = !page;
  if (ownPage) page = await context.newPage();
  const session = await context.newCDPSession(page);
  const registrations = new Map(); // registrationId → scopeURL
  const versions = new Map(); // versionId → version payload
  const waiters = new Set();
  session.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    for (const r of e.registrations) registrations.set(r.registrationId, r.scopeURL);
  });
  session.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) versions.set(v.versionId, v);
    for (const w of [...waiters]) w();
  });
  await session.send('ServiceWorker.enable');
  const forScope = (scopeURL) => [...versions.values()].filter((v) => registrations.get(v.registrationId) === scopeURL);
  const waitFor = (predicate, timeout, what) => new Promise((ok, fail) => {
    const check = () => {
      if (!predicate()) return;
      waiters.delete(check);
      clearTimeout(timer);
      ok();
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      fail(new Error(`timed out after ${timeout} ms waiting for ${what}`));
    }, timeout);
    waiters.add(check);
    check();
  });
  return {
    session,
    forScope,
    waitFor,
    async dispose() {
      await session.detach().catch(() => {});
      if (ownPage) await page.close().catch(() => {});
    },
  };
}

/**
 * Really stop the extension's MV3 service worker (as Chrome does after 30 s idle) via CDP
 * `ServiceWorker.stopWorker`, and wait until Chrome reports it stopped. The worker starts again on the next
 * extension event (a content script's runtime.connect, a message, an extension page) or startServiceWorker().
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} extensionId
 * @param {{ timeout?: number }} [options]
 * @returns {Promise<{ versionId: string, stopMs: number }>}
 */
export async function stopServiceWorker(context, extensionId, { timeout = 10_000 } = {}) {
  const scope = `chrome-extension://${extensionId}/`;
  const sw = await serviceWorkerDomain(context);
  const t0 = performance.now();
  try {
    await sw.waitFor(() => sw.forScope(scope).length > 0, timeout, `the service worker of ${scope} to be known`);
    const live = sw.forScope(scope).filter((v) => v.runningStatus !== 'stopped');
    if (live.length === 0) return { versionId: sw.forScope(scope)[0].versionId, stopMs: 0 };
    for (const v of live) await sw.session.send('ServiceWorker.stopWorker', { versionId: v.versionId });
    await sw.waitFor(() => sw.forScope(scope).every((v) => v.runningStatus === 'stopped'), timeout, `${scope} worker to stop`);
    return { versionId: live[0].versionId, stopMs: Math.round(performance.now() - t0) };
  } finally {
    await sw.dispose();
  }
}

/**
 * Start the extension's service worker (CDP `ServiceWorker.startWorker`) and wait until it runs.
 * @returns {Promise<{ startMs: number }>}
 */
export async function startServiceWorker(context, extensionId, { timeout = 10_000 } = {}) {
  const scope = `chrome-extension://${extensionId}/`;
  const sw = await serviceWorkerDomain(context);
  const t0 = performance.now();
  try {
    await sw.session.send('ServiceWorker.startWorker', { scopeURL: scope });
    await sw.waitFor(() => sw.forScope(scope).some((v) => v.runningStatus === 'running'), timeout, `${scope} worker to run`);
    return { startMs: Math.round(performance.now() - t0) };
  } finally {
    await sw.dispose();
  }
}

/** Running status of the extension's worker: 'running' | 'starting' | 'stopping' | 'stopped' | 'unknown'. */
export async function serviceWorkerStatus(context, extensionId) {
  const scope = `chrome-extension://${extensionId}/`;
  const sw = await serviceWorkerDomain(context);
  try {
    await sw.waitFor(() => sw.forScope(scope).length > 0, 2000, 'versions').catch(() => {});
    const v = sw.forScope(scope).find((x) => x.status === 'activated') ?? sw.forScope(scope)[0];
    return v?.runningStatus ?? 'unknown';
  } finally {
    await sw.dispose();
  }
}

/**
 * Open an extension page (e.g. 'devtools-panel.html?tabId=3') in a new tab.
 * @param {import('playwright-core').BrowserContext} context
 * @param {string} extensionId
 * @param {string} path relative to the extension root; a leading '/' is allowed.
 * @param {{ waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit', timeout?: number }} [options]
 */
export async function openExtensionPage(context, extensionId, path, { waitUntil = 'load', timeout = 15_000 } = {}) {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/${path.replace(/^\//, '')}`, { waitUntil, timeout });
  return page;
}

/**
 * Chrome's tab id of a page (for devtools-panel.html?tabId=N), asked from the extension's service worker
 * (needs the "tabs" permission). Matches by URL; pass a unique URL.
 * @param {import('playwright-core').Worker} serviceWorker
 * @param {string} url the page's exact URL (page.url()).
 */
export async function tabIdForUrl(serviceWorker, url) {
  const ids = await serviceWorker.evaluate(async (u) => (await chrome.tabs.query({})).filter((t) => t.url === u).map((t) => t.id), url);
  if (ids.length !== 1) throw new Error(`expected one tab with URL ${url}, found ${ids.length}`);
  return ids[0];
}

/**
 * Open chrome://webrtc-internals in a new tab. Do this BEFORE the call starts: opened later, it keeps only
 * 5 log entries per connection and stats from that moment on.
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openWebrtcInternals(context) {
  const page = await context.newPage();
  await page.goto('chrome://webrtc-internals/');
  await page.waitForSelector('#dump-click-target', { state: 'attached', timeout: 15_000 });
  return page;
}

/**
 * Download Chromium's own dump from an open chrome://webrtc-internals page (see openWebrtcInternals):
 * expands "Create a WebRTC-Internals dump", unticks compression (#dump-checkbox) for plain JSON, clicks
 * #dump-click-target and returns the downloaded text (JSON: { getUserMedia, PeerConnections, UserAgent }).
 * @param {import('playwright-core').Page} page the chrome://webrtc-internals tab
 * @returns {Promise<string>}
 */
export async function downloadWebrtcInternalsDump(page, { timeout = 30_000 } = {}) {
  await page.bringToFront();
  const summary = page.locator('summary', { hasText: 'Create a WebRTC-Internals dump' });
  const details = summary.locator('xpath=..');
  if (!(await details.evaluate((d) => d.open).catch(() => false))) await summary.click();
  const box = page.locator('#dump-checkbox');
  if (await box.isChecked()) await box.uncheck();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.locator('#dump-click-target').click(),
  ]);
  const file = await download.path();
  return readFile(file, 'utf8');
}
