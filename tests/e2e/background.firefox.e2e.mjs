// e2e-timeout-seconds: 600
// A call in a hidden Firefox ESR tab for five and a half minutes: a sample every second throughout
// (support/background-checks.mjs).
import { ensureNetns } from './support/netns.mjs';
import { startServer } from './support/server.mjs';
import { ensureBuild } from './support/util.mjs';
import * as ff from './support/firefox.mjs';
import { runBackgroundCallChecks } from './support/background-checks.mjs';

await ensureNetns();
const extensionDir = ensureBuild('firefox');
const server = await startServer();
const firefox = await ff.launchFirefoxWithExtension({ extensionDir });
try {
  await runBackgroundCallChecks({
    browserName: 'firefox',
    serverUrl: server.url,
    newPage: () => firefox.browser.newPage(),
    openExtensionPage: (path) => ff.openExtensionPage(firefox.browser, firefox.uuid, path),
  });
} finally {
  await firefox.close?.();
  await server.close?.();
}
