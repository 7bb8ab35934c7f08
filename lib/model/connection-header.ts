/**
 * What the header of a peer connection says at a glance: its four states (the latest state events, which the PC
 * summary also folds in), DTLS from the transport stats, the selected candidate pair with both candidates, the
 * codecs its RTP streams use right now, and when it was created and closed. Reads the latest sample only.
 */
import { ownEntry, type ConnectionStates, type PcSummary, type SessionData, type StatsColumns, type TraceEvent } from './session';
import { candidateAt, selectedPairIdsAt, type CandidateInfo } from './candidate-pairs';
import { idsOfTypeAt, latestRow, num, str, valueAt } from './stats-table';
import { standardStatsView } from './legacy-stats';

export interface DtlsFacts {
  transportId: string;
  state: string | null;
  role: string | null;
  /** Hex code as reported (see {@link tlsVersionName}). */
  tlsVersion: string | null;
  dtlsCipher: string | null;
  srtpCipher: string | null;
  iceState: string | null;
  iceRole: string | null;
}

export interface SelectedPairFacts {
  id: string;
  transportId: string | null;
  state: string | null;
  local: CandidateInfo | null;
  remote: CandidateInfo | null;
  /** Seconds. */
  currentRoundTripTime: number | null;
  availableOutgoingBitrate: number | null;
}

export interface CodecInUse {
  id: string;
  kind: string | null;
  mimeType: string | null;
  payloadType: number | null;
  clockRate: number | null;
  channels: number | null;
  sdpFmtpLine: string | null;
  /** send: referenced by an outbound-rtp; recv: by an inbound-rtp. */
  directions: ('send' | 'recv')[];
}

export interface ConnectionHeaderFacts {
  pcId: string;
  /**
   * The PC's states now. A closed PC (a close time) is closed whatever the last events said: Chromium fires no state
   * events on close(), and a PC of an unloaded page fired none either. Its ICE gathering state stays as it was
   * (close() does not change it).
   */
  states: ConnectionStates;
  /** A closed PC: the states its events and summary left before the close (see {@link ConnectionHeaderFacts.states}); null while open. */
  lastStates: ConnectionStates | null;
  /** The PC has a close time: nothing it shows is live any more. */
  closed: boolean;
  createdAt: number | null;
  closedAt: number | null;
  closedBy: PcSummary['closedBy'];
  /** One per transport (one with BUNDLE). */
  dtls: DtlsFacts[];
  /** The selected pair(s): one per transport. */
  selectedPairs: SelectedPairFacts[];
  codecs: CodecInUse[];
  /** Time of the sample read (epoch ms), null without samples. */
  sampleT: number | null;
  /** Imported PCs: the file's own id for the PC (`"12-1"`, `"PC_0"`); null otherwise. Untrusted text. */
  fileId: string | null;
}

const STATE_EVENTS: Record<string, keyof ConnectionStates> = {
  signalingstatechange: 'signalingState',
  iceconnectionstatechange: 'iceConnectionState',
  icegatheringstatechange: 'iceGatheringState',
  connectionstatechange: 'connectionState',
};

const INITIAL_STATES: ConnectionStates = {
  signalingState: 'stable',
  iceConnectionState: 'new',
  iceGatheringState: 'new',
  connectionState: 'new',
};

/** The latest value of each state event of the PC; the summary's value for a state no event has reported. */
export function latestStates(pc: PcSummary | undefined, events: readonly TraceEvent[], pcId: string): ConnectionStates {
  const out: ConnectionStates = pc
    ? {
        signalingState: pc.signalingState,
        iceConnectionState: pc.iceConnectionState,
        iceGatheringState: pc.iceGatheringState,
        connectionState: pc.connectionState,
      }
    : { ...INITIAL_STATES };
  const seen = new Set<keyof ConnectionStates>();
  for (let i = events.length - 1; i >= 0 && seen.size < 4; i--) {
    const e = events[i];
    if (e.pcId !== pcId || e.record.type !== 'pc-event') continue;
    const key = ownEntry(STATE_EVENTS, e.record.event);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    if (typeof e.record.value === 'string') out[key] = e.record.value;
  }
  return out;
}

