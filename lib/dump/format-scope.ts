/**
 * WebRTC Scope's own dump format (`.webrtc-scope.json.gz`): lossless, versioned, several sessions per file.
 * Specification: docs/format.md. In short: gzip of one JSON document whose first member is
 * `"format":"webrtc-scope"` and second `"version":2`; sessions carry their summary, PCs and trace events as
 * stored, and each PC's stats as per-poll deltas (lib/model/stats-delta) of reports in canonical key order.
 *
 * Guarantees (tested): reading an export gives back deep-equal bundles, and export → read → export is
 * byte-identical (canonical key order, gzip with mtime 0). The reader validates every field and reports the first
 * problem as a DumpError with a key path; it never merges file keys into live objects (`__proto__` is refused).
 */
import type { Json, JsonObject } from '../protocol/json';
import { checkPageRecord, findJsonProblem, MAX_JSON_DEPTH } from '../protocol/guards';
import { DUMP_ENTRY_EVENT, MAX_DUMP_ENTRY_NAME } from '../protocol/messages';
import { MAX_STATS_INDEX } from '../protocol/constants';
import type { FrameInfo, PcSummary, SessionSummary, StatsReportJson, StatsSample, TraceEvent, TraceRecord } from '../model/session';
import { applyStatsDelta, diffStatsReports, type StatsDelta } from '../model/stats-delta';
import { pcIdOf } from '../model/session-reducer';
import { DumpError, type SessionBundle } from './session-bundle';
import { pcSamples, statsPcIds } from './bundle-stats';
import { canonicalReport, gunzipBounded, gzipDeterministic, hasOwn, InflateError, isGzip, setOwn } from './bundle-util';
import { timeProblem } from './time-range';
import { utf16ByteOrder } from './text-encoding';

/** Value of the `format` member. */
export const SCOPE_FORMAT_NAME = 'webrtc-scope';
/** Version this build writes; the reader accepts exactly the versions in {@link SCOPE_READABLE_VERSIONS}. */
export const SCOPE_FORMAT_VERSION = 2;
/** 1: the first format; 2 added PCs' `fileId` and `dump-entry` pc-events (docs/format.md, Versioning). */
export const SCOPE_READABLE_VERSIONS: readonly number[] = [1, 2];
/** Suggested file name suffix. */
export const SCOPE_FILE_EXTENSION = '.webrtc-scope.json.gz';
/** Default cap on the inflated size (V8 strings stop near 512 MiB; no real session comes close). */
export const SCOPE_MAX_BYTES = 256 * 1024 * 1024;

/** Export metadata: who wrote the file, when, from which browser. */
export interface ScopeDumpMeta {
  /** Extension version (manifest `version`) of the writer. */
  extensionVersion: string;
  /** Export time, epoch ms. Passed in (not read from the clock) so output depends only on the input. */
  exportedAt: number;
  /** `navigator.userAgent` of the browser that exported (each session also keeps its own recording UA). */
  userAgent: string;
}

export interface ScopeDump {
  meta: ScopeDumpMeta;
  bundles: SessionBundle[];
}

export interface ReadScopeOptions {
  /** Cap on the inflated size in bytes (default {@link SCOPE_MAX_BYTES}). */
  maxBytes?: number;
}

// ───────────────────────────── writing ─────────────────────────────

/** One stored poll: the report as a delta from the previous poll's (from `{}` for the first). */
interface StoredSample {
  index: number;
  t: number;
  cost?: { getStatsMs: number; hookMs: number };
  delta: StatsDelta;
}

/** Writes `bundles` as one gzip-compressed file. Deterministic: same bundles and meta, same bytes. */
export function writeScopeDump(bundles: readonly SessionBundle[], meta: ScopeDumpMeta): Uint8Array {
  return gzipDeterministic(new TextEncoder().encode(scopeDumpJson(bundles, meta)));
}

