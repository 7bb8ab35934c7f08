/**
 * The recorder: groups relay batches into sessions, folds them with the pure reducer, and writes each batch to
 * IndexedDB in one transaction before acknowledging it. Memory is only a cache of the store: an MV3 worker can
 * be stopped at any moment, and a restarted one rebuilds a live session from the store when its relays
 * reconnect and resend what was not acknowledged.
 */
import type { PageRecord, RelayHello, SessionUpdate } from '../protocol/messages';
import type { PcSummary, SessionSummary, StatsReportJson, StatsSample } from '../model/session';
import { applyPageRecords, closeFramePcs, closePc, type LivePc, type LiveSession } from '../model/session-reducer';
import { decodeStatsChunk, encodeStatsChunk } from '../model/stats-chunk';
import type { BatchWrite, EncodedChunk, SessionStore } from '../storage/session-store';
import { toEventRow } from '../storage/event-rows';

/** Samples per stored chunk: one minute at the default 1 s poll. */
export const SAMPLES_PER_CHUNK = 60;

export interface FrameContext {
  tabId: number;
  /** Session this frame belongs to (tab + top document). */
  sessionId: string;
  frameLoadId: string;
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
}

/** Result of storing one batch. */
export interface BatchResult {
  /** false: the batch was a resend of one already stored. */
  stored: boolean;
  update: SessionUpdate | null;
  needResync: boolean;
}

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

