import { browser } from '../lib/ext/browser';
import { startBackground } from '../lib/background/start-background';
import type { BackgroundApis } from '../lib/background/start-background';
import { registerViewerMenu } from '../lib/background/viewer-menu';

export default defineBackground(() => {
  const log = import.meta.env.DEV ? (message: string, detail?: unknown) => console.debug('[webrtc-scope]', message, detail ?? '') : undefined;
  // Synchronously, before anything async: a worker woken by a menu click must already listen for it.
  registerViewerMenu({ contextMenus: browser.contextMenus, runtime: browser.runtime, tabs: browser.tabs }, log);
  void startBackground({
    runtime: browser.runtime as unknown as BackgroundApis['runtime'],
    tabs: browser.tabs as unknown as BackgroundApis['tabs'],
    storageArea: browser.storage.local as unknown as BackgroundApis['storageArea'],
    action: browser.action as unknown as BackgroundApis['action'],
    log,
  });
});
