/**
 * The background's switchboard: relay ports in, view ports in and out. Talks to {@link PortLike}s only, so the
 * whole flow runs in Node tests over in-memory port pairs.
 */
import { checkRelayToBackground, checkViewToBackground } from '../protocol/guards';
import type {
  BackgroundToRelay,
  BackgroundToView,
  PcStatsPayload,
  RelayToBackground,
  SessionUpdate,
  StatsFilter,
  ViewRequest,
  ViewToBackground,
} from '../protocol/messages';
import type { PortLike } from '../protocol/port';
import { bytesToBase64 } from '../protocol/base64';
import { announceSessionsChanged } from '../protocol/sessions-channel';
import { captureAllowed, hostOf, type Settings } from '../model/settings';
import type { SessionStore } from '../storage/session-store';
import type { LiveHealth } from './live-health';
import type { FrameContext, Recorder } from './recorder';

export type RelayPortIn = PortLike<RelayToBackground, BackgroundToRelay>;
export type ViewPortIn = PortLike<ViewToBackground, BackgroundToView>;

export interface SettingsAccess {
  get(): Promise<Settings>;
  set(partial: Partial<Settings>): Promise<Settings>;
}

export interface RouterDeps {
  recorder: Recorder;
  store: SessionStore;
  settings: SettingsAccess;
  now(): number;
  /** Health of live PCs for the badge and the popup; fed every update. */
  liveHealth?: LiveHealth;
  /** Called when sessions ended (retention may run then). */
  onSessionsEnded?(): void;
  /**
   * Called when the settings were saved (retention runs with the new limits); the save is answered once it
   * settled, so the notices a view asks for next include what it deleted.
   */
  onSettingsSaved?(): Promise<void> | void;
  log?(message: string, detail?: unknown): void;
}

export interface Router {
  /** Takes over a port; `backlog` holds messages that arrived before the router existed, handled first. */
  acceptRelayPort(port: RelayPortIn, backlog?: unknown[]): void;
  acceptViewPort(port: ViewPortIn, backlog?: unknown[]): void;
  tabRemoved(tabId: number): Promise<void>;
}

