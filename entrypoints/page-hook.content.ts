import { startPageHook } from '../lib/page/page-bridge';

// MAIN world, every frame (about:blank, srcdoc and blob frames included), before any page script: wraps
// RTCPeerConnection and getUserMedia synchronously in main(), and talks to the isolated relay of the same frame
// through CustomEvents on window (lib/page/page-bridge.ts). No extension API exists in this world.
export default defineContentScript({
  matches: ['<all_urls>'],
  world: 'MAIN',
  runAt: 'document_start',
  allFrames: true,
  matchAboutBlank: true,
  // Chrome: also frames whose URL has no host of its own (about:srcdoc, blob:, data:), by their creator's origin.
  matchOriginAsFallback: true,
  // WXT's default wraps the bundle as `var pageHook = (function(){…})()`: in the MAIN world that is a new global the
  // page can see. Anonymous IIFE instead.
  globalName: false,
  main() {
    startPageHook(window);
  },
});
