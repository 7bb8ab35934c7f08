/**
 * The recorder: groups relay batches into sessions, folds them with the pure reducer, and writes each batch to
 * IndexedDB in one transaction before acknowledging it. Memory is only a cache of the store: an MV3 worker can
 * be stopped at any moment, and a restarted one rebuilds a live session from the store when its relays
 * reconnect and resend what was not acknowledged.
 *
 * The page is hostile by assumption, and the relay's caps are per frame (a page can open many): the recorder caps
 * each session too (records and written bytes per second, frames, stored bytes), and stamps session times with the
 * background's own clock, since retention sorts and ages sessions by them.
 */
import { HELLO_LIMITS, RELAY_LIMITS } from '../protocol/constants';
import type { PageRecord, RelayHello, SessionUpdate } from '../protocol/messages';
import { truncateText } from '../protocol/text';
import type { PcSummary, StatsSample, TraceEvent } from '../model/session';
import { DEFAULT_SETTINGS } from '../model/settings';
import {
  applyPageRecords,
  closeFramePcs,
  closePc,
  restoredPc,
  type LivePc,
  type LiveSession,
  type RecordedSample,
} from '../model/session-reducer';
import { encodeStatsChunk } from '../model/stats-chunk';
import {
  BYTES_PER_MB,
  maxSessionBytes,
  pcConfigBytes,
  pcRowBytes,
  pendingSampleBytes,
  summaryRowBytes,
  type BatchWrite,
  type EncodedChunk,
  type Notice,
  type PcConfig,
  type SessionStore,
} from '../storage/session-store';
import { toEventRow } from '../storage/event-rows';

/** Samples per stored chunk: one minute at the default 1 s poll. */
export const SAMPLES_PER_CHUNK = 60;

/**
 * What one session (one page load, all its frames) may send per second. Twice a frame's relay caps: a page with
 * a second frame (a call widget) works as before, and a page of many frames no longer multiplies the caps. Beyond
 * them batches are dropped whole, counted in `refused` (and the page asked for full stats snapshots).
 */
export const SESSION_RATE_LIMITS = {
  maxRecordsPerSecond: 2 * RELAY_LIMITS.maxRecordsPerSecond,
  /** Bytes written to IndexedDB (summaries, PCs, events, samples, chunks), which is what the page makes us pay. */
  maxWrittenBytesPerSecond: 2 * RELAY_LIMITS.maxCharsPerSecond,
} as const;

/** Documents one session takes on: each is listed (with its URL) in the session summary, rewritten with every batch. */
export const MAX_FRAMES_PER_SESSION = 100;

/**
 * Largest PC configuration (with legacy constraints) kept in the PC's summary, as JSON: a real one is a few KB. A
 * larger one is replaced by the marker `{truncated: {chars, maxChars}}`; the pc-created event in the trace keeps it
 * whole (stored once).
 */
export const MAX_PC_CONFIG_CHARS = 64 * 1024;

export interface FrameContext {
  tabId: number;
  /** Session this frame belongs to (tab + top document). */
  sessionId: string;
  frameLoadId: string;
  /** The session already had {@link MAX_FRAMES_PER_SESSION} frames: this one's batches are counted, not stored. */
  dropped: boolean;
  /**
   * The session's top document is known for sure: the frame is the top frame, or the top frame answered for it.
   * Then any other live session of the tab belongs to an earlier page.
   */
  topKnown?: boolean;
}

export interface TopDocument {
  frameLoadId: string;
  url: string;
  title: string;
}

export interface RecorderDeps {
  store: SessionStore;
  /** Asks the tab's top frame for its document id (null when it cannot answer). */
  askTopDocument(tabId: number): Promise<TopDocument | null>;
  now(): number;
  /** Most bytes one session may store (default: the default retention's, see `maxSessionBytes`). */
  sessionByteLimit?(): number;
}

/** Result of storing one batch. */
export interface BatchResult {
  /** false: the batch was a resend of one already stored. */
  stored: boolean;
  update: SessionUpdate | null;
  needResync: boolean;
}

