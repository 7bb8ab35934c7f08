/**
 * Composition of the background: store, recorder, router and retention, wired to the browser's APIs. Listeners
 * are registered synchronously (an MV3 worker woken by an event must have them before the first await); they
 * wait for the database to open.
 */
import { HELLO_LIMITS, RELAY_PORT, VIEW_PORT } from '../protocol/constants';
import type { BackgroundToTopFrame, TopFrameAnswer } from '../protocol/messages';
import type { PortLike } from '../protocol/port';
import { truncateText } from '../protocol/text';
import { announceSessionsChanged, listenSessionsChanged } from '../protocol/sessions-channel';
import { DEFAULT_SETTINGS, type Settings } from '../model/settings';
import { openScopeDb } from '../storage/open-db';
import { maxSessionBytes, SessionStore } from '../storage/session-store';
import { LiveHealth, type Badge } from './live-health';
import { Recorder, type TopDocument } from './recorder';
import { createRouter, type RelayPortIn, type ViewPortIn } from './router';
import { createSettingsAccess, type KeyValueArea } from './settings-store';

export interface BackgroundApis {
  runtime: {
    onConnect: { addListener(cb: (port: PortLike) => void): void };
    onStartup: { addListener(cb: () => void): void };
  };
  tabs: {
    onRemoved: { addListener(cb: (tabId: number) => void): void };
    query(q: object): Promise<{ id?: number }[]>;
    /** The tab's URL for the popup (with the tabs permission). */
    get?(tabId: number): Promise<{ url?: string }>;
    sendMessage(tabId: number, message: BackgroundToTopFrame, options: { frameId: number }): Promise<unknown>;
  };
  storageArea: KeyValueArea;
  /** The toolbar button (badge per tab). */
  action?: {
    setBadgeText(details: { tabId: number; text: string }): Promise<void> | void;
    setBadgeBackgroundColor(details: { tabId: number; color: string }): Promise<void> | void;
    /** Chrome ≥ 110, Firefox ≥ 63 (as browserAction); optional. */
    setBadgeTextColor?(details: { tabId: number; color: string }): Promise<void> | void;
  };
  dbName?: string;
  log?(message: string, detail?: unknown): void;
}

/** How often retention runs at most while sessions keep ending. */
const RETENTION_MIN_INTERVAL_MS = 60_000;

export function startBackground(apis: BackgroundApis) {
  const storedSettings = createSettingsAccess(apis.storageArea);
  // The recorder caps each session by the retention settings, synchronously: kept here from every read and save.
  let sessionByteLimit = maxSessionBytes(DEFAULT_SETTINGS.retention);
  const seen = (settings: Settings) => {
    sessionByteLimit = maxSessionBytes(settings.retention);
    return settings;
  };
  const settings = {
    get: async () => seen(await storedSettings.get()),
    set: async (partial: Partial<Settings>) => seen(await storedSettings.set(partial)),
  };
  const ready = (async () => {
    const store = new SessionStore(await openScopeDb(apis.dbName));
    const recorder = new Recorder({
      store,
      askTopDocument: (tabId) => askTopDocument(apis, tabId),
      now: Date.now,
      sessionByteLimit: () => sessionByteLimit,
    });
    let lastRetention = 0;
    /** `now`: at once (new limits saved, sessions imported); else at most once a minute while sessions keep ending. */
    const runRetention = async (now = false) => {
      if (!now && Date.now() - lastRetention < RETENTION_MIN_INTERVAL_MS) return;
      lastRetention = Date.now();
      const deleted = await store.prune((await settings.get()).retention, Date.now());
      if (deleted.length > 0) {
        apis.log?.(`retention deleted ${deleted.length} session(s)`);
        announceSessionsChanged('pruned');
      }
    };
    const liveHealth = new LiveHealth({
      store,
      settings: () => settings.get(),
      now: Date.now,
      setBadge: (tabId, badge) => void setBadge(apis, tabId, badge),
      tabUrl: async (tabId) => (apis.tabs.get ? (await apis.tabs.get(tabId)).url : undefined),
      log: apis.log,
    });
    const router = createRouter({
      recorder,
      store,
      settings,
      liveHealth,
      now: Date.now,
      onSessionsEnded: () => void runRetention().catch((e) => apis.log?.('retention failed', e)),
      // Lower limits apply when saved, not at the next session's end (a user who only imports had none).
      onSettingsSaved: () => runRetention(true).catch((e) => apis.log?.('retention failed', e)),
      log: apis.log,
    });
    // Sessions whose tab is gone were ended while no worker ran (tab closed, browser quit).
    const openTabs = new Set((await apis.tabs.query({})).map((t) => t.id));
    await store.endLiveSessions((s) => s.tabId !== null && openTabs.has(s.tabId), Date.now());
    await runRetention();
    // A view's dump worker stored sessions: the limits hold for imports too (an import is retained from its import
    // time, so an old call's file is not deleted for its age).
    listenSessionsChanged((message) => {
      if (message.reason === 'imported') void runRetention(true).catch((e) => apis.log?.('retention failed', e));
    });
    return { store, router };
  })();
  ready.catch((error) => apis.log?.('background failed to start', error));

  apis.runtime.onConnect.addListener((port) => {
    if (port.name !== RELAY_PORT && port.name !== VIEW_PORT) return;
    // Messages that arrive before the database is open must not be lost: hold them.
    const held: unknown[] = [];
    const hold = (m: unknown) => held.push(m);
    port.onMessage.addListener(hold);
    ready.then(({ router }) => {
      port.onMessage.removeListener(hold);
      if (port.name === RELAY_PORT) router.acceptRelayPort(port as unknown as RelayPortIn, held);
      else router.acceptViewPort(port as unknown as ViewPortIn, held);
    });
  });
  apis.tabs.onRemoved.addListener((tabId) => void ready.then(({ router }) => router.tabRemoved(tabId)));
  apis.runtime.onStartup.addListener(() => {
    // A browser start: tab ids begin anew, so no stored session can still be live.
    void ready.then(({ store }) => store.endLiveSessions(() => false, Date.now()));
  });
  return ready;
}

async function setBadge(apis: BackgroundApis, tabId: number, badge: Badge | null): Promise<void> {
  const action = apis.action;
  if (!action) return;
  try {
    await action.setBadgeText({ tabId, text: badge?.text ?? '' });
    if (badge) {
      await action.setBadgeBackgroundColor({ tabId, color: badge.color });
      await action.setBadgeTextColor?.({ tabId, color: '#ffffff' });
    }
  } catch {
    // The tab closed meanwhile.
  }
}

async function askTopDocument(apis: BackgroundApis, tabId: number): Promise<TopDocument | null> {
  try {
    const answer = (await Promise.race([
      apis.tabs.sendMessage(tabId, { type: 'webrtc-scope/top-load-id?' }, { frameId: 0 }),
      new Promise((resolve) => setTimeout(resolve, 1000, null)),
    ])) as Partial<TopFrameAnswer> | null;
    if (answer && typeof answer.frameLoadId === 'string' && answer.frameLoadId.length <= 64) {
      // The top frame's relay answers with the page's own URL and title, which the page sets at will.
      return {
        frameLoadId: answer.frameLoadId,
        url: truncateText(String(answer.url ?? ''), HELLO_LIMITS.maxUrlChars),
        title: truncateText(String(answer.title ?? ''), HELLO_LIMITS.maxTitleChars),
      };
    }
  } catch {
    // No relay in the top frame (restricted page) or the tab is gone.
  }
  return null;
}
