/**
 * The views' one connection to the background: typed requests with replies, and live subscriptions to a tab.
 * Used by the devtools panel, the viewer and the popup.
 */
import type { BackgroundToView, PcStatsPayload, SessionUpdate, StatsFilter, TabHealth, ViewRequest, ViewToBackground } from '../protocol/messages';
import type { PortLike } from '../protocol/port';
import type { SessionData, SessionSummary } from '../model/session';
import type { Settings } from '../model/settings';
import type { Notice } from '../storage/session-store';

export type ViewPort = PortLike<BackgroundToView, ViewToBackground>;

/** What each request resolves to. */
export interface ResponseOf {
  'list-sessions': SessionSummary[];
  'get-session': SessionData | null;
  'get-pc-stats': PcStatsPayload;
  'delete-sessions': null;
  'get-settings': Settings;
  'set-settings': Settings;
  'get-notices': Notice[];
  'get-tab-health': TabHealth;
}

export interface BackgroundClient {
  request<R extends ViewRequest>(request: R): Promise<ResponseOf[R['type']]>;
  /** Live updates of a tab's sessions until the returned function is called or the signal aborts. */
  subscribeTab(tabId: number, onUpdate: (update: SessionUpdate) => void, signal?: AbortSignal): () => void;
  /**
   * Narrows the stats samples of a subscribed tab's updates (see {@link StatsFilter}; null: all). One filter per tab
   * and connection, for every subscriber of the tab (the view store is the only one); dropped when the last one
   * unsubscribes. Updates sent after it carry only the filtered samples; widen it before asking for a PC's stored
   * stats, so no sample falls between the read and the live updates.
   */
  setStatsFilter(tabId: number, filter: StatsFilter | null): void;
  close(): void;
}

/** Opens the connection. `connect` is `() => browser.runtime.connect({ name: VIEW_PORT })`. */
export function connectToBackground(connect: () => ViewPort): BackgroundClient {
  let port: ViewPort | null = null;
  let nextReqId = 1;
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void; request: ViewRequest }>();
  const subscriptions = new Map<number, Set<(u: SessionUpdate) => void>>();
  const filters = new Map<number, StatsFilter>();
  const subscribeMessage = (tabId: number): ViewToBackground => {
    const stats = filters.get(tabId);
    return stats ? { type: 'subscribe-tab', tabId, stats } : { type: 'subscribe-tab', tabId };
  };

  const onMessage = (message: BackgroundToView) => {
    if (message.type === 'response') {
      const waiter = pending.get(message.reqId);
      if (!waiter) return;
      pending.delete(message.reqId);
      if (message.ok) waiter.resolve(message.value as never);
      else waiter.reject(new Error(message.error));
    } else if (message.type === 'tab-update') {
      for (const cb of subscriptions.get(message.tabId) ?? []) cb(message.update);
    }
  };

  const ensurePort = (): ViewPort => {
    if (port) return port;
    const opened = connect();
    port = opened;
    opened.onMessage.addListener(onMessage);
    opened.onDisconnect.addListener(() => {
      port = null;
      // The worker restarted: re-send unanswered requests and subscriptions on a new port.
      if (pending.size > 0 || subscriptions.size > 0) {
        setTimeout(() => {
          const p = ensurePort();
          for (const tabId of subscriptions.keys()) p.postMessage(subscribeMessage(tabId));
          for (const [reqId, { request }] of pending) p.postMessage({ ...request, reqId });
        }, 100);
      }
    });
    return opened;
  };

  return {
    request(request) {
      const reqId = nextReqId++;
      return new Promise((resolve, reject) => {
        pending.set(reqId, { resolve: resolve as (v: never) => void, reject, request });
        ensurePort().postMessage({ ...request, reqId });
      });
    },
    subscribeTab(tabId, onUpdate, signal) {
      let set = subscriptions.get(tabId);
      if (!set) {
        subscriptions.set(tabId, (set = new Set()));
        ensurePort().postMessage(subscribeMessage(tabId));
      }
      set.add(onUpdate);
      const unsubscribe = () => {
        set!.delete(onUpdate);
        if (set!.size === 0) {
          subscriptions.delete(tabId);
          filters.delete(tabId);
          port?.postMessage({ type: 'unsubscribe-tab', tabId });
        }
      };
      signal?.addEventListener('abort', unsubscribe, { once: true });
      return unsubscribe;
    },
    setStatsFilter(tabId, filter) {
      if (!subscriptions.has(tabId)) return;
      if (filter) filters.set(tabId, { sessionId: filter.sessionId, pcIds: [...filter.pcIds] });
      else if (!filters.delete(tabId)) return;
      ensurePort().postMessage(subscribeMessage(tabId));
    },
    close() {
      port?.disconnect();
      port = null;
      for (const { reject } of pending.values()) reject(new Error('connection closed'));
      pending.clear();
      subscriptions.clear();
      filters.clear();
    },
  };
}
