// Firefox ESR (/usr/bin/firefox-esr) with the extension as a temporary add-on, driven by puppeteer-core 24 over
// WebDriver BiDi (no geckodriver exists here).
//
//   const ff = await launchFirefoxWithExtension({ extensionDir: '.output/firefox-mv3' });
//   try {
//     const page = await ff.browser.newPage();
//     await page.goto(server.url + 'call.html');
//     const dump = await readExtensionDb(ff.browser, ff.uuid);   // { version, stores: { name: [values] } }
//   } finally { await ff.close(); }
//
// Notes (Firefox 153 ESR + puppeteer-core 24.43, measured here):
// - The extension's moz-extension:// UUID is fixed through the pref 'extensions.webextensions.uuids', so its
//   pages have a known URL.
// - `page.goto('moz-extension://…')` loads but never resolves: openExtensionPage() navigates with a short timeout,
//   then polls until the document is there. Any resource of the extension works as an extension-origin document
//   (the browser.* API and the extension's IndexedDB are there), even a .js file shown as text: readExtensionDb()
//   uses one so that none of the extension's page scripts run.
// - Without '--remote-allow-system-access' the moz-extension:// navigation is refused.
// - Calls connect only with a non-loopback interface: run inside the namespace of netns.mjs (veth pair).
import puppeteer from 'puppeteer-core';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dumpIdbInContext, reviveIdbDump } from './idb-dump.mjs';
import { waitFor } from './util.mjs';

export { waitFor };

export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
/** Fixed moz-extension:// host of the add-on in tests. */
export const FIREFOX_EXTENSION_UUID = '6f1d2c1e-3b7a-4d0e-9a55-2b9e1f0c7a11';

export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  // Keep Firefox quiet and offline-friendly.
  'browser.shell.checkDefaultBrowser': false,
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

/** The gecko id declared in a build's manifest. */
export function geckoIdOf(extensionDir) {
  const manifest = JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8'));
  const id = manifest.browser_specific_settings?.gecko?.id ?? manifest.applications?.gecko?.id;
  if (!id) throw new Error(`no browser_specific_settings.gecko.id in ${extensionDir}/manifest.json`);
  return id;
}

/**
 * @param {object} options
 * @param {string} options.extensionDir unpacked Firefox build (e.g. '.output/firefox-mv3').
 * @param {boolean} [options.headless=true]
 * @param {string} [options.uuid=FIREFOX_EXTENSION_UUID]
 * @param {Record<string, unknown>} [options.prefs] extra prefs.
 * @param {string[]} [options.args] extra Firefox arguments.
 * @returns {Promise<{ browser: import('puppeteer-core').Browser, uuid: string, addonId: string, baseUrl: string,
 *   extensionDir: string, launchMs: number, close: () => Promise<void> }>}
 */
export async function launchFirefoxWithExtension(options) {
  const { headless = true, uuid = FIREFOX_EXTENSION_UUID, prefs = {}, args = [] } = options;
  const extensionDir = resolve(options.extensionDir);
  if (!existsSync(join(extensionDir, 'manifest.json'))) {
    throw new Error(`no manifest.json in ${extensionDir}: build first (npx wxt build -b firefox --mv3)`);
  }
  const geckoId = geckoIdOf(extensionDir);
  const t0 = performance.now();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless,
    args: ['--remote-allow-system-access', ...args],
    extraPrefsFirefox: {
      ...FIREFOX_PREFS,
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
      ...prefs,
    },
  });
  try {
    const addonId = await browser.installExtension(extensionDir);
    const launchMs = Math.round(performance.now() - t0);
    let closing;
    return {
      browser,
      uuid,
      addonId,
      baseUrl: `moz-extension://${uuid}/`,
      extensionDir,
      launchMs,
      close() {
        closing ??= browser.close().catch(() => {
          try {
            browser.process()?.kill('SIGKILL');
          } catch {}
        });
        return closing;
      },
    };
  } catch (err) {
    await browser.close().catch(() => {});
    throw err;
  }
}

/**
 * Open a page of the extension (e.g. 'devtools-panel.html?tabId=3') in a new tab and wait until its document
 * is the extension's and has loaded (puppeteer's goto never resolves for moz-extension:// URLs).
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} uuid
 * @param {string} path
 * @param {{ timeout?: number, page?: import('puppeteer-core').Page }} [options] page: reuse this tab.
 * @returns {Promise<import('puppeteer-core').Page>}
 */
export async function openExtensionPage(browser, uuid, path, { timeout = 15_000, page } = {}) {
  const url = `moz-extension://${uuid}/${path.replace(/^\//, '')}`;
  page ??= await browser.newPage();
  // Not awaited: the navigation happens, but puppeteer's goto never settles for moz-extension:// URLs.
  page.goto(url, { timeout: timeout + 5000, waitUntil: 'load' }).catch(() => {});
  await waitFor(
    // The app pages put their selection in the hash (#session=…) as soon as they load: compare without it.
    () => page.evaluate((u) => location.href.split('#')[0] === u && document.readyState === 'complete', url),
    { timeout, interval: 50, what: `${url} to load` },
  );
  return page;
}

/** A resource of the build to use as a neutral extension-origin document (no page scripts run). */
function neutralResource(extensionDir) {
  const files = readdirSync(extensionDir);
  if (files.includes('background.js')) return 'background.js';
  return files.find((f) => f.endsWith('.js')) ?? 'manifest.json';
}

/**
 * Run `fn(arg)` in an extension-origin document (browser.* API, the extension's IndexedDB and storage), in a
 * temporary tab that is closed afterwards. `fn` must be self-contained (its source is sent to the browser).
 * `browser.runtime.getBackgroundPage()` there gives the (event) background page's window.
 * @template T
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} uuid
 * @param {(arg: any) => T | Promise<T>} fn
 * @param {any} [arg]
 * @param {{ path?: string, extensionDir?: string }} [options] path: document to use (default: a .js file of the
 *   build as text, so no extension page scripts run).
 * @returns {Promise<T>}
 */
export async function evaluateInExtension(browser, uuid, fn, arg, { path, extensionDir } = {}) {
  path ??= extensionDir ? neutralResource(extensionDir) : 'manifest.json';
  const page = await openExtensionPage(browser, uuid, path);
  try {
    return await page.evaluate(fn, arg);
  } finally {
    await page.close().catch(() => {});
  }
}

/**
 * Dump every object store of the extension's IndexedDB database (null when it does not exist; it is not
 * created). Values come back revived: Uint8Array/ArrayBuffer/Date/Map/Set as themselves, Blob as
 * { blobType, bytes }.
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} uuid
 * @param {string} [dbName='webrtc-scope']
 * @param {{ path?: string, extensionDir?: string }} [options]
 * @returns {Promise<import('./idb-dump.mjs').IdbDump | null>}
 */
export async function readExtensionDb(browser, uuid, dbName = 'webrtc-scope', options = {}) {
  return reviveIdbDump(await evaluateInExtension(browser, uuid, dumpIdbInContext, dbName, options));
}

/**
 * Firefox's tab id of the tab showing `url` (for devtools-panel.html?tabId=N), via browser.tabs.query in an
 * extension document.
 */
export async function tabIdForUrl(browser, uuid, url, options = {}) {
  const ids = await evaluateInExtension(
    browser,
    uuid,
    async (u) => (await browser.tabs.query({})).filter((t) => t.url === u).map((t) => t.id),
    url,
    options,
  );
  if (ids.length !== 1) throw new Error(`expected one tab with URL ${url}, found ${ids.length}`);
  return ids[0];
}
