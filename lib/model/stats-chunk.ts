/**
 * Columnar, compressed storage codec for a run of consecutive stats samples of one peer connection.
 *
 * Stats change little from one poll to the next and most fields are counters, so the chunk is stored column by
 * column: one column per (stats id, field), aligned to the samples, each in whichever of a few encodings is the
 * smallest for it (constant, decimal deltas with ulp corrections, float XOR, change points, relative to the poll's
 * common timestamp, per-element integer lists, per-key nested objects), then deflated once.
 * The round trip is exact: every number bit-identical (including -0 and integers above 2^53), every string,
 * boolean, null and nested value equal, and the field set of every object of every sample preserved.
 *
 * Layout: byte 0 = codec version ({@link STATS_CHUNK_VERSION}), then raw deflate of the body. A chunk needs no other
 * chunk to decode. Versions are never reused: a change of layout gets a new number and the decoder keeps reading
 * the old ones, because stored sessions outlive extension updates.
 */
import { deflateSync } from 'fflate';
import { inflateReused } from './inflate';
import type { Json, JsonObject } from '../protocol/json';
import type { StatsColumns, StatsObject, StatsReportJson, StatsSample } from './session';

/** Version written in byte 0 of every chunk this build encodes. */
export const STATS_CHUNK_VERSION = 1;

/**
 * How hard the body is deflated: 9 (the default: what the recorder stores) down to 1. Any level decodes the same
 * (the format does not record it); a lower one is faster and a little larger (imports of large dumps use one).
 */
export interface StatsChunkOptions {
  level?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

// Keys come from untrusted pages: "__proto__" must stay an own property.
const hasOwn = Object.prototype.hasOwnProperty;

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

// ───────────────────────────── byte writer / reader ─────────────────────────────

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

class Writer {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  /** `capacity`: initial bytes (it grows as needed); candidate encodings of one column start small. */
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    if (this.length + extra > this.buf.length) this.grow(extra);
  }

  private grow(extra: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  /** Unsigned LEB128 for any integer in [0, 2^53); arithmetic rather than bit operations, which stop at 2^31. */
  uint(value: number): void {
    this.ensure(8);
    while (value >= 128) {
      this.buf[this.length++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    this.buf[this.length++] = value;
  }

  /** Zigzag: small magnitudes of either sign stay short. Valid for |value| < 2^52. */
  int(value: number): void {
    this.uint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  float64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** UTF-8 with its byte length first. */
  text(value: string): void {
    const n = value.length;
    if (n < 128) {
      // Short ASCII (ids, field names, states) without the encoder call: the same bytes.
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (value.charCodeAt(i) >= 128) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(n + 1);
        this.buf[this.length++] = n;
        for (let i = 0; i < n; i++) this.buf[this.length++] = value.charCodeAt(i);
        return;
      }
    }
    const bytes = utf8Encoder.encode(value);
    this.uint(bytes.length);
    this.bytes(bytes);
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('Stats chunk is truncated');
    return this.buf[this.pos++];
  }

  uint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 127) * scale;
      if (b < 128) return result;
      scale *= 128;
      if (scale > 2 ** 56) throw new Error('Stats chunk has a malformed varint');
    }
  }

  int(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) throw new Error('Stats chunk is truncated');
    const value = this.view.getFloat64(this.pos);
    this.pos += 8;
    return value;
  }

  text(): string {
    const bytes = this.bytes(this.uint());
    // Short ASCII (ids, states, codec names) without the UTF-8 decoder: in an extension page each
    // TextDecoder.decode call crosses into the browser and was most of the time spent opening a long session.
    if (bytes.length <= 32) {
      let code = 0;
      for (let i = 0; i < bytes.length; i++) code |= bytes[i];
      if (code < 128) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    }
    return utf8Decoder.decode(bytes);
  }

  /**
   * `count` consecutive {@link text}s. Stats ids and field names are ASCII: then the whole run is decoded with one
   * call and cut into substrings (one decoder call per string was the decoder's largest cost).
   */
  texts(count: number): string[] {
    const start = this.pos;
    const ends: number[] = new Array(count);
    const starts: number[] = new Array(count);
    let ascii = true;
    for (let i = 0; i < count; i++) {
      const length = this.uint();
      starts[i] = this.pos;
      const bytes = this.bytes(length);
      ends[i] = this.pos;
      if (ascii) for (let j = 0; j < bytes.length; j++) if (bytes[j] >= 128) { ascii = false; break; }
    }
    const out: string[] = new Array(count);
    if (!ascii) {
      for (let i = 0; i < count; i++) out[i] = utf8Decoder.decode(this.buf.subarray(starts[i], ends[i]));
      return out;
    }
    // ASCII: every byte is one character, so byte offsets are string offsets.
    const all = utf8Decoder.decode(this.buf.subarray(start, this.pos));
    for (let i = 0; i < count; i++) out[i] = all.slice(starts[i] - start, ends[i] - start);
    return out;
  }

  /** Moves past `count` {@link text}s without decoding them. */
  skipTexts(count: number): void {
    for (let i = 0; i < count; i++) {
      const length = this.uint();
      if (this.pos + length > this.buf.length) throw new Error('Stats chunk is truncated');
      this.pos += length;
    }
  }

  /** True when the bytes from `start` to the current position equal `other`. */
  sameBytes(start: number, other: Uint8Array): boolean {
    const buf = this.buf;
    if (this.pos - start !== other.length) return false;
    for (let i = 0; i < other.length; i++) if (buf[start + i] !== other[i]) return false;
    return true;
  }

  /** A copy of the bytes from `start` to the current position. */
  copyFrom(start: number): Uint8Array {
    return this.buf.slice(start, this.pos);
  }

  bytes(length: number): Uint8Array {
    if (this.pos + length > this.buf.length) throw new Error('Stats chunk is truncated');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}

// ───────────────────────────── strings ─────────────────────────────

/** Stats ids and field names, each stored once per chunk. */
class StringTable {
  private readonly index = new Map<string, number>();
  readonly list: string[] = [];

  ref(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}


// ───────────────────────────── values ─────────────────────────────

const enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  String = 3,
  Float = 4,
  UInt = 5,
  NegInt = 6,
  Array = 7,
  Object = 8,
}

const MAX_EXACT = 2 ** 52;

/**
 * One tagged value. Strings and nested values are written inline rather than through the string table, so that the
 * size of each candidate encoding of a column includes them (a losing candidate must not leave strings behind).
 */
function writeValue(w: Writer, value: Json): void {
  if (value === null) w.byte(Tag.Null);
  else if (value === false) w.byte(Tag.False);
  else if (value === true) w.byte(Tag.True);
  else if (typeof value === 'string') {
    w.byte(Tag.String);
    w.text(value);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) < MAX_EXACT && !Object.is(value, -0)) {
      if (value >= 0) {
        w.byte(Tag.UInt);
        w.uint(value);
      } else {
        w.byte(Tag.NegInt);
        w.uint(-value);
      }
    } else {
      w.byte(Tag.Float);
      w.float64(value);
    }
  } else if (Array.isArray(value)) {
    // Nested values are written structurally rather than as JSON text, which would turn -0 into 0.
    w.byte(Tag.Array);
    w.uint(value.length);
    for (const item of value) writeValue(w, item);
  } else {
    w.byte(Tag.Object);
    const keys = Object.keys(value);
    w.uint(keys.length);
    for (const key of keys) {
      w.text(key);
      writeValue(w, value[key]);
    }
  }
}

