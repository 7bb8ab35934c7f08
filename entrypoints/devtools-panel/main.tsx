import { render } from 'preact';
import { browser } from '../../lib/ext/browser';
import { VIEW_PORT } from '../../lib/protocol/constants';
import { connectToBackground, type ViewPort } from '../../lib/views/background-client';
import { PanelApp } from '../../components/panel/PanelApp';

// Tab id from DevTools when inside it, else from ?tabId= (so the panel also opens as an ordinary tab).
const tabId = browser.devtools?.inspectedWindow?.tabId ?? Number(new URLSearchParams(location.search).get('tabId'));
const client = connectToBackground(() => browser.runtime.connect({ name: VIEW_PORT }) as unknown as ViewPort);
render(<PanelApp client={client} tabId={Number.isFinite(tabId) ? tabId : null} />, document.getElementById('app')!);
