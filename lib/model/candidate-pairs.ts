/**
 * ICE candidate pairs of one PC from its stats columns: the table of the latest sample (like webrtc-internals'
 * candidate-pair rows, with both candidates resolved) and a timeline of every pair's state and of the selected
 * pair over all samples.
 *
 * Which pair is selected: Chromium says it on the transport (`selectedCandidatePairId`); Firefox 153 does too,
 * but older Firefox builds only flag the pair (`selected: true`, a non-standard field it still sends), so both
 * count. When the stats say nothing about selection (some builds briefly report no transport), a nominated pair in
 * state `succeeded` is taken.
 */
import { ownEntry, statsObjectOf, type StatsColumns } from './session';
import { bool, idsOfTypeAt, latestRow, num, presentAt, str, valueAt } from './stats-table';
import { standardStatsView } from './legacy-stats';

export interface CandidateInfo {
  id: string;
  /** host, srflx, prflx, relay. */
  candidateType: string | null;
  protocol: string | null;
  address: string | null;
  port: number | null;
  /** Protocol to the TURN server (udp, tcp, tls) for relay candidates. */
  relayProtocol: string | null;
  /** Deprecated but still sent by Chromium (`unknown` since M1xx for privacy). */
  networkType: string | null;
  tcpType: string | null;
  url: string | null;
}

export interface CandidatePairRow {
  id: string;
  transportId: string | null;
  local: CandidateInfo | null;
  remote: CandidateInfo | null;
  state: string | null;
  nominated: boolean | null;
  selected: boolean;
  /** Seconds, as reported. */
  currentRoundTripTime: number | null;
  /**
   * Average RTT (seconds) of the STUN responses of the last interval between two samples that brought any:
   * ΔtotalRoundTripTime / ΔresponsesReceived, webrtc-internals' `[totalRoundTripTime/responsesReceived]` (its last
   * value; checks come every few seconds, not every poll). At the pair's first sample, totalRoundTripTime /
   * responsesReceived (all it had by then). Null without responses in the last {@link AVERAGE_RTT_ROWS} samples.
   */
  averageRoundTripTime: number | null;
  bytesSent: number | null;
  bytesReceived: number | null;
  requestsSent: number | null;
  requestsReceived: number | null;
  responsesSent: number | null;
  responsesReceived: number | null;
  consentRequestsSent: number | null;
  availableOutgoingBitrate: number | null;
  priority: number | null;
}

/**
 * A candidate as last seen at or before `row`: candidates may leave later samples (Chromium drops the remote
 * candidates of a pruned pair), and a pair of the latest sample should still say what it connected.
 */
export function candidateAt(columns: StatsColumns, id: string | null, row: number): CandidateInfo | null {
  if (id === null || !statsObjectOf(columns, id)) return null;
  let r = row;
  while (r >= 0 && !presentAt(columns, id, r)) r--;
  if (r < 0) return null;
  const s = (f: string) => str(valueAt(columns, id, f, r));
  return {
    id,
    candidateType: s('candidateType'),
    protocol: s('protocol'),
    // `ip` is the pre-2020 name, still sent by Chromium next to `address`.
    address: s('address') ?? s('ip'),
    port: num(valueAt(columns, id, 'port', r)),
    relayProtocol: s('relayProtocol'),
    networkType: s('networkType'),
    tcpType: s('tcpType'),
    url: s('url'),
  };
}

/** "host udp 127.0.0.1:50274" (with "relay tls" when relayed). */
export function candidateLabel(c: CandidateInfo | null): string {
  if (!c) return '(unknown candidate)';
  const parts = [c.candidateType ?? '?', c.protocol ?? '?', `${c.address ?? '?'}:${c.port ?? '?'}`];
  if (c.relayProtocol) parts.push(`(relay ${c.relayProtocol})`);
  return parts.join(' ');
}