/** Values decode to fresh objects each time, so samples never share a mutable nested value. */
function readValue(r: Reader): Json {
  const tag = r.byte();
  switch (tag) {
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.String:
      return r.text();
    case Tag.Float:
      return r.float64();
    case Tag.Array: {
      const length = r.uint();
      const out: Json[] = [];
      for (let i = 0; i < length; i++) out.push(readValue(r));
      return out;
    }
    case Tag.Object: {
      const length = r.uint();
      const out: JsonObject = {};
      for (let i = 0; i < length; i++) {
        const key = r.text();
        setOwn(out, key, readValue(r));
      }
      return out;
    }
    case Tag.UInt:
      return r.uint();
    case Tag.NegInt:
      return -r.uint();
    default:
      throw new Error(`Stats chunk has an unknown value tag ${tag}`);
  }
}

function stringAt(strings: string[], i: number): string {
  if (i >= strings.length) throw new Error('Stats chunk refers to a missing string');
  return strings[i];
}

// ───────────────────────────── presence ─────────────────────────────

/** Presence as alternating run lengths, starting with a run of present values (possibly empty). */
function writePresence(w: Writer, present: boolean[]): void {
  const runs: number[] = [];
  let current = true;
  let run = 0;
  for (const p of present) {
    if (p === current) run++;
    else {
      runs.push(run);
      current = p;
      run = 1;
    }
  }
  runs.push(run);
  w.uint(runs.length);
  for (const r of runs) w.uint(r);
}

/**
 * Reads a presence map over `base` (ascending rows) and returns the rows present: `base` itself when all are
 * (the usual case: no array is made), else a new array.
 */
function readPresentRows(r: Reader, base: number[]): number[] {
  const length = base.length;
  const runCount = r.uint();
  if (runCount === 1) {
    const run = r.uint();
    if (run !== length) throw new Error('Stats chunk has a malformed presence map');
    return base;
  }
  const out: number[] = [];
  let pos = 0;
  let current = true;
  for (let i = 0; i < runCount; i++) {
    const run = r.uint();
    if (pos + run > length) throw new Error('Stats chunk has a malformed presence map');
    if (current) for (let j = pos; j < pos + run; j++) out.push(base[j]);
    pos += run;
    current = !current;
  }
  if (pos !== length) throw new Error('Stats chunk has a malformed presence map');
  return out;
}

function readPresence(r: Reader, length: number): boolean[] {
  const out: boolean[] = new Array(length);
  const runCount = r.uint();
  let pos = 0;
  let current = true;
  for (let i = 0; i < runCount; i++) {
    const run = r.uint();
    if (pos + run > length) throw new Error('Stats chunk has a malformed presence map');
    out.fill(current, pos, pos + run);
    pos += run;
    current = !current;
  }
  if (pos !== length) throw new Error('Stats chunk has a malformed presence map');
  return out;
}

// ───────────────────────────── columns ─────────────────────────────

const enum Kind {
  /** Every value equal: the value once. */
  Const = 0,
  /**
   * Numbers close to n/10^k: a mode byte (bits 0-1: order 0 = n as is, 1 = deltas, 2 = deltas of deltas; bit 2: ulp
   * corrections follow), k, the n values at that order, then the deltas of the corrections. Corrections make float sums such
   * as `totalProcessingDelay = 1.9406189999999999` (1 ulp below 1.940619) cost a byte instead of eight.
   */
  Decimal = 1,
  /** Any numbers: IEEE bits XOR the previous value's bits, leading and trailing zero bytes cut. */
  FloatXor = 2,
  /** Any values: the first value, then (gap, value) at each change. */
  Changes = 3,
  /** Which values equal the sample's reference timestamp, then a column of the others. */
  RefEqual = 4,
  /** Exact n/10^k, stored as n minus the scaled reference timestamp of the sample (clock-like fields). */
  RefOffset = 5,
  /** Strings of comma-separated integers with a fixed count (Chromium's `googTimingFrameInfo`): a column each. */
  IntList = 6,
  /** Objects with one key set (`qualityLimitationDurations`): the keys, then a column per key. */
  Record = 7,
}

const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, k) => 10 ** k);
/** Bound on |n| so that n, its deltas, deltas of deltas and their zigzag codes stay exact doubles. */
const MAX_SCALED = 2 ** 49;
/** Largest ulp correction kept; beyond it the value is not "close to" a decimal. */
const MAX_ULPS = 2 ** 31;
const TWO_32 = 2 ** 32;

const floatScratch = new DataView(new ArrayBuffer(16));
/** Two doubles and their 32-bit words in platform byte order; HI/LO index the high and low word of each. */
const floatPair = new Float64Array(2);
const wordPair = new Uint32Array(floatPair.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** Signed distance in ulps from `base` to `value` (bit patterns as integers), or null if too far or of other sign. */
function ulpDistance(value: number, base: number): number | null {
  if (value === base && !Object.is(value, -0) && !Object.is(base, -0)) return 0;
  // The bit patterns through typed-array views (much faster than DataView calls on the encoder's hot path).
  floatPair[0] = value;
  floatPair[1] = base;
  const hv = wordPair[HI];
  const hb = wordPair[2 + HI];
  if (hv >>> 31 !== hb >>> 31) return null;
  const d = (hv - hb) * TWO_32 + (wordPair[LO] - wordPair[2 + LO]);
  return Math.abs(d) <= MAX_ULPS ? d : null;
}

/** `base` moved by `ulps` steps of its bit pattern (inverse of {@link ulpDistance}). */
function addUlps(base: number, ulps: number): number {
  if (ulps === 0) return base;
  floatScratch.setFloat64(0, base);
  let lo = floatScratch.getUint32(4) + ulps;
  const carry = Math.floor(lo / TWO_32);
  lo -= carry * TWO_32;
  floatScratch.setUint32(0, (floatScratch.getUint32(0) + carry) >>> 0);
  floatScratch.setUint32(4, lo);
  return floatScratch.getFloat64(0);
}

/** Varint bytes for an integer of `b` significant bits (0 → 1 byte). */
const VARINT_BYTES_BY_BITS = Uint8Array.from({ length: 65 }, (_, b) => Math.max(1, Math.ceil(b / 7)));

/**
 * Bytes of the zigzag varint of the integer `v` (planDecimal runs it four times per value per k, so it counts bits
 * with clz32 rather than dividing in a loop, which also mispredicted a branch per byte).
 */
function intLength(v: number): number {
  const z = v >= 0 ? v * 2 : -v * 2 - 1;
  if (z < 4294967296) return VARINT_BYTES_BY_BITS[32 - Math.clz32(z)];
  if (z < 72057594037927936) return VARINT_BYTES_BY_BITS[64 - Math.clz32(Math.floor(z / 4294967296))];
  return longIntLength(z);
}

/** {@link intLength} of a zigzag code of 2^56 or more (or NaN). */
function longIntLength(z: number): number {
  let len = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    len++;
  }
  return len;
}

interface DecimalPlan {
  k: number;
  /** 0: n as is (noisy levels), 1: deltas of n (counters), 2: deltas of deltas (steady clocks). */
  order: number;
  /** Scratch (valid until the next planDecimal call): the scaled values, then the ulp corrections (or null). */
  scaled: Float64Array;
  corrections: Float64Array | null;
  cost: number;
}