/** The recorder's own accounts of a live session, beside its state. */
interface SessionBooks {
  /** Stored size of the session summary as last written. */
  summaryBytes: number;
  /** Stored size of each PC's summary row as last written; a PC listed here has its configuration stored. */
  pcRowBytes: Map<string, number>;
  /** The current one-second window of {@link SESSION_RATE_LIMITS}. */
  windowStart: number;
  windowRecords: number;
  windowBytes: number;
  /** A batch was dropped in this window (and the session's counts of refused records stored). */
  windowDropped: boolean;
  /**
   * Trace events of a new session that so far only listed devices (enumerateDevices: fingerprinting scripts call it
   * on many sites), held in memory and not stored; null once the session is stored. A PC, a getUserMedia or
   * getDisplayMedia call, or more than {@link MAX_HELD_EVENTS} held events store the session with them.
   */
  held: TraceEvent[] | null;
}

/** Most trace events a session that only listed devices holds before it is stored anyway. */
export const MAX_HELD_EVENTS = 100;

/** Whether an event makes a session worth storing on its own: anything but listing devices. */
const usesWebRtc = (e: TraceEvent): boolean =>
  !((e.record.type === 'media-call' || e.record.type === 'media-settled') && e.record.method === 'enumerateDevices');

const sessionIdOf = (tabId: number, topLoadId: string) => `${tabId}:${topLoadId}`;

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function chunkOf(pc: LivePc): EncodedChunk {
  const samples = pc.pending;
  return {
    firstIndex: samples[0].index,
    count: samples.length,
    startT: samples[0].t,
    endT: samples[samples.length - 1].t,
    data: encodeStatsChunk(samples),
  };
}


/**
 * The configuration row of a new PC, and its size. A configuration over {@link MAX_PC_CONFIG_CHARS} is replaced by
 * a marker, in the live summary too (views get the summary with every change of the PC).
 */
function pcConfigOf(summary: PcSummary): { row: PcConfig; bytes: number } {
  let chars = pcConfigBytes(summary.config, summary.constraints);
  if (chars > MAX_PC_CONFIG_CHARS) {
    const marker = { truncated: { chars, maxChars: MAX_PC_CONFIG_CHARS } };
    summary.config = marker;
    delete summary.constraints;
    chars = JSON.stringify(marker).length;
  }
  const row: PcConfig = { pcId: summary.pcId, config: summary.config };
  if (summary.constraints !== undefined) row.constraints = summary.constraints;
  return { row, bytes: chars };
}

export class Recorder {
  private readonly live = new Map<string, LiveSession>();
  private readonly books = new WeakMap<LiveSession, SessionBooks>();
  /** The question to a tab's top frame in flight: subframes saying hello meanwhile share its answer. */
  private readonly askingTop = new Map<number, Promise<TopDocument | null>>();
  /** Every store operation runs through this chain, so batches of all frames apply in arrival order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RecorderDeps) {}

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private sessionByteLimit(): number {
    return this.deps.sessionByteLimit?.() ?? maxSessionBytes(DEFAULT_SETTINGS.retention);
  }

  /**
   * A relay said hello: find or create its session and frame. Nothing is stored until records arrive, so a
   * frame that never posts anything leaves no trace.
   */
  async attachFrame(tabId: number, hello: RelayHello, tab?: { url?: string; title?: string }): Promise<FrameContext> {
    // Outside the chain: the top frame may take its full timeout to answer (a busy or hostile page), and every
    // other tab's batches wait in the chain.
    const { sessionId, top, topKnown } = await this.sessionOf(tabId, hello);
    return this.serial(async () => {
      const session = await this.loadOrCreate(sessionId, tabId, hello, top, tab);
      let frame = session.summary.frames.find((f) => f.frameLoadId === hello.frameLoadId);
      if (!frame) {
        if (session.summary.frames.length >= MAX_FRAMES_PER_SESSION) {
          session.summary.refused['too-many-frames'] = (session.summary.refused['too-many-frames'] ?? 0) + 1;
          return { tabId, sessionId, frameLoadId: hello.frameLoadId, dropped: true, topKnown };
        }
        frame = {
          index: session.summary.frames.length,
          frameLoadId: hello.frameLoadId,
          url: hello.url,
          isTop: hello.isTop,
          timeOrigin: hello.timeOrigin,
          lastBatchSeq: 0,
        };
        session.summary.frames.push(frame);
      }
      if (hello.isTop && hello.title) session.summary.title = hello.title;
      return { tabId, sessionId, frameLoadId: hello.frameLoadId, dropped: false, topKnown };
    });
  }

