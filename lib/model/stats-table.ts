/**
 * The stats table, like webrtc-internals' "Stats Tables": every stats object of a PC's latest sample, grouped by
 * type in the order that matters when debugging (what we receive, what we send, what the peer reports, then the
 * transport underneath), each field with its latest value and whether it can be charted.
 *
 * Also the small helpers the other latest-sample views share: reading one row of {@link StatsColumns} back as
 * objects.
 */
import type { Json } from '../protocol/json';
import { LEGACY_STATS_TYPES, parseLegacyNumber } from './legacy-stats';
import { statsObjectOf, type StatsColumns } from './session';

const hasOwnProperty = Object.prototype.hasOwnProperty;

/** One stats object as it was in a given row: its type and the fields present (non-null) there. */
export interface RowObject {
  id: string;
  type: string;
  fields: Record<string, Json>;
}

/** Index of the latest row, or -1 without samples. */
export const latestRow = (columns: StatsColumns | undefined): number => (columns ? columns.t.length - 1 : -1);

/**
 * Whether object `id` was in the sample of row `row`. Every stats object carries `type`, so its `type` column
 * says where the object was present.
 */
export function presentAt(columns: StatsColumns, id: string, row: number): boolean {
  const entry = statsObjectOf(columns, id);
  if (!entry || row < 0) return false;
  const type = entry.fields.type;
  if (type) return type[row] !== null && type[row] !== undefined;
  // Defensive: an object without a type column (never produced by the page) counts as present where any field is.
  for (const key in entry.fields) if (entry.fields[key][row] != null) return true;
  return false;
}

/** Value of one field of one object at a row (null when absent). */
export function valueAt(columns: StatsColumns, id: string, field: string, row: number): Json | null {
  const fields = statsObjectOf(columns, id)?.fields;
  const column = fields && hasOwnProperty.call(fields, field) ? fields[field] : undefined;
  if (!column || row < 0) return null;
  const value = column[row];
  return value === undefined ? null : value;
}

/** The object `id` at `row`, or null when it was not in that sample. */
export function objectAt(columns: StatsColumns, id: string, row: number): RowObject | null {
  const entry = statsObjectOf(columns, id);
  if (!entry || !presentAt(columns, id, row)) return null;
  const fields: Record<string, Json> = {};
  for (const key in entry.fields) {
    const value = entry.fields[key][row];
    if (value !== null && value !== undefined) fields[key] = value;
  }
  return { id, type: entry.type, fields };
}

/** Every object present at `row`, in column order (the order objects were first seen). */
export function objectsAt(columns: StatsColumns, row: number): RowObject[] {
  const out: RowObject[] = [];
  for (const id in columns.objects) {
    const obj = objectAt(columns, id, row);
    if (obj) out.push(obj);
  }
  return out;
}

/** Ids of the objects of `type` present at `row`. */
export function idsOfTypeAt(columns: StatsColumns, type: string, row: number): string[] {
  const out: string[] = [];
  for (const id in columns.objects) if (columns.objects[id].type === type && presentAt(columns, id, row)) out.push(id);
  return out;
}

