import { render } from 'preact';
import { browser } from '../../lib/ext/browser';
import { VIEW_PORT } from '../../lib/protocol/constants';
import { connectToBackground, type ViewPort } from '../../lib/views/background-client';
import { viewerUrl } from '../../lib/views/viewer-url';
import { Popup } from '../../components/popup/Popup';

// From the toolbar: the active tab. As a page (tests, or a pinned tab): ?tabId=N.
const param = new URLSearchParams(location.search).get('tabId');
const client = connectToBackground(() => browser.runtime.connect({ name: VIEW_PORT }) as unknown as ViewPort);
const asPage = param !== null;
const open = (url: string) => {
  void browser.tabs.create({ url });
  if (!asPage) window.close();
};

void (async () => {
  const tabId = asPage ? Number(param) : (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
  render(
    <Popup
      client={client}
      tabId={typeof tabId === 'number' && Number.isInteger(tabId) && tabId >= 0 ? tabId : null}
      openViewer={(sessionId) => open(viewerUrl(sessionId))}
      openPanelPage={(id) => open((browser.runtime.getURL as (p: string) => string)(`/devtools-panel.html?tabId=${id}`))}
    />,
    document.getElementById('app')!,
  );
})();