/** Scratch rows for {@link planDecimal} (grown as needed): a candidate k is tried there, copied out only if best. */
let scratchScaled = new Float64Array(64);
let scratchCorrections = new Float64Array(64);
let scratchValues = new Float64Array(64);
/** Where the best k so far is kept (a plan's arrays are views of these). */
let bestScaled = new Float64Array(64);
let bestCorrections = new Float64Array(64);

/** The cheapest decimal representation of `values` over k = 0…12, or null when none is close enough. */
function planDecimal(values: number[]): DecimalPlan | null {
  let best: DecimalPlan | null = null;
  const n = values.length;
  if (scratchScaled.length < n) {
    scratchScaled = new Float64Array(n * 2);
    scratchCorrections = new Float64Array(n * 2);
    scratchValues = new Float64Array(n * 2);
    bestScaled = new Float64Array(n * 2);
    bestCorrections = new Float64Array(n * 2);
  }
  const scaled = scratchScaled;
  const corrections = scratchCorrections;
  // The values as doubles once: every k below reads them again (columns come in several array element kinds).
  const doubles = scratchValues;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || Object.is(v, -0)) return null;
    doubles[i] = v;
  }
  for (let k = 0; k <= MAX_DECIMALS; k++) {
    const p = POW10[k];
    // The value at which this k fails first decides, as in a single pass over the values: an overflow there
    // ends the search (a larger k only makes n larger), a value too far from n/10^k skips to the next k.
    // Pass 1: n, whether all are exact, and the varint bytes of each order (n as is, deltas, deltas of deltas).
    let overflowAt = -1;
    let farFirst = false;
    let exact = true;
    let cost0 = 0;
    let cost1 = 0;
    let cost2 = 0;
    let prev = 0;
    let prev2 = 0;
    // Set once this k is sure to lose to `best` (the check after this pass would skip it): the rest of the pass
    // then only finds what decides between going on and stopping (an overflow, exactness), not the costs.
    let losing = false;
    for (let i = 0; i < n; i++) {
      const v = doubles[i];
      // `+ 0` turns -0 into 0: the decoder rebuilds n from varints, which have no -0.
      const m = Math.round(v * p) + 0;
      if (Math.abs(m) >= MAX_SCALED) {
        overflowAt = i;
        break;
      }
      if (losing) {
        if (exact && v !== m / p) exact = false;
        scaled[i] = m;
        continue;
      }
      // Neither v (checked above) nor m / p (m is never -0) is -0: equality means 0 ulps.
      if (exact && v !== m / p) {
        exact = false;
        // Most k fail on the first value: find out now rather than after the whole pass.
        if (i === 0 && ulpDistance(v, m / p) === null) {
          farFirst = true;
          break;
        }
      }
      scaled[i] = m;
      cost0 += intLength(m);
      if (i === 0) {
        const first = intLength(m);
        cost1 += first;
        cost2 += first;
      } else {
        cost1 += intLength(m - prev);
        cost2 += intLength(i === 1 ? m - prev : m - 2 * prev + prev2);
      }
      prev2 = prev;
      prev = m;
      // Every order costs at least what it has so far plus a byte per value left; corrections (inexact) a byte
      // per value: the same bound as the check after the pass, which holds for the final costs too.
      if (best !== null && 3 + Math.min(cost0, cost1, cost2) + (n - 1 - i) + (exact ? 0 : n) >= best.cost) losing = true;
    }
    if (overflowAt !== -1) {
      let farBefore = false;
      for (let i = 0; i < overflowAt && !farBefore; i++) {
        const v = doubles[i];
        const base = scaled[i] / p;
        if (v !== base && ulpDistance(v, base) === null) farBefore = true;
      }
      if (farBefore) continue;
      break;
    }
    if (farFirst) continue;
    if (losing) {
      if (exact) break;
      continue;
    }
    if (n < 2) cost2 = Infinity;
    const orderCost = Math.min(cost0, cost1, cost2);
    // Corrections cost at least a byte per value: a k that cannot beat the best even so needs no ulps.
    if (best !== null && 3 + orderCost + (exact ? 0 : n) >= best.cost) {
      if (exact) break;
      continue;
    }
    // Pass 2 (inexact only): the ulp corrections, and their cost.
    let anyCorrection = false;
    let eligible = true;
    let costC = 0;
    if (!exact) {
      let prevC = 0;
      for (let i = 0; i < n; i++) {
        const v = doubles[i];
        const base = scaled[i] / p;
        const c = v === base ? 0 : ulpDistance(v, base);
        if (c === null) {
          eligible = false;
          break;
        }
        corrections[i] = c;
        if (c !== 0) anyCorrection = true;
        costC += intLength(i === 0 ? c : c - prevC);
        prevC = c;
      }
      if (!eligible) continue;
    } else {
      for (let i = 0; i < n; i++) corrections[i] = 0;
    }
    if (!anyCorrection) costC = 0;
    const order = cost0 <= cost1 && cost0 <= cost2 ? 0 : cost1 <= cost2 ? 1 : 2;
    const cost = 3 + (order === 0 ? cost0 : order === 1 ? cost1 : cost2) + costC;
    if (best === null || cost < best.cost) {
      for (let i = 0; i < n; i++) bestScaled[i] = scaled[i];
      if (anyCorrection) for (let i = 0; i < n; i++) bestCorrections[i] = corrections[i];
      best = { k, order, scaled: bestScaled, corrections: anyCorrection ? bestCorrections : null, cost };
    }
    if (!anyCorrection) break; // exact at this k: a larger k only multiplies the deltas by 10
  }
  return best;
}

function writeDecimal(w: Writer, plan: DecimalPlan, n: number): void {
  const { scaled, corrections } = plan;
  w.byte(Kind.Decimal);
  w.byte(plan.order | (corrections !== null ? 4 : 0));
  w.byte(plan.k);
  if (plan.order === 0) {
    for (let i = 0; i < n; i++) w.int(scaled[i]);
  } else if (plan.order === 1) {
    w.int(scaled[0]);
    for (let i = 1; i < n; i++) w.int(scaled[i] - scaled[i - 1]);
  } else {
    w.int(scaled[0]);
    if (n > 1) w.int(scaled[1] - scaled[0]);
    for (let i = 2; i < n; i++) w.int(scaled[i] - 2 * scaled[i - 1] + scaled[i - 2]);
  }
  if (corrections !== null) {
    w.int(corrections[0]);
    for (let i = 1; i < n; i++) w.int(corrections[i] - corrections[i - 1]);
  }
}

let decimalScratch = new Float64Array(256);