/** The uncompressed JSON text of {@link writeScopeDump}. */
export function scopeDumpJson(bundles: readonly SessionBundle[], meta: ScopeDumpMeta): string {
  // Member order is fixed by construction: `format` first, then `version`, so sniffing needs ~40 bytes.
  const document = {
    format: SCOPE_FORMAT_NAME,
    version: SCOPE_FORMAT_VERSION,
    extensionVersion: meta.extensionVersion,
    exportedAt: meta.exportedAt,
    userAgent: meta.userAgent,
    sessions: bundles.map(storedSession),
  };
  return JSON.stringify(document);
}

function storedSession(bundle: SessionBundle) {
  const stats: Record<string, StoredSample[]> = {};
  for (const pcId of statsPcIds(bundle)) setOwn(stats, pcId, storedSamples(pcSamples(bundle, pcId)));
  const session = pick(bundle.session, SUMMARY_KEYS);
  // When this store imported it is no fact about the session (and the format's `imported` has exactly these two).
  if (bundle.session.imported) session.imported = { fileName: bundle.session.imported.fileName, format: bundle.session.imported.format };
  return {
    session,
    pcs: bundle.pcs.map((pc) => pick(pc, PC_KEYS)),
    events: bundle.events.map((event) => ({ seq: event.seq, frame: event.frame, pcId: event.pcId, record: event.record })),
    stats,
  };
}

function storedSamples(samples: readonly StatsSample[]): StoredSample[] {
  let prev: StatsReportJson | null = null;
  return samples.map((sample) => {
    const report = canonicalReport(sample.report);
    const delta = canonicalDelta(diffStatsReports(prev, report));
    prev = report;
    // Member order: index, t, cost (when known), delta.
    return sample.cost
      ? { index: sample.index, t: sample.t, cost: { getStatsMs: sample.cost.getStatsMs, hookMs: sample.cost.hookMs }, delta }
      : { index: sample.index, t: sample.t, delta };
  });
}

/** The delta's parts in a fixed order (`added`, `changed`, `dropped`, `removed`). */
function canonicalDelta(delta: StatsDelta): StatsDelta {
  const out: StatsDelta = {};
  if (delta.added) out.added = delta.added;
  if (delta.changed) out.changed = delta.changed;
  if (delta.dropped) out.dropped = delta.dropped;
  if (delta.removed) out.removed = delta.removed;
  return out;
}