  /**
   * The session of a frame saying hello. A subframe lives within one top document, so a subframe the recorder
   * knows (a reconnect) needs no question; the others ask the tab's top frame, one question per tab at a time.
   */
  private async sessionOf(tabId: number, hello: RelayHello): Promise<{ sessionId: string; top: TopDocument | null; topKnown: boolean }> {
    if (hello.isTop) return { sessionId: sessionIdOf(tabId, hello.frameLoadId), top: { frameLoadId: hello.frameLoadId, url: hello.url, title: hello.title }, topKnown: true };
    for (const session of this.live.values()) {
      if (session.summary.tabId === tabId && session.summary.frames.some((f) => f.frameLoadId === hello.frameLoadId)) {
        return { sessionId: session.summary.id, top: null, topKnown: false };
      }
    }
    // After a worker restart nothing is in memory: a frame already listed in a stored live session reconnects to it,
    // whether or not the top frame answers in time (a stand-in session would refuse its PCs' later records).
    const stored = (await this.deps.store.listSessions({ tabId })).find(
      (s) => s.endedAt === null && s.frames.some((f) => f.frameLoadId === hello.frameLoadId),
    );
    if (stored) return { sessionId: stored.id, top: null, topKnown: false };
    let asking = this.askingTop.get(tabId);
    if (!asking) {
      asking = this.deps.askTopDocument(tabId).finally(() => this.askingTop.delete(tabId));
      this.askingTop.set(tabId, asking);
    }
    const top = await asking;
    // Without an answer from the top frame (no relay there, e.g. a PDF or an extension page), the frame's own
    // document stands in for the page.
    return { sessionId: sessionIdOf(tabId, top?.frameLoadId ?? hello.frameLoadId), top, topKnown: top !== null };
  }

  private async loadOrCreate(
    sessionId: string,
    tabId: number,
    hello: RelayHello,
    top: TopDocument | null,
    tab?: { url?: string; title?: string },
  ): Promise<LiveSession> {
    const cached = this.live.get(sessionId);
    if (cached) return cached;
    const stored = await this.deps.store.getSession(sessionId);
    if (stored) {
      // A relay speaking for this document proves it is alive (worker restart, back/forward cache restore).
      stored.endedAt = null;
      const session: LiveSession = { summary: stored, pcs: new Map() };
      const books = newBooks(summaryRowBytes(stored), false);
      for (const summary of await this.deps.store.getPcs(sessionId)) {
        session.pcs.set(summary.pcId, await this.restorePc(summary));
        books.pcRowBytes.set(summary.pcId, pcRowBytes(summary));
      }
      session.storageFull = stored.bytes >= this.sessionByteLimit();
      this.books.set(session, books);
      this.live.set(sessionId, session);
      return session;
    }
    // The tab's own URL and title come from the browser, but the page sets them (a data: URL can be megabytes).
    const url = top?.url ?? (tab?.url !== undefined ? truncateText(tab.url, HELLO_LIMITS.maxUrlChars) : hello.url);
    const now = this.deps.now();
    const session: LiveSession = {
      summary: {
        id: sessionId,
        tabId,
        url,
        origin: originOf(url),
        title: top?.title || truncateText(tab?.title ?? '', HELLO_LIMITS.maxTitleChars),
        userAgent: hello.userAgent,
        startedAt: now,
        lastActivityAt: now,
        endedAt: null,
        pcCount: 0,
        mediaCallCount: 0,
        eventCount: 0,
        sampleCount: 0,
        bytes: 0,
        frames: [],
        refused: {},
      },
      pcs: new Map(),
    };
    this.books.set(session, newBooks(0, true));
    this.live.set(sessionId, session);
    return session;
  }

