/**
 * The view store of the panel and the viewer: the session list (one tab's sessions, or every stored one), the
 * selected session's {@link SessionData} kept live from {@link SessionUpdate}s, and the {@link StatsFeed} the
 * charts and latest-value views read.
 *
 * Two speeds: stats samples go into the selected session's columns in place and reach feed listeners at once
 * (they redraw outside Preact); Preact subscribers hear only of structural changes (what the UI lays out:
 * sessions appearing or ending, titles, PCs and their states, new trace events), at most every `throttleMs`.
 * Counters that move with every sample (durations, sample counts, bytes) reach them at most every `softMs`.
 *
 * Stats load per PC, on demand: the session comes without them (`get-session` with `withStats: false`), and the
 * first `columns(pcId)` of a PC fetches its stored chunks (`get-pc-stats`) and decodes them straight into columns
 * (a 60-minute call's PC is a few hundred KB of chunks, where all its columns as JSON are tens of MB). The first PC's
 * (what the app shows by default) are asked for together with the session (`pcId: null`), decoded as they arrive,
 * and the session waits for them briefly, so it shows once, with its charts. Live samples of a PC arriving meanwhile
 * are held and appended after; those of PCs nobody asked for are left to the store.
 *
 * Consistency: updates are applied in arrival order; the first `get-session` reply may already contain some of
 * the updates that arrived before it, so events are de-duplicated by `seq` (gap-free per session) and samples by
 * time (ascending per PC). A gap (an update lost while the worker restarted and the client resubscribed) shows
 * as a session whose counters run ahead of what we hold: the session is then read again.
 */
import { liveStep } from './live-step';
import { listenSessionsChanged } from '../protocol/sessions-channel';
import type { Notice } from '../storage/session-store';
import type { SessionUpdate } from '../protocol/messages';
import type { PcSummary, SessionData, SessionSummary, StatsColumns } from '../model/session';
import { appendSamples } from '../model/stats-columns';
import type { StatsSample } from '../model/session';
import { columnsFromPcStats } from './pc-stats';
import type { BackgroundClient } from './background-client';
import type { StatsFeed } from './stats-feed';

/** Which sessions the app shows: one tab's (the devtools panel) or every stored one (the viewer). */
export type StoreScope = { kind: 'tab'; tabId: number } | { kind: 'all' };

export type LoadStatus = 'none' | 'loading' | 'ready' | 'missing' | 'error';

export interface ViewState {
  /** Newest first (by start). */
  sessions: SessionSummary[];
  listStatus: 'loading' | 'ready' | 'error';
  listError: string | null;
  selectedId: string | null;
  /** Tab scope: the selection follows the tab's newest session (until the user picks an earlier one). */
  following: boolean;
  /** The selected session; a new object on each structural change, its `stats` shared and grown in place. */
  data: SessionData | null;
  dataStatus: LoadStatus;
  dataError: string | null;
  notices: Notice[];
}

export interface SessionViewStoreOptions {
  /** Preselected session (hash or `?session=`); in tab scope, picking a session other than the newest stops following. */
  initialSessionId?: string | null;
  /** Least time between two structural notifications (ms). Default 250 (≤ 4 renders/s). */
  throttleMs?: number;
  /** Least time between notifications of counters only (durations, sample counts). Default 5000. */
  softMs?: number;
  /** How long a request may take before the background counts as unreachable (ms). Default 10000. */
  requestTimeoutMs?: number;
  /** All scope: re-list sessions this often to see sessions of tabs not subscribed (ms); 0 disables. Default 15000. */
  listPollMs?: number;
  /**
   * Hears that the stored sessions changed elsewhere (deleted or imported in another view, pruned by retention);
   * the store then lists again. Default: the extension's sessions channel (lib/protocol/sessions-channel.ts).
   */
  listenSessionsChanged?: (onChange: (message: { reason: string }) => void) => () => void;
  now?: () => number;
}

