/**
 * Small pure helpers shared by the exporters and our own format's reader: own-property handling for keys that
 * come from untrusted pages or files, deterministic gzip, a gunzip with a size cap, and the per-PC views of a
 * bundle the exporters need (samples as columns, events per PC).
 */
import { Gunzip, gzipSync } from 'fflate';
import type { SessionBundle } from './session-bundle';
import type { StatsColumns, StatsObject, StatsReportJson, TraceEvent } from '../model/session';
import { pcColumns } from './bundle-stats';
import { crc32 } from './crc32';

export const hasOwn = (target: object, key: string): boolean => Object.prototype.hasOwnProperty.call(target, key);

/** Assignment that keeps a `"__proto__"` key an own property instead of replacing the target's prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * gzip with fixed header fields: mtime 0 (fflate writes the current time otherwise), no file name, level 6.
 * The same input therefore always gives the same bytes, which our own format's round-trip guarantee needs.
 */
export function gzipDeterministic(data: Uint8Array): Uint8Array {
  return gzipSync(data, { level: 6, mtime: 0 });
}

export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Thrown by {@link gunzipBounded}; callers turn it into a DumpError naming their format. */
export class InflateError extends Error {
  /** Of a stream that ends early (a file cut short): the bytes it inflated to before its end. */
  cutShortOutput?: Uint8Array;
  /** Of a stream whose trailer does not match (damaged): what it inflated to, to say what the file looked like. */
  damagedOutput?: Uint8Array;
}

/**
 * Inflates gzip data, stopping with {@link InflateError} once more than `maxBytes` come out (a gzip bomb, or a
 * file far larger than any session). fflate's one-shot gunzip trusts the size in the trailer and allocates it up
 * front, so the streaming inflater is used with a running count instead. `stopAfter` ends early once that many
 * bytes are out (content sniffing needs only the first bytes).
 *
 * fflate checks neither trailer (a file cut in its last 8 bytes, or with a flipped bit in stored data, inflates
 * without complaint) and ignores up to 3 bytes after the last member: each member's CRC-32 and size (mod 2^32) are
 * checked here, and anything after the last member is refused.
 */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number, stopAfter = Infinity): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let done = false;
  /** The member being inflated: its number from 1, where it starts in `bytes`, and its output so far. */
  let member = { number: 1, start: 0, crc: 0, size: 0 };
  const inflater = new Gunzip((chunk) => {
    if (done) return;
    total += chunk.length;
    if (total > maxBytes) throw new InflateError(`inflates to more than ${maxBytes} bytes`);
    parts.push(chunk);
    member.crc = crc32(chunk, member.crc);
    member.size += chunk.length;
    if (total >= stopAfter) done = true;
  });
  // fflate emits all of a member's output before it finds the next member's header at `offset`.
  inflater.onmember = (offset) => {
    if (done) return;
    if (!trailerAt(bytes, offset - 8, member)) throw damaged(`gzip member ${member.number} (from byte ${member.start}): ${TRAILER_MISMATCH}`, parts, total);
    member = { number: member.number + 1, start: offset, crc: 0, size: 0 };
  };
  const step = 64 * 1024;
  try {
    for (let offset = 0; offset < bytes.length && !done; offset += step) {
      const end = Math.min(bytes.length, offset + step);
      inflater.push(bytes.subarray(offset, end), end === bytes.length);
    }
  } catch (error) {
    if (error instanceof InflateError) throw error;
    if (!done) {
      // fflate takes whatever follows a member for the next member's header: a complete member, then bytes that
      // are no gzip member, is data appended to the file.
      const end = memberEnd(bytes, member);
      if (end !== -1) throw new InflateError(trailingData(bytes, end));
      const message = error instanceof Error ? error.message : String(error);
      if (/unexpected EOF/i.test(message) && total > 0) {
        // The stream stops in the middle: a download or copy cut short. What came out before is kept for the caller
        // to say what the file looked like.
        const cut = new InflateError(`the compressed data ends early, after ${total} bytes of content (the file is cut short)`);
        cut.cutShortOutput = joinParts(parts, total);
        throw cut;
      }
      throw new InflateError(`invalid gzip data (${message})`);
    }
  }
  if (!done && !trailerAt(bytes, bytes.length - 8, member)) {
    const end = memberEnd(bytes, member);
    if (end !== -1) throw new InflateError(trailingData(bytes, end));
    throw damaged(`gzip member ${member.number} (from byte ${member.start}): ${TRAILER_MISMATCH}`, parts, total);
  }
  return joinParts(parts, total, true);
}

