/**
 * The recorder's pure core: folds validated page records into a live session's state and says what must be
 * stored. No I/O; the background's recorder persists the outcome and forwards it to live views.
 */
import { RELAY_LIMITS } from '../protocol/constants';
import type { FileEntryRecord, PageRecord } from '../protocol/messages';
import type { FrameInfo, PcSummary, SessionSummary, StatsReportJson, StatsSample, TraceEvent, TraceRecord } from './session';
import { applyStatsDelta, type StatsDelta } from './stats-delta';

/**
 * What one PC's recorded stats may grow to. Views hold a PC's stats as one column per (stats id, field) ever seen,
 * each as long as the PC's samples: ids or fields that change with every poll would make that grow with the square
 * of the call's length. A PC that passes a limit stops being sampled (counted in the session's `refused`).
 */
export const PC_STATS_LIMITS = {
  /** Distinct stats ids over the PC's life (a long call with ICE restarts and many streams sees a few hundred). */
  maxIds: 2000,
  /** Distinct (id, field) columns over the PC's life (a conference's 500 streams of ~60 fields are 30,000). */
  maxColumns: 100_000,
  /** Size of one report as JSON: the hook sends a complete report in one record, so no real one is larger. */
  maxReportChars: RELAY_LIMITS.maxRecordChars,
} as const;

/** A peer connection while its session is live: its summary plus what stats decoding needs. */
export interface LivePc {
  summary: PcSummary;
  /** The last full report (deltas apply to it); null before the first poll. */
  base: StatsReportJson | null;
  /** Poll index the next delta must have; any other index means a record was lost. */
  nextIndex: number;
  /** The delta chain broke; samples are ignored until a `reset` snapshot arrives. */
  awaitingReset: boolean;
  /** Samples not yet packed into a stored chunk, in index order. */
  pending: StatsSample[];
  /** Stored size of `pending` (their delta rows), counted in the session's bytes until packed. */
  pendingBytes: number;
  /** The PC passed one of {@link PC_STATS_LIMITS}: its further stats are refused. */
  statsStopped: boolean;
  /** Every stats id seen in the PC's samples, with the fields seen in it (what views make columns of). */
  statsShape: Map<string, Set<string>>;
  /** Number of (id, field) pairs in {@link statsShape}. */
  statsColumns: number;
  /**
   * Upper bound of `base`'s JSON size: measured at a reset, then grown by each delta's size (removals are not
   * subtracted); measured again once it passes the limit by a quarter of it since the last measurement, so that a
   * report near the limit is not serialised for every poll.
   */
  reportChars: number;
  /** {@link reportChars} when it was last measured. */
  reportCharsMeasured: number;
}

export interface LiveSession {
  summary: SessionSummary;
  pcs: Map<string, LivePc>;
  /**
   * The session reached its storage cap: only the states of the PCs it has are followed; records are neither traced
   * nor sampled, and new PCs are not taken on (all counted in `refused`).
   */
  storageFull?: boolean;
}

/** A sample to store, with the page's delta it was made from (stored until the sample is packed into a chunk). */
export interface RecordedSample {
  pcId: string;
  sample: StatsSample;
  delta: StatsDelta;
  /** `delta` is a complete report. */
  reset: boolean;
  /** Length of `delta` as JSON. */
  deltaChars: number;
}

/** What one run of records changed, for the store and the live views. */
export interface RecordsOutcome {
  events: TraceEvent[];
  samples: RecordedSample[];
  changedPcs: Set<string>;
  /** A stats chain broke: the page should send full snapshots. */
  needResync: boolean;
}

/** Session-wide PC id: `"<frame index>-<page counter>"`, shaped like webrtc-internals' `"<rid>-<lid>"` keys. */
export const pcIdOf = (frame: number, pc: number) => `${frame}-${pc}`;

const STATE_EVENTS = {
  signalingstatechange: 'signalingState',
  iceconnectionstatechange: 'iceConnectionState',
  icegatheringstatechange: 'iceGatheringState',
  connectionstatechange: 'connectionState',
} as const;