type Listener = () => void;

/** Session summary fields the UI lays out; a change of any other field (counters, activity time) is soft. */
const STRUCTURAL_SESSION_FIELDS: (keyof SessionSummary)[] = ['url', 'origin', 'title', 'endedAt', 'pcCount', 'mediaCallCount', 'tabId', 'startedAt'];
/** PC fields that only move with samples. */
const SOFT_PC_FIELDS = new Set<keyof PcSummary>(['sampleCount', 'lastSampleAt']);

/** How long a session that arrived before its first PC's stats waits for them before it shows without them (ms). */
const FIRST_STATS_WAIT_MS = 500;
/** How long news of changed sessions waits for more before the list is read again (ms). */
const SESSIONS_CHANGED_DELAY_MS = 100;
/** Soft counters wait for the next samples of a shown PC while samples came within this long (see markSoft). */
const SAMPLES_FLOWING_MS = 1500;

/** A PC's stats, decoded. */
type PcColumns = { pcId: string; columns: StatsColumns };
/** The session's first PC's stats, asked for with the session: `done` once they arrived (null: no PC, or not yet). */
type FirstPcStats = { promise: Promise<PcColumns | null>; done: PcColumns | null };

const newestFirst = (a: SessionSummary, b: SessionSummary) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1);

export class SessionViewStore implements StatsFeed {
  private readonly client: BackgroundClient;
  private readonly scope: StoreScope;
  private readonly opts: Required<Omit<SessionViewStoreOptions, 'initialSessionId'>>;
  private state: ViewState;
  private readonly listeners = new Set<Listener>();
  private readonly feedListeners = new Set<(pcId: string, fromRow: number) => void>();
  /** The selected session as held live (arrays grown in place); `state.data` is a snapshot of it. */
  private live: SessionData | null = null;
  /** PCs of `live` whose stats are being fetched, with the live samples that arrived meanwhile. */
  private statsLoading = new Map<string, StatsSample[]>();
  /** PCs whose stats were shown (or loading) before the session was read again: fetched again at once. */
  private wantedStats = new Set<string>();
  /** Updates of the session being (re)loaded that arrived before its reply. */
  private buffered: SessionUpdate[] | null = null;
  private loadToken = 0;
  private resyncAt = 0;
  private structuralDirty = false;
  private softDirty = false;
  private dataDirty = false;
  private lastNotify = -Infinity;
  private lastSoftNotify = -Infinity;
  /** When an update last appended samples to a shown PC (markSoft). */
  private lastSamplesAt = -Infinity;
  private notifyTimer: ReturnType<typeof setTimeout> | undefined;
  private softTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  /** A list-again after news of changed sessions, coalescing a burst of them. */
  private changedTimer: ReturnType<typeof setTimeout> | undefined;
  private unlistenSessionsChanged: (() => void) | null = null;
  /** A retention run was announced since the last reload of the notices. */
  private noticesDue = false;
  private readonly tabSubscriptions = new Map<number, () => void>();
  /** The stats filter last sent (see syncStatsFilter): its tab, and its session and PC ids as one key. */
  private sentFilter: { tabId: number; key: string } | null = null;
  private disposed = false;
  private readonly initialSessionId: string | null;

