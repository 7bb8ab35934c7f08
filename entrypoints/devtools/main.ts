import { browser } from '../../lib/ext/browser';

// The only file that touches devtools.panels: adds the "WebRTC" panel for the inspected tab.
void browser.devtools.panels.create('WebRTC', '', '/devtools-panel.html');
