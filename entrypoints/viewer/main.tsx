import { render } from 'preact';
import { browser } from '../../lib/ext/browser';
import { VIEW_PORT } from '../../lib/protocol/constants';
import { connectToBackground, type ViewPort } from '../../lib/views/background-client';
import { ScopeApp } from '../../components/app/ScopeApp';

// Every stored session, full tab, following the system theme (?theme=dark|light overrides, for tests).
// ?session=<id> opens one session (the popup and the toolbar menu link here; see lib/views/viewer-url).
const params = new URLSearchParams(location.search);
const theme = params.get('theme');
const client = connectToBackground(() => browser.runtime.connect({ name: VIEW_PORT }) as unknown as ViewPort);
render(
  <ScopeApp
    client={client}
    mode="viewer"
    initialSessionId={params.get('session')}
    theme={theme === 'dark' || theme === 'light' ? theme : undefined}
  />,
  document.getElementById('app')!,
);