export const str = (v: Json | null | undefined): string | null => (typeof v === 'string' ? v : null);
export const num = (v: Json | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const bool = (v: Json | null | undefined): boolean | null => (typeof v === 'boolean' ? v : null);

// ───────────────────────────── the table ─────────────────────────────

export interface StatsFieldRow {
  name: string;
  /** Value in the latest sample (never null: absent fields are not listed). */
  value: Json;
  /** A number, so a chart of its column makes sense (timestamps excluded). */
  numeric: boolean;
}

export interface StatsObjectView {
  id: string;
  type: string;
  /** A short description: kind, ssrc, mid, label, address… whatever identifies the object to a human. */
  label: string;
  fields: StatsFieldRow[];
}

export interface StatsGroup {
  /** Stable key: the type, with the kind for RTP streams (`inbound-rtp:audio`). */
  key: string;
  /** Heading: `inbound-rtp (audio)`. */
  title: string;
  type: string;
  kind: string | null;
  objects: StatsObjectView[];
}

/** Group order: what we receive, what we send, what the peer reports, ICE, transport, then the rest. */
const GROUP_ORDER: { type: string; kind?: string }[] = [
  { type: 'inbound-rtp', kind: 'audio' },
  { type: 'inbound-rtp', kind: 'video' },
  { type: 'outbound-rtp', kind: 'audio' },
  { type: 'outbound-rtp', kind: 'video' },
  { type: 'remote-inbound-rtp' },
  { type: 'remote-outbound-rtp' },
  { type: 'candidate-pair' },
  { type: 'local-candidate' },
  { type: 'remote-candidate' },
  { type: 'transport' },
  { type: 'codec' },
  { type: 'data-channel' },
  { type: 'media-source' },
  { type: 'media-playout' },
  { type: 'peer-connection' },
  { type: 'certificate' },
];

/** Fields not listed per object: the group already says the type. */
const HIDDEN_FIELDS = new Set(['type']);
/**
 * Numbers that are not worth a chart: times (epoch ms), and numbers that name something rather than measure it
 * (SSRCs, payload types, ports, indexes, priorities), a flat line at best.
 */
const NOT_CHARTABLE = new Set([
  'timestamp',
  'lastPacketReceivedTimestamp',
  'lastPacketSentTimestamp',
  'estimatedPlayoutTimestamp',
  'remoteTimestamp',
  'ssrc',
  'rtxSsrc',
  'fecSsrc',
  'encodingIndex',
  'payloadType',
  'clockRate',
  'channels',
  'port',
  'relatedPort',
  'priority',
  'dataChannelIdentifier',
  // Chrome's legacy stats: a candidate's port, a capture time.
  'portNumber',
  'googCaptureStartNtpTimeMs',
]);

const collator = new Intl.Collator('en', { numeric: true });

function groupKeyOf(type: string, kind: string | null): string {
  return (type === 'inbound-rtp' || type === 'outbound-rtp') && kind ? `${type}:${kind}` : type;
}

/** A human label for an object, from its identifying fields. */
export function objectLabel(obj: RowObject): string {
  const f = obj.fields;
  const parts: string[] = [];
  const push = (v: Json | undefined, prefix = '') => {
    if (v !== undefined && v !== null && v !== '') parts.push(`${prefix}${typeof v === 'string' ? v : JSON.stringify(v)}`);
  };
  switch (obj.type) {
    case 'inbound-rtp':
    case 'outbound-rtp':
    case 'remote-inbound-rtp':
    case 'remote-outbound-rtp':
      push(f.kind);
      push(f.ssrc, 'ssrc ');
      push(f.mid, 'mid ');
      push(f.rid, 'rid ');
      break;
    case 'local-candidate':
    case 'remote-candidate':
      push(f.candidateType);
      push(f.protocol);
      if (f.address !== undefined || f.port !== undefined) parts.push(`${str(f.address) ?? '?'}:${num(f.port) ?? '?'}`);
      push(f.relayProtocol, 'relay ');
      break;
    case 'candidate-pair':
      push(f.state);
      if (f.nominated === true) parts.push('nominated');
      break;
    case 'codec':
      push(f.mimeType);
      push(f.payloadType, 'PT ');
      push(f.sdpFmtpLine);
      break;
    case 'data-channel':
      push(f.label);
      push(f.state);
      break;
    case 'media-source':
    case 'media-playout':
      push(f.kind);
      break;
    case 'transport':
      push(f.iceState, 'ICE ');
      push(f.dtlsState, 'DTLS ');
      break;
  }
  return parts.join(' ');
}

/**
 * The table for the latest sample of `columns` (empty without samples). Groups come in {@link GROUP_ORDER}, then
 * any other type alphabetically; objects within a group by id (numeric-aware); fields in the order they were first
 * seen, absent (null) ones left out.
 */
export function buildStatsTable(columns: StatsColumns | undefined): StatsGroup[] {
  const row = latestRow(columns);
  if (!columns || row < 0) return [];
  const groups = new Map<string, StatsGroup>();
  for (const obj of objectsAt(columns, row)) {
    const type = obj.type || str(obj.fields.type) || 'unknown';
    const kind = type === 'inbound-rtp' || type === 'outbound-rtp' ? str(obj.fields.kind) ?? str(obj.fields.mediaType) : null;
    const key = groupKeyOf(type, kind);
    let group = groups.get(key);
    if (!group) {
      group = { key, title: key === type ? type : `${type} (${kind})`, type, kind: key === type ? null : kind, objects: [] };
      groups.set(key, group);
    }
    // Chrome's legacy stats give numbers as strings ("12345"): the charts parse them (legacy-stats.ts), so they chart.
    const legacy = LEGACY_STATS_TYPES.has(type);
    const fields: StatsFieldRow[] = [];
    for (const [name, value] of Object.entries(obj.fields)) {
      if (HIDDEN_FIELDS.has(name)) continue;
      const number = typeof value === 'number' ? Number.isFinite(value) : legacy && !name.endsWith('Id') && parseLegacyNumber(value) !== null;
      fields.push({ name, value, numeric: number && !NOT_CHARTABLE.has(name) });
      // A record of numbers (qualityLimitationDurations: seconds per reason) lists each key as a row of its own,
      // chartable (chart-series.ts recordSubField): webrtc-internals shows it as text only.
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, sub] of Object.entries(value)) {
          if (typeof sub === 'number' && Number.isFinite(sub) && !key.includes('.')) fields.push({ name: `${name}.${key}`, value: sub, numeric: true });
        }
      }
    }
    group.objects.push({ id: obj.id, type, label: objectLabel(obj), fields });
  }
  const rank = (g: StatsGroup) => {
    const i = GROUP_ORDER.findIndex((o) => o.type === g.type && (o.kind === undefined || o.kind === g.kind));
    if (i !== -1) return i;
    // An RTP stream without a known kind goes right after that type's known kinds.
    const j = GROUP_ORDER.findIndex((o) => o.type === g.type);
    return j !== -1 ? j + 1.5 : GROUP_ORDER.length;
  };
  const out = [...groups.values()].sort((a, b) => rank(a) - rank(b) || collator.compare(a.key, b.key));
  for (const g of out) g.objects.sort((a, b) => collator.compare(a.id, b.id));
  return out;
}

/** Text of a value as the table shows it. */
export function formatStatsValue(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Keeps what matches `text` (case-insensitive): a group whose type matches keeps everything; an object whose id,
 * type or label matches keeps all its fields; otherwise only the fields whose name or value match. Empty text:
 * everything.
 */
export function filterStatsTable(groups: StatsGroup[], text: string): StatsGroup[] {
  const q = text.trim().toLowerCase();
  if (!q) return groups;
  const out: StatsGroup[] = [];
  for (const group of groups) {
    if (group.title.toLowerCase().includes(q)) {
      out.push(group);
      continue;
    }
    const objects: StatsObjectView[] = [];
    for (const obj of group.objects) {
      if (obj.id.toLowerCase().includes(q) || obj.label.toLowerCase().includes(q)) {
        objects.push(obj);
        continue;
      }
      const fields = obj.fields.filter(
        (f) => f.name.toLowerCase().includes(q) || formatStatsValue(f.value).toLowerCase().includes(q),
      );
      if (fields.length > 0) objects.push({ ...obj, fields });
    }
    if (objects.length > 0) out.push({ ...group, objects });
  }
  return out;
}