/**
 * The parts in one array. `free`: each part is detached once copied, so the parts and the whole are never both
 * resident (fflate 0.8's inflater hands out each chunk as a fresh copy, `slc`, which nothing else holds).
 */
function joinParts(parts: readonly Uint8Array[], total: number, free = false): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
    if (free && part.byteOffset === 0 && part.byteLength === part.buffer.byteLength) detachBuffer(part.buffer);
  }
  return out;
}

/**
 * Frees `buffer`'s memory now: `transfer(0)` detaches it and drops its backing store. Only for a buffer the
 * engine allocated for our own script (`new Uint8Array`, `slice`): one the browser made (a file's or a message's)
 * is detached but kept until a GC. Engines without `transfer` (Node 20, in unit tests) detach it through a
 * transfer to nowhere, and the memory goes with the next GC.
 */
export function detachBuffer(buffer: ArrayBufferLike): void {
  const transfer = (buffer as { transfer?: (length: number) => ArrayBuffer }).transfer;
  if (typeof transfer === 'function') transfer.call(buffer, 0);
  else structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
}

function damaged(message: string, parts: Uint8Array[], total: number): InflateError {
  const error = new InflateError(message);
  if (total > 0) error.damagedOutput = joinParts(parts, total);
  return error;
}

const TRAILER_MISMATCH = 'the CRC-32 or size in its trailer does not match the inflated data (the file is damaged or cut short)';

function trailingData(bytes: Uint8Array, end: number): string {
  const n = bytes.length - end;
  return `${n} byte${n === 1 ? '' : 's'} after the end of the gzip data (from byte ${end}) ${n === 1 ? 'is' : 'are'} not gzip data`;
}