  constructor(client: BackgroundClient, scope: StoreScope, options: SessionViewStoreOptions = {}) {
    this.client = client;
    this.scope = scope;
    this.initialSessionId = options.initialSessionId ?? null;
    this.opts = {
      throttleMs: options.throttleMs ?? 250,
      softMs: options.softMs ?? 5000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      listPollMs: options.listPollMs ?? 15_000,
      listenSessionsChanged: options.listenSessionsChanged ?? listenSessionsChanged,
      now: options.now ?? (() => Date.now()),
    };
    this.state = {
      sessions: [],
      listStatus: 'loading',
      listError: null,
      selectedId: null,
      following: scope.kind === 'tab',
      data: null,
      dataStatus: 'none',
      dataError: null,
      notices: [],
    };
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  private loadNotices(): void {
    void this.request({ type: 'get-notices' }).then(
      (notices) => {
        if (!this.disposed) this.setState({ notices });
      },
      () => undefined,
    );
  }

  /** Subscribes (tab scope) and loads the list, the notices and the initial selection. */
  async start(): Promise<void> {
    if (this.scope.kind === 'tab') this.subscribeTab(this.scope.tabId);
    if (this.scope.kind === 'all' && this.opts.listPollMs > 0) {
      this.pollTimer = setInterval(() => void this.refreshList(), this.opts.listPollMs);
    }
    this.unlistenSessionsChanged = this.opts.listenSessionsChanged((message) => {
      // Retention left a notice saying what it deleted: show it now, not at the next opening.
      if (message?.reason === 'pruned') this.noticesDue = true;
      if (this.disposed || this.changedTimer !== undefined) return;
      this.changedTimer = setTimeout(() => {
        this.changedTimer = undefined;
        if (this.disposed) return;
        if (this.noticesDue) {
          this.noticesDue = false;
          this.loadNotices();
        }
        void this.refreshList();
      }, SESSIONS_CHANGED_DELAY_MS);
    });
    this.loadNotices();
    await this.refreshList();
    if (this.state.listStatus !== 'ready' || this.state.selectedId !== null) return;
    const initial = this.initialSessionId;
    // Without a preselection both open the newest session; only the panel keeps following the tab's newest.
    if (initial !== null) this.select(initial, { user: true });
    else if (this.state.sessions.length > 0) this.select(this.state.sessions[0].id, { user: false });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.notifyTimer);
    clearTimeout(this.softTimer);
    clearInterval(this.pollTimer);
    clearTimeout(this.changedTimer);
    this.unlistenSessionsChanged?.();
    this.unlistenSessionsChanged = null;
    for (const unsubscribe of this.tabSubscriptions.values()) unsubscribe();
    this.tabSubscriptions.clear();
    this.listeners.clear();
    this.feedListeners.clear();
  }

  // ───────────────────────────── Preact side ─────────────────────────────

  getState(): ViewState {
    return this.state;
  }

  /** Called (throttled) after structural changes; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ───────────────────────────── StatsFeed ─────────────────────────────

  columns(pcId: string): StatsColumns | undefined {
    const live = this.live;
    if (!live) return undefined;
    const columns = live.stats[pcId];
    if (columns === undefined) {
      if (this.state.dataStatus === 'ready' && live.pcs.some((p) => p.pcId === pcId)) void this.loadPcStats(pcId);
      return undefined;
    }
    return columns.t.length > 0 ? columns : undefined;
  }

  onAppend(listener: (pcId: string, fromRow: number) => void): () => void {
    this.feedListeners.add(listener);
    return () => this.feedListeners.delete(listener);
  }

  // ───────────────────────────── actions ─────────────────────────────

  /**
   * Shows a session (null: none). `user`: the user chose it; in tab scope, choosing an earlier session than the
   * tab's newest stops following new sessions, choosing the newest resumes it.
   */
  select(sessionId: string | null, { user }: { user: boolean } = { user: true }): void {
    const following = this.scope.kind === 'tab' && (user ? sessionId === null || sessionId === this.state.sessions[0]?.id : this.state.following);
    if (sessionId === this.state.selectedId && this.state.dataStatus !== 'error' && this.state.dataStatus !== 'missing') {
      if (following !== this.state.following) this.setState({ following });
      return;
    }
    this.live = null;
    this.buffered = null;
    this.syncStatsFilter();
    this.loadToken++;
    this.setState({ selectedId: sessionId, following, data: null, dataStatus: sessionId === null ? 'none' : 'loading', dataError: null });
    if (sessionId !== null) void this.load(sessionId, false);
  }

