/**
 * The toolbar button's context-menu entry "Open WebRTC Scope viewer". Chrome and Firefox (event pages) keep
 * menu items across worker restarts, so the item is created on install/update only; the click listener is
 * registered on every start, synchronously (an MV3 worker woken by the click must already have it).
 */
import { viewerPath } from '../views/viewer-url';

export const VIEWER_MENU_ID = 'webrtc-scope-open-viewer';
export const VIEWER_MENU_TITLE = 'Open WebRTC Scope viewer';

/** The slice of `browser.*` this needs (`contextMenus` is also Firefox's alias of `menus`). */
export interface ViewerMenuApis {
  contextMenus: {
    create(properties: { id: string; title: string; contexts: ['action'] }, callback?: () => void): unknown;
    removeAll(): Promise<void> | void;
    onClicked: { addListener(cb: (info: { menuItemId: string | number }) => void): void };
  };
  runtime: {
    onInstalled: { addListener(cb: () => void): void };
    getURL(path: string): string;
    readonly lastError?: unknown;
  };
  tabs: { create(properties: { url: string }): Promise<unknown> };
}

export function registerViewerMenu(apis: ViewerMenuApis, log?: (message: string, detail?: unknown) => void): void {
  apis.runtime.onInstalled.addListener(() => {
    // removeAll first: an update re-runs onInstalled while the old item still exists (duplicate id error).
    void Promise.resolve(apis.contextMenus.removeAll())
      .then(() =>
        apis.contextMenus.create({ id: VIEWER_MENU_ID, title: VIEWER_MENU_TITLE, contexts: ['action'] }, () => {
          // Reading lastError marks it handled (Chrome logs "Unchecked runtime.lastError" otherwise).
          if (apis.runtime.lastError) log?.('viewer menu not created', apis.runtime.lastError);
        }),
      )
      .catch((error: unknown) => log?.('viewer menu not created', error));
  });
  apis.contextMenus.onClicked.addListener((info) => {
    if (info.menuItemId !== VIEWER_MENU_ID) return;
    apis.tabs.create({ url: apis.runtime.getURL(viewerPath()) }).catch((error: unknown) => log?.('viewer tab not opened', error));
  });
}
