/**
 * What the health assessment reads of one PC's trace events (its creation, connection and ICE state changes),
 * folded in trace order. A live trace only grows, so the fold resumes where it stopped: a long call's trace (every
 * API call the page makes) is not read again at every re-assessment.
 *
 * Pure: no UI or browser API.
 */
import type { TraceEvent } from '../session';

export interface StateChange {
  t: number;
  state: string;
}

export interface PcEventFacts {
  pcId: string;
  /** Events folded, and the last of them: a trace whose event at that place is another object was replaced. */
  folded: number;
  lastFolded: TraceEvent | undefined;
  /** Time of the first `pc-created` record. */
  createdRecordAt: number | null;
  /** First `connectionstatechange` to "connected". */
  connectedAt: number | null;
  /** First `iceconnectionstatechange` to "connected" or "completed". */
  iceConnectedAt: number | null;
  /** Any `connectionstatechange` (older Firefox has none: its ICE state stands in). */
  sawConnectionState: boolean;
  /** The string values of `connectionstatechange` and `iceconnectionstatechange`, in trace order. */
  connectionStates: StateChange[];
  iceStates: StateChange[];
}

function emptyFacts(pcId: string): PcEventFacts {
  return {
    pcId, folded: 0, lastFolded: undefined, createdRecordAt: null, connectedAt: null, iceConnectedAt: null,
    sawConnectionState: false, connectionStates: [], iceStates: [],
  };
}

/** Facts of `pcId` from all of `events`. */
export function pcEventFacts(events: readonly TraceEvent[], pcId: string): PcEventFacts {
  return foldPcEvents(emptyFacts(pcId), events);
}

/**
 * `facts` with the events appended since the last fold (the same object, updated), or the facts of `events` from
 * the start when they are not a continuation of what was folded (another or a shorter trace).
 */
export function foldPcEvents(facts: PcEventFacts, events: readonly TraceEvent[]): PcEventFacts {
  const continues = facts.folded <= events.length && (facts.folded === 0 || events[facts.folded - 1] === facts.lastFolded);
  const out = continues ? facts : emptyFacts(facts.pcId);
  for (let i = out.folded; i < events.length; i++) {
    const { pcId, record } = events[i];
    if (pcId !== out.pcId) continue;
    if (record.type === 'pc-created' && out.createdRecordAt === null) out.createdRecordAt = record.t;
    if (record.type !== 'pc-event') continue;
    if (record.event === 'connectionstatechange') {
      out.sawConnectionState = true;
      if (record.value === 'connected' && out.connectedAt === null) out.connectedAt = record.t;
      if (typeof record.value === 'string') out.connectionStates.push({ t: record.t, state: record.value });
    } else if (record.event === 'iceconnectionstatechange') {
      if ((record.value === 'connected' || record.value === 'completed') && out.iceConnectedAt === null) out.iceConnectedAt = record.t;
      if (typeof record.value === 'string') out.iceStates.push({ t: record.t, state: record.value });
    }
  }
  out.folded = events.length;
  out.lastFolded = events[events.length - 1];
  return out;
}