  /** Reads the list, and the selected session, again (after an error, or when the view becomes visible). */
  async retry(): Promise<void> {
    await this.refreshList();
    const id = this.state.selectedId;
    if (id !== null && this.state.dataStatus !== 'ready' && this.state.dataStatus !== 'loading') {
      this.setState({ dataStatus: 'loading', dataError: null });
      await this.load(id, false);
    } else if (id === null && this.scope.kind === 'tab' && this.state.following && this.state.sessions.length > 0) {
      this.select(this.state.sessions[0].id, { user: false });
    }
  }

  /** Deletes sessions in the background, then drops them here. Rejects when the background refused. */
  async deleteSessions(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.request({ type: 'delete-sessions', sessionIds: ids });
    const gone = new Set(ids);
    const sessions = this.state.sessions.filter((s) => !gone.has(s.id));
    this.setState({ sessions });
    this.syncAllScopeSubscriptions();
    if (this.state.selectedId !== null && gone.has(this.state.selectedId)) {
      const next = this.scope.kind === 'tab' && this.state.following ? (sessions[0]?.id ?? null) : null;
      this.select(next, { user: false });
    }
  }

  /** Re-reads the session list (the selected session is kept; a vanished one shows as deleted). */
  async refreshList(): Promise<void> {
    try {
      const listed = await this.request({ type: 'list-sessions', ...(this.scope.kind === 'tab' ? { tabId: this.scope.tabId } : {}) });
      if (this.disposed) return;
      // Summaries that live updates brought in meanwhile are at least as new as the listed ones.
      const known = new Map(this.state.sessions.map((s) => [s.id, s]));
      const merged = listed.map((s) => {
        const mine = known.get(s.id);
        return mine && mine.lastActivityAt >= s.lastActivityAt && (mine.endedAt !== null || s.endedAt === null) ? mine : s;
      });
      merged.sort(newestFirst);
      const changed = !sameList(this.state.sessions, merged) || this.state.listStatus !== 'ready';
      const patch: Partial<ViewState> = changed ? { sessions: merged, listStatus: 'ready', listError: null } : {};
      const selected = this.state.selectedId;
      let followNewest = false;
      if (selected !== null && this.state.dataStatus === 'ready' && !merged.some((s) => s.id === selected)) {
        // Deleted elsewhere (another view, or retention) while open. A panel following its tab moves on to the
        // tab's newest session; otherwise the view says the session is gone.
        this.live = null;
        followNewest = this.scope.kind === 'tab' && this.state.following && merged.length > 0;
        Object.assign(patch, { data: null, dataStatus: 'missing', dataError: null });
      }
      if (Object.keys(patch).length > 0) this.setState(patch);
      this.syncAllScopeSubscriptions();
      if (followNewest) this.select(merged[0].id, { user: false });
    } catch (error) {
      if (!this.disposed) this.setState({ listStatus: 'error', listError: describeError(error) });
    }
  }

  // ───────────────────────────── loading ─────────────────────────────