/** Whether the 8 bytes at `at` are the trailer of `member`'s output: CRC-32 and size mod 2^32, little-endian. */
function trailerAt(bytes: Uint8Array, at: number, member: { crc: number; size: number }): boolean {
  if (at < 0 || at + 8 > bytes.length) return false;
  const word = (i: number) => (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
  return word(at) === member.crc && word(at + 4) === member.size % 0x1_0000_0000;
}

/** The index after `member`'s trailer, found by searching back from the end of `bytes` (an error path only), or -1. */
function memberEnd(bytes: Uint8Array, member: { start: number; crc: number; size: number }): number {
  for (let at = bytes.length - 8; at > member.start; at--) if (trailerAt(bytes, at, member)) return at + 8;
  return -1;
}

/**
 * The report with its ids, and each object's fields, in code-unit order. JSON key order carries no meaning, but
 * a canonical order makes a writer's output depend only on the content (needed for byte-identical re-exports:
 * a report rebuilt from deltas has its keys in a different insertion order than the browser gave them).
 */
export function canonicalReport(report: StatsReportJson): StatsReportJson {
  const out: StatsReportJson = {};
  for (const id of Object.keys(report).sort()) {
    const object = report[id];
    const sorted: StatsObject = {};
    for (const key of Object.keys(object).sort()) setOwn(sorted, key, object[key]);
    setOwn(out, id, sorted);
  }
  return out;
}

/** One PC's stats as columns (cost included; shared with the bundle: read only), or empty columns when it has none. */
export function bundleColumns(bundle: SessionBundle, pcId: string): StatsColumns {
  return pcColumns(bundle, pcId);
}

/** Events of one PC in trace order. */
export function pcEvents(bundle: SessionBundle, pcId: string): TraceEvent[] {
  return bundle.events.filter((event) => event.pcId === pcId);
}

/**
 * Keys for the PCs of several bundles in one dump. An imported PC keeps its file's id (`fileId`: `"10-1"`,
 * `"PC_0"`) when that is a plain token and no other PC of the dump has it, so a dump imported and exported again
 * (say, redacted to be shared) names its PCs as the original did. Others are shaped like Chromium's
 * `"<rid>-<lid>"`: rid = the frame's index + 1, offset so that the frames of each bundle get their own rids; lid =
 * the PC's per-document number (our PC ids are `"<frame>-<pc>"`, the same shape), moved up past any key taken.
 * Unique within the dump.
 */
export interface DumpIds {
  pcKey(bundleIndex: number, pcId: string): string;
  /** rid of a frame (also the rid of getUserMedia entries from it). */
  rid(bundleIndex: number, frame: number): number;
}

/** A file id kept as a PC's key: a short plain token (Chromium's `"10-1"`, rtcstats' `"PC_0"`), not a Firefox pcid. */
const FILE_ID_KEY = /^[\w.:-]{1,64}$/;

export function dumpIds(bundles: readonly SessionBundle[]): DumpIds {
  const bases: number[] = [];
  let base = 0;
  for (const bundle of bundles) {
    bases.push(base);
    let maxFrame = bundle.session.frames.reduce((max, f) => Math.max(max, f.index), 0);
    for (const pc of bundle.pcs) maxFrame = Math.max(maxFrame, pc.frame);
    for (const event of bundle.events) maxFrame = Math.max(maxFrame, event.frame);
    base += maxFrame + 1;
  }
  const keys = new Map<string, string>();
  const used = new Set<string>();
  // File ids that name one PC of the whole dump, reserved before any key is made up.
  const fileIdCount = new Map<string, number>();
  for (const bundle of bundles) for (const pc of bundle.pcs) if (pc.fileId !== undefined) fileIdCount.set(pc.fileId, (fileIdCount.get(pc.fileId) ?? 0) + 1);
  bundles.forEach((bundle, bundleIndex) => {
    for (const pc of bundle.pcs) {
      if (pc.fileId === undefined || fileIdCount.get(pc.fileId) !== 1 || !FILE_ID_KEY.test(pc.fileId)) continue;
      keys.set(`${bundleIndex}\u0000${pc.pcId}`, pc.fileId);
      used.add(pc.fileId);
    }
  });
  const rid = (bundleIndex: number, frame: number) => bases[bundleIndex] + frame + 1;
  return {
    rid,
    pcKey(bundleIndex, pcId) {
      const memo = `${bundleIndex}\u0000${pcId}`;
      const known = keys.get(memo);
      if (known !== undefined) return known;
      const match = /^(\d+)-(\d+)$/.exec(pcId);
      const r = rid(bundleIndex, match ? Number(match[1]) : 0);
      let lid = match ? Number(match[2]) : 1;
      while (used.has(`${r}-${lid}`)) lid++;
      const key = `${r}-${lid}`;
      used.add(key);
      keys.set(memo, key);
      return key;
    },
  };
}

/** Stats type of an object in a sample, or '' when it has none. */
/**
 * Stats types whose `timestamp` is the time of the RTCP report they describe (formats.md §1.6), not of the poll:
 * importers keep it while the report is unchanged, since "timestamp advanced" is how views tell a new report.
 */
export const RTCP_TIMED_TYPES: ReadonlySet<string> = new Set(['remote-inbound-rtp', 'remote-outbound-rtp']);

export const statsType = (object: StatsObject | undefined): string => (object && typeof object.type === 'string' ? object.type : '');

/**
 * Chromium's calculated `[codec]` field of RTP objects: `"<codec name> (<payload type>[, <fmtp line>])"`, e.g.
 * `opus (111, minptime=10;useinbandfec=1)`, `VP8 (96)` (M156 dump). Undefined when the codec object is missing.
 */
export function chromiumCodecLabel(report: StatsReportJson, object: StatsObject): string | undefined {
  const codecId = object.codecId;
  if (typeof codecId !== 'string' || !hasOwn(report, codecId)) return undefined;
  const codec = report[codecId];
  const mime = typeof codec.mimeType === 'string' ? codec.mimeType : '';
  const name = mime.includes('/') ? mime.slice(mime.indexOf('/') + 1) : mime;
  const fmtp = typeof codec.sdpFmtpLine === 'string' && codec.sdpFmtpLine !== '' ? `, ${codec.sdpFmtpLine}` : '';
  return `${name} (${String(codec.payloadType)}${fmtp})`;
}

/**
 * JSON with `", "` and `": "` separators, as Chromium writes getUserMedia constraint strings in webrtc-internals
 * (`{"width": {"ideal": 640}, "height": {"ideal": 480}}`, M156 dump).
 */
export function spacedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(', ')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    parts.push(`${JSON.stringify(key)}: ${spacedJson(member)}`);
  }
  return `{${parts.join(', ')}}`;
}