function readDecimal(r: Reader, count: number): number[] {
  const mode = r.byte();
  const k = r.byte();
  const order = mode & 3;
  if (k > MAX_DECIMALS || mode > 7 || order > 2) throw new Error('Stats chunk has a malformed decimal column');
  // The scaled integers are only a step: a reused buffer (float64, like any JS number: the same arithmetic).
  if (decimalScratch.length < count) decimalScratch = new Float64Array(Math.max(count, 2 * decimalScratch.length));
  const scaled = decimalScratch;
  if (order === 0) {
    for (let i = 0; i < count; i++) scaled[i] = r.int();
  } else if (order === 1) {
    if (count > 0) scaled[0] = r.int();
    for (let i = 1; i < count; i++) scaled[i] = scaled[i - 1] + r.int();
  } else {
    if (count > 0) scaled[0] = r.int();
    if (count > 1) scaled[1] = scaled[0] + r.int();
    for (let i = 2; i < count; i++) scaled[i] = 2 * scaled[i - 1] - scaled[i - 2] + r.int();
  }
  const p = POW10[k];
  const out: number[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = scaled[i] / p;
  if (mode & 4) {
    let c = 0;
    for (let i = 0; i < count; i++) {
      c = i === 0 ? r.int() : c + r.int();
      out[i] = addUlps(out[i], c);
    }
  }
  return out;
}

/** Trailing zero bytes of a non-zero 32-bit word. */
const trailingZeroBytes = (x: number): number => (31 - Math.clz32(x & -x)) >>> 3;

function writeFloatXor(w: Writer, values: number[]): void {
  w.byte(Kind.FloatXor);
  let prevHi = 0;
  let prevLo = 0;
  for (let j = 0; j < values.length; j++) {
    // The big-endian bytes of the bits XOR the previous value's, as the high and the low word.
    floatPair[0] = values[j];
    const hi = wordPair[HI];
    const lo = wordPair[LO];
    const xHi = (hi ^ prevHi) >>> 0;
    const xLo = (lo ^ prevLo) >>> 0;
    prevHi = hi;
    prevLo = lo;
    let lead = 8;
    let trail = 0;
    if (xHi !== 0 || xLo !== 0) {
      lead = xHi !== 0 ? Math.clz32(xHi) >>> 3 : 4 + (Math.clz32(xLo) >>> 3);
      trail = xLo !== 0 ? trailingZeroBytes(xLo) : 4 + trailingZeroBytes(xHi);
    }
    w.byte((lead << 4) | trail);
    for (let i = lead; i < 8 - trail; i++) w.byte(i < 4 ? (xHi >>> (24 - 8 * i)) & 255 : (xLo >>> (56 - 8 * i)) & 255);
  }
}

function readFloatXor(r: Reader, count: number): number[] {
  const out: number[] = new Array(count);
  let prevHi = 0;
  let prevLo = 0;
  for (let i = 0; i < count; i++) {
    const header = r.byte();
    const lead = header >> 4;
    const trail = header & 15;
    if (lead + trail > 8) throw new Error('Stats chunk has a malformed float');
    floatScratch.setUint32(8, 0);
    floatScratch.setUint32(12, 0);
    for (let j = lead; j < 8 - trail; j++) floatScratch.setUint8(8 + j, r.byte());
    prevHi = (floatScratch.getUint32(8) ^ prevHi) >>> 0;
    prevLo = (floatScratch.getUint32(12) ^ prevLo) >>> 0;
    floatScratch.setUint32(0, prevHi);
    floatScratch.setUint32(4, prevLo);
    out[i] = floatScratch.getFloat64(0);
  }
  return out;
}

/** The scaled reference timestamps for `positions` at k, or null if one is missing or not exact at k. */
function scaledRefs(refTimes: (number | null)[], positions: number[], k: number): number[] | null {
  const p = POW10[k];
  const out: number[] = new Array(positions.length);
  for (let i = 0; i < positions.length; i++) {
    const ref = refTimes[positions[i]];
    if (ref === null) return null;
    const m = Math.round(ref * p) + 0;
    if (Math.abs(m) >= MAX_SCALED || m / p !== ref) return null;
    out[i] = m;
  }
  return out;
}

// At most 14 digits, so element differences stay below 2^49.
const INT_LIST = /^(?:0|-?[1-9][0-9]{0,13})(?:,(?:0|-?[1-9][0-9]{0,13}))*$/;

/** The integers of each value when all are comma-separated integer lists of one length, else null. */
function splitIntLists(values: Json[]): number[][] | null {
  let width = -1;
  const rows: number[][] = [];
  for (const v of values) {
    if (typeof v !== 'string' || !INT_LIST.test(v)) return null;
    const row = v.split(',').map(Number);
    if (width === -1) width = row.length;
    else if (row.length !== width) return null;
    rows.push(row);
  }
  return rows;
}

/** The common key list when every value is a plain object with the same keys (in any order), else null. */
function commonKeys(values: Json[]): string[] | null {
  const first = values[0];
  if (typeof first !== 'object' || first === null || Array.isArray(first)) return null;
  const keys = Object.keys(first);
  for (const v of values) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    let count = 0;
    for (const key in v) {
      if (!hasOwn.call(first, key)) return null;
      count++;
    }
    if (count !== keys.length) return null;
  }
  return keys;
}

/** Exact equality: numbers by Object.is (keeps -0 and 0 apart), arrays in order, objects by key set and content. */
function sameValue(a: Json, b: Json): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return false;
  if (aIsArray) {
    const bArr = b as Json[];
    if (a.length !== bArr.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], bArr[i])) return false;
    return true;
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  let count = 0;
  for (const key in ao) {
    if (!hasOwn.call(bo, key) || !sameValue(ao[key], bo[key])) return false;
    count++;
  }
  for (const _key in bo) count--;
  return count === 0;
}

/**
 * Writers for candidate encodings, reused: a column tries several encodings and keeps one, and allocating (and
 * growing) a buffer for each try was a large part of encoding time. A writer goes back once its bytes are copied.
 */
const writerPool: Writer[] = [];

function takeWriter(): Writer {
  const w = writerPool.pop();
  if (w === undefined) return new Writer(256);
  w.length = 0;
  return w;
}

function giveBackWriter(w: Writer): void {
  if (writerPool.length < 64 && w.capacity <= 65536) writerPool.push(w);
}

/** Context shared by the columns of one chunk. */
interface ColumnContext {
  /** Per sample, the most common object timestamp (or null). */
  refTimes: (number | null)[];
}

/** Whether every value equals the reference timestamp of its sample (never -0, as in the RefEqual test). */
function allReferenceTimes(ctx: ColumnContext, values: number[], positions: number[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== ctx.refTimes[positions[i]] || Object.is(v, -0)) return false;
  }
  return true;
}

/** Whether some value equals the reference timestamp of its sample (never -0, as in the RefEqual test). */
function anyReferenceTime(ctx: ColumnContext, values: number[], positions: number[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === ctx.refTimes[positions[i]] && !Object.is(v, -0)) return true;
  }
  return false;
}

/** {@link writePresence} of `length` values all present: one run. */
function writeAllPresent(w: Writer, length: number): void {
  w.uint(1);
  w.uint(length);
}

/**
 * Writes `values` (the present values of one column, in sample order) in the smallest of the encodings that fit.
 * `positions` (the sample of each value) enables the reference-timestamp encodings; null for per-sample columns.
 */