  /** Reads a session; updates arriving meanwhile are buffered and applied after it, without duplicates. */
  private async load(sessionId: string, resync: boolean): Promise<void> {
    const token = ++this.loadToken;
    this.buffered = [];
    this.syncStatsFilter(); // every sample while the session loads (which PC comes first is not known yet)
    const summary = this.state.sessions.find((s) => s.id === sessionId);
    if (this.scope.kind === 'all' && summary && summary.endedAt === null && summary.tabId !== null) this.subscribeTab(summary.tabId);
    let data: SessionData | null;
    // Reading the same session again (a gap): fetch again the PCs whose stats were shown or on their way.
    this.wantedStats = this.live?.session.id === sessionId ? new Set([...Object.keys(this.live.stats), ...this.statsLoading.keys()]) : new Set();
    this.statsLoading = new Map();
    // The first PC is what the app shows by default: its stats are asked for with the session, ahead of it (the
    // background answers the smaller read first and we decode them while it reads the session's events).
    const first = this.wantedStats.size === 0 ? this.prefetchFirstPcStats(sessionId) : null;
    try {
      data = await this.request({ type: 'get-session', sessionId, withStats: false });
    } catch (error) {
      if (token !== this.loadToken || this.disposed) return;
      this.buffered = null;
      if (!resync) this.setState({ data: null, dataStatus: 'error', dataError: describeError(error) });
      return;
    }
    if (token !== this.loadToken || this.disposed) return;
    if (first !== null && first.done === null && data !== null && data.pcs.length > 0) {
      // The first PC's stats are on their way (usually a moment behind): one render with them costs less than one
      // without them and the rebuild when they land. Not for long: a slow answer shows the session without them.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([first.promise.catch(() => null), new Promise((resolve) => (timer = setTimeout(resolve, FIRST_STATS_WAIT_MS)))]);
      clearTimeout(timer);
      if (token !== this.loadToken || this.disposed) return;
    }
    const buffered = this.buffered ?? [];
    this.buffered = null;
    if (data === null) {
      this.live = null;
      this.setState({ data: null, dataStatus: 'missing', dataError: null });
      return;
    }
    this.live = data;
    // Stats that came first are there for the first render (before the buffered updates, which may extend them).
    const firstPcId = first !== null && data.pcs.length > 0 ? data.pcs[0].pcId : null;
    if (firstPcId !== null) {
      if (first!.done?.pcId === firstPcId) data.stats[firstPcId] = first!.done.columns;
      else this.statsLoading.set(firstPcId, []);
    }
    for (const update of buffered) this.applyToLive(update, false);
    this.syncStatsFilter();
    this.dataDirty = true;
    this.upsertSummary(this.live.session);
    this.state = { ...this.state, dataStatus: 'ready', dataError: null };
    // A session the user is waiting for shows at once: the throttle is for live changes, not for this.
    this.structuralDirty = true;
    clearTimeout(this.notifyTimer);
    this.flush();
    const again = [...this.wantedStats];
    this.wantedStats.clear();
    for (const pcId of again) if (data.pcs.some((p) => p.pcId === pcId)) void this.loadPcStats(pcId);
    if (firstPcId !== null && data.stats[firstPcId] === undefined) void this.finishFirstPcStats(data, firstPcId, first!.promise);
    if (this.hasGap(this.live)) this.resync();
  }

  /** Asks for the session's first PC's stats and decodes them as soon as they arrive. */
  private prefetchFirstPcStats(sessionId: string): FirstPcStats {
    const first: FirstPcStats = {
      done: null,
      promise: this.request({ type: 'get-pc-stats', sessionId, pcId: null }).then((payload) => {
        if (payload.pcId === undefined) return null;
        first.done = { pcId: payload.pcId, columns: columnsFromPcStats(payload) };
        return first.done;
      }),
    };
    // Failures are reported where the result is awaited (or, if the session came first with no PC, not at all).
    first.promise.catch(() => undefined);
    return first;
  }

  /** The first PC's stats arriving after its session (the session was shown without them): as loadPcStats. */
  private async finishFirstPcStats(live: SessionData, pcId: string, promise: FirstPcStats['promise']): Promise<void> {
    const loading = this.statsLoading;
    let got: PcColumns | null;
    try {
      got = await promise;
    } catch (error) {
      if (this.live === live && this.statsLoading === loading) loading.delete(pcId);
      console.error('[webrtc-scope] stats of', pcId, 'not loaded', error);
      return;
    }
    if (this.live !== live || this.statsLoading !== loading || this.disposed) return;
    if (got === null || got.pcId !== pcId) {
      // Not the PC the session shows first (its first PC was created between the two reads): fetch it by id.
      loading.delete(pcId);
      void this.loadPcStats(pcId);
      return;
    }
    this.attachPcStats(live, loading, pcId, got.columns);
  }

