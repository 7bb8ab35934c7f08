/**
 * Health of each tab's live peer connections, for the toolbar badge and the popup. Fed by the recorder's
 * updates (the same ones the panel gets), it keeps per live PC only a window of the latest samples
 * (at least {@link WINDOW_ROWS} and {@link WINDOW_MIN_MS} of them, up to twice that) and the trace records the rules read, so a long call costs the
 * worker no more than a short one; each badge refresh assesses only the samples that came since the last one. An MV3 worker can be stopped at any time: a tab it does not know is seeded from the store (the last
 * stored chunk and the pending samples) the first time it is needed.
 *
 * Ended sessions' verdicts (the popup's "recent sessions") come from a full assessment of the stored session,
 * computed once per session on demand and cached in memory (an ended session never changes).
 */
import { assessSession, pcGlance, worseVerdict } from '../model/health/assess';
import { createPcAssessor, type PcAssessor } from '../model/health/pc-assessor';
import type { QualityVerdict } from '../model/health/e-model';
import { ISSUE_TEXT, sessionIssues } from '../model/health/rules';
import type { HealthThresholds } from '../model/health/thresholds';
import { isSiteExcluded, type Settings } from '../model/settings';
import type { PcSummary, SessionSummary, StatsColumns, TraceEvent } from '../model/session';
import { appendSamples, emptyStatsColumns, keepLastRows } from '../model/stats-columns';
import { RECENT_SESSIONS, type LivePcHealth, type RecentSessionHealth, type SessionUpdate, type TabHealth } from '../protocol/messages';
import type { SessionStore } from '../storage/session-store';

/** Samples kept per live PC at least: two minutes at the default 1 s poll. */
export const WINDOW_ROWS = 120;
/**
 * Sample time kept per live PC at least, whatever the poll interval: twice the longest rule window (30 s: the MOS
 * verdict, keyframe requests). At 100 ms polls 120 samples were 12 s, and those verdicts could never be reached.
 */
export const WINDOW_MIN_MS = 60_000;
/**
 * The window grows to twice what it keeps ({@link windowRows}) before it is cut back: between cuts the PC's assessor
 * takes in only the new samples (a cut starts it over), and the columns are not spliced on every sample.
 */
export const WINDOW_MAX_ROWS = 2 * WINDOW_ROWS;

/** How many of the latest samples a live PC keeps: {@link WINDOW_ROWS}, or more to cover {@link WINDOW_MIN_MS}. */
export function windowRows(t: readonly number[]): number {
  const n = t.length;
  if (n === 0) return WINDOW_ROWS;
  let first = n - 1;
  while (first > 0 && t[n - 1] - t[first - 1] <= WINDOW_MIN_MS) first--;
  return Math.max(WINDOW_ROWS, n - first);
}
/** Trace records kept per PC (state changes only; the newest win). */
const MAX_PC_EVENTS = 200;
/** The badge is recomputed at most this often per tab. */
const BADGE_INTERVAL_MS = 1000;

export interface Badge {
  text: string;
  /** Background colour, #rrggbb. */
  color: string;
}

export const BADGE_COLORS: Record<QualityVerdict | 'unknown', string> = {
  good: '#188038',
  low: '#e37400',
  'very-low': '#d93025',
  unknown: '#5f6368',
};

export interface LiveHealthDeps {
  store: SessionStore;
  settings(): Promise<Settings>;
  now(): number;
  /** null clears the tab's badge. */
  setBadge(tabId: number, badge: Badge | null): void;
  /** The URL the tab shows now (its site can be paused before its first call); undefined when unknown. */
  tabUrl?(tabId: number): Promise<string | undefined>;
  log?(message: string, detail?: unknown): void;
}

interface TrackedPc {
  pc: PcSummary;
  columns: StatsColumns;
  /** Assesses the window, resuming from the samples it already took in (see WINDOW_MAX_ROWS). */
  assessor: PcAssessor;
  /** This PC's state-change records (what the rules and the glance read), oldest first. */
  events: TraceEvent[];
}

interface TrackedTab {
  session: SessionSummary;
  pcs: Map<string, TrackedPc>;
  /** Session-wide records the rules read (getUserMedia results). */
  mediaEvents: TraceEvent[];
  /**
   * Every PC's records that say which senders the page paused (lib/model/health/paused-senders.ts): replaceTrack
   * calls and settlements, and the local descriptions that give each sender's SSRCs. Every PC's assessment reads
   * all of them: a PC of the tab may receive what another one sends.
   */
  senderEvents: TraceEvent[];
}

/** Records the live rules read: PC state changes (states, ICE, failures) and media results. */
function keepsEvent(e: TraceEvent): boolean {
  const r = e.record;
  return (r.type === 'pc-event' && r.event.endsWith('statechange')) || r.type === 'media-settled';
}

/** Calls that pause, resume or cap a sender (paused-senders.ts). */
const SENDER_METHODS: ReadonlySet<string> = new Set(['sender.replaceTrack', 'transceiver.direction', 'sender.setParameters']);