/** One candidate in full: "host udp 10.0.0.1:5000 (relay tls, tcptype passive, ethernet, turn:…)". */
function candidateTitle(c: CandidateInfo | null): string {
  if (!c) return '(unknown candidate)';
  const extra: string[] = [];
  if (c.relayProtocol) extra.push(`relay ${c.relayProtocol}`);
  if (c.tcpType) extra.push(`tcptype ${c.tcpType}`);
  if (c.networkType && c.networkType !== 'unknown') extra.push(c.networkType);
  if (c.url) extra.push(c.url);
  const main = `${c.candidateType ?? '?'} ${c.protocol ?? '?'} ${c.address ?? '?'}:${c.port ?? '?'}`;
  return extra.length > 0 ? `${main} (${extra.join(', ')})` : main;
}

/**
 * A pair in full, for tooltips where its label is cut short (two pairs of one local candidate look alike):
 * "local host udp 10.0.0.1:5000 ⇄ remote srflx udp 203.0.113.7:62000 · stats id CP…".
 */
export function pairTitle(id: string, local: CandidateInfo | null, remote: CandidateInfo | null): string {
  return `local ${candidateTitle(local)} ⇄ remote ${candidateTitle(remote)} · stats id ${id}`;
}

/** Ids of the pairs selected at `row`, by the rules in the module comment. */
export function selectedPairIdsAt(columns: StatsColumns, row: number): Set<string> {
  const out = new Set<string>();
  if (row < 0) return out;
  const pairs = idsOfTypeAt(columns, 'candidate-pair', row).map((id) => pairColumns(columns, id));
  const transports = idsOfTypeAt(columns, 'transport', row).map((id) => transportColumns(columns, id));
  selectedAmong(row, pairs, transports, out);
  return out;
}

/**
 * {@link selectedPairIdsAt} for many rows (the charts' pass over new rows): given every candidate pair and transport
 * id of `columns`, `(row, out)` fills `out` with the pairs selected at `row`. The columns are looked up once, so
 * make a new reader for each pass (a field's column is created when it first appears).
 */
export function selectedPairsReader(columns: StatsColumns, pairIds: readonly string[], transportIds: readonly string[]): (row: number, out: Set<string>) => void {
  const pairs = pairIds.map((id) => pairColumns(columns, id));
  const transports = transportIds.map((id) => transportColumns(columns, id));
  const present: PairColumns[] = [];
  return (row, out) => {
    present.length = 0;
    for (const pair of pairs) if (pair.present(row)) present.push(pair);
    selectedAmong(row, present, transports, out);
  };
}

/**
 * What of the newest sample's pairs a live view shows at once rather than at its next step (see useFeedVersion):
 * each pair's id, state and nomination, and which are selected. Counters and RTTs are left out.
 */
export function candidatePairsKey(raw: StatsColumns): string {
  const columns = standardStatsView(raw);
  const row = columns.t.length - 1;
  if (row < 0) return '';
  const selected = selectedPairIdsAt(columns, row);
  let key = '';
  for (const id of idsOfTypeAt(columns, 'candidate-pair', row)) {
    key += `${id}\u0001${String(valueAt(columns, id, 'state', row))}\u0001${String(valueAt(columns, id, 'nominated', row))}\u0001${selected.has(id) ? 1 : 0}\u0002`;
  }
  return key;
}

const STATE_RANK: Record<string, number> = { succeeded: 0, 'in-progress': 1, waiting: 2, frozen: 3, failed: 4 };

/** How many samples back the candidate table looks for the last interval with STUN responses (Avg RTT). */
export const AVERAGE_RTT_ROWS = 60;

/**
 * The pair's `[totalRoundTripTime/responsesReceived]` (seconds) of the last interval up to `row` in which responses
 * arrived, between consecutive samples it is present in (as webrtc-internals), at most {@link AVERAGE_RTT_ROWS}
 * back. Reaching the first sample of the pair's run of samples before that: totalRoundTripTime /
 * responsesReceived there (all it had received by then).
 */
function averageRoundTripTime(columns: StatsColumns, id: string, row: number): number | null {
  const fields = columns.objects[id].fields;
  const totals = ownEntry(fields, 'totalRoundTripTime');
  const responses = ownEntry(fields, 'responsesReceived');
  if (!totals || !responses) return null;
  for (let r = row, steps = 0; steps < AVERAGE_RTT_ROWS; r--, steps++) {
    const total = num(totals[r]);
    const count = num(responses[r]);
    if (total === null || count === null) return null;
    if (!presentAt(columns, id, r - 1)) return count > 0 ? total / count : null;
    const before = num(responses[r - 1]);
    const totalBefore = num(totals[r - 1]);
    // A counter missing or going backwards (reset): no interval to read.
    if (before === null || totalBefore === null || count < before) return null;
    if (count > before) return (total - totalBefore) / (count - before);
  }
  return null;
}

