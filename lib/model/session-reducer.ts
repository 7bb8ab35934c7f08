/**
 * The recorder's pure core: folds validated page records into a live session's state and says what must be
 * stored. No I/O; the background's recorder persists the outcome and forwards it to live views.
 */
import type { FileEntryRecord, PageRecord } from '../protocol/messages';
import type { FrameInfo, PcSummary, SessionSummary, StatsReportJson, StatsSample, TraceEvent, TraceRecord } from './session';
import { applyStatsDelta } from './stats-delta';

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
  /** Approximate stored size of `pending` (JSON length), counted in the session's bytes until packed. */
  pendingBytes: number;
}

export interface LiveSession {
  summary: SessionSummary;
  pcs: Map<string, LivePc>;
}

/** What one run of records changed, for the store and the live views. */
export interface RecordsOutcome {
  events: TraceEvent[];
  samples: { pcId: string; sample: StatsSample }[];
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
  return {
    summary: {
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
    base: null,
    nextIndex: 0,
    awaitingReset: false,
    pending: [],
    pendingBytes: 0,
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

function applyStats(session: LiveSession, pc: LivePc, record: Extract<PageRecord, { type: 'pc-stats' }>, out: RecordsOutcome) {
  if (record.reset) {
    pc.base = null;
    pc.awaitingReset = false;
  } else if (pc.awaitingReset || record.index !== pc.nextIndex || pc.base === null) {
    // A lost record means the delta no longer applies to what we hold: wait for a full snapshot.
    if (!pc.awaitingReset) out.needResync = true;
    pc.awaitingReset = true;
    countRefused(session, 'stats-gap');
    return;
  }
  pc.base = applyStatsDelta(pc.base, record.delta);
  pc.nextIndex = record.index + 1;
  const sample: StatsSample = { index: record.index, t: record.t, report: pc.base, cost: record.cost };
  pc.pending.push(sample);
  pc.summary.sampleCount += 1;
  pc.summary.lastSampleAt = record.t;
  session.summary.sampleCount += 1;
  out.samples.push({ pcId: pc.summary.pcId, sample });
  out.changedPcs.add(pc.summary.pcId);
}

/**
 * Applies records from one frame, in order. Records for an unknown PC (its `pc-created` was refused or lost)
 * are kept in the trace but change no PC. Mutates `session`; returns what to store.
 */
export function applyPageRecords(session: LiveSession, frame: FrameInfo, records: readonly (PageRecord | FileEntryRecord)[]): RecordsOutcome {
  const out: RecordsOutcome = { events: [], samples: [], changedPcs: new Set(), needResync: false };
  const summary = session.summary;
  for (const record of records) {
    summary.lastActivityAt = Math.max(summary.lastActivityAt, record.t);
    const pcId = 'pc' in record ? pcIdOf(frame.index, record.pc) : null;
    let pc = pcId === null ? undefined : session.pcs.get(pcId);

    if (record.type === 'pc-stats') {
      if (pc) applyStats(session, pc, record, out);
      else countRefused(session, 'stats-for-unknown-pc');
      continue;
    }

    if (record.type === 'pc-created') {
      if (pc) {
        countRefused(session, 'duplicate-pc');
      } else {
        pc = newPc(summary.id, frame, record);
        session.pcs.set(pc.summary.pcId, pc);
        summary.pcCount += 1;
        out.changedPcs.add(pc.summary.pcId);
      }
    } else if (pc && record.type === 'pc-event' && record.event in STATE_EVENTS && typeof record.value === 'string') {
      pc.summary[STATE_EVENTS[record.event as keyof typeof STATE_EVENTS]] = record.value;
      out.changedPcs.add(pc.summary.pcId);
    } else if (pc && record.type === 'pc-call' && record.method === 'close') {
      if (closePc(pc, record.t, 'close')) out.changedPcs.add(pc.summary.pcId);
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
