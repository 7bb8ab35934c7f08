import { render } from 'preact';
import { browser } from '../../lib/ext/browser';
import { VIEW_PORT } from '../../lib/protocol/constants';
import { connectToBackground, type ViewPort } from '../../lib/views/background-client';
import { ScopeApp } from '../../components/app/ScopeApp';
import { downloadFile } from '../../components/dump/download';
import { createDumpClient, type WorkerLike } from '../../lib/views/dump-client';
import DumpWorker from '../../lib/views/dump-worker?worker';

// Inside DevTools: the inspected tab and DevTools' theme. As an ordinary tab: ?tabId=N (and ?theme=dark|light).
const params = new URLSearchParams(location.search);
type ThemeEvents = { onThemeChanged?: { addListener(cb: (name: string) => void): void } };
const devtools = browser.devtools as (typeof browser.devtools & { panels: ThemeEvents }) | undefined;
const tabId = devtools?.inspectedWindow?.tabId ?? Number(params.get('tabId') ?? NaN);
const themeOf = (name: string | undefined) =>
  name === 'dark' || name === 'light' ? name : name === 'default' ? 'light' : undefined;
const client = connectToBackground(() => browser.runtime.connect({ name: VIEW_PORT }) as unknown as ViewPort);
// Import/export run in a dedicated worker next to this page (it opens the IndexedDB itself). Vite bundles it from
// the `?worker` import: WXT defines `import.meta.url` as `self.location.href` (wxt-dev/wxt#392), which hides the
// `new Worker(new URL(…, import.meta.url))` form from Vite's worker plugin (wxt-dev/wxt#2032).
const dumpClient = createDumpClient({
  createWorker: () => new DumpWorker({ name: 'webrtc-scope-dump' }) as unknown as WorkerLike,
  extensionVersion: browser.runtime.getManifest().version,
  userAgent: navigator.userAgent,
});
const mount = (theme: 'dark' | 'light' | undefined) =>
  render(<ScopeApp client={client} mode="panel" tabId={Number.isFinite(tabId) ? tabId : null} theme={theme} dumpClient={dumpClient} download={downloadFile} />, document.getElementById('app')!);

mount(themeOf(params.get('theme') ?? undefined) ?? themeOf(devtools?.panels?.themeName));
// Firefox tells when DevTools switch theme (Chrome reloads the panel instead).
if (!params.has('theme')) devtools?.panels?.onThemeChanged?.addListener((name) => mount(themeOf(name)));