  /** Fetches a PC's stored stats into columns; live samples arriving meanwhile are appended after (by time). */
  private async loadPcStats(pcId: string): Promise<void> {
    const live = this.live;
    if (!live || this.statsLoading.has(pcId) || live.stats[pcId] !== undefined) return;
    const loading = this.statsLoading;
    loading.set(pcId, []);
    // Its live samples come from now on, before the read: none falls between the two (duplicates go by time).
    this.syncStatsFilter();
    let columns: StatsColumns;
    try {
      columns = columnsFromPcStats(await this.request({ type: 'get-pc-stats', sessionId: live.session.id, pcId }));
    } catch (error) {
      if (this.live === live && this.statsLoading === loading) loading.delete(pcId);
      console.error('[webrtc-scope] stats of', pcId, 'not loaded', error);
      return;
    }
    if (this.live !== live || this.statsLoading !== loading || this.disposed) return; // another session (or a re-read) took over
    this.attachPcStats(live, loading, pcId, columns);
  }

  /** Fetched stats become the PC's columns; live samples held meanwhile are appended after (by time). */
  private attachPcStats(live: SessionData, loading: Map<string, StatsSample[]>, pcId: string, columns: StatsColumns): void {
    const held = loading.get(pcId) ?? [];
    loading.delete(pcId);
    const last = columns.t.length > 0 ? columns.t[columns.t.length - 1] : -Infinity;
    appendSamples(columns, held.filter((s) => s.t > last));
    live.stats[pcId] = columns;
    this.emitAppend(pcId, 0);
    if (this.hasGap(live)) this.resync();
  }

  /** Reads the selected session again after a gap, at most every 2 s. */
  private resync(): void {
    const id = this.state.selectedId;
    if (id === null || this.buffered !== null) return;
    const now = this.opts.now();
    if (now - this.resyncAt < 2000) return;
    this.resyncAt = now;
    void this.load(id, true);
  }

  // ───────────────────────────── live updates ─────────────────────────────

  private subscribeTab(tabId: number): void {
    if (this.tabSubscriptions.has(tabId)) return;
    this.tabSubscriptions.set(tabId, this.client.subscribeTab(tabId, (update) => this.onUpdate(update)));
  }

  /**
   * Asks the background for only the live samples this store keeps: of the selected session, those of the PCs whose
   * stats are held or being fetched (the others are dropped in applyToLive anyway; a live panel shows one PC of
   * four, and every sample is a full stats report). While a session loads, every sample (its first PC is not known
   * yet). Call it after the held or fetched PCs changed, before asking for a PC's stats.
   */
  private syncStatsFilter(): void {
    const live = this.live;
    const tabId = live !== null && this.buffered === null ? live.session.tabId : null;
    const pcIds = live !== null && tabId !== null && this.tabSubscriptions.has(tabId) ? [...Object.keys(live.stats), ...this.statsLoading.keys()].sort() : null;
    const sent = this.sentFilter;
    if (sent !== null && (pcIds === null || sent.tabId !== tabId)) {
      if (this.tabSubscriptions.has(sent.tabId)) this.client.setStatsFilter(sent.tabId, null);
      this.sentFilter = null;
    }
    if (pcIds === null) return;
    const key = `${live!.session.id}\u0000${pcIds.join('\u0000')}`;
    if (this.sentFilter?.key === key) return;
    this.client.setStatsFilter(tabId!, { sessionId: live!.session.id, pcIds });
    this.sentFilter = { tabId: tabId!, key };
  }

  /** All scope: follow the tabs of live sessions, so their counters and ends show. */
  private syncAllScopeSubscriptions(): void {
    if (this.scope.kind !== 'all') return;
    const wanted = new Set<number>();
    for (const s of this.state.sessions) if (s.endedAt === null && s.tabId !== null) wanted.add(s.tabId);
    const selected = this.state.sessions.find((s) => s.id === this.state.selectedId);
    if (selected?.tabId != null && selected.endedAt === null) wanted.add(selected.tabId);
    for (const [tabId, unsubscribe] of this.tabSubscriptions) {
      if (!wanted.has(tabId)) {
        unsubscribe();
        this.tabSubscriptions.delete(tabId);
        if (this.sentFilter?.tabId === tabId) this.sentFilter = null; // the client dropped it with the subscription
      }
    }
    for (const tabId of wanted) this.subscribeTab(tabId);
  }