export class Recorder {
  private readonly live = new Map<string, LiveSession>();
  /** Every store operation runs through this chain, so batches of all frames apply in arrival order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RecorderDeps) {}

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * A relay said hello: find or create its session and frame. Nothing is stored until records arrive, so a
   * frame that never posts anything leaves no trace.
   */
  attachFrame(tabId: number, hello: RelayHello, tab?: { url?: string; title?: string }): Promise<FrameContext> {
    return this.serial(async () => {
      let top: TopDocument | null = hello.isTop ? { frameLoadId: hello.frameLoadId, url: hello.url, title: hello.title } : null;
      if (!top) top = await this.deps.askTopDocument(tabId);
      // Without an answer from the top frame (no relay there, e.g. a PDF or an extension page), the frame's own
      // document stands in for the page.
      const topLoadId = top?.frameLoadId ?? hello.frameLoadId;
      const sessionId = sessionIdOf(tabId, topLoadId);
      const session = await this.loadOrCreate(sessionId, tabId, hello, top, tab);
      let frame = session.summary.frames.find((f) => f.frameLoadId === hello.frameLoadId);
      if (!frame) {
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
      return { tabId, sessionId, frameLoadId: hello.frameLoadId };
    });
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
      for (const summary of await this.deps.store.getPcs(sessionId)) {
        session.pcs.set(summary.pcId, await this.restorePc(summary));
      }
      this.live.set(sessionId, session);
      return session;
    }
    const url = top?.url ?? tab?.url ?? hello.url;
    const now = this.deps.now();
    const session: LiveSession = {
      summary: {
        id: sessionId,
        tabId,
        url,
        origin: originOf(url),
        title: top?.title || tab?.title || '',
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
    this.live.set(sessionId, session);
    return session;
  }

  /** Rebuilds a PC's decoding state from the store after the worker restarted. */
  private async restorePc(summary: PcSummary): Promise<LivePc> {
    const pending = await this.deps.store.getPendingSamples(summary.sessionId, summary.pcId);
    let base: StatsReportJson | null = null;
    let nextIndex = 0;
    if (pending.length > 0) {
      const last = pending[pending.length - 1];
      base = last.report;
      nextIndex = last.index + 1;
    } else {
      const chunk = await this.deps.store.getLastChunk(summary.sessionId, summary.pcId);
      if (chunk) {
        const samples = decodeStatsChunk(chunk.data);
        const last = samples[samples.length - 1];
        base = last.report;
        nextIndex = last.index + 1;
      }
    }
    return { summary, base, nextIndex, awaitingReset: false, pending, pendingBytes: pending.reduce((n, s) => n + sampleBytes(s), 0) };
  }

  /**
   * Stores one batch from a frame (idempotent: a resent batch is recognised by its sequence number) and returns
   * what live views should see. The returned promise resolves after the IndexedDB transaction committed.
   */
  storeBatch(ctx: FrameContext, seq: number, records: PageRecord[], refused?: Record<string, number>): Promise<BatchResult> {
    return this.serial(async () => {
      const session = this.live.get(ctx.sessionId);
      const frame = session?.summary.frames.find((f) => f.frameLoadId === ctx.frameLoadId);
      if (!session || !frame) throw new Error(`no live session for ${ctx.sessionId}`);
      if (seq <= frame.lastBatchSeq) return { stored: false, update: null, needResync: false };

      const outcome = applyPageRecords(session, frame, records);
      for (const [reason, n] of Object.entries(refused ?? {})) {
        session.summary.refused[reason] = (session.summary.refused[reason] ?? 0) + n;
      }
      frame.lastBatchSeq = seq;
      const write = this.prepareWrite(session, outcome.changedPcs, outcome.events, outcome.samples);
      if (session.summary.pcCount === 0 && session.summary.mediaCallCount === 0 && session.summary.eventCount === 0) {
        // Nothing WebRTC happened yet (e.g. only refused records): do not create a stored session for it.
        return { stored: true, update: null, needResync: outcome.needResync };
      }
      await this.deps.store.commit(write);
      return {
        stored: true,
        needResync: outcome.needResync,
        update: {
          session: session.summary,
          pcs: write.pcs,
          events: outcome.events,
          stats: groupSamples(outcome.samples),
        },
      };
    });
  }

  /**
   * Builds the write for a change: the session, the changed PCs, new events, and new samples, packing a PC's
   * pending samples into a chunk once there are {@link SAMPLES_PER_CHUNK} of them or the PC is closed.
   */
  private prepareWrite(
    session: LiveSession,
    changedPcs: Iterable<string>,
    events: BatchWrite['events'],
    samples: BatchWrite['samples'],
    forceChunk = false,
  ): BatchWrite {
    const chunks: BatchWrite['chunks'] = [];
    const chunked = new Set<string>();
    // Pending samples are stored as they are until packed: count them now, and swap them for the chunk later.
    for (const { pcId, sample } of samples) {
      const pc = session.pcs.get(pcId);
      if (!pc) continue;
      const bytes = sampleBytes(sample);
      pc.pendingBytes += bytes;
      session.summary.bytes += bytes;
    }
    for (const pc of session.pcs.values()) {
      const full = pc.pending.length >= SAMPLES_PER_CHUNK;
      const closing = pc.summary.closedAt !== null || forceChunk;
      if (pc.pending.length > 0 && (full || closing)) {
        const chunk = chunkOf(pc);
        chunks.push({ pcId: pc.summary.pcId, chunk });
        session.summary.bytes += chunk.data.byteLength - pc.pendingBytes;
        chunked.add(pc.summary.pcId);
        pc.pending = [];
        pc.pendingBytes = 0;
      }
    }
    // As stored: large events (SDPs) deflated. Events are rare, so packing twice (here and in the store) is cheap.
    for (const event of events) session.summary.bytes += toEventRow(session.summary.id, event).bytes;
    const pcs = [...new Set(changedPcs)].map((id) => session.pcs.get(id)!.summary);
    return {
      session: session.summary,
      pcs,
      events,
      // Samples packed into a chunk in this same write are not also stored as pending.
      samples: samples.filter(({ pcId }) => !chunked.has(pcId)),
      chunks,
    };
  }

  /** The frame's document went away: close its PCs; the top document's unload ends the session. */
  frameUnloaded(ctx: FrameContext, t: number): Promise<SessionUpdate | null> {
    return this.serial(async () => {
      const session = this.live.get(ctx.sessionId);
      const frame = session?.summary.frames.find((f) => f.frameLoadId === ctx.frameLoadId);
      if (!session || !frame) return null;
      const closed = closeFramePcs(session, frame.index, t);
      if (frame.isTop) return this.endLoaded(session, t, closed);
      if (closed.length === 0 || session.summary.pcCount === 0) return null;
      const write = this.prepareWrite(session, closed, [], []);
      await this.deps.store.commit(write);
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
    if (session.summary.pcCount === 0 && session.summary.eventCount === 0) return null;
    const write = this.prepareWrite(session, changed, [], [], true);
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

/** Approximate stored size of a pending sample (its report as JSON). */
function sampleBytes(sample: StatsSample): number {
  return JSON.stringify(sample.report).length;
}

function groupSamples(samples: BatchWrite['samples']): SessionUpdate['stats'] {
  const byPc = new Map<string, SessionUpdate['stats'][number]>();
  for (const { pcId, sample } of samples) {
    let entry = byPc.get(pcId);
    if (!entry) byPc.set(pcId, (entry = { pcId, samples: [] }));
    entry.samples.push(sample);
  }
  return [...byPc.values()];
}

