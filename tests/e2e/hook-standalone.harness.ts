// Injected by tests/e2e/hook-standalone.test.mjs (bundled with esbuild as an IIFE, added as an init script) into every
// document. It stands in for the isolated-world relay: it listens for the hook's CustomEvents, validates each envelope with
// the relay's own guard, and keeps the records in `window.__hookTest` (non-enumerable). The same harness runs in the
// baseline (no hook) so that both runs add exactly the same global.
//
// __HOOK_MODE__ (esbuild define): 'hook' = hook in every frame; 'top' = hook only in the top frame (child frames are
// reached through the iframe getters); 'baseline' = no hook.
import { PAGE_TO_RELAY_EVENT, RELAY_LIMITS } from '../../lib/protocol/constants';
import { pageEventEnvelopes, parsePageEnvelope } from '../../lib/protocol/guards';
import { startPageHook } from '../../lib/page/page-bridge';

declare const __HOOK_MODE__: 'hook' | 'top' | 'baseline';

const store = { records: [] as unknown[], invalid: [] as string[], mode: __HOOK_MODE__, hooked: false };
Object.defineProperty(window, '__hookTest', { value: store, configurable: true, enumerable: false, writable: false });
window.addEventListener(PAGE_TO_RELAY_EVENT, (event) => {
  const detail = (event as CustomEvent).detail;
  // As the relay reads it: one envelope per line (a polling tick's stats records come in one event).
  for (const text of typeof detail === 'string' ? pageEventEnvelopes(detail) : [detail]) {
    const parsed = parsePageEnvelope(text, RELAY_LIMITS.maxRecordChars);
    if (parsed.ok) store.records.push(parsed.value);
    else store.invalid.push(parsed.reason);
  }
});
if (__HOOK_MODE__ === 'hook' || (__HOOK_MODE__ === 'top' && window === window.top)) {
  startPageHook(window as Window & typeof globalThis);
  store.hooked = true;
}