/**
 * Ids of the pairs whose two candidates (as {@link candidateLabel} writes them) and transport another pair of
 * `pairs` has too. Chrome's legacy stats list several connections between the same two addresses (`Conn-audio-1-3`,
 * `-4` and `-9` of the corpus call 24a93962, all alive at its last poll; an ICE restart or a renegotiation makes
 * new ones): the views name those by their id, or their rows read as duplicates.
 */
export function pairsSharingEndpoints(pairs: readonly { id: string; local: CandidateInfo | null; remote: CandidateInfo | null; transportId: string | null }[]): Set<string> {
  const byKey = new Map<string, string[]>();
  for (const p of pairs) {
    const key = `${candidateLabel(p.local)}\u0001${candidateLabel(p.remote)}\u0001${p.transportId ?? ''}`;
    const ids = byKey.get(key);
    if (ids) ids.push(p.id);
    else byKey.set(key, [p.id]);
  }
  const out = new Set<string>();
  for (const ids of byKey.values()) if (ids.length > 1) for (const id of ids) out.add(id);
  return out;
}

/** Pair at `row` as a table row (null when absent there). */
export function pairAt(columns: StatsColumns, id: string, row: number, selected: Set<string>): CandidatePairRow | null {
  if (!presentAt(columns, id, row)) return null;
  const n = (f: string) => num(valueAt(columns, id, f, row));
  const responses = n('responsesReceived');
  return {
    id,
    transportId: str(valueAt(columns, id, 'transportId', row)),
    local: candidateAt(columns, str(valueAt(columns, id, 'localCandidateId', row)), row),
    remote: candidateAt(columns, str(valueAt(columns, id, 'remoteCandidateId', row)), row),
    state: str(valueAt(columns, id, 'state', row)),
    nominated: bool(valueAt(columns, id, 'nominated', row)),
    selected: selected.has(id),
    currentRoundTripTime: n('currentRoundTripTime'),
    averageRoundTripTime: averageRoundTripTime(columns, id, row),
    bytesSent: n('bytesSent'),
    bytesReceived: n('bytesReceived'),
    requestsSent: n('requestsSent'),
    requestsReceived: n('requestsReceived'),
    responsesSent: n('responsesSent'),
    responsesReceived: responses,
    consentRequestsSent: n('consentRequestsSent'),
    availableOutgoingBitrate: n('availableOutgoingBitrate'),
    priority: n('priority'),
  };
}

/**
 * Every candidate pair of the latest sample: selected first, then by state (succeeded, in-progress, waiting,
 * frozen, failed, others), then by priority (highest first), then id.
 */