function writeColumn(w: Writer, ctx: ColumnContext, values: Json[], positions: number[] | null): void {
  let allEqual = true;
  let allNumbers = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') allNumbers = false;
    if (i > 0 && allEqual && !sameValue(v, values[0])) allEqual = false;
  }
  if (values.length === 0 || allEqual) {
    w.byte(Kind.Const);
    if (values.length > 0) writeValue(w, values[0]);
    return;
  }
  if (allNumbers && positions !== null && values.length >= 4 && allReferenceTimes(ctx, values as number[], positions)) {
    // Every value is its sample's reference timestamp (most objects' `timestamp`): the RefEqual encoding takes
    // 4 bytes below 128 values (5 below 16384), and no other can be that small (Decimal ≥ 3 + n, FloatXor ≥ 1 + n,
    // RefOffset ≥ 2 + n, Changes ≥ 7 bytes), so it is the one the comparison below would keep: write it directly.
    w.byte(Kind.RefEqual);
    writePresence(w, new Array<boolean>(values.length).fill(true));
    writeColumn(w, ctx, [], null);
    return;
  }
  const candidates: Writer[] = [];
  if (allNumbers) {
    const nums = values as number[];
    const plan = planDecimal(nums);
    if (plan !== null) {
      const dw = takeWriter();
      writeDecimal(dw, plan, nums.length);
      candidates.push(dw);
    }
    if (plan === null || plan.corrections !== null) {
      const fw = takeWriter();
      writeFloatXor(fw, nums);
      candidates.push(fw);
    }
    if (positions !== null) {
      // RefOffset reads the plan's scratch arrays: made before RefEqual's inner column plans again, kept after it.
      let ow: Writer | null = null;
      if (plan !== null && plan.corrections === null) {
        const refs = scaledRefs(ctx.refTimes, positions, plan.k);
        if (refs !== null) {
          ow = takeWriter();
          ow.byte(Kind.RefOffset);
          ow.byte(plan.k);
          for (let i = 0; i < nums.length; i++) ow.int(plan.scaled[i] - refs[i]);
        }
      }
      if (anyReferenceTime(ctx, nums, positions)) {
        const equal = nums.map((v, i) => v === ctx.refTimes[positions[i]] && !Object.is(v, -0));
        const ew = takeWriter();
        ew.byte(Kind.RefEqual);
        writePresence(ew, equal);
        writeColumn(
          ew,
          ctx,
          nums.filter((_, i) => !equal[i]),
          null,
        );
        candidates.push(ew);
      }
      if (ow !== null) candidates.push(ow);
    }
  } else {
    const keys = commonKeys(values);
    if (keys !== null) {
      const rw = takeWriter();
      rw.byte(Kind.Record);
      rw.uint(keys.length);
      for (const key of keys) {
        rw.text(key);
        writeColumn(rw, ctx, values.map((v) => (v as JsonObject)[key]), positions);
      }
      candidates.push(rw);
    }
    const rows = splitIntLists(values);
    if (rows !== null) {
      const lw = takeWriter();
      lw.byte(Kind.IntList);
      const width = rows[0].length;
      lw.uint(width);
      // Elements of one list are usually close to each other (timing marks of one frame): store each as the
      // difference from the previous element of the same list.
      for (let j = 0; j < width; j++) writeColumn(lw, ctx, rows.map((row) => (j === 0 ? row[0] : row[j] - row[j - 1])), null);
      candidates.push(lw);
    }
  }
  let changes = 0;
  for (let i = 1; i < values.length; i++) if (!sameValue(values[i], values[i - 1])) changes++;
  let shortest = Infinity;
  for (const c of candidates) if (c.length < shortest) shortest = c.length;
  // Changes takes at least its kind, the first value, the count and 2 bytes per change (gap, value), and is kept
  // only when strictly shorter than the others: a column that changes at most samples need not be written twice.
  if (3 + 2 * changes < shortest) {
    const cw = takeWriter();
    cw.byte(Kind.Changes);
    writeValue(cw, values[0]);
    cw.uint(changes);
    let last = 0;
    for (let i = 1; i < values.length; i++) {
      if (sameValue(values[i], values[i - 1])) continue;
      cw.uint(i - last);
      writeValue(cw, values[i]);
      last = i;
    }
    candidates.push(cw);
  }
  let best = candidates[0];
  for (const c of candidates) if (c.length < best.length) best = c;
  w.bytes(best.finish());
  for (const c of candidates) giveBackWriter(c);
}

function readColumn(r: Reader, count: number, positions: number[] | null, refTimes: (number | null)[]): Json[] {
  const kind = r.byte();
  switch (kind) {
    case Kind.Const: {
      if (count === 0) return [];
      // Each sample gets its own copy of a nested value: the value is stored once and re-read per sample. A
      // primitive is immutable: read once (re-reading strings dominated decoding).
      const start = r.pos;
      const first = readValue(r);
      const out: Json[] = new Array(count);
      if (first === null || typeof first !== 'object') {
        out.fill(first);
        return out;
      }
      out[0] = first;
      const end = r.pos;
      for (let i = 1; i < count; i++) {
        r.pos = start;
        out[i] = readValue(r);
      }
      r.pos = end;
      return out;
    }
    case Kind.Decimal:
      return readDecimal(r, count);
    case Kind.FloatXor:
      return readFloatXor(r, count);
    case Kind.Changes: {
      const out: Json[] = new Array(count);
      const firstStart = r.pos;
      readValue(r);
      const changeCount = r.uint();
      const starts: number[] = [];
      const at: number[] = [];
      let pos = 0;
      for (let c = 0; c < changeCount; c++) {
        pos += r.uint();
        if (pos >= count) throw new Error('Stats chunk has a malformed change column');
        at.push(pos);
        starts.push(r.pos);
        readValue(r);
      }
      const end = r.pos;
      let valueStart = firstStart;
      let next = 0;
      let current: Json = null;
      let fresh = true;
      for (let i = 0; i < count; i++) {
        if (next < at.length && at[next] === i) {
          valueStart = starts[next++];
          fresh = true;
        }
        // Primitives are read once per run; nested values once per sample (each sample gets its own copy).
        if (fresh || (current !== null && typeof current === 'object')) {
          r.pos = valueStart;
          current = readValue(r);
          fresh = false;
        }
        out[i] = current;
      }
      r.pos = end;
      return out;
    }
    case Kind.RefEqual: {
      if (positions === null) throw new Error('Stats chunk has a misplaced timestamp column');
      const equal = readPresence(r, count);
      let otherCount = 0;
      for (const e of equal) if (!e) otherCount++;
      const others = readColumn(r, otherCount, null, refTimes);
      const out: Json[] = new Array(count);
      for (let i = 0, o = 0; i < count; i++) {
        if (equal[i]) {
          const ref = refTimes[positions[i]];
          if (ref === null) throw new Error('Stats chunk has a timestamp without a reference');
          out[i] = ref;
        } else out[i] = others[o++];
      }
      return out;
    }
    case Kind.RefOffset: {
      if (positions === null) throw new Error('Stats chunk has a misplaced timestamp column');
      const k = r.byte();
      if (k > MAX_DECIMALS) throw new Error('Stats chunk has a malformed decimal column');
      const refs = scaledRefs(refTimes, positions, k);
      if (refs === null) throw new Error('Stats chunk has a timestamp without a reference');
      const p = POW10[k];
      const out: Json[] = new Array(count);
      for (let i = 0; i < count; i++) out[i] = (refs[i] + r.int()) / p;
      return out;
    }
    case Kind.IntList: {
      const width = r.uint();
      const parts: Json[][] = [];
      for (let j = 0; j < width; j++) parts.push(readColumn(r, count, null, refTimes));
      const out: Json[] = new Array(count);
      for (let i = 0; i < count; i++) {
        let text = '';
        let value = 0;
        for (let j = 0; j < width; j++) {
          const part = parts[j][i];
          if (typeof part !== 'number') throw new Error('Stats chunk has a malformed list column');
          value = j === 0 ? part : value + part;
          text += j === 0 ? String(value) : ',' + String(value);
        }
        out[i] = text;
      }
      return out;
    }
    case Kind.Record: {
      const keyCount = r.uint();
      const out: JsonObject[] = [];
      for (let i = 0; i < count; i++) out.push({});
      for (let j = 0; j < keyCount; j++) {
        const key = r.text();
        const values = readColumn(r, count, positions, refTimes);
        for (let i = 0; i < count; i++) setOwn(out[i], key, values[i]);
      }
      return out;
    }
    default:
      throw new Error(`Stats chunk has an unknown column kind ${kind}`);
  }
}

