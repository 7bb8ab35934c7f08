// e2e-timeout-seconds: 300
// A hostile page in real Firefox ESR: forged records on the hook's channel (50 MB, a flood, markup) while a call runs
// in another tab. The checks: support/hostile-checks.mjs.
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild } from './support/util.mjs';
import * as ff from './support/firefox.mjs';
import { runHostilePageChecks } from './support/hostile-checks.mjs';

await ensureNetns();
const extensionDir = ensureBuild('firefox');
const server = await startServer();
const firefox = await ff.launchFirefoxWithExtension({ extensionDir });
try {
  await runHostilePageChecks({
    browserName: 'firefox',
    serverUrl: server.url,
    newPage: () => firefox.browser.newPage(),
    openExtensionPage: (path) => ff.openExtensionPage(firefox.browser, firefox.uuid, path),
    tabIdForUrl: (url) => ff.tabIdForUrl(firefox.browser, firefox.uuid, url, { extensionDir }),
  });
} finally {
  await firefox.close?.();
  await server.close?.();
}
