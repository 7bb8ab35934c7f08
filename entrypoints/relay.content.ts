import { browser } from '../lib/ext/browser';
import { RELAY_PORT } from '../lib/protocol/constants';
import type { TopFrameAnswer } from '../lib/protocol/messages';
import { startRelay, type RelayPort } from '../lib/relay/relay';
import { normalizeSettings, SETTINGS_KEY } from '../lib/model/settings';

// Isolated world, every frame, before page scripts: takes the MAIN-world hook's records to the background.
export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  matchAboutBlank: true,
  // The hook also runs in about:blank/srcdoc/blob frames; its records need a relay there too.
  matchOriginAsFallback: true,
  main(ctx) {
    const frameLoadId = crypto.randomUUID();
    startRelay({
      win: window,
      frameLoadId,
      signal: ctx.signal,
      connect: () => browser.runtime.connect({ name: RELAY_PORT }) as unknown as RelayPort,
      loadSettings: async () => normalizeSettings((await browser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY]),
      watchSettings: (onChange) => {
        const listener = (changes: Record<string, { newValue?: unknown }>, area: string) => {
          if (area === 'local' && changes[SETTINGS_KEY]) onChange(normalizeSettings(changes[SETTINGS_KEY].newValue));
        };
        browser.storage.onChanged.addListener(listener);
        return () => browser.storage.onChanged.removeListener(listener);
      },
    });
    // The background asks the top frame which document (page load) a subframe's PCs belong to.
    if (window === window.top) {
      browser.runtime.onMessage.addListener((message: unknown) => {
        if ((message as { type?: unknown })?.type !== 'webrtc-scope/top-load-id?') return undefined;
        const answer: TopFrameAnswer = { frameLoadId, url: location.href, title: document.title };
        return Promise.resolve(answer);
      });
    }
  },
});