export function candidatePairTable(raw: StatsColumns | undefined): CandidatePairRow[] {
  // Chrome's legacy stats as the standard objects they correspond to (legacy-stats.ts).
  const columns = raw && standardStatsView(raw);
  const row = latestRow(columns);
  if (!columns || row < 0) return [];
  const selected = selectedPairIdsAt(columns, row);
  const rows: CandidatePairRow[] = [];
  for (const id of idsOfTypeAt(columns, 'candidate-pair', row)) {
    const pair = pairAt(columns, id, row, selected);
    if (pair) rows.push(pair);
  }
  const rank = (s: string | null) => (s === null ? 5 : ownEntry(STATE_RANK, s) ?? 5);
  return rows.sort(
    (a, b) =>
      Number(b.selected) - Number(a.selected) ||
      rank(a.state) - rank(b.state) ||
      (b.priority ?? -Infinity) - (a.priority ?? -Infinity) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

// ───────────────────────────── timeline ─────────────────────────────

/** A stretch of samples in which a pair kept one state. Each sample owns the time up to the next sample. */
export interface StateSegment {
  state: string;
  fromT: number;
  toT: number;
}

export interface PairTimeline {
  id: string;
  /**
   * "host udp 127.0.0.1:50274 ⇄ host udp 127.0.0.1:36220", with " on <transport id>" when the PC's pairs span
   * several, and " (<pair id>)" when another pair has the same candidates and transport.
   */
  label: string;
  /** The whole pair, for a tooltip where the label is cut short: see {@link pairTitle}. */
  title: string;
  segments: StateSegment[];
  transportId: string | null;
}

export interface SelectedSegment {
  pairId: string;
  fromT: number;
  toT: number;
}

export interface CandidatePairTimeline {
  /** Time of the first and last sample (epoch ms); null without samples. */
  startT: number | null;
  endT: number | null;
  /** Pairs in order of first appearance. */
  pairs: PairTimeline[];
  /** When each pair was the selected one, in time order. */
  selected: SelectedSegment[];
}

interface PairTrack {
  id: string;
  firstRow: number;
  lastRow: number;
  segments: StateSegment[];
  /** The segment that the last processed row extended, if the pair was present there. */
  current: StateSegment | null;
}

/** What {@link candidatePairTimeline} has worked out so far for one columns object (they grow in place). */
interface TimelineState {
  rows: number;
  firstT: number;
  pairs: Map<string, PairTrack>;
  selected: SelectedSegment[];
  openSelected: Map<string, SelectedSegment>;
}

const timelines = new WeakMap<StatsColumns, TimelineState>();

type Column = (unknown | null)[] | undefined;

/** One object's columns the timeline reads on every row, looked up once per pass instead of per row. */
interface PairColumns {
  id: string;
  present: (row: number) => boolean;
  state: Column;
  selected: Column;
  nominated: Column;
}
interface TransportColumns {
  present: (row: number) => boolean;
  selectedPairId: Column;
}

/** presentAt with the object's type column fetched once (an object without one takes presentAt's slow path). */
function presence(columns: StatsColumns, id: string): (row: number) => boolean {
  const type = columns.objects[id].fields.type;
  if (!type) return (row) => presentAt(columns, id, row);
  return (row) => type[row] !== null && type[row] !== undefined;
}

const cell = (column: Column, row: number): unknown => (column === undefined ? undefined : column[row]);

function pairColumns(columns: StatsColumns, id: string): PairColumns {
  const fields = columns.objects[id].fields;
  return { id, present: presence(columns, id), state: fields.state, selected: fields.selected, nominated: fields.nominated };
}
function transportColumns(columns: StatsColumns, id: string): TransportColumns {
  return { present: presence(columns, id), selectedPairId: columns.objects[id].fields.selectedCandidatePairId };
}

/** The rows `from`… of `columns` folded into `state`. */
function advanceTimeline(columns: StatsColumns, state: TimelineState): void {
  const t = columns.t;
  const rows = t.length;
  const pairs: PairColumns[] = [];
  const transports: TransportColumns[] = [];
  for (const id in columns.objects) {
    const type = columns.objects[id].type;
    if (type === 'candidate-pair') pairs.push(pairColumns(columns, id));
    else if (type === 'transport') transports.push(transportColumns(columns, id));
  }
  const tracks = [...state.pairs.values()];
  const present: PairColumns[] = [];
  const selected = new Set<string>();
  for (let row = state.rows; row < rows; row++) {
    const time = t[row];
    // Each sample owns the time up to the next one: whatever the previous row left open now ends here.
    for (const track of tracks) {
      if (track.current && track.lastRow === row - 1) track.current.toT = time;
    }
    for (const seg of state.openSelected.values()) seg.toT = time;
    present.length = 0;
    for (const pair of pairs) {
      if (!pair.present(row)) continue;
      present.push(pair);
      const value = cell(pair.state, row);
      const stateName = typeof value === 'string' ? value : 'unknown';
      let track = state.pairs.get(pair.id);
      if (!track) {
        track = { id: pair.id, firstRow: row, lastRow: row, segments: [], current: null };
        state.pairs.set(pair.id, track);
        tracks.push(track);
      }
      if (track.current && track.lastRow === row - 1 && track.current.state === stateName) {
        track.current.toT = time;
      } else {
        track.current = { state: stateName, fromT: time, toT: time };
        track.segments.push(track.current);
      }
      track.lastRow = row;
    }
    for (const track of tracks) if (track.lastRow !== row) track.current = null;
    selectedAmong(row, present, transports, selected);
    for (const [id] of state.openSelected) if (!selected.has(id)) state.openSelected.delete(id);
    for (const id of selected) {
      if (state.openSelected.has(id)) continue;
      const seg = { pairId: id, fromT: time, toT: time };
      state.openSelected.set(id, seg);
      state.selected.push(seg);
    }
  }
  state.rows = rows;
}

/**
 * {@link selectedPairIdsAt} with the candidate pairs present at `row` and the transports' columns already looked
 * up; fills `out` (cleared first).
 */
function selectedAmong(row: number, pairs: PairColumns[], transports: TransportColumns[], out: Set<string>): void {
  out.clear();
  // Whether the browser said anything about selection (then its word stands, even when it says "none").
  let told = false;
  for (const transport of transports) {
    if (!transport.present(row)) continue;
    const id = cell(transport.selectedPairId, row);
    if (typeof id !== 'string') continue;
    told = true;
    for (const pair of pairs) {
      if (pair.id === id) {
        out.add(id);
        break;
      }
    }
  }
  for (const pair of pairs) {
    const flag = cell(pair.selected, row);
    if (typeof flag === 'boolean') told = true;
    if (flag === true) out.add(pair.id);
  }
  if (!told) {
    for (const pair of pairs) {
      if (cell(pair.nominated, row) === true && cell(pair.state, row) === 'succeeded') out.add(pair.id);
    }
  }
}

/**
 * State segments of every pair over all samples, and the selected pair over time. A segment runs from the first
 * sample with that state to the next sample (or to the last sample, for the current state); rows where a pair is
 * absent end its segment and leave a gap.
 *
 * Incremental: the work done is remembered per columns object, so a live view that asks again after samples were
 * appended pays only for the new rows (a 60-minute recording costs milliseconds the first time, not every second).
 * Columns that shrank or start at another time (replaced in place) are read again from the start.
 */
export function candidatePairTimeline(raw: StatsColumns | undefined): CandidatePairTimeline {
  const columns = raw && standardStatsView(raw);
  const rows = columns ? columns.t.length : 0;
  if (!columns || rows === 0) return { startT: null, endT: null, pairs: [], selected: [] };
  let state = timelines.get(columns);
  if (!state || rows < state.rows || columns.t[0] !== state.firstT) {
    state = { rows: 0, firstT: columns.t[0], pairs: new Map(), selected: [], openSelected: new Map() };
    timelines.set(columns, state);
  }
  if (state.rows < rows) advanceTimeline(columns, state);
  const pairs = [...state.pairs.values()]
    .sort((a, b) => a.firstRow - b.firstRow)
    .map((track) => {
      const local = candidateAt(columns, str(valueAt(columns, track.id, 'localCandidateId', track.lastRow)), track.lastRow);
      const remote = candidateAt(columns, str(valueAt(columns, track.id, 'remoteCandidateId', track.lastRow)), track.lastRow);
      return {
        id: track.id,
        label: `${candidateLabel(local)} ⇄ ${candidateLabel(remote)}`,
        title: pairTitle(track.id, local, remote),
        segments: track.segments.map((seg) => ({ ...seg })),
        transportId: str(valueAt(columns, track.id, 'transportId', track.lastRow)),
        local,
        remote,
      };
    });
  // Without BUNDLE the same two addresses pair on each transport: their lanes are told apart by it. Pairs that
  // still share both candidates and the transport (legacy connections) by their id.
  const shared = pairsSharingEndpoints(pairs);
  if (new Set(pairs.map((p) => p.transportId)).size > 1) for (const p of pairs) if (p.transportId !== null) p.label += ` on ${p.transportId}`;
  for (const p of pairs) if (shared.has(p.id)) p.label += ` (${p.id})`;
  const lanes: PairTimeline[] = pairs.map(({ local: _local, remote: _remote, ...lane }) => lane);
  const selected = state.selected
    .map((seg) => ({ ...seg }))
    .sort((a, b) => a.fromT - b.fromT || (a.pairId < b.pairId ? -1 : a.pairId > b.pairId ? 1 : 0));
  return { startT: columns.t[0], endT: columns.t[rows - 1], pairs: lanes, selected };
}