  /** Rebuilds a PC's decoding state from the store after the worker restarted. */
  private async restorePc(summary: PcSummary): Promise<LivePc> {
    const { lastChunkSamples, pending, pendingBytes } = await this.deps.store.readPcTail(summary.sessionId, summary.pcId);
    return restoredPc(summary, [...lastChunkSamples, ...pending], pending, pendingBytes);
  }

  /**
   * Stores one batch from a frame (idempotent: a resent batch is recognised by its sequence number) and returns
   * what live views should see. The returned promise resolves after the IndexedDB transaction committed.
   */
  storeBatch(ctx: FrameContext, seq: number, records: PageRecord[], refused?: Record<string, number>): Promise<BatchResult> {
    return this.serial(async () => {
      const session = this.live.get(ctx.sessionId);
      if (session && ctx.dropped) {
        countRefused(session, 'too-many-frames', records.length);
        return { stored: true, update: null, needResync: false };
      }
      const frame = session?.summary.frames.find((f) => f.frameLoadId === ctx.frameLoadId);
      if (!session || !frame) throw new Error(`no live session for ${ctx.sessionId}`);
      if (seq <= frame.lastBatchSeq) return { stored: false, update: null, needResync: false };
      frame.lastBatchSeq = seq;
      for (const [reason, n] of Object.entries(refused ?? {})) countRefused(session, reason, n);

      const books = this.books.get(session)!;
      const now = this.deps.now();
      if (now - books.windowStart >= 1000) {
        books.windowStart = now;
        books.windowRecords = 0;
        books.windowBytes = 0;
        books.windowDropped = false;
      }
      if (
        books.windowRecords + records.length > SESSION_RATE_LIMITS.maxRecordsPerSecond ||
        books.windowBytes >= SESSION_RATE_LIMITS.maxWrittenBytesPerSecond
      ) {
        countRefused(session, 'session-rate-limit', records.length);
        // Dropped stats records break their PCs' delta chains: the relay asks the hook for full snapshots.
        const needResync = records.some((r) => r.type === 'pc-stats');
        if (books.windowDropped || books.held !== null || session.summary.pcCount + session.summary.eventCount === 0) return { stored: true, update: null, needResync };
        // The first drop of a window stores the session's counts, so that the drops show without a later batch.
        books.windowDropped = true;
        const { write } = this.prepareWrite(session, [], [], []);
        await this.commitOrForget(session, write);
        return { stored: true, update: { session: session.summary, pcs: [], events: [], stats: [] }, needResync };
      }
      books.windowRecords += records.length;

      const notice = this.noticeIfFull(session, now);
      const outcome = applyPageRecords(session, frame, records);
      if (outcome.events.length > 0 || outcome.samples.length > 0 || outcome.changedPcs.size > 0) {
        session.summary.lastActivityAt = Math.max(session.summary.lastActivityAt, now);
      }
      let events = outcome.events;
      if (books.held !== null) {
        // Nothing WebRTC happened yet (only refused records, or device listings): no stored session for it yet.
        if (session.summary.pcCount === 0 && !events.some(usesWebRtc) && books.held.length + events.length <= MAX_HELD_EVENTS) {
          books.held.push(...events);
          return { stored: true, update: null, needResync: outcome.needResync };
        }
        events = [...books.held, ...events];
        books.held = null;
      }
      const { write, writtenBytes } = this.prepareWrite(session, outcome.changedPcs, events, outcome.samples, { notice });
      await this.commitOrForget(session, write);
      books.windowBytes += writtenBytes;
      return {
        stored: true,
        needResync: outcome.needResync,
        update: {
          session: session.summary,
          pcs: write.pcs,
          events,
          stats: groupSamples(outcome.samples),
        },
      };
    });
  }