/** Records of {@link TrackedTab.senderEvents}. */
function isSenderEvent(e: TraceEvent): boolean {
  const r = e.record;
  if (r.type === 'pc-call') return SENDER_METHODS.has(r.method) || r.method === 'setLocalDescription';
  if (r.type === 'pc-settled') return SENDER_METHODS.has(r.method) || (r.ok && (r.method === 'createOffer' || r.method === 'createAnswer'));
  return false;
}

/** Sender records kept per tab (a few per renegotiation and pause; the oldest go first). */
const MAX_SENDER_EVENTS = 100;

const isLive = (session: SessionSummary, pc: PcSummary) => session.endedAt === null && pc.closedAt === null;

function hostOf(url: string): string | null {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === '' ? null : host;
  } catch {
    return null;
  }
}

export class LiveHealth {
  private readonly tabs = new Map<number, TrackedTab>();
  /** Seeding (or the chain of updates behind it) per tab, so updates apply in order after the seed. */
  private readonly chains = new Map<number, Promise<void>>();
  private readonly badgeTimers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly lastBadge = new Map<number, string>();
  private readonly recentCache = new Map<string, RecentSessionHealth>();
  private readonly assessing = new Set<string>();
  private thresholds: HealthThresholds | null = null;

  constructor(private readonly deps: LiveHealthDeps) {}

  /** Thresholds changed in the settings. */
  settingsChanged(settings: Settings): void {
    this.thresholds = settings.health;
    this.recentCache.clear();
    for (const tabId of this.tabs.keys()) this.scheduleBadge(tabId);
  }

  /** One recorder update of a tab (also the ones that end sessions). */
  apply(tabId: number, update: SessionUpdate): Promise<void> {
    return this.enqueue(tabId, async () => {
      let tab = this.tabs.get(tabId);
      if (!tab || tab.session.id !== update.session.id) {
        // A new session (reload) replaces the tab's; a session we missed the start of (worker restart) is seeded.
        if (update.session.startedAt < (tab?.session.startedAt ?? -Infinity)) return; // a late update of an older page
        tab = await this.seed(update.session);
        this.tabs.set(tabId, tab);
      } else {
        this.applyTo(tab, update);
      }
      this.scheduleBadge(tabId);
    });
  }

  /** The popup's answer for a tab. */
  async tabHealth(tabId: number): Promise<TabHealth> {
    await this.ensureTab(tabId);
    const settings = await this.deps.settings();
    this.thresholds = settings.health;
    const tab = this.tabs.get(tabId);
    const sessions = await this.deps.store.listSessions({ tabId });
    // An ended session is a page the tab left (navigated away, reloaded): not what it shows now.
    const current = (tab && tab.session.endedAt === null ? tab.session : null) ?? sessions.find((s) => s.endedAt === null) ?? null;
    const tabUrl = current ? undefined : await this.deps.tabUrl?.(tabId).catch(() => undefined);
    const host = hostOf(current?.url ?? tabUrl ?? '');
    const site = host === '' ? null : host;
    const capture = {
      site,
      sitePaused: site !== null && isSiteExcluded(site, settings.pausedSites),
      excluded: site !== null && isSiteExcluded(site, settings.excludedSites),
      pausedEverywhere: settings.paused,
    };
    const captureOff = capture.sitePaused || capture.excluded || capture.pausedEverywhere;
    const live: LivePcHealth[] = tab && tab.session === current && !captureOff ? this.glances(tab) : [];
    let verdict: QualityVerdict | null = null;
    for (const p of live) verdict = worseVerdict(verdict, p.verdict);
    const recent = sessions.filter((s) => s.id !== current?.id).slice(0, RECENT_SESSIONS).map((s) => this.recentHealth(s));
    const currentOverall = current && current.pcCount > 0 && live.length === 0 && !captureOff ? this.recentHealth(current) : null;
    const mediaFailures = tab && tab.session === current && !captureOff ? sessionIssues(tab.mediaEvents) : [];
    return { tabId, current, live, currentOverall, mediaFailures, verdict, recent, capture };
  }

  /** The tab went away: forget it and its badge (the browser drops a closed tab's badge itself). */
  tabRemoved(tabId: number): void {
    this.tabs.delete(tabId);
    this.lastBadge.delete(tabId);
    const timer = this.badgeTimers.get(tabId);
    if (timer !== undefined) clearTimeout(timer);
    this.badgeTimers.delete(tabId);
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────────────────────

  private enqueue(tabId: number, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(tabId) ?? Promise.resolve()).then(work).catch((error) => this.deps.log?.('live health failed', error));
    this.chains.set(tabId, next);
    return next;
  }

  private ensureTab(tabId: number): Promise<void> {
    return this.enqueue(tabId, async () => {
      if (this.tabs.has(tabId)) return;
      const live = (await this.deps.store.listSessions({ tabId })).find((s) => s.endedAt === null);
      if (live) this.tabs.set(tabId, await this.seed(live));
    });
  }