function newPc(sessionId: string, frame: FrameInfo, record: Extract<PageRecord, { type: 'pc-created' }>): LivePc {
  return livePc(
    {
      sessionId,
      pcId: pcIdOf(frame.index, record.pc),
      frame: frame.index,
      frameUrl: frame.url,
      createdAt: record.t,
      closedAt: null,
      closedBy: null,
      config: record.config,
      ...(record.constraints !== undefined ? { constraints: record.constraints } : {}),
      signalingState: 'stable',
      iceConnectionState: 'new',
      iceGatheringState: 'new',
      connectionState: 'new',
      sampleCount: 0,
      lastSampleAt: null,
    },
    [],
    0,
  );
}

/**
 * A live PC continuing from stored samples (after the worker restarted): `recent` are its last stored samples in
 * index order (the last chunk's and the pending ones), of which `pending` are not chunked yet and take
 * `pendingBytes` of storage. The limits count the ids and fields of `recent` only: what came before is not read.
 */
export function restoredPc(summary: PcSummary, recent: StatsSample[], pending: StatsSample[], pendingBytes: number): LivePc {
  const pc = livePc(summary, pending, pendingBytes);
  const last = recent.at(-1);
  if (last) {
    pc.base = last.report;
    pc.nextIndex = last.index + 1;
    pc.reportChars = pc.reportCharsMeasured = JSON.stringify(last.report).length;
  }
  for (const sample of recent) admitShape(pc, { added: sample.report });
  return pc;
}

function livePc(summary: PcSummary, pending: StatsSample[], pendingBytes: number): LivePc {
  return {
    summary,
    base: null,
    nextIndex: 0,
    awaitingReset: false,
    pending,
    pendingBytes,
    statsStopped: false,
    statsShape: new Map(),
    statsColumns: 0,
    reportChars: 0,
    reportCharsMeasured: 0,
  };
}

function countRefused(session: LiveSession, reason: string, n = 1) {
  session.summary.refused[reason] = (session.summary.refused[reason] ?? 0) + n;
}

/** Marks a PC closed (idempotent: the first reason wins). */
export function closePc(pc: LivePc, t: number, by: NonNullable<PcSummary['closedBy']>): boolean {
  if (pc.summary.closedAt !== null) return false;
  pc.summary.closedAt = t;
  pc.summary.closedBy = by;
  pc.summary.signalingState = 'closed';
  pc.summary.connectionState = 'closed';
  pc.summary.iceConnectionState = 'closed';
  return true;
}

/** Adds the ids and fields `delta` brings to the PC's shape; false (and the PC's shape is spent) past a limit. */
function admitShape(pc: LivePc, delta: StatsDelta): boolean {
  for (const part of [delta.added, delta.changed]) {
    if (part === undefined) continue;
    for (const id in part) {
      let fields = pc.statsShape.get(id);
      if (fields === undefined) {
        if (pc.statsShape.size >= PC_STATS_LIMITS.maxIds) return false;
        pc.statsShape.set(id, (fields = new Set()));
      }
      for (const key in part[id]) {
        if (fields.has(key)) continue;
        if (pc.statsColumns >= PC_STATS_LIMITS.maxColumns) return false;
        fields.add(key);
        pc.statsColumns += 1;
      }
    }
  }
  return true;
}

/** Whether `pc.base` is still within {@link PC_STATS_LIMITS.maxReportChars}, after a delta of `deltaChars`. */
function reportWithinLimit(pc: LivePc, deltaChars: number, reset: boolean): boolean {
  const limit = PC_STATS_LIMITS.maxReportChars;
  if (reset) {
    pc.reportChars = pc.reportCharsMeasured = deltaChars;
  } else {
    pc.reportChars += deltaChars;
    if (pc.reportChars > limit && pc.reportChars - pc.reportCharsMeasured > limit / 4) {
      pc.reportChars = pc.reportCharsMeasured = JSON.stringify(pc.base).length;
    }
  }
  return pc.reportCharsMeasured <= limit;
}

/** A PC passed a stats limit: keep nothing more of its stats (its pending samples are still stored). */
function stopStats(session: LiveSession, pc: LivePc, reason: string) {
  pc.statsStopped = true;
  pc.base = null;
  countRefused(session, reason);
}

