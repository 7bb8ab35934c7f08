/** The toolbar context-menu entry: created on install (after clearing), opens the viewer tab on click. */
import { describe, expect, it, vi } from 'vitest';
import { registerViewerMenu, VIEWER_MENU_ID, type ViewerMenuApis } from '../../../lib/background/viewer-menu';
import { viewerPath } from '../../../lib/views/viewer-url';

describe('viewer menu', () => {
  it('creates the action entry on install and opens the viewer when clicked', async () => {
    let installed!: () => void;
    let clicked!: (info: { menuItemId: string | number }) => void;
    const calls: string[] = [];
    const apis: ViewerMenuApis = {
      contextMenus: {
        create: vi.fn((props, cb) => {
          calls.push(`create ${props.id} ${props.contexts.join()}`);
          cb?.();
        }),
        removeAll: async () => void calls.push('removeAll'),
        onClicked: { addListener: (cb) => (clicked = cb) },
      },
      runtime: { onInstalled: { addListener: (cb) => (installed = cb) }, getURL: (path) => `chrome-extension://abc${path}` },
      tabs: { create: vi.fn(async () => ({})) },
    };
    registerViewerMenu(apis);
    expect(calls).toEqual([]);
    installed();
    await vi.waitFor(() => expect(calls).toEqual(['removeAll', `create ${VIEWER_MENU_ID} action`]));
    clicked({ menuItemId: 'other' });
    expect(apis.tabs.create).not.toHaveBeenCalled();
    clicked({ menuItemId: VIEWER_MENU_ID });
    expect(apis.tabs.create).toHaveBeenCalledWith({ url: 'chrome-extension://abc/viewer.html' });
  });

  it('builds viewer paths that preselect a session', () => {
    expect(viewerPath()).toBe('/viewer.html');
    expect(viewerPath('12:a b&c')).toBe('/viewer.html?session=12%3Aa%20b%26c');
  });
});