export function createRouter(deps: RouterDeps): Router {
  /** Per tab, the views subscribed to it, each with its stats filter (null: every sample). */
  const subscribers = new Map<number, Map<ViewPortIn, StatsFilterSet | null>>();
  const log = deps.log ?? (() => undefined);

  const publish = (tabId: number | null, update: SessionUpdate | null) => {
    if (tabId === null || !update) return;
    void deps.liveHealth?.apply(tabId, update);
    for (const [view, filter] of subscribers.get(tabId) ?? []) {
      try {
        view.postMessage({ type: 'tab-update', tabId, update: filtered(update, filter) });
      } catch {
        subscribers.get(tabId)?.delete(view);
      }
    }
  };

  function acceptRelayPort(port: RelayPortIn, backlog: unknown[] = []) {
    const tab = port.sender?.tab;
    if (tab?.id === undefined || tab.id < 0) {
      // Only tabs have pages to record (not other extension contexts).
      port.disconnect();
      return;
    }
    const tabId = tab.id;
    let ctx: FrameContext | null = null;
    // Messages of one port are handled strictly in order, including the async hello.
    let chain: Promise<void> = Promise.resolve();

    /** The tab's top-level site is paused or excluded: this port's records are dropped (see 'capture-off'). */
    let captureOff = false;

    const handle = async (message: RelayToBackground) => {
      switch (message.type) {
        case 'hello': {
          // A subframe's relay judges capture by its own host (and, in Chromium, its top-level site's); the tab's
          // URL here is the top-level site's in every browser.
          captureOff = !captureAllowed(await deps.settings.get(), [hostOf(tab.url)]);
          if (captureOff) {
            port.postMessage({ type: 'capture-off' });
            return;
          }
          const attached = await deps.recorder.attachFrame(tabId, message, tab);
          // A top frame's hello, or a subframe's whose top frame answered for it (a page that never used WebRTC
          // itself: its relay stays silent, so only the call widget in its iframe says hello).
          const isNewPage = attached.topKnown === true && ctx?.sessionId !== attached.sessionId;
          ctx = attached;
          if (isNewPage) {
            // A new top document in this tab: the tab's earlier pages are over.
            for (const update of await deps.recorder.endTabSessions(tabId, deps.now(), attached.sessionId)) publish(tabId, update);
            deps.onSessionsEnded?.();
          }
          return;
        }
        case 'batch': {
          if (captureOff) {
            port.postMessage({ type: 'ack', seq: message.seq });
            return;
          }
          if (!ctx) return;
          const result = await deps.recorder.storeBatch(ctx, message.seq, message.records, message.refused);
          port.postMessage({ type: 'ack', seq: message.seq });
          if (result.needResync) port.postMessage({ type: 'resync' });
          publish(tabId, result.update);
          return;
        }
        case 'unload': {
          if (!ctx || captureOff) return;
          // Not the relay's `t`: session ends are stamped with the background's clock (retention ages by it).
          publish(tabId, await deps.recorder.frameUnloaded(ctx));
          deps.onSessionsEnded?.();
        }
      }
    };

    const receive = (raw: unknown) => {
      const checked = checkRelayToBackground(raw);
      if (!checked.ok) {
        log('refused relay message', checked.reason);
        return;
      }
      chain = chain
        .then(() => handle(checked.value))
        .catch((error) => {
          // Not acknowledged: hang up so the relay reconnects and resends everything it still holds.
          log('relay message failed', error);
          try {
            port.disconnect();
          } catch {
            /* already gone */
          }
        });
    };
    backlog.forEach(receive);
    port.onMessage.addListener(receive);
  }

  async function answer(request: ViewRequest): Promise<unknown> {
    switch (request.type) {
      case 'list-sessions':
        return deps.store.listSessions(request.tabId === undefined ? undefined : { tabId: request.tabId });
      case 'get-session':
        return (await deps.store.readSessionData(request.sessionId, { withStats: request.withStats !== false })) ?? null;
      case 'get-pc-stats': {
        const { pcId, chunks, pending } = await deps.store.readPcStats(request.sessionId, request.pcId);
        const payload: PcStatsPayload = {
          chunks: chunks.map((c) => ({ firstIndex: c.firstIndex, count: c.count, data: bytesToBase64(c.data) })),
          pending,
        };
        if (pcId !== null) payload.pcId = pcId;
        return payload;
      }
      case 'delete-sessions':
        await deps.store.deleteSessions(request.sessionIds);
        announceSessionsChanged('deleted'); // the other open views list again
        return null;
      case 'get-settings':
        return deps.settings.get();
      case 'set-settings': {
        const saved = await deps.settings.set(request.settings);
        deps.liveHealth?.settingsChanged(saved);
        await deps.onSettingsSaved?.();
        return saved;
      }
      case 'get-tab-health':
        if (!deps.liveHealth) throw new Error('live health is not running');
        return deps.liveHealth.tabHealth(request.tabId);
      case 'get-notices':
        return deps.store.getNotices();
    }
  }

  function acceptViewPort(port: ViewPortIn, backlog: unknown[] = []) {
    const mine = new Set<number>();
    const receive = (raw: unknown) => {
      const checked = checkViewToBackground(raw);
      if (!checked.ok) {
        log('refused view message', checked.reason);
        return;
      }
      const message = checked.value;
      if (message.type === 'subscribe-tab' || message.type === 'unsubscribe-tab') {
        let set = subscribers.get(message.tabId);
        if (message.type === 'subscribe-tab') {
          const filter = message.stats === undefined ? null : { sessionId: message.stats.sessionId, pcIds: new Set(message.stats.pcIds) };
          if (!set) subscribers.set(message.tabId, (set = new Map()));
          set.set(port, filter);
          mine.add(message.tabId);
        } else {
          set?.delete(port);
          mine.delete(message.tabId);
        }
        return;
      }
      const { reqId } = message;
      // The view may have gone (closed, or disposed its port) while the answer was read: posting then throws, and
      // nobody is left to tell.
      const reply = (response: Parameters<typeof port.postMessage>[0]) => {
        try {
          port.postMessage(response);
        } catch {
          /* disconnected */
        }
      };
      answer(message).then(
        (value) => reply({ type: 'response', reqId, ok: true, value: value as never }),
        (error: unknown) => reply({ type: 'response', reqId, ok: false, error: String((error as Error)?.message ?? error) }),
      );
    };
    backlog.forEach(receive);
    port.onMessage.addListener(receive);
    port.onDisconnect.addListener(() => {
      for (const tabId of mine) subscribers.get(tabId)?.delete(port);
    });
  }

  async function tabRemoved(tabId: number) {
    for (const update of await deps.recorder.endTabSessions(tabId, deps.now())) publish(tabId, update);
    deps.liveHealth?.tabRemoved(tabId);
    deps.onSessionsEnded?.();
  }

  return { acceptRelayPort, acceptViewPort, tabRemoved };
}

/** A view's {@link StatsFilter}, its PC ids as a set. */
interface StatsFilterSet {
  sessionId: string;
  pcIds: Set<string>;
}

/** The update as a view with this filter gets it: the filtered session's samples of other PCs left out. */
function filtered(update: SessionUpdate, filter: StatsFilterSet | null): SessionUpdate {
  if (filter === null || filter.sessionId !== update.session.id || update.stats.every((s) => filter.pcIds.has(s.pcId))) return update;
  return { ...update, stats: update.stats.filter((s) => filter.pcIds.has(s.pcId)) };
}