  /** One live update from the background (exposed for tests that drive the store directly). */
  onUpdate(update: SessionUpdate): void {
    if (this.disposed) return;
    const id = update.session.id;
    const isNew = !this.state.sessions.some((s) => s.id === id);
    this.upsertSummary(update.session);
    if (id === this.state.selectedId) {
      if (this.buffered !== null) this.buffered.push(update);
      else if (this.live) {
        this.applyToLive(update, true);
        if (this.hasGap(this.live)) this.resync();
      }
    } else if (isNew && this.scope.kind === 'tab' && this.state.following && this.state.sessions[0]?.id === id) {
      // The tab loaded a new page (reload): follow it. The update that announced it is part of what we load.
      this.select(id, { user: false });
      this.buffered?.push(update);
    }
  }

  private upsertSummary(summary: SessionSummary): void {
    const sessions = this.state.sessions;
    const index = sessions.findIndex((s) => s.id === summary.id);
    if (index === -1) {
      if (this.scope.kind === 'tab' && summary.tabId !== this.scope.tabId) return;
      this.state = { ...this.state, sessions: [...sessions, summary].sort(newestFirst) };
      this.markStructural();
      return;
    }
    const old = sessions[index];
    if (old === summary) return;
    const next = sessions.slice();
    next[index] = summary;
    this.state = { ...this.state, sessions: next };
    if (STRUCTURAL_SESSION_FIELDS.some((f) => old[f] !== summary[f])) this.markStructural();
    else this.markSoft();
  }

  /** Applies an update to the held session: events by seq, PCs by id, samples by time. */
  private applyToLive(update: SessionUpdate, notify: boolean): void {
    const live = this.live!;
    let structural = false;
    if (STRUCTURAL_SESSION_FIELDS.some((f) => live.session[f] !== update.session[f])) structural = true;
    live.session = update.session;
    for (const pc of update.pcs) {
      const index = live.pcs.findIndex((p) => p.pcId === pc.pcId);
      if (index === -1) {
        live.pcs.push(pc);
        live.pcs.sort((a, b) => a.createdAt - b.createdAt || (a.pcId < b.pcId ? -1 : 1));
        structural = true;
      } else {
        const old = live.pcs[index];
        if ((Object.keys(pc) as (keyof PcSummary)[]).some((k) => !SOFT_PC_FIELDS.has(k) && !sameJson(old[k], pc[k]))) structural = true;
        live.pcs[index] = pc;
      }
    }
    for (const event of update.events) {
      if (event.seq < live.events.length) continue; // already held (it was in the reply)
      if (event.seq > live.events.length) break; // a gap: hasGap() has the session read again
      live.events.push(event);
      structural = true;
    }
    let appended = false;
    let onStep = false;
    for (const { pcId, samples } of update.stats) {
      const columns = live.stats[pcId];
      if (!columns) {
        // Not loaded: held if being fetched, else left to the store (fetched when a view asks for this PC).
        this.statsLoading.get(pcId)?.push(...samples);
        continue;
      }
      const last = columns.t.length > 0 ? columns.t[columns.t.length - 1] : -Infinity;
      const fresh = samples[0] !== undefined && samples[0].t > last ? samples : samples.filter((s) => s.t > last);
      if (fresh.length === 0) continue;
      const fromRow = columns.t.length;
      appendSamples(columns, fresh);
      if (notify) {
        this.emitAppend(pcId, fromRow);
        appended = true;
        if (liveStep(fresh[fresh.length - 1].t) !== liveStep(last)) onStep = true;
      }
    }
    // Counters alone (sample counts, activity time) do not renew `data`: the per-PC views read samples from the feed.
    if (structural) {
      this.dataDirty = true;
      this.markStructural();
    } else {
      this.markSoft(appended, onStep);
    }
  }