/** What a PC's states are after close() (or after its page went away): closed, gathering as it was. */
export function closedStates(last: ConnectionStates): ConnectionStates {
  return { signalingState: 'closed', iceConnectionState: 'closed', iceGatheringState: last.iceGatheringState, connectionState: 'closed' };
}

function dtlsFacts(columns: StatsColumns, row: number): DtlsFacts[] {
  return idsOfTypeAt(columns, 'transport', row).map((id) => {
    const s = (f: string) => str(valueAt(columns, id, f, row));
    return {
      transportId: id,
      state: s('dtlsState'),
      role: s('dtlsRole'),
      tlsVersion: s('tlsVersion'),
      dtlsCipher: s('dtlsCipher'),
      srtpCipher: s('srtpCipher'),
      iceState: s('iceState'),
      iceRole: s('iceRole'),
    };
  });
}

function selectedPairs(columns: StatsColumns, row: number): SelectedPairFacts[] {
  const out: SelectedPairFacts[] = [];
  for (const id of selectedPairIdsAt(columns, row)) {
    out.push({
      id,
      transportId: str(valueAt(columns, id, 'transportId', row)),
      state: str(valueAt(columns, id, 'state', row)),
      local: candidateAt(columns, str(valueAt(columns, id, 'localCandidateId', row)), row),
      remote: candidateAt(columns, str(valueAt(columns, id, 'remoteCandidateId', row)), row),
      currentRoundTripTime: num(valueAt(columns, id, 'currentRoundTripTime', row)),
      availableOutgoingBitrate: num(valueAt(columns, id, 'availableOutgoingBitrate', row)),
    });
  }
  return out;
}

const KIND_ORDER: Record<string, number> = { audio: 0, video: 1 };

/** The codec a legacy ("goog") RTP stream names, as far as it says: no payload type, clock rate or fmtp. */
function legacyCodec(columns: StatsColumns, rtp: string, row: number): Omit<CodecInUse, 'directions'> | null {
  const name = str(valueAt(columns, rtp, 'googCodecName', row));
  const kind = str(valueAt(columns, rtp, 'kind', row));
  if (name === null || name === '' || kind === null) return null;
  const mimeType = `${kind}/${name}`;
  return { id: `legacy codec ${mimeType}`, kind, mimeType, payloadType: null, clockRate: null, channels: null, sdpFmtpLine: null };
}

function codecsInUse(columns: StatsColumns, row: number): CodecInUse[] {
  const byId = new Map<string, CodecInUse>();
  for (const [type, direction] of [['outbound-rtp', 'send'], ['inbound-rtp', 'recv']] as const) {
    for (const rtp of idsOfTypeAt(columns, type, row)) {
      const codecId = str(valueAt(columns, rtp, 'codecId', row));
      if (codecId === null) {
        // Chrome's legacy stats have no codec objects: the stream names its codec (`googCodecName`, "" until known).
        const legacy = legacyCodec(columns, rtp, row);
        if (legacy === null) continue;
        const known = byId.get(legacy.id);
        if (known) {
          if (!known.directions.includes(direction)) known.directions.push(direction);
        } else {
          byId.set(legacy.id, { ...legacy, directions: [direction] });
        }
        continue;
      }
      let codec = byId.get(codecId);
      if (!codec) {
        const s = (f: string) => str(valueAt(columns, codecId, f, row));
        const mimeType = s('mimeType');
        codec = {
          id: codecId,
          // The codec's own mimeType says the kind even when the RTP object lacks `kind` (old Firefox).
          kind: str(valueAt(columns, rtp, 'kind', row)) ?? (mimeType ? mimeType.split('/')[0] : null),
          mimeType,
          payloadType: num(valueAt(columns, codecId, 'payloadType', row)),
          clockRate: num(valueAt(columns, codecId, 'clockRate', row)),
          channels: num(valueAt(columns, codecId, 'channels', row)),
          sdpFmtpLine: s('sdpFmtpLine'),
          directions: [],
        };
        byId.set(codecId, codec);
      }
      if (!codec.directions.includes(direction)) codec.directions.push(direction);
    }
  }
  const dirRank = (c: CodecInUse) => (c.directions[0] === 'send' ? 0 : 1);
  return [...byId.values()].sort(
    (a, b) =>
      dirRank(a) - dirRank(b) ||
      (KIND_ORDER[a.kind ?? ''] ?? 2) - (KIND_ORDER[b.kind ?? ''] ?? 2) ||
      (a.mimeType ?? '').localeCompare(b.mimeType ?? ''),
  );
}