// ───────────────────────────── chunk ─────────────────────────────

/** Scratch of {@link mostCommonStamp}: the distinct stamps seen so far and their counts (a row has few). */
const stampSeen: number[] = [];
const stampCounts: number[] = [];

/**
 * The most common numeric value among `stamps[0…length)` (the first to reach the highest count wins); -0 and
 * non-numbers are skipped; values are compared as a Map compares keys (NaN equals NaN). A linear search over the
 * few distinct stamps of a row: no Map, no iterator.
 */
function mostCommonStamp(stamps: readonly unknown[], length: number): number | null {
  let distinct = 0;
  let best: number | null = null;
  let bestCount = 0;
  for (let i = 0; i < length; i++) {
    const ts = stamps[i];
    if (typeof ts !== 'number' || Object.is(ts, -0)) continue;
    let j = 0;
    if (ts === ts) {
      while (j < distinct && stampSeen[j] !== ts) j++;
    } else {
      while (j < distinct && stampSeen[j] === stampSeen[j]) j++;
    }
    let c: number;
    if (j === distinct) {
      stampSeen[distinct] = ts;
      stampCounts[distinct++] = c = 1;
    } else {
      c = ++stampCounts[j];
    }
    if (c > bestCount) {
      best = ts;
      bestCount = c;
    }
  }
  return best;
}

/** Scratch: one row's stamps, in object order. */
const rowStamps: unknown[] = [];

/** The most common numeric `timestamp` among a report's objects: Chromium stamps most objects of a poll alike. */
function referenceTime(report: StatsReportJson): number | null {
  let length = 0;
  for (const id in report) rowStamps[length++] = report[id].timestamp;
  const best = mostCommonStamp(rowStamps, length);
  rowStamps.length = 0;
  return best;
}

/**
 * Encodes consecutive samples of one peer connection. Indexes need not be contiguous (gaps are kept), but samples
 * must be in the order they should decode in, and indexes are safe integers ≥ 0 less than 2^52 apart (a RangeError
 * otherwise, rather than a chunk that decodes to other indexes). An empty array encodes to a valid chunk that
 * decodes to `[]`.
 */
export function encodeStatsChunk(samples: StatsSample[], options: StatsChunkOptions = {}): Uint8Array {
  const strings = new StringTable();
  const n = samples.length;
  const refTimes = samples.map((s) => referenceTime(s.report));
  const ctx: ColumnContext = { refTimes };
  const body = new Writer();

  body.uint(n);
  if (n > 0) {
    const first = samples[0].index;
    if (!(Number.isSafeInteger(first) && first >= 0)) throw new RangeError(`sample index ${first} is not a safe integer ≥ 0`);
    body.uint(first);
    for (let i = 1; i < n; i++) {
      const step = samples[i].index - samples[i - 1].index;
      // The zigzag code of a step is exact below 2^52: a larger one would decode to another index.
      if (!(Math.abs(step) < 2 ** 52)) throw new RangeError(`sample index ${samples[i].index} is too far from ${samples[i - 1].index}`);
      body.int(step);
    }
  }
  writeColumn(body, ctx, samples.map((s) => s.t), null);
  const costPresent = samples.map((s) => s.cost !== undefined);
  writePresence(body, costPresent);
  const costs = samples.filter((s) => s.cost !== undefined).map((s) => s.cost!);
  writeColumn(body, ctx, costs.map((c) => c.getStatsMs), null);
  writeColumn(body, ctx, costs.map((c) => c.hookMs), null);
  writePresence(body, refTimes.map((x) => x !== null));
  writeColumn(body, ctx, refTimes.filter((x): x is number => x !== null), null);

  // Objects and fields in order of first appearance, so decoded reports keep the browser's order in practice.
  const objects = new Map<string, { present: boolean[]; fields: Map<string, boolean> }>();
  for (let i = 0; i < n; i++) {
    const report = samples[i].report;
    for (const id in report) {
      let entry = objects.get(id);
      if (entry === undefined) {
        entry = { present: new Array<boolean>(n).fill(false), fields: new Map() };
        objects.set(id, entry);
      }
      entry.present[i] = true;
      for (const key in report[id]) entry.fields.set(key, true);
    }
  }
  body.uint(objects.size);
  for (const [id, entry] of objects) {
    body.uint(strings.ref(id));
    writePresence(body, entry.present);
    const positions: number[] = [];
    for (let i = 0; i < n; i++) if (entry.present[i]) positions.push(i);
    body.uint(entry.fields.size);
    for (const key of entry.fields.keys()) {
      body.uint(strings.ref(key));
      const fieldPresent: boolean[] = [];
      const values: Json[] = [];
      const valuePositions: number[] = [];
      for (const i of positions) {
        const obj = samples[i].report[id];
        const has = hasOwn.call(obj, key);
        fieldPresent.push(has);
        if (has) {
          values.push(obj[key]);
          valuePositions.push(i);
        }
      }
      writePresence(body, fieldPresent);
      writeColumn(body, ctx, values, valuePositions);
    }
  }

  return finishChunk(strings, body, options);
}

/** The string table, then the body, deflated behind the version byte. */
function finishChunk(strings: StringTable, body: Writer, options: StatsChunkOptions): Uint8Array {
  // The string table goes first so the decoder can resolve references in one pass.
  const head = new Writer();
  head.uint(strings.list.length);
  for (const s of strings.list) head.text(s);
  const plain = new Uint8Array(head.length + body.length);
  plain.set(head.finish(), 0);
  plain.set(body.finish(), head.length);
  const packed = deflateSync(plain, { level: options.level ?? 9 });
  const out = new Uint8Array(packed.length + 1);
  out[0] = STATS_CHUNK_VERSION;
  out.set(packed, 1);
  return out;
}

/**
 * Encodes rows [fromRow, toRow) of `columns` as the chunk {@link encodeStatsChunk} makes of the same polls as
 * samples, byte for byte: of `columnsToSamples(columns).slice(fromRow, toRow)` re-indexed from `firstIndex` (null
 * or absent values are absent fields; an object with no value in a row is absent from it; cost where both parts
 * are known). No report object is built: imports of large dumps encode straight from their columns.
 */
