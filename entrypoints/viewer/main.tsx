import { render } from 'preact';
import { browser } from '../../lib/ext/browser';
import { VIEW_PORT } from '../../lib/protocol/constants';
import { connectToBackground, type ViewPort } from '../../lib/views/background-client';
import { ScopeApp } from '../../components/app/ScopeApp';
import { downloadFile } from '../../components/dump/download';
import { createDumpClient, type WorkerLike } from '../../lib/views/dump-client';
import DumpWorker from '../../lib/views/dump-worker?worker';

// Every stored session, full tab, following the system theme (?theme=dark|light overrides, for tests).
// ?session=<id> opens one session (the popup and the toolbar menu link here; see lib/views/viewer-url).
const params = new URLSearchParams(location.search);
const theme = params.get('theme');
const client = connectToBackground(() => browser.runtime.connect({ name: VIEW_PORT }) as unknown as ViewPort);
// Import/export run in a dedicated worker next to this page (it opens the IndexedDB itself). Vite bundles it from
// the `?worker` import: WXT defines `import.meta.url` as `self.location.href` (wxt-dev/wxt#392), which hides the
// `new Worker(new URL(…, import.meta.url))` form from Vite's worker plugin (wxt-dev/wxt#2032).
const dumpClient = createDumpClient({
  createWorker: () => new DumpWorker({ name: 'webrtc-scope-dump' }) as unknown as WorkerLike,
  extensionVersion: browser.runtime.getManifest().version,
  userAgent: navigator.userAgent,
});
render(
  <ScopeApp
    client={client}
    mode="viewer"
    dumpClient={dumpClient}
    download={downloadFile}
    initialSessionId={params.get('session')}
    theme={theme === 'dark' || theme === 'light' ? theme : undefined}
  />,
  document.getElementById('app')!,
);
