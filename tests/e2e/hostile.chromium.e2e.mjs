// e2e-timeout-seconds: 300
// A hostile page in real Chromium: forged records on the hook's channel (50 MB, a flood, markup) while a call runs in
// another tab. The checks: support/hostile-checks.mjs.
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild } from './support/util.mjs';
import * as ch from './support/chromium.mjs';
import { runHostilePageChecks } from './support/hostile-checks.mjs';

await ensureNetns();
const extensionDir = ensureBuild('chrome');
const server = await startServer();
const browser = await ch.launchChromiumWithExtension({ extensionDir });
try {
  await runHostilePageChecks({
    browserName: 'chromium',
    serverUrl: server.url,
    newPage: () => browser.context.newPage(),
    openExtensionPage: (path) => ch.openExtensionPage(browser.context, browser.extensionId, path),
    tabIdForUrl: (url) => ch.tabIdForUrl(browser.serviceWorker, url),
  });
} finally {
  await browser.close?.();
  await server.close?.();
}