export function encodeStatsChunkColumns(columns: StatsColumns, fromRow: number, toRow: number, firstIndex: number, options: StatsChunkOptions = {}): Uint8Array {
  const strings = new StringTable();
  const n = Math.max(0, toRow - fromRow);
  const ids = Object.keys(columns.objects);

  // Per object (in column order): the rows it is present in (any value), and per field the first row with a value.
  interface ChunkObject {
    id: string;
    first: number;
    present: boolean[];
    /** Present in every row. */
    all: boolean;
    /** Per field: its values in the chunk and their rows (ascending; row i = columns row fromRow + i). */
    fields: { key: string; values: Json[]; rows: number[] }[];
  }
  const objects: ChunkObject[] = [];
  // Shared by every field present in all rows (only read).
  const allRows: number[] = new Array(n);
  for (let i = 0; i < n; i++) allRows[i] = i;
  for (const id of ids) {
    const fields = columns.objects[id].fields;
    let present: boolean[] | null = null;
    let all = false;
    let first = n;
    const list: ChunkObject['fields'] = [];
    for (const key in fields) {
      const column = fields[key];
      // A slice keeps the column's compact element kind, and includes is a builtin: no per-value loop here when the
      // field is present in every row (the usual case). `includes` also finds holes (as undefined).
      const slice = column.slice(fromRow, fromRow + n);
      let values: Json[];
      let rows: number[];
      if (slice.length === n && !slice.includes(null) && !slice.includes(undefined as unknown as Json)) {
        values = slice as Json[];
        rows = allRows;
      } else {
        values = [];
        rows = [];
        for (let i = 0; i < slice.length; i++) {
          const v = slice[i];
          if (v === null || v === undefined) continue;
          values.push(v);
          rows.push(i);
        }
      }
      if (rows.length === 0) continue;
      if (present === null) present = new Array<boolean>(n).fill(false);
      if (rows.length === n) {
        if (!all) present.fill(true);
        all = true;
      } else if (!all) for (const i of rows) present[i] = true;
      if (rows[0] < first) first = rows[0];
      list.push({ key, values, rows });
    }
    if (present === null) continue;
    // Fields in order of first appearance (as a sample-by-sample walk meets them); stable: column order on ties.
    list.sort((a, b) => a.rows[0] - b.rows[0]);
    objects.push({ id, first, present, all: all || present.every(Boolean), fields: list });
  }
  objects.sort((a, b) => a.first - b.first);

  // Reference times as referenceTime() finds them in each row's report (objects in column order).
  const stampColumns: ((Json | null)[] | undefined)[] = [];
  for (const id of ids) {
    const fields = columns.objects[id].fields;
    stampColumns.push(hasOwn.call(fields, 'timestamp') ? fields.timestamp : undefined);
  }
  const refTimes: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = fromRow + i;
    for (let s = 0; s < stampColumns.length; s++) rowStamps[s] = stampColumns[s]?.[row];
    refTimes[i] = mostCommonStamp(rowStamps, stampColumns.length);
  }
  rowStamps.length = 0;
  const ctx: ColumnContext = { refTimes };
  const body = new Writer();

  body.uint(n);
  if (n > 0) {
    body.uint(firstIndex);
    for (let i = 1; i < n; i++) body.int(1);
  }
  writeColumn(body, ctx, columns.t.slice(fromRow, fromRow + n), null);
  const costPresent: boolean[] = new Array(n);
  const getStatsMs: number[] = [];
  const hookMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = columns.cost.getStatsMs[fromRow + i];
    const h = columns.cost.hookMs[fromRow + i];
    costPresent[i] = g !== null && g !== undefined && h !== null && h !== undefined;
    if (costPresent[i]) {
      getStatsMs.push(g!);
      hookMs.push(h!);
    }
  }
  writePresence(body, costPresent);
  writeColumn(body, ctx, getStatsMs, null);
  writeColumn(body, ctx, hookMs, null);
  writePresence(body, refTimes.map((x) => x !== null));
  writeColumn(body, ctx, refTimes.filter((x): x is number => x !== null), null);

  body.uint(objects.length);
  for (const object of objects) {
    body.uint(strings.ref(object.id));
    let positions: number[];
    if (object.all) {
      writeAllPresent(body, n);
      positions = allRows;
    } else {
      writePresence(body, object.present);
      positions = [];
      for (let i = 0; i < n; i++) if (object.present[i]) positions.push(i);
    }
    body.uint(object.fields.length);
    for (const { key, values, rows } of object.fields) {
      body.uint(strings.ref(key));
      if (rows.length === positions.length) {
        writeAllPresent(body, positions.length);
      } else {
        const fieldPresent: boolean[] = new Array(positions.length);
        for (let j = 0, r = 0; j < positions.length; j++) {
          const has = r < rows.length && rows[r] === positions[j];
          fieldPresent[j] = has;
          if (has) r++;
        }
        writePresence(body, fieldPresent);
      }
      writeColumn(body, ctx, values, rows);
    }
  }
  return finishChunk(strings, body, options);
}

/** A chunk's per-sample header: what every sample has, before its stats objects. */
interface ChunkHeader {
  n: number;
  index: number[];
  t: number[];
  cost: ({ getStatsMs: number; hookMs: number } | undefined)[];
}

/**
 * The last string table decoded, as stored and as strings: a PC's consecutive chunks mostly carry the same ids and
 * field names, and comparing the bytes is much cheaper than decoding them again (shared: callers only read it).
 */
let lastTable: { bytes: Uint8Array; strings: string[] } | null = null;

function readStringTable(r: Reader, count: number): string[] {
  const start = r.pos;
  r.skipTexts(count);
  if (lastTable !== null && lastTable.strings.length === count && r.sameBytes(start, lastTable.bytes)) return lastTable.strings;
  const end = r.pos;
  r.pos = start;
  const strings = r.texts(count);
  if (r.pos !== end) throw new Error('Stats chunk has a malformed string table');
  lastTable = { bytes: r.copyFrom(start), strings };
  return strings;
}

/**
 * Walks a chunk made by {@link encodeStatsChunk}: calls `onHeader` with the per-sample header (also returned),
 * then `onObject` for every stats object (with the sample rows it is present in, ascending) and `onField` for each
 * of its fields (the rows, a subset of the object's, and the values at them), in stored order. Both decoders below
 * are built on it.
 */