/** Copies the listed keys (in list order), leaving out those that are absent or undefined. */
function pick<T extends object>(source: T, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (source as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

// ───────────────────────────── field tables ─────────────────────────────

type Check = (value: unknown, at: string, v: Validator) => unknown;

/** Every SessionSummary member with its check. Typed over `keyof SessionSummary`: a new member fails to compile here. */
const SUMMARY_FIELDS: { [K in keyof Required<SessionSummary>]: { optional?: true; check: Check } } = {
  id: { check: (x, at, v) => v.string(x, at) },
  tabId: { check: (x, at, v) => (x === null ? null : v.count(x, at)) },
  url: { check: (x, at, v) => v.string(x, at) },
  origin: { check: (x, at, v) => v.string(x, at) },
  title: { check: (x, at, v) => v.string(x, at) },
  userAgent: { check: (x, at, v) => v.string(x, at) },
  startedAt: { check: (x, at, v) => v.time(x, at) },
  lastActivityAt: { check: (x, at, v) => v.time(x, at) },
  endedAt: { check: (x, at, v) => (x === null ? null : v.time(x, at)) },
  pcCount: { check: (x, at, v) => v.count(x, at) },
  mediaCallCount: { check: (x, at, v) => v.count(x, at) },
  eventCount: { check: (x, at, v) => v.count(x, at) },
  sampleCount: { check: (x, at, v) => v.count(x, at) },
  bytes: { check: (x, at, v) => v.count(x, at) },
  frames: { check: (x, at, v) => v.array(x, at).map((f, i) => v.frame(f, `${at}[${i}]`, i)) },
  refused: { check: (x, at, v) => v.countMap(x, at) },
  imported: {
    optional: true,
    check: (x, at, v) => v.fields(x, at, { fileName: { check: (y, a, w) => w.string(y, a) }, format: { check: (y, a, w) => w.string(y, a) } }),
  },
};

const FRAME_FIELDS: { [K in keyof Required<FrameInfo>]: { optional?: true; check: Check } } = {
  index: { check: (x, at, v) => v.count(x, at) },
  frameLoadId: { check: (x, at, v) => v.string(x, at) },
  url: { check: (x, at, v) => v.string(x, at) },
  isTop: { check: (x, at, v) => v.boolean(x, at) },
  timeOrigin: { check: (x, at, v) => v.time(x, at) },
  lastBatchSeq: { check: (x, at, v) => v.count(x, at) },
};

const CLOSED_BY = ['close', 'unload', 'session-end'] as const;

const PC_FIELDS: { [K in keyof Required<PcSummary>]: { optional?: true; check: Check } } = {
  sessionId: { check: (x, at, v) => v.string(x, at) },
  pcId: { check: (x, at, v) => v.string(x, at) },
  frame: { check: (x, at, v) => v.count(x, at) },
  frameUrl: { check: (x, at, v) => v.string(x, at) },
  createdAt: { check: (x, at, v) => v.time(x, at) },
  closedAt: { check: (x, at, v) => (x === null ? null : v.time(x, at)) },
  closedBy: { check: (x, at, v) => (x === null ? null : v.oneOf(x, at, CLOSED_BY)) },
  config: { check: (x, at, v) => v.jsonObject(x, at) },
  constraints: { optional: true, check: (x, at, v) => v.json(x, at) },
  sampleCount: { check: (x, at, v) => v.count(x, at) },
  lastSampleAt: { check: (x, at, v) => (x === null ? null : v.time(x, at)) },
  signalingState: { check: (x, at, v) => v.string(x, at) },
  iceConnectionState: { check: (x, at, v) => v.string(x, at) },
  iceGatheringState: { check: (x, at, v) => v.string(x, at) },
  connectionState: { check: (x, at, v) => v.string(x, at) },
  // Version 2.
  fileId: { optional: true, check: (x, at, v) => v.string(x, at) },
};

/** Version 1 had no `fileId`: its member set stays closed. */
const PC_FIELDS_V1: FieldSpec = Object.fromEntries(Object.entries(PC_FIELDS).filter(([key]) => key !== 'fileId'));

const SUMMARY_KEYS = Object.keys(SUMMARY_FIELDS);
const PC_KEYS = Object.keys(PC_FIELDS);

// ───────────────────────────── reading ─────────────────────────────

/** Whether text or bytes (gzip or not) start like our format: `{"format":"webrtc-scope"` (whitespace allowed). */
export function looksLikeScopeDump(content: string | Uint8Array): boolean {
  let head: string;
  if (typeof content === 'string') {
    head = content.slice(0, 256);
  } else {
    let bytes = content;
    if (isGzip(bytes)) {
      try {
        bytes = gunzipBounded(bytes, 1024 * 1024, 256);
      } catch {
        return false;
      }
    }
    head = new TextDecoder(utf16ByteOrder(bytes) ?? 'utf-8').decode(bytes.subarray(0, 256));
  }
  return /^\uFEFF?\s*\{\s*"format"\s*:\s*"webrtc-scope"/.test(head);
}

/** Reads a file of our format (gzip or plain JSON) into its bundles. Throws DumpError on any problem. */
export function readScopeDump(fileName: string, bytes: Uint8Array, options: ReadScopeOptions = {}): SessionBundle[] {
  return readScopeDumpWithMeta(fileName, bytes, options).bundles;
}

/** As {@link readScopeDump}, plus the file's export metadata. */
export function readScopeDumpWithMeta(fileName: string, bytes: Uint8Array, options: ReadScopeOptions = {}): ScopeDump {
  const maxBytes = options.maxBytes ?? SCOPE_MAX_BYTES;
  const v = new Validator(fileName);
  let data = bytes;
  if (isGzip(bytes)) {
    try {
      data = gunzipBounded(bytes, maxBytes);
    } catch (error) {
      v.fail('byte 0', error instanceof InflateError ? `gzip: ${error.message}` : 'gzip data could not be inflated');
    }
  } else if (bytes.length > maxBytes) {
    v.fail('byte 0', `file is larger than ${maxBytes} bytes`);
  }
  // Written as UTF-8; a copy saved as UTF-16 (Windows PowerShell's `>`) reads the same (text-encoding.ts).
  const byteOrder = utf16ByteOrder(data);
  let text: string;
  try {
    text = new TextDecoder(byteOrder ?? 'utf-8', { fatal: true }).decode(data);
  } catch {
    return v.fail('byte 0', byteOrder === null ? 'not UTF-8 text' : `not ${byteOrder === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE'} text`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Also a RangeError from hostile nesting in engines whose parser recurses.
    return v.fail('$', `not valid JSON (${error instanceof Error ? error.message.slice(0, 120) : 'parse error'})`);
  }
  return v.document(parsed);
}

type FieldSpec = Record<string, { optional?: true; check: Check }>;

/** Walks the parsed document along the format's shape; the first problem becomes a DumpError with its key path. */
class Validator {
  /** Version of the document being read (set by {@link document}). */
  private version = SCOPE_FORMAT_VERSION;

  constructor(private readonly fileName: string) {}

  fail(where: string, reason: string): never {
    throw new DumpError(this.fileName, 'webrtc-scope', where, reason);
  }

  document(root: unknown): ScopeDump {
    const doc = this.object(root, '$');
    if (doc.format !== SCOPE_FORMAT_NAME) this.fail('$.format', `expected "${SCOPE_FORMAT_NAME}"`);
    const version = doc.version;
    if (typeof version !== 'number' || !SCOPE_READABLE_VERSIONS.includes(version)) {
      this.fail('$.version', `version ${JSON.stringify(version)} is not one this build reads (${SCOPE_READABLE_VERSIONS.join(', ')}); a newer WebRTC Scope may read it`);
    }
    this.version = version as number;
    this.onlyKeys(doc, '$', ['format', 'version', 'extensionVersion', 'exportedAt', 'userAgent', 'sessions']);
    const meta: ScopeDumpMeta = {
      extensionVersion: this.string(doc.extensionVersion, '$.extensionVersion'),
      exportedAt: this.time(doc.exportedAt, '$.exportedAt'),
      userAgent: this.string(doc.userAgent, '$.userAgent'),
    };
    const bundles = this.array(doc.sessions, '$.sessions').map((s, i) => this.bundle(s, `sessions[${i}]`));
    return { meta, bundles };
  }

  private bundle(value: unknown, at: string): SessionBundle {
    const raw = this.object(value, at);
    this.onlyKeys(raw, at, ['session', 'pcs', 'events', 'stats']);
    const session = this.fields<SessionSummary>(raw.session, `${at}.session`, SUMMARY_FIELDS);
    const pcFields = this.version >= 2 ? PC_FIELDS : PC_FIELDS_V1;
    const pcs = this.array(raw.pcs, `${at}.pcs`).map((pc, i) => this.fields<PcSummary>(pc, `${at}.pcs[${i}]`, pcFields));
    const frameCount = session.frames.length;
    pcs.forEach((pc, i) => this.frameIndex(pc.frame, `${at}.pcs[${i}].frame`, frameCount, `${at}.session.frames`));
    // A session's PC ids are keys in the store: a duplicate would fail the whole file's transaction there, unexplained.
    const pcIndex = new Map<string, number>();
    pcs.forEach((pc, i) => {
      const first = pcIndex.get(pc.pcId);
      if (first !== undefined) this.fail(`${at}.pcs[${i}].pcId`, `duplicate of pcs[${first}]`);
      pcIndex.set(pc.pcId, i);
    });
    const events = this.array(raw.events, `${at}.events`).map((e, i) => this.event(e, `${at}.events[${i}]`, i, frameCount, `${at}.session.frames`));
    const statsRaw = this.object(raw.stats, `${at}.stats`);
    const samples: Record<string, StatsSample[]> = {};
    for (const pcId of Object.keys(statsRaw)) {
      const where = `${at}.stats[${JSON.stringify(pcId)}]`;
      if (pcId === '__proto__') this.fail(where, 'forbidden key');
      // Stats are read per PC of `pcs`: those of any other id would be stored where no view or export finds them.
      if (!pcIndex.has(pcId)) this.fail(where, `stats of a PC that is not in ${at}.pcs`);
      setOwn(samples, pcId, this.samples(statsRaw[pcId], where));
    }
    return { session, pcs, events, samples };
  }

  private event(value: unknown, at: string, position: number, frameCount: number, framesAt: string): TraceEvent {
    const raw = this.object(value, at);
    this.onlyKeys(raw, at, ['seq', 'frame', 'pcId', 'record']);
    const seq = this.count(raw.seq, `${at}.seq`);
    if (seq !== position) this.fail(`${at}.seq`, `expected ${position} (seq is gap-free from 0)`);
    const frame = this.frameIndex(raw.frame, `${at}.frame`, frameCount, framesAt);
    const pcId = raw.pcId === null ? null : this.string(raw.pcId, `${at}.pcId`);
    const record = this.record(raw.record, `${at}.record`);
    // The recorder names an event's PC after its record (frame and PC number); the PC need not be in `pcs`: the
    // trace keeps records of a PC whose pc-created was refused or lost (session-reducer).
    const recordPc = 'pc' in record ? record.pc : null;
    const recordPcId = recordPc === null ? null : pcIdOf(frame, recordPc);
    if (pcId !== recordPcId) {
      this.fail(`${at}.pcId`, recordPcId === null ? `expected null: a ${record.type} record belongs to no PC` : `expected "${recordPcId}" (frame ${frame}, the record's pc ${recordPc})`);
    }
    return { seq, frame, pcId, record };
  }

  private record(value: unknown, at: string): TraceRecord {
    if (this.version >= 2 && this.isDumpEntry(value)) return this.dumpEntry(value, at);
    if (this.version >= 2 && this.isFileEntry(value)) return this.fileEntry(value, at);
    const checked = checkPageRecord(value, { fromFile: true });
    if (!checked.ok) this.fail(at, checked.reason);
    if (checked.value.type === 'pc-stats') this.fail(`${at}.type`, 'stats records belong in "stats", not in the trace');
    return checked.value as TraceRecord;
  }

  private isDumpEntry(value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<string, unknown>).type === 'pc-event' && (value as Record<string, unknown>).event === DUMP_ENTRY_EVENT;
  }

  private isFileEntry(value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<string, unknown>).type === 'file-entry';
  }

  /** A `file-entry` (version 2): exactly `type, t, value`, `value` as a dump-entry's. Pages cannot send it. */
  private fileEntry(value: unknown, at: string): TraceRecord {
    const raw = this.object(value, at);
    this.onlyKeys(raw, at, ['type', 't', 'value']);
    this.time(raw.t, `${at}.t`);
    this.entryValue(raw.value, `${at}.value`);
    return raw as unknown as TraceRecord;
  }

  /** `{name, text}` of a dump-entry or file-entry: exactly these two members, strings, the name 1 to 256 characters. */
  private entryValue(value: unknown, at: string): void {
    const entry = this.object(value, at);
    this.onlyKeys(entry, at, ['name', 'text']);
    const name = this.string(entry.name, `${at}.name`);
    if (name === '' || name.length > MAX_DUMP_ENTRY_NAME) this.fail(`${at}.name`, `expected 1 to ${MAX_DUMP_ENTRY_NAME} characters`);
    this.string(entry.text, `${at}.text`);
  }

  /**
   * A `pc-event` named `dump-entry` (version 2): an imported file's entry without a record of its own. The page
   * guards refuse this name (pages never send it), so it is checked here: exactly `type, pc, t, event, value` and
   * `value` exactly `{name, text}`, both strings.
   */
  private dumpEntry(value: unknown, at: string): TraceRecord {
    const raw = this.object(value, at);
    this.onlyKeys(raw, at, ['type', 'pc', 't', 'event', 'value']);
    if (!Number.isSafeInteger(raw.pc) || (raw.pc as number) < 0) this.fail(`${at}.pc`, `expected an integer ≥ 0, found ${describe(raw.pc)}`);
    this.time(raw.t, `${at}.t`);
    this.entryValue(raw.value, `${at}.value`);
    // As read (member order kept): export → import → export stays byte-identical.
    return raw as unknown as TraceRecord;
  }

  private samples(value: unknown, at: string): StatsSample[] {
    const list = this.array(value, at);
    const out: StatsSample[] = [];
    let prev: StatsReportJson | null = null;
    let prevT = -Infinity;
    for (let i = 0; i < list.length; i++) {
      const where = `${at}[${i}]`;
      const raw = this.object(list[i], where);
      this.onlyKeys(raw, where, ['index', 't', 'cost', 'delta']);
      const index = this.count(raw.index, `${where}.index`);
      // The store keys and packs polls by index; its chunk codec keeps index steps exact only below 2^52, and no
      // recording gets past the page guard's MAX_STATS_INDEX. A larger one would fail the store's transaction,
      // unexplained, after the whole file was read.
      if (index > MAX_STATS_INDEX) this.fail(`${where}.index`, `poll index ${index} is above ${MAX_STATS_INDEX}, the highest a recording reaches (2^31 polls take 6.8 years at the fastest poll interval)`);
      if (i > 0 && index <= out[i - 1].index) this.fail(`${where}.index`, 'indexes must ascend');
      const t = this.time(raw.t, `${where}.t`);
      if (t < prevT) this.fail(`${where}.t`, 'times must not go backwards');
      prevT = t;
      const sample: StatsSample = { index, t, report: {} };
      if (raw.cost !== undefined) {
        const cost = this.object(raw.cost, `${where}.cost`);
        this.onlyKeys(cost, `${where}.cost`, ['getStatsMs', 'hookMs']);
        sample.cost = { getStatsMs: this.number(cost.getStatsMs, `${where}.cost.getStatsMs`), hookMs: this.number(cost.hookMs, `${where}.cost.hookMs`) };
      }
      const delta = this.delta(raw.delta, `${where}.delta`);
      sample.report = applyStatsDelta(prev, delta);
      prev = sample.report;
      out.push(sample);
    }
    return out;
  }

  private delta(value: unknown, at: string): StatsDelta {
    const raw = this.object(value, at);
    this.onlyKeys(raw, at, ['added', 'changed', 'dropped', 'removed']);
    const delta: StatsDelta = {};
    for (const part of ['added', 'changed'] as const) {
      if (raw[part] === undefined) continue;
      const map = this.object(raw[part], `${at}.${part}`);
      for (const id of Object.keys(map)) {
        const where = `${at}.${part}[${JSON.stringify(id)}]`;
        const object = this.jsonObject(map[id], where);
        // A stats object's own time: exports write it as its point time.
        if (typeof object.timestamp === 'number') this.time(object.timestamp, `${where}.timestamp`);
      }
      this.noJsonProblem(map, `${at}.${part}`);
      delta[part] = map as Record<string, JsonObject>;
    }
    if (raw.dropped !== undefined) {
      const map = this.object(raw.dropped, `${at}.dropped`);
      for (const id of Object.keys(map)) {
        const where = `${at}.dropped[${JSON.stringify(id)}]`;
        this.array(map[id], where).forEach((f, i) => this.string(f, `${where}[${i}]`));
      }
      this.noJsonProblem(map, `${at}.dropped`);
      delta.dropped = map as Record<string, string[]>;
    }
    if (raw.removed !== undefined) {
      delta.removed = this.array(raw.removed, `${at}.removed`).map((id, i) => this.string(id, `${at}.removed[${i}]`));
    }
    return delta;
  }

  /**
   * A frame of the session: its `index` is its position, as the recorder numbers a session's documents (PC ids and
   * events name frames by it; an export turns it into a webrtc-internals `rid`).
   */
  frame(value: unknown, at: string, position: number): FrameInfo {
    const frame = this.fields<FrameInfo>(value, at, FRAME_FIELDS);
    if (frame.index !== position) this.fail(`${at}.index`, `expected ${position} (frames are numbered by position from 0)`);
    return frame;
  }

  /** The `frame` of a PC or event: the index of one of the session's `frameCount` frames (listed at `framesAt`). */
  private frameIndex(value: unknown, at: string, frameCount: number, framesAt: string): number {
    const frame = this.count(value, at);
    if (frame >= frameCount) this.fail(at, `frame ${frame} is not one of the ${frameCount} frames of ${framesAt}`);
    return frame;
  }

  /** An object whose members are exactly those of `spec` (optional ones may be missing), each checked. */
  fields<T>(value: unknown, at: string, spec: FieldSpec): T {
    const raw = this.object(value, at);
    this.onlyKeys(raw, at, Object.keys(spec));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(spec)) {
      const { optional, check } = spec[key];
      if (!hasOwn(raw, key)) {
        if (optional) continue;
        this.fail(`${at}.${key}`, 'missing');
      }
      out[key] = check(raw[key], `${at}.${key}`, this);
    }
    return out as T;
  }

  private onlyKeys(raw: Record<string, unknown>, at: string, allowed: readonly string[]): void {
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) this.fail(`${at}.${key}`, key === '__proto__' ? 'forbidden key' : 'unexpected member');
    }
  }

  object(value: unknown, at: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(at, `expected an object, found ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  array(value: unknown, at: string): unknown[] {
    if (!Array.isArray(value)) this.fail(at, `expected an array, found ${describe(value)}`);
    return value;
  }

  string(value: unknown, at: string): string {
    if (typeof value !== 'string') this.fail(at, `expected a string, found ${describe(value)}`);
    return value;
  }

  number(value: unknown, at: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(at, `expected a finite number, found ${describe(value)}`);
    return value;
  }

  /** A time in epoch ms that a Date can hold (time-range.ts): the views and exports format every one of them. */
  time(value: unknown, at: string): number {
    const t = this.number(value, at);
    const problem = timeProblem(t, 'time');
    if (problem !== null) this.fail(at, problem);
    return t;
  }

  count(value: unknown, at: string): number {
    if (!Number.isSafeInteger(value) || (value as number) < 0) this.fail(at, `expected a non-negative integer, found ${describe(value)}`);
    return value as number;
  }

  boolean(value: unknown, at: string): boolean {
    if (typeof value !== 'boolean') this.fail(at, `expected true or false, found ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, at: string, list: readonly T[]): T {
    if (typeof value !== 'string' || !(list as readonly string[]).includes(value)) this.fail(at, `expected one of ${list.join(', ')}`);
    return value as T;
  }

  countMap(value: unknown, at: string): Record<string, number> {
    const raw = this.object(value, at);
    const out: Record<string, number> = {};
    for (const key of Object.keys(raw)) {
      if (key === '__proto__') this.fail(`${at}.${key}`, 'forbidden key');
      out[key] = this.count(raw[key], `${at}[${JSON.stringify(key)}]`);
    }
    return out;
  }

  json(value: unknown, at: string): Json {
    this.noJsonProblem(value, at);
    return value as Json;
  }

  jsonObject(value: unknown, at: string): JsonObject {
    this.object(value, at);
    this.noJsonProblem(value, at);
    return value as JsonObject;
  }

  private noJsonProblem(value: unknown, at: string): void {
    const problem = findJsonProblem(value, MAX_JSON_DEPTH);
    if (problem === null) return;
    // findJsonProblem answers "$<path>: <reason>"; keys may hold ": " themselves, reasons never do.
    const split = problem.lastIndexOf(': ');
    const reason = problem.slice(split + 2);
    const key = /^forbidden key "(.*)"$/.exec(reason);
    this.fail(at + problem.slice(1, split) + (key ? `.${key[1]}` : ''), key ? 'forbidden key' : reason);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