/** Header facts of `pcId` from its columns (the live ones from the feed when given, else the session's). */
export function connectionHeader(data: SessionData, pcId: string, raw: StatsColumns | undefined = data.stats[pcId]): ConnectionHeaderFacts {
  // Chrome's legacy stats as the standard objects they correspond to (legacy-stats.ts): the selected pair.
  const columns = raw && standardStatsView(raw);
  const pc = data.pcs.find((p) => p.pcId === pcId);
  const row = latestRow(columns);
  let createdAt = pc ? pc.createdAt : null;
  if (createdAt === null) {
    const created = data.events.find((e) => e.pcId === pcId && e.record.type === 'pc-created');
    if (created) createdAt = created.record.t;
  }
  const last = latestStates(pc, data.events, pcId);
  const closedAt = pc ? pc.closedAt : null;
  const closed = closedAt !== null;
  return {
    pcId,
    states: closed ? closedStates(last) : last,
    lastStates: closed ? last : null,
    closed,
    createdAt,
    closedAt,
    closedBy: pc ? pc.closedBy : null,
    dtls: columns && row >= 0 ? dtlsFacts(columns, row) : [],
    selectedPairs: columns && row >= 0 ? selectedPairs(columns, row) : [],
    codecs: columns && row >= 0 ? codecsInUse(columns, row) : [],
    sampleT: columns && row >= 0 ? columns.t[row] : null,
    fileId: pc?.fileId ?? null,
  };
}

/**
 * What of the newest sample the header shows at once rather than at its next step (see useFeedVersion): the
 * selected pairs, the transports' DTLS and ICE states, and the codecs in use. RTT and bitrate are left out.
 */
export function connectionHeaderKey(raw: StatsColumns): string {
  const columns = standardStatsView(raw);
  const row = latestRow(columns);
  if (row < 0) return '';
  let key = [...selectedPairIdsAt(columns, row)].join('\u0001');
  for (const id of idsOfTypeAt(columns, 'transport', row)) {
    key += `\u0002${id}\u0001${String(valueAt(columns, id, 'dtlsState', row))}\u0001${String(valueAt(columns, id, 'iceState', row))}`;
  }
  for (const type of ['outbound-rtp', 'inbound-rtp']) {
    // A legacy stream names its codec instead (googCodecName; the view keeps the field).
    for (const id of idsOfTypeAt(columns, type, row)) key += `\u0002${String(valueAt(columns, id, 'codecId', row) ?? valueAt(columns, id, 'googCodecName', row))}`;
  }
  return key;
}

/** "audio/opus 48000 Hz 2 ch (minptime=10;useinbandfec=1)". */
export function codecText(c: CodecInUse): string {
  let out = c.mimeType ?? c.id;
  if (c.payloadType !== null) out += ` PT ${c.payloadType}`;
  if (c.clockRate !== null) out += ` ${c.clockRate} Hz`;
  if (c.channels !== null) out += ` ${c.channels} ch`;
  if (c.sdpFmtpLine) out += ` (${c.sdpFmtpLine})`;
  return out;
}

/** DTLS version names of the hex codes `tlsVersion` carries (RFC 6347 / RFC 9147 wire versions). */
export function tlsVersionName(hex: string | null): string | null {
  if (hex === null) return null;
  const names: Record<string, string> = { FEFF: 'DTLS 1.0', FEFD: 'DTLS 1.2', FEFC: 'DTLS 1.3' };
  return names[hex.toUpperCase()] ?? hex;
}