  /** A tab's live session from the store: its PCs, their state records and their latest samples. */
  private async seed(session: SessionSummary): Promise<TrackedTab> {
    const { store } = this.deps;
    const tab: TrackedTab = { session, pcs: new Map(), mediaEvents: [], senderEvents: [] };
    const [pcs, events] = await Promise.all([store.getPcs(session.id), store.getEvents(session.id)]);
    for (const pc of pcs) {
      if (!isLive(session, pc)) continue;
      const { lastChunkSamples, pending } = await store.readPcTail(session.id, pc.pcId);
      const columns = emptyStatsColumns();
      const tail = [...lastChunkSamples, ...pending];
      appendSamples(columns, tail.slice(-windowRows(tail.map((sample) => sample.t))));
      tab.pcs.set(pc.pcId, { pc, columns, assessor: createPcAssessor(), events: [] });
    }
    for (const e of events) this.keepEvent(tab, e);
    return tab;
  }

  private keepEvent(tab: TrackedTab, e: TraceEvent): void {
    if (isSenderEvent(e)) {
      tab.senderEvents.push(e);
      if (tab.senderEvents.length > MAX_SENDER_EVENTS) tab.senderEvents.shift();
      return;
    }
    if (!keepsEvent(e)) return;
    if (e.pcId === null) {
      tab.mediaEvents.push(e);
      if (tab.mediaEvents.length > MAX_PC_EVENTS) tab.mediaEvents.shift();
      return;
    }
    const pc = tab.pcs.get(e.pcId);
    if (!pc) return;
    pc.events.push(e);
    if (pc.events.length > MAX_PC_EVENTS) pc.events.shift();
  }

  private applyTo(tab: TrackedTab, update: SessionUpdate): void {
    tab.session = update.session;
    for (const pc of update.pcs) {
      const known = tab.pcs.get(pc.pcId);
      if (known) known.pc = pc;
      else if (isLive(update.session, pc)) tab.pcs.set(pc.pcId, { pc, columns: emptyStatsColumns(), assessor: createPcAssessor(), events: [] });
    }
    for (const e of update.events) this.keepEvent(tab, e);
    for (const { pcId, samples } of update.stats) {
      const pc = tab.pcs.get(pcId);
      if (!pc) continue;
      appendSamples(pc.columns, samples);
      if (pc.columns.t.length > WINDOW_MAX_ROWS) {
        const keep = windowRows(pc.columns.t);
        if (pc.columns.t.length > 2 * keep) keepLastRows(pc.columns, keep);
      }
    }
    // Closed PCs leave the live set (and the worker's memory).
    for (const [pcId, pc] of tab.pcs) if (!isLive(tab.session, pc.pc)) tab.pcs.delete(pcId);
  }

  private glances(tab: TrackedTab): LivePcHealth[] {
    const now = this.deps.now();
    const out: LivePcHealth[] = [];
    for (const { pc, columns, assessor, events } of tab.pcs.values()) {
      const trace = [...events, ...tab.mediaEvents, ...tab.senderEvents];
      const { health } = assessor.assess({ pcId: pc.pcId, pc, columns, events: trace, thresholds: this.thresholds ?? undefined, now });
      out.push({ ...pcGlance(health, columns, trace, pc), createdAt: pc.createdAt, frameUrl: pc.frameUrl });
    }
    return out;
  }

  private scheduleBadge(tabId: number): void {
    if (this.badgeTimers.has(tabId)) return;
    this.badgeTimers.set(
      tabId,
      setTimeout(() => {
        this.badgeTimers.delete(tabId);
        this.updateBadge(tabId);
      }, this.lastBadge.has(tabId) ? BADGE_INTERVAL_MS : 0),
    );
  }

  private updateBadge(tabId: number): void {
    const tab = this.tabs.get(tabId);
    const live = tab ? this.glances(tab) : [];
    let badge: Badge | null = null;
    if (live.length > 0) {
      let verdict: QualityVerdict | null = null;
      for (const p of live) verdict = worseVerdict(verdict, p.verdict);
      badge = { text: String(live.length), color: BADGE_COLORS[verdict ?? 'unknown'] };
    }
    const key = badge ? `${badge.text} ${badge.color}` : '';
    if (this.lastBadge.get(tabId) === key) return;
    this.lastBadge.set(tabId, key);
    this.deps.setBadge(tabId, badge);
  }

  /** A finished session's verdict: from the cache, else assessed in the background for the next refresh. */
  private recentHealth(session: SessionSummary): RecentSessionHealth {
    const cached = this.recentCache.get(session.id);
    if (cached && cached.session.lastActivityAt === session.lastActivityAt) return cached;
    if (!this.assessing.has(session.id)) {
      this.assessing.add(session.id);
      void this.deps.store
        .readSessionData(session.id)
        .then((data) => {
          if (!data) return;
          const health = assessSession(data, this.thresholds ?? undefined);
          const top = health.issues.find((i) => i.severity !== 'info') ?? null;
          this.recentCache.set(session.id, {
            session: data.session, assessed: true, verdict: health.verdict, score: health.averageScore,
            topIssue: top ? ISSUE_TEXT[top.rule].title : null,
          });
        })
        .catch((error) => this.deps.log?.('assessing a session failed', error))
        .finally(() => this.assessing.delete(session.id));
    }
    return { session, assessed: false, verdict: null, score: null, topIssue: null };
  }
}
