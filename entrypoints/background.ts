import { browser } from '../lib/ext/browser';
import { startBackground } from '../lib/background/start-background';
import type { BackgroundApis } from '../lib/background/start-background';

export default defineBackground(() => {
  void startBackground({
    runtime: browser.runtime as unknown as BackgroundApis['runtime'],
    tabs: browser.tabs as unknown as BackgroundApis['tabs'],
    storageArea: browser.storage.local as unknown as BackgroundApis['storageArea'],
    log: import.meta.env.DEV ? (message, detail) => console.debug('[webrtc-scope]', message, detail ?? '') : undefined,
  });
});