function walkChunk(
  data: Uint8Array,
  onObject: (id: string, rows: number[]) => void,
  onField: (key: string, rows: number[], values: Json[]) => void,
  onHeader: (header: ChunkHeader) => void,
): ChunkHeader {
  if (data.length === 0) throw new Error('Stats chunk is empty');
  const version = data[0];
  if (version !== STATS_CHUNK_VERSION) {
    throw new Error(`Unsupported stats chunk version ${version} (this build reads version ${STATS_CHUNK_VERSION})`);
  }
  let plain: Uint8Array;
  try {
    // A view of a shared buffer: the walk below reads it to the end before anything else can inflate.
    plain = inflateReused(data.subarray(1));
  } catch (err) {
    throw new Error(`Stats chunk is corrupt: ${(err as Error).message}`);
  }
  const r = new Reader(plain);
  const stringCount = r.uint();
  if (stringCount > plain.length) throw new Error('Stats chunk has a malformed string count');
  const strings = readStringTable(r, stringCount);

  const n = r.uint();
  // Every sample takes at least one byte (its index), so a larger count is corruption, not a reason to allocate.
  if (n > plain.length) throw new Error('Stats chunk has a malformed sample count');
  const index: number[] = new Array(n);
  for (let i = 0; i < n; i++) index[i] = i === 0 ? r.uint() : index[i - 1] + r.int();
  const t = readColumn(r, n, null, []) as number[];
  const costPresent = readPresence(r, n);
  const costCount = costPresent.filter(Boolean).length;
  const getStatsMs = readColumn(r, costCount, null, []);
  const hookMs = readColumn(r, costCount, null, []);
  const cost: ChunkHeader['cost'] = new Array(n);
  for (let i = 0, c = 0; i < n; i++) {
    if (costPresent[i]) {
      cost[i] = { getStatsMs: getStatsMs[c] as number, hookMs: hookMs[c] as number };
      c++;
    }
  }
  const header: ChunkHeader = { n, index, t, cost };
  onHeader(header);
  const refPresent = readPresence(r, n);
  const refValues = readColumn(r, refPresent.filter(Boolean).length, null, []);
  const refTimes: (number | null)[] = new Array(n);
  for (let i = 0, c = 0; i < n; i++) refTimes[i] = refPresent[i] ? (refValues[c++] as number) : null;

  const allRows: number[] = new Array(n);
  for (let i = 0; i < n; i++) allRows[i] = i;
  const objectCount = r.uint();
  for (let o = 0; o < objectCount; o++) {
    const id = stringAt(strings, r.uint());
    // Row lists are shared when everything is present (callers only read them).
    const rows = readPresentRows(r, allRows);
    onObject(id, rows);
    const fieldCount = r.uint();
    for (let f = 0; f < fieldCount; f++) {
      const key = stringAt(strings, r.uint());
      const fieldRows = readPresentRows(r, rows);
      onField(key, fieldRows, readColumn(r, fieldRows.length, fieldRows, refTimes));
    }
  }
  if (r.pos !== plain.length) throw new Error('Stats chunk has trailing data');
  return header;
}

/**
 * Decodes a chunk made by {@link encodeStatsChunk} (of this or any earlier codec version). Throws an Error naming the
 * problem for an empty buffer, an unknown version or corrupt data. Every decoded value is a fresh object.
 */
export function decodeStatsChunk(data: Uint8Array): StatsSample[] {
  let samples: StatsSample[] = [];
  let objs: (StatsObject | undefined)[] = [];
  walkChunk(
    data,
    (id, rows) => {
      objs = [];
      for (const row of rows) {
        const obj: StatsObject = {};
        setOwn(samples[row].report, id, obj);
        objs[row] = obj;
      }
    },
    (key, rows, values) => {
      for (let j = 0; j < rows.length; j++) setOwn(objs[rows[j]]!, key, values[j]);
    },
    (header) => {
      samples = new Array(header.n);
      for (let i = 0; i < header.n; i++) {
        samples[i] = { index: header.index[i], t: header.t[i], report: {} };
        if (header.cost[i]) samples[i].cost = header.cost[i];
      }
    },
  );
  return samples;
}

/**
 * Decodes a chunk straight into columns: appends its samples to `columns` exactly as
 * `appendSamples(columns, decodeStatsChunk(data))` would (tests hold it to that), without building a report object
 * per sample. Returns the sample indexes appended, in order. {@link appendStatsChunks} with one chunk.
 */
export function appendStatsChunk(columns: StatsColumns, data: Uint8Array): number[] {
  return appendStatsChunks(columns, [data])[0];
}

/**
 * Several chunks, in order, straight into columns: the same columns as `appendSamples` with each chunk's samples in
 * turn (tests hold it to that), but each column new in this call is built once at the end from the chunks' own value
 * arrays (one native copy) instead of one push per value, which was a fifth of opening an hour of stats. Columns
 * that already held rows are grown in place. Returns each chunk's sample indexes.
 */
export function appendStatsChunks(columns: StatsColumns, chunks: readonly Uint8Array[]): number[][] {
  type Column = (Json | null)[];
  /** A column's rows from this call: runs of values to append, and its length once they are. */
  interface Growing {
    parts: Column[];
    length: number;
    /** Created in this call: replaced by the joined parts (nobody holds it yet). */
    fresh: boolean;
  }
  const growing = new Map<Column, Growing>();
  const grow = (column: Column, fresh: boolean): Growing => {
    let g = growing.get(column);
    if (g === undefined) growing.set(column, (g = { parts: [], length: column.length, fresh }));
    return g;
  };
  const pad = (g: Growing, to: number): void => {
    if (g.length < to) {
      g.parts.push(new Array<Json | null>(to - g.length).fill(null));
      g.length = to;
    }
  };
  let total = columns.t.length;
  const indexes: number[][] = [];
  for (const data of chunks) {
    const base = total;
    let entry: StatsColumns['objects'][string] | undefined;
    let firstRow = 0;
    const created: StatsColumns['objects'][string][] = [];
    const header = walkChunk(
      data,
      (id, rows) => {
        firstRow = rows[0];
        entry = hasOwn.call(columns.objects, id) ? columns.objects[id] : undefined;
        if (entry === undefined) {
          entry = { type: '\u0000', fields: {} }; // not known yet: set from the first `type` value below
          setOwn(columns.objects, id, entry);
          created.push(entry);
        }
      },
      (key, rows, values) => {
        const fields = entry!.fields;
        let column = hasOwn.call(fields, key) ? fields[key] : undefined;
        let g: Growing;
        if (column === undefined) {
          column = [];
          setOwn(fields, key, column);
          g = grow(column, true);
        } else g = grow(column, false);
        pad(g, base);
        if (rows.length === total - base) {
          g.parts.push(values); // a fresh array of this chunk's values: kept as it is
        } else {
          const run = new Array<Json | null>(total - base).fill(null);
          for (let j = 0; j < rows.length; j++) run[rows[j]] = values[j];
          g.parts.push(run);
        }
        g.length = total;
        if (key === 'type' && entry!.type === '\u0000') {
          // Like appendSamples: the type of the object's first appearance, '' when that sample had none.
          const first = values[0];
          entry!.type = rows[0] === firstRow && typeof first === 'string' ? first : '';
        }
      },
      (h) => {
        total = base + h.n;
        for (let i = 0; i < h.n; i++) {
          columns.t.push(h.t[i]);
          columns.cost.getStatsMs.push(h.cost[i]?.getStatsMs ?? null);
          columns.cost.hookMs.push(h.cost[i]?.hookMs ?? null);
        }
      },
    );
    // Objects first seen in this chunk without a `type` field.
    for (const object of created) if (object.type === '\u0000') object.type = '';
    indexes.push(header.index);
  }
  // Every column to the last row: the new ones joined at once, the others appended to.
  for (const id in columns.objects) {
    const fields = columns.objects[id].fields;
    for (const key in fields) {
      const column = fields[key];
      const g = growing.get(column) ?? grow(column, false);
      pad(g, total);
      if (g.parts.length === 0) continue;
      if (g.fresh) {
        let joined: Column = g.parts.length === 1 ? g.parts[0] : [];
        // concat with the runs as arguments, a bounded number at a time.
        if (g.parts.length > 1) for (let i = 0; i < g.parts.length; i += 4096) joined = joined.concat(...g.parts.slice(i, i + 4096));
        setOwn(fields, key, joined);
      } else {
        for (const part of g.parts) for (let j = 0; j < part.length; j++) column.push(part[j]);
      }
    }
  }
  return indexes;
}
