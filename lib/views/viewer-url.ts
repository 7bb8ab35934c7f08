/**
 * Where the viewer (the full-tab app over every stored session) lives, for the popup and the toolbar menu.
 */
import { browser } from '../ext/browser';

/** The viewer page's path inside the extension, with `?session=<id>` to open one session. */
export function viewerPath(sessionId?: string | null): string {
  return sessionId ? `/viewer.html?session=${encodeURIComponent(sessionId)}` : '/viewer.html';
}

/** The viewer's full `chrome-extension://` / `moz-extension://` URL, optionally opening one session. */
export function viewerUrl(sessionId?: string | null): string {
  return (browser.runtime.getURL as (path: string) => string)(viewerPath(sessionId));
}
