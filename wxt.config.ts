import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';

// One source, two targets: `wxt build` (chrome-mv3) and `wxt build -b firefox --mv3` (firefox-mv3).
export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  manifestVersion: 3,
  // @preact/preset-vite is typed against the top-level Vite (vitest pulls Vite 8), WXT bundles Vite 7: the
  // plugin works with both, only the type declarations differ.
  vite: () => ({ plugins: [preact() as never] }),
  manifest: {
    name: 'WebRTC Scope',
    description: 'Records, charts and diagnoses every WebRTC call a tab makes.',
    // contextMenus: the toolbar button's "Open WebRTC Scope viewer" entry (Firefox accepts it as the alias of menus).
    permissions: ['storage', 'unlimitedStorage', 'tabs', 'contextMenus'],
    // A toolbar button, so the 'action' context menu has somewhere to be (Firefox shows none without it).
    action: { default_title: 'WebRTC Scope' },
    browser_specific_settings: {
      gecko: {
        id: 'webrtc-scope@example.org',
        strict_min_version: '142.0',
        // Firefox requires the declaration; we collect nothing: everything stays in the local IndexedDB.
        data_collection_permissions: { required: ['none'] },
      } as Record<string, unknown>, // WXT's manifest types predate data_collection_permissions
    },
  },
});