  /**
   * Marks the session full once it holds its share of the storage limit, and returns the notice that says so:
   * from then on it keeps following its PCs' states, but stores no more of its trace and stats.
   */
  private noticeIfFull(session: LiveSession, now: number): Notice | undefined {
    const limit = this.sessionByteLimit();
    if (session.storageFull || session.summary.bytes < limit) return undefined;
    session.storageFull = true;
    // Its stats are not decoded any more: nothing needs the reports.
    for (const pc of session.pcs.values()) pc.base = null;
    const { title, url, id } = session.summary;
    return {
      t: now,
      kind: 'capped',
      message:
        `Stopped recording "${truncateText(title || url, 80)}" at ${(limit / BYTES_PER_MB).toFixed(0)} MB, the most one ` +
        `session may store (a quarter of the storage limit); its connections' states are still followed.`,
      sessionIds: [id],
    };
  }

  /**
   * Builds the write for a change: the session, the changed PCs (with the configuration of new ones), new events,
   * and new samples, packing a PC's pending samples into a chunk once there are {@link SAMPLES_PER_CHUNK} of them
   * or the PC is closed or stopped sampling. Counts what the write changes in the session's stored bytes, and
   * returns what it writes.
   */
  private prepareWrite(
    session: LiveSession,
    changedPcs: Iterable<string>,
    events: BatchWrite['events'],
    samples: RecordedSample[],
    options: { forceChunk?: boolean; notice?: Notice } = {},
  ): { write: BatchWrite; writtenBytes: number } {
    const books = this.books.get(session)!;
    const summary = session.summary;
    let written = 0;
    // Pending samples are stored as their deltas until packed: count them now, and swap them for the chunk later.
    for (const { pcId, deltaChars } of samples) {
      const pc = session.pcs.get(pcId);
      if (!pc) continue;
      const bytes = pendingSampleBytes(deltaChars);
      pc.pendingBytes += bytes;
      summary.bytes += bytes;
    }
    const chunks: BatchWrite['chunks'] = [];
    const chunked = new Set<string>();
    for (const pc of session.pcs.values()) {
      const full = pc.pending.length >= SAMPLES_PER_CHUNK;
      const closing = pc.summary.closedAt !== null || pc.statsStopped || options.forceChunk === true;
      if (pc.pending.length > 0 && (full || closing)) {
        const chunk = chunkOf(pc);
        chunks.push({ pcId: pc.summary.pcId, chunk, lastIndex: pc.pending[pc.pending.length - 1].index });
        summary.bytes += chunk.data.byteLength - pc.pendingBytes;
        written += chunk.data.byteLength;
        chunked.add(pc.summary.pcId);
        pc.pending = [];
        pc.pendingBytes = 0;
      }
    }
    // Samples packed into a chunk in this same write are not also stored as pending.
    const pendingWrites = samples.filter(({ pcId }) => !chunked.has(pcId));
    for (const { deltaChars } of pendingWrites) written += pendingSampleBytes(deltaChars);
    // As stored: large events (SDPs) deflated. Events are rare, so packing twice (here and in the store) is cheap.
    for (const event of events) {
      const bytes = toEventRow(summary.id, event).bytes;
      summary.bytes += bytes;
      written += bytes;
    }
    const pcs: PcSummary[] = [];
    const pcConfigs: PcConfig[] = [];
    for (const pcId of new Set(changedPcs)) {
      const pc = session.pcs.get(pcId)!.summary;
      const previous = books.pcRowBytes.get(pcId);
      if (previous === undefined) {
        const config = pcConfigOf(pc);
        pcConfigs.push(config.row);
        summary.bytes += config.bytes;
        written += config.bytes;
      }
      const bytes = pcRowBytes(pc);
      books.pcRowBytes.set(pcId, bytes);
      summary.bytes += bytes - (previous ?? 0);
      written += bytes;
      pcs.push(pc);
    }
    const summaryBytes = summaryRowBytes(summary);
    summary.bytes += summaryBytes - books.summaryBytes;
    books.summaryBytes = summaryBytes;
    written += summaryBytes;
    const write: BatchWrite = { session: summary, pcs, pcConfigs, events, samples: pendingWrites, chunks };
    if (options.notice) write.notice = options.notice;
    return { write, writtenBytes: written };
  }