/**
 * Order in which Chromium 156 lists its calculated `[…]` members per stats type (StatsRatesCalculator; read off the
 * corpus rtcstats export). Names Chromium computes that we cannot (locale dates, frame-drop and stdev series) are
 * kept so positions line up; names not listed sort last.
 */
const CHROMIUM_CALCULATED_ORDER: Record<string, readonly string[]> = {
  'outbound-rtp': ['[bytesSent_in_bits/s]', '[headerBytesSent_in_bits/s]', '[retransmittedBytesSent_in_bits/s]', '[totalPacketSendDelay/packetsSent_in_ms]', '[framesEncoded/s]', '[framesSent/s]', '[totalEncodedBytesTarget_in_bits/s]', '[totalEncodeTime/framesEncoded_in_ms]', '[qpSum/framesEncoded]', '[codec]'],
  'inbound-rtp': ['[bytesReceived_in_bits/s]', '[headerBytesReceived_in_bits/s]', '[retransmittedBytesReceived_in_bits/s]', '[fecBytesReceived_in_bits/s]', '[framesReceived/s]', '[totalSamplesReceived/s]', '[concealedSamples/s]', '[concealedSamples/totalSamplesReceived]', '[silentConcealedSamples/s]', '[insertedSamplesForDeceleration/s]', '[removedSamplesForAcceleration/s]', '[framesReceived-framesDecoded-framesDropped]', '[framesDecoded/s]', '[keyFramesDecoded/s]', '[totalDecodeTime/framesDecoded_in_ms]', '[totalInterFrameDelay/framesDecoded_in_ms]', '[interFrameDelayStDev_in_ms]', '[qpSum/framesDecoded]', '[codec]', '[Audio_Level_in_RMS]', '[jitterBufferDelay/jitterBufferEmittedCount_in_ms]', '[jitterBufferTargetDelay/jitterBufferEmittedCount_in_ms]', '[jitterBufferMinimumDelay/jitterBufferEmittedCount_in_ms]', '[lastPacketReceivedTimestamp]', '[estimatedPlayoutTimestamp]', '[totalProcessingDelay/jitterBufferEmittedCount_in_ms]', '[totalAssemblyTime/framesAssembledFromMultiplePackets_in_ms]'],
  'candidate-pair': ['[bytesSent_in_bits/s]', '[bytesReceived_in_bits/s]', '[totalRoundTripTime/responsesReceived]', '[lastPacketReceivedTimestamp]', '[lastPacketSentTimestamp]'],
  'data-channel': ['[messagesSent/s]', '[messagesReceived/s]', '[bytesSent_in_bits/s]', '[bytesReceived_in_bits/s]'],
  'remote-outbound-rtp': ['[remoteTimestamp]', '[totalRoundTripTime/roundTripTimeMeasurements]'],
};

/** Our derived series that Chromium does not have (rates.ts adds them for our charts); left out of Chromium-shaped exports. */
export const NOT_CHROMIUM_RATES: ReadonlySet<string> = new Set(['[packetsSent/s]', '[packetsReceived/s]']);

/** Sorts calculated member names of an object of `type` into Chromium's order (stable for unknown names). */
export function chromiumCalculatedOrder(type: string, names: string[]): string[] {
  const order = CHROMIUM_CALCULATED_ORDER[type] ?? [];
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
  };
  return names.map((name, i) => ({ name, i })).sort((a, b) => rank(a.name) - rank(b.name) || a.i - b.i).map((x) => x.name);
}