function applyStats(session: LiveSession, pc: LivePc, record: Extract<PageRecord, { type: 'pc-stats' }>, out: RecordsOutcome) {
  if (pc.statsStopped) {
    countRefused(session, 'stats-stopped');
    return;
  }
  if (record.index < pc.nextIndex) {
    // Poll indexes only grow (a reset moves on to the page's current poll): an old or repeated one is not the
    // page's hook, and storing it would put samples out of order.
    countRefused(session, 'stats-index');
    return;
  }
  const reset = record.reset === true;
  if (reset) {
    pc.base = null;
    pc.awaitingReset = false;
  } else if (pc.awaitingReset || record.index !== pc.nextIndex || pc.base === null) {
    // A lost record means the delta no longer applies to what we hold: wait for a full snapshot.
    if (!pc.awaitingReset) out.needResync = true;
    pc.awaitingReset = true;
    countRefused(session, 'stats-gap');
    return;
  }
  if (!admitShape(pc, record.delta)) return stopStats(session, pc, 'stats-columns-cap');
  pc.base = applyStatsDelta(pc.base, record.delta);
  const deltaChars = JSON.stringify(record.delta).length;
  if (!reportWithinLimit(pc, deltaChars, reset)) return stopStats(session, pc, 'stats-report-cap');
  pc.nextIndex = record.index + 1;
  const sample: StatsSample = { index: record.index, t: record.t, report: pc.base, cost: record.cost };
  pc.pending.push(sample);
  pc.summary.sampleCount += 1;
  pc.summary.lastSampleAt = record.t;
  session.summary.sampleCount += 1;
  out.samples.push({ pcId: pc.summary.pcId, sample, delta: record.delta, reset, deltaChars });
  out.changedPcs.add(pc.summary.pcId);
}

/** Applies what a record says about its PC's state (state events, close()). */
function followState(pc: LivePc, record: PageRecord | FileEntryRecord, out: RecordsOutcome) {
  if (record.type === 'pc-event' && record.event in STATE_EVENTS && typeof record.value === 'string') {
    pc.summary[STATE_EVENTS[record.event as keyof typeof STATE_EVENTS]] = record.value;
    out.changedPcs.add(pc.summary.pcId);
  } else if (record.type === 'pc-call' && record.method === 'close') {
    if (closePc(pc, record.t, 'close')) out.changedPcs.add(pc.summary.pcId);
  }
}

/**
 * Applies records from one frame, in order. Records for an unknown PC (its `pc-created` was refused or lost)
 * are kept in the trace but change no PC. Mutates `session` (but not `lastActivityAt`: record times are the page's
 * word, so the caller stamps activity with its own clock); returns what to store.
 */
export function applyPageRecords(session: LiveSession, frame: FrameInfo, records: readonly (PageRecord | FileEntryRecord)[]): RecordsOutcome {
  const out: RecordsOutcome = { events: [], samples: [], changedPcs: new Set(), needResync: false };
  const summary = session.summary;
  for (const record of records) {
    const pcId = 'pc' in record ? pcIdOf(frame.index, record.pc) : null;
    let pc = pcId === null ? undefined : session.pcs.get(pcId);

    if (session.storageFull) {
      if (pc) followState(pc, record, out);
      countRefused(session, 'session-full');
      continue;
    }

    if (record.type === 'pc-stats') {
      if (pc) applyStats(session, pc, record, out);
      else countRefused(session, 'stats-for-unknown-pc');
      continue;
    }

    if (record.type === 'pc-created') {
      if (pc) {
        // The hook announces its live PCs again when capture resumes or after lost records (a resync): the
        // first announcement stands, and a repeat is neither an event nor a problem.
        continue;
      } else {
        pc = newPc(summary.id, frame, record);
        session.pcs.set(pc.summary.pcId, pc);
        summary.pcCount += 1;
        out.changedPcs.add(pc.summary.pcId);
      }
    } else if (pc) {
      followState(pc, record, out);
    } else if (record.type === 'media-call') {
      summary.mediaCallCount += 1;
    }

    out.events.push({ seq: summary.eventCount, frame: frame.index, pcId, record: record as TraceRecord });
    summary.eventCount += 1;
  }
  return out;
}

/** Closes every open PC of a frame whose document went away. Returns the ids it closed. */
export function closeFramePcs(session: LiveSession, frameIndex: number, t: number): string[] {
  const closed: string[] = [];
  for (const pc of session.pcs.values()) {
    if (pc.summary.frame === frameIndex && closePc(pc, t, 'unload')) closed.push(pc.summary.pcId);
  }
  return closed;
}
