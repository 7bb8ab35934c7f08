#!/usr/bin/env node
// `npm start`: build the Chrome extension, serve the demo call page, and open Chromium with the extension on it.
//
//   npm start                      headed Chromium; runs until the browser window is closed or Ctrl-C.
//                                  Without $DISPLAY it re-runs itself under xvfb-run (invisible) when available.
//   npm start -- --headless        headless: waits for the call and a few seconds of stats, saves screenshots of
//                                  the call page, the extension's panel, the viewer and the popup, prints where, exits 0.
// Options: --seconds N (stats to collect before the screenshots, default 5), --out DIR (screenshot folder,
//   default tmp/screenshots), --page NAME (page under tests/e2e/pages, default demo.html), --no-build,
//   --netns (run inside a private network namespace, as the tests do; root or user namespaces needed).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer, REPO_ROOT } from '../tests/e2e/support/server.mjs';
import { ensureBuild, waitFor, CHROME_BUILD } from '../tests/e2e/support/util.mjs';
import { launchChromiumWithExtension, openExtensionPage, readExtensionDb, tabIdForUrl } from '../tests/e2e/support/chromium.mjs';
import { ensureNetns } from '../tests/e2e/support/netns.mjs';

const { values: opts } = parseArgs({
  options: {
    headless: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    out: { type: 'string', default: join(REPO_ROOT, 'tmp/screenshots') },
    page: { type: 'string', default: 'demo.html' },
    'no-build': { type: 'boolean', default: false },
    netns: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('usage: npm start [-- --headless] [--seconds N] [--out DIR] [--page demo.html] [--no-build] [--netns]');
  process.exit(0);
}

// Headed needs an X server. Re-run under xvfb-run when there is none (the window is then invisible: use
// --headless for screenshots, or run on a desktop to see it).
if (!opts.headless && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  const hasXvfbRun = spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
  if (process.env.WEBRTC_SCOPE_XVFB || !hasXvfbRun) {
    console.error('No $DISPLAY: a headed browser needs an X server. Run `xvfb-run npm start` (apt-get install xvfb xauth),');
    console.error('or `npm start -- --headless` to take screenshots without one.');
    process.exit(1);
  }
  console.log('No $DISPLAY: re-running under xvfb-run (an invisible X server). Stop with Ctrl-C.');
  console.log('To see the browser, run `npm start` on a desktop; for screenshots use `npm start -- --headless`.');
  const child = spawn('xvfb-run', ['-a', '-s', '-screen 0 1600x1000x24', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, WEBRTC_SCOPE_XVFB: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  await new Promise(() => {});
}

if (opts.netns) await ensureNetns();

const seconds = Number(opts.seconds);
if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--seconds: not a number: ${opts.seconds}`);

if (!opts['no-build']) ensureBuild('chrome', { force: true });
const server = await startServer();
let browser;
let finished = false;
async function shutdown(code) {
  if (finished) return;
  finished = true;
  await browser?.close().catch(() => {});
  await server.close().catch(() => {});
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(0));

try {
  browser = await launchChromiumWithExtension({
    extensionDir: CHROME_BUILD,
    headless: opts.headless,
    handleSignals: false, // shutdown() below closes the browser and removes its profile
    contextOptions: opts.headless ? {} : { viewport: null },
    args: opts.headless ? [] : ['--window-size=1400,950'],
  });
  const { context, serviceWorker, extensionId } = browser;
  console.log(`Chromium ${opts.headless ? '(headless) ' : ''}with WebRTC Scope ${extensionId} (started in ${browser.launchMs} ms)`);
  const page = context.pages()[0] ?? (await context.newPage());
  const callUrl = server.url + opts.page;
  await page.goto(callUrl);
  console.log(`Demo call: ${callUrl}`);

  const connected = () =>
    page.evaluate(() => {
      const s = window.demoState ?? window.callState ?? window.rigCall;
      if (s?.error) throw new Error(s.error);
      return Boolean(s && (s.connected || s.state === 'connected'));
    });
  await waitFor(connected, { timeout: 30_000, what: 'the demo call to connect' });
  const tabId = await tabIdForUrl(serviceWorker, page.url());
  const panelPath = `devtools-panel.html?tabId=${tabId}`;
  console.log(`Call connected (tab ${tabId}). Panel: chrome-extension://${extensionId}/${panelPath}`);

  if (!opts.headless) {
    const panel = await openExtensionPage(context, extensionId, panelPath).catch((err) => {
      console.log(`(could not open the panel page: ${err.message.split('\n')[0]})`);
      return null;
    });
    await page.bringToFront();
    if (panel) await panel.bringToFront();
    console.log('Running. Close the browser window or press Ctrl-C to stop.');
    await new Promise((done) => context.on('close', done));
    await shutdown(0);
  } else {
    await new Promise((r) => setTimeout(r, seconds * 1000)); // stats to show: the point of the wait
    const out = resolve(opts.out);
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'call.png'), fullPage: true });
    let panelShot = null;
    let viewerShot = null;
    const panel = await openExtensionPage(context, extensionId, panelPath).catch((err) => {
      console.log(`(no panel page: ${err.message.split('\n')[0]})`);
      return null;
    });
    if (panel) {
      await waitFor(() => panel.evaluate(() => (document.body?.innerText ?? '').trim().length > 0), {
        timeout: 10_000,
        what: 'the panel to render',
      }).catch(() => console.log('(the panel rendered no text within 10 s)'));
      // Charts draw from requestAnimationFrame once their first rates exist (two samples).
      await waitFor(() => panel.evaluate(() => Boolean(document.querySelector('figure[data-chart-id="bitrate-send"] .ts-chart__plot')?.dataset.lastX)), {
        timeout: 10_000,
        what: 'the charts to draw',
      }).catch(() => console.log('(the charts did not draw within 10 s)'));
      await panel.setViewportSize({ width: 1280, height: 1500 });
      await new Promise((r) => setTimeout(r, 1000));
      panelShot = join(out, 'panel.png');
      await panel.screenshot({ path: panelShot });
      const viewer = await openExtensionPage(context, extensionId, 'viewer.html').catch(() => null);
      if (viewer) {
        await waitFor(() => viewer.evaluate(() => Boolean(document.querySelector('figure[data-chart-id] .ts-chart__plot')?.dataset.lastX)), {
          timeout: 10_000,
          what: 'the viewer to draw',
        }).catch(() => console.log('(the viewer drew no chart within 10 s)'));
        await viewer.screenshot({ path: join(out, 'viewer.png') });
        viewerShot = join(out, 'viewer.png');
      }
    }
    // The toolbar popup, opened as a page for the call's tab (a headless browser has no toolbar to click).
    let popupShot = null;
    const popup = await openExtensionPage(context, extensionId, `popup.html?tabId=${tabId}`).catch(() => null);
    if (popup) {
      await popup.setViewportSize({ width: 380, height: 640 });
      await waitFor(() => popup.evaluate(() => document.querySelectorAll('li.popup-pc [data-verdict]').length > 0), {
        timeout: 10_000,
        what: 'the popup to show the call',
      }).catch(() => console.log('(the popup showed no connection within 10 s)'));
      popupShot = join(out, 'popup.png');
      await popup.screenshot({ path: popupShot });
    }
    const db = await readExtensionDb(serviceWorker).catch(() => null);
    if (db) {
      const counts = Object.entries(db.stores).map(([n, rows]) => `${n}: ${rows.length}`).join(', ');
      console.log(`Extension database '${db.name}' v${db.version}: ${counts}`);
    }
    console.log(`Screenshots in ${out}:`);
    console.log(`  ${join(out, 'call.png')}`);
    if (panelShot) console.log(`  ${panelShot}`);
    if (viewerShot) console.log(`  ${viewerShot}`);
    if (popupShot) console.log(`  ${popupShot}`);
    await shutdown(0);
  }
} catch (err) {
  console.error(err?.stack ?? err);
  await shutdown(1);
}