  /** The background holds more than we do: something was lost between two updates. */
  private hasGap(live: SessionData): boolean {
    if (live.session.eventCount > live.events.length) return true;
    for (const pc of live.pcs) {
      const columns = live.stats[pc.pcId];
      if (columns && pc.sampleCount > columns.t.length) return true;
    }
    return false;
  }

  private emitAppend(pcId: string, fromRow: number): void {
    for (const listener of [...this.feedListeners]) {
      try {
        listener(pcId, fromRow);
      } catch (error) {
        console.error('[webrtc-scope] stats listener failed', error);
      }
    }
  }

  // ───────────────────────────── notifications ─────────────────────────────

  private setState(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    this.markStructural();
  }

  private markStructural(): void {
    this.structuralDirty = true;
    if (this.notifyTimer !== undefined || this.disposed) return;
    const wait = Math.max(0, this.lastNotify + this.opts.throttleMs - this.opts.now());
    this.notifyTimer = setTimeout(() => this.flush(), wait);
  }

  /**
   * `withSamples`: called from an update that appended samples to a shown PC; `onStep`: its newest sample entered a
   * new step of sample time (liveStep). When the counters are due, they go out in the task of the next such update:
   * their re-render shares the frame in which the latest-value views and the charts' legends change (a frame that
   * changes the DOM anyway), where the timer, or any sample, would give it a DOM frame of its own.
   */
  private markSoft(withSamples = false, onStep = false): void {
    this.softDirty = true;
    if (this.disposed) return;
    const now = this.opts.now();
    if (withSamples) this.lastSamplesAt = now;
    if (withSamples && onStep && this.notifyTimer === undefined && now - this.lastSoftNotify >= this.opts.softMs && now - this.lastNotify >= this.opts.throttleMs) {
      clearTimeout(this.softTimer);
      this.softTimer = undefined;
      this.lastSoftNotify = now;
      this.flush();
      return;
    }
    if (this.softTimer !== undefined) return;
    const fire = () => {
      this.softTimer = undefined;
      if (!this.softDirty) return;
      // Samples of a shown PC keep coming (about every second): the next one's update carries these counters in
      // its own task (above), so they share its frame; the timer stays the fallback for when samples stop.
      if (this.opts.now() - this.lastSamplesAt < SAMPLES_FLOWING_MS) {
        this.softTimer = setTimeout(fire, SAMPLES_FLOWING_MS);
        return;
      }
      this.lastSoftNotify = this.opts.now();
      this.markStructural();
    };
    this.softTimer = setTimeout(fire, Math.max(0, this.lastSoftNotify + this.opts.softMs - now));
  }

  private flush(): void {
    this.notifyTimer = undefined;
    if (this.disposed || (!this.structuralDirty && !this.softDirty)) return;
    this.structuralDirty = false;
    this.softDirty = false;
    this.lastNotify = this.opts.now();
    if (this.dataDirty && this.live && this.state.dataStatus === 'ready') {
      this.dataDirty = false;
      const { session, pcs, events, stats } = this.live;
      // New arrays, so views that memoise on them see the change; the columns are shared (the feed grows them).
      this.state = { ...this.state, data: { session, pcs: pcs.slice(), events: events.slice(), stats } };
    }
    for (const listener of [...this.listeners]) listener();
  }

  // ───────────────────────────── requests ─────────────────────────────

  private request: BackgroundClient['request'] = (request) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('The extension background did not answer.')), this.opts.requestTimeoutMs);
    });
    return Promise.race([this.client.request(request), timeout]).finally(() => clearTimeout(timer));
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sameList(a: SessionSummary[], b: SessionSummary[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i] || sameJson(s, b[i]));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