  /**
   * Commits a session's write. The batch was already applied to the session in memory (its sequence number, counts,
   * decoding state): when the transaction fails, the session is forgotten, so that the relay's resend of the
   * batch (the router hangs up on a failure) finds it rebuilt from the store, as of the last commit, instead of
   * taking the batch for one already stored and dropping it.
   */
  private async commitOrForget(session: LiveSession, write: BatchWrite): Promise<void> {
    try {
      await this.deps.store.commit(write);
    } catch (error) {
      if (this.live.get(session.summary.id) === session) this.live.delete(session.summary.id);
      this.books.delete(session);
      throw error;
    }
  }

  /** The frame's document went away: close its PCs; the top document's unload ends the session. */
  frameUnloaded(ctx: FrameContext): Promise<SessionUpdate | null> {
    return this.serial(async () => {
      const session = this.live.get(ctx.sessionId);
      const frame = session?.summary.frames.find((f) => f.frameLoadId === ctx.frameLoadId);
      if (!session || !frame) return null;
      const now = this.deps.now();
      const closed = closeFramePcs(session, frame.index, now);
      if (frame.isTop) return this.endLoaded(session, now, closed);
      if (closed.length === 0 || session.summary.pcCount === 0) return null;
      const { write } = this.prepareWrite(session, closed, [], []);
      await this.commitOrForget(session, write);
      return { session: session.summary, pcs: write.pcs, events: [], stats: [] };
    });
  }

  /** Ends a session; `changed` lists PCs already closed by the caller that still need writing. */
  private async endLoaded(session: LiveSession, t: number, alreadyClosed: string[] = []): Promise<SessionUpdate | null> {
    if (session.summary.endedAt !== null) return null;
    session.summary.endedAt = t;
    const changed: string[] = [...alreadyClosed];
    for (const pc of session.pcs.values()) if (closePc(pc, t, 'session-end')) changed.push(pc.summary.pcId);
    this.live.delete(session.summary.id);
    // Never stored (nothing, or only device listings, happened): nothing to end.
    if (this.books.get(session)?.held != null || (session.summary.pcCount === 0 && session.summary.eventCount === 0)) return null;
    const { write } = this.prepareWrite(session, changed, [], [], { forceChunk: true });
    await this.deps.store.commit(write);
    return { session: session.summary, pcs: write.pcs, events: [], stats: [] };
  }

  /** Ends every live session of a tab except `keep` (tab closed, or a new page loaded in it). */
  endTabSessions(tabId: number, t: number, keep?: string): Promise<SessionUpdate[]> {
    return this.serial(async () => {
      const updates: SessionUpdate[] = [];
      for (const session of [...this.live.values()]) {
        if (session.summary.tabId === tabId && session.summary.id !== keep) {
          const update = await this.endLoaded(session, t);
          if (update) updates.push(update);
        }
      }
      // Sessions of the tab that are live in the store but not in memory (worker restarted meanwhile).
      const ended = await this.deps.store.endLiveSessions((s) => s.tabId !== tabId || s.id === keep || this.live.has(s.id), t);
      for (const session of ended) updates.push({ session, pcs: [], events: [], stats: [] });
      return updates;
    });
  }
}

function newBooks(summaryBytes: number, holding: boolean): SessionBooks {
  return { summaryBytes, pcRowBytes: new Map(), windowStart: -Infinity, windowRecords: 0, windowBytes: 0, windowDropped: false, held: holding ? [] : null };
}

function countRefused(session: LiveSession, reason: string, n: number) {
  session.summary.refused[reason] = (session.summary.refused[reason] ?? 0) + n;
}

function groupSamples(samples: RecordedSample[]): SessionUpdate['stats'] {
  const byPc = new Map<string, SessionUpdate['stats'][number]>();
  for (const { pcId, sample } of samples) {
    let entry = byPc.get(pcId);
    if (!entry) byPc.set(pcId, (entry = { pcId, samples: [] as StatsSample[] }));
    entry.samples.push(sample);
  }
  return [...byPc.values()];
}
