/**
 * What the health assessment reads of one PC's trace events (its creation, connection, ICE, gathering and signaling
 * state changes), folded in trace order. A live trace only grows, so the fold resumes where it stopped: a long
 * call's trace (every API call the page makes) is not read again at every re-assessment.
 *
 * Pure: no UI or browser API.
 */
import type { TraceEvent } from '../session';

export interface StateChange {
  t: number;
  state: string;
}

/** The state machines whose changes {@link PcEventFacts.stateChanges} interleaves. */
export type StateMachine = 'connection' | 'ice' | 'gathering' | 'signaling';

const MACHINE_OF_EVENT: Readonly<Record<string, StateMachine>> = {
  connectionstatechange: 'connection',
  iceconnectionstatechange: 'ice',
  icegatheringstatechange: 'gathering',
  signalingstatechange: 'signaling',
};

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
  /**
   * Every string value of the four state-change events, in trace order: a connection setup runs through several of
   * them (gathering, the answer, checking, connected), and only the trace says which came first.
   */
  stateChanges: (StateChange & { machine: StateMachine })[];
  /** `icecandidateerror` events: the STUN/TURN server (`url`), its error code and text. */
  candidateErrors: CandidateError[];
  /** When the PC first gathered a relay candidate (a TURN server answered), else null. */
  relayGatheredAt: number | null;
}

export interface CandidateError {
  t: number;
  url: string;
  code: number | null;
  text: string;
}

function emptyFacts(pcId: string): PcEventFacts {
  return {
    pcId, folded: 0, lastFolded: undefined, createdRecordAt: null, connectedAt: null, iceConnectedAt: null,
    sawConnectionState: false, connectionStates: [], iceStates: [], stateChanges: [], candidateErrors: [], relayGatheredAt: null,
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
    if (record.event === 'icecandidateerror') {
      const v = typeof record.value === 'object' && record.value !== null && !Array.isArray(record.value) ? record.value : {};
      out.candidateErrors.push({
        t: record.t,
        url: typeof v.url === 'string' ? v.url : '',
        code: typeof v.errorCode === 'number' ? v.errorCode : null,
        text: typeof v.errorText === 'string' ? v.errorText : '',
      });
      continue;
    }
    if (record.event === 'icecandidate' && out.relayGatheredAt === null) {
      const v = record.value;
      const line = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.candidate === 'string' ? v.candidate : '';
      if (/\styp relay(\s|$)/.test(line)) out.relayGatheredAt = record.t;
      continue;
    }
    const machine = Object.prototype.hasOwnProperty.call(MACHINE_OF_EVENT, record.event) ? MACHINE_OF_EVENT[record.event] : undefined;
    if (machine && typeof record.value === 'string') out.stateChanges.push({ t: record.t, state: record.value, machine });
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
