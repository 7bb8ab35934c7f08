/**
 * "The stored sessions changed": said on a `BroadcastChannel` by whichever extension context changed them (the
 * background deleting or pruning, a view's dump worker importing), heard by every open panel and viewer, which then
 * list the sessions again. Without it a panel kept listing (and showing) sessions deleted in the viewer, and a
 * viewer saw another view's deletions and imports only at its next 15 s poll.
 *
 * A BroadcastChannel reaches every context of the extension's origin (pages, workers, the service worker) and
 * nothing else: content scripts and web pages are of other origins. What arrives is still checked.
 */

export const SESSIONS_CHANNEL = 'webrtc-scope/sessions';

export type SessionsChangeReason = 'deleted' | 'pruned' | 'imported';

export interface SessionsChangedMessage {
  type: 'sessions-changed';
  reason: SessionsChangeReason;
}

const REASONS: readonly string[] = ['deleted', 'pruned', 'imported'] satisfies SessionsChangeReason[];

export function isSessionsChanged(v: unknown): v is SessionsChangedMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return m.type === 'sessions-changed' && typeof m.reason === 'string' && REASONS.includes(m.reason);
}

/** Says the stored sessions changed; does nothing where BroadcastChannel is missing. Never throws. */
export function announceSessionsChanged(reason: SessionsChangeReason): void {
  if (typeof BroadcastChannel !== 'function') return;
  try {
    const channel = new BroadcastChannel(SESSIONS_CHANNEL);
    channel.postMessage({ type: 'sessions-changed', reason } satisfies SessionsChangedMessage);
    channel.close();
  } catch {
    /* a view lists again on its own poll or when shown */
  }
}

/** Calls `onChange` for each valid announcement; returns the unsubscribe. A no-op where BroadcastChannel is missing. */
export function listenSessionsChanged(onChange: (message: SessionsChangedMessage) => void): () => void {
  if (typeof BroadcastChannel !== 'function') return () => undefined;
  const channel = new BroadcastChannel(SESSIONS_CHANNEL);
  channel.onmessage = (event: MessageEvent) => {
    if (isSessionsChanged(event.data)) onChange(event.data);
  };
  return () => channel.close();
}
