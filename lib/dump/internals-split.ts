/**
 * A webrtc-internals dump read one peer connection at a time, straight from its bytes: the top-level object's
 * members are located by a structural scan (strings skipped with `indexOf`, so a 100 MB dump costs tens of ms),
 * the small members are parsed at once, and each PC's text is decoded and parsed only when the importer reaches it
 * and dropped after. The whole text and the whole parsed document never exist together with the file's bytes: that
 * was the peak memory of an import (bytes + text + document ≈ 3× the file before a single column was built).
 *
 * This is only a faster equivalent of decoding the whole file and `JSON.parse`-ing it: anything it does not
 * handle exactly the same way (a duplicate key, invalid UTF-8, a value that does not parse, nesting deeper than the
 * limit, anything but whitespace around the object) makes it give up, and the caller takes the whole-text path,
 * which then reports the problem exactly as before.
 */
import type { Json, JsonObject } from '../protocol/json';
import { detachBuffer } from './bundle-util';
import { MAX_DOCUMENT_DEPTH, parseJson, setOwnKey } from './safe-json';

/** Thrown by {@link SplitInternals.readPc} when a PC's piece does not decode or parse: redo the file whole. */
export class SplitFallback extends Error {
  override readonly name = 'SplitFallback';
}

export interface SplitInternals {
  /** The document with every top-level member parsed, except `PeerConnections`, whose members are all null. */
  document: JsonObject;
  /**
   * The PC `key`'s value (each call decodes and parses its bytes again). When it is an object with a `stats`
   * object, that one's members are null too and `readSeries(key)` parses each: the caller must read every one of
   * them (each piece of the file is checked by being parsed). Throws {@link SplitFallback}.
   */
  readPc(key: string): SplitPc;
}

export interface SplitPc {
  value: Json;
  /** Parses the series `key` of the PC's `stats` (see readPc). Throws {@link SplitFallback}. */
  readSeries?: (key: string) => Json;
  /**
   * The caller is done with this PC: with {@link SplitOptions.takeBuffer}, its bytes are freed now (it cannot be
   * read again); otherwise nothing happens.
   */
  release(): void;
}

export interface SplitOptions {
  /**
   * The split may take `data`'s buffer (the caller owns it and reads nothing through it after): each PC's bytes are
   * copied out of it in the scan, the buffer is detached, and each PC's copy is detached when the importer releases
   * that PC. Detaching frees an ArrayBuffer's memory at once; a buffer merely dropped stays resident until the next
   * major GC, and during a large import the file's bytes (1×) and its garbage peaked together at ~3× the file.
   */
  takeBuffer?: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Bytes looked at one by one before {@link nextQuote} asks `indexOf` (a call into the engine costs about as much). */
const NEAR = 48;

/** Index of the next `"` at or after `from`, or -1. */
function nextQuote(data: Uint8Array, from: number): number {
  const near = Math.min(data.length, from + NEAR);
  for (let j = from; j < near; j++) if (data[j] === QUOTE) return j;
  return near < data.length ? data.indexOf(QUOTE, near) : -1;
}

/** Index after the closing quote of the string whose opening quote is at `at`, or -1. */
function stringEnd(data: Uint8Array, at: number): number {
  let j = at + 1;
  for (;;) {
    // Escaped quotes come every few bytes in string-valued series: the next one is usually near.
    j = nextQuote(data, j);
    if (j < 0) return -1;
    let backslashes = 0;
    for (let k = j - 1; data[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j + 1;
    j++;
  }
}

/** Index after the JSON value starting at `at` (structure only: its content is checked when it is parsed), or -1. */
function valueEnd(data: Uint8Array, at: number): number {
  const first = data[at];
  if (first === QUOTE) return stringEnd(data, at);
  if (first !== 0x7b && first !== 0x5b) {
    // A number or literal: up to the next separator.
    let j = at;
    while (j < data.length) {
      const c = data[j];
      if (c === 0x2c || c === 0x7d || c === 0x5d || isSpace(c)) break;
      j++;
    }
    return j > at ? j : -1;
  }
  let depth = 0;
  let j = at;
  while (j < data.length) {
    const c = data[j];
    if (c === QUOTE) {
      j = stringEnd(data, j);
      if (j < 0) return -1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return -1;
}

function skipSpace(data: Uint8Array, at: number): number {
  while (at < data.length && isSpace(data[at])) at++;
  return at;
}

interface Member {
  key: string;
  start: number;
  end: number;
  /** The member's own members, when {@link members}' `nest` split its value. */
  inner?: Member[];
}

/** Which members' values {@link members} splits too: `key` (or every member for '*'), and inside them `nest`. */
interface Nest {
  key: string;
  /**
   * When the value of a member does not split (not a plain object, a duplicate key…): false gives up on the whole
   * object (null), true keeps the member unsplit.
   */
  soft: boolean;
  nest: Nest | null;
}

/** The document's top level: PeerConnections, each PC (if it splits), each PC's stats. */
const DOCUMENT_NEST: Nest = { key: 'PeerConnections', soft: false, nest: { key: '*', soft: true, nest: { key: 'stats', soft: false, nest: null } } };

/**
 * The members of the object at `at` as [key, start, end) ranges, and the index after it; null if not an object.
 * The values `nest` names, when objects, are split too in the same pass (no byte is scanned twice).
 */
function members(data: Uint8Array, at: number, nest: Nest | null = null): { list: Member[]; end: number } | null {
  if (data[at] !== 0x7b) return null;
  const list: Member[] = [];
  const seen = new Set<string>();
  let j = skipSpace(data, at + 1);
  if (data[j] === 0x7d) return { list, end: j + 1 };
  for (;;) {
    if (data[j] !== QUOTE) return null;
    const keyEnd = stringEnd(data, j);
    if (keyEnd < 0) return null;
    let key: Json;
    try {
      key = JSON.parse(fatalUtf8.decode(data.subarray(j, keyEnd))) as Json;
    } catch {
      return null;
    }
    if (typeof key !== 'string' || seen.has(key)) return null;
    seen.add(key);
    j = skipSpace(data, keyEnd);
    if (data[j] !== 0x3a) return null;
    const start = skipSpace(data, j + 1);
    let end: number;
    const nested = nest !== null && (nest.key === '*' || nest.key === key) && data[start] === 0x7b ? members(data, start, nest.nest) : undefined;
    if (nested === null && !(nest?.soft ?? false)) return null;
    if (nested) {
      end = nested.end;
      list.push({ key, start, end, inner: nested.list });
    } else {
      end = valueEnd(data, start);
      if (end < 0) return null;
      list.push({ key, start, end });
    }
    j = skipSpace(data, end);
    if (data[j] === 0x2c) {
      j = skipSpace(data, j + 1);
      continue;
    }
    if (data[j] === 0x7d) return { list, end: j + 1 };
    return null;
  }
}

/** Decodes and parses bytes [start, end) with the depth left at that level; null when anything fails. */
function parsePiece(data: Uint8Array, start: number, end: number, maxDepth: number): { value: Json } | null {
  let text: string;
  try {
    text = fatalUtf8.decode(data.subarray(start, end));
  } catch {
    return null;
  }
  const parsed = parseJson(text, maxDepth);
  return parsed.ok ? { value: parsed.value } : null;
}

/**
 * Splits `data` (a whole file, after inflation) when it is one JSON object with a `PeerConnections` object member;
 * null when it is not, or when anything would not come out exactly as `JSON.parse` of the decoded text.
 */
export function splitInternalsDump(data: Uint8Array, options: SplitOptions = {}): SplitInternals | null {
  let at = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  at = skipSpace(data, at);
  const top = members(data, at, DOCUMENT_NEST);
  if (top === null || skipSpace(data, top.end) !== data.length) return null;
  const pcs = top.list.find((m) => m.key === 'PeerConnections')?.inner;
  if (pcs === undefined) return null;
  const document: JsonObject = {};
  // Depth as the whole document counts it: the document is level 1, its members 2, the PCs 3.
  for (const { key, start, end } of top.list) {
    if (key === 'PeerConnections') {
      const placeholders: JsonObject = {};
      for (const pc of pcs) setOwnKey(placeholders, pc.key, null);
      setOwnKey(document, key, placeholders);
      continue;
    }
    const piece = parsePiece(data, start, end, MAX_DOCUMENT_DEPTH - 1);
    if (piece === null) return null;
    setOwnKey(document, key, piece.value);
  }
  const ranges = new Map(pcs.map((pc) => [pc.key, pc]));
  // Taken: each PC's bytes in a buffer of its own (`base`: where it starts in the file), the file's buffer gone.
  const own = options.takeBuffer ? new Map(pcs.map((pc) => [pc.key, data.slice(pc.start, pc.end)])) : null;
  if (own) detachBuffer(data.buffer);
  return {
    document,
    readPc(key) {
      const range = ranges.get(key);
      if (range === undefined) throw new SplitFallback(`no peer connection ${key}`);
      const bytes = own ? own.get(key) : data;
      if (bytes === undefined) throw new SplitFallback(`peer connection ${key} was released`);
      const base = own ? range.start : 0;
      const fail = () => new SplitFallback(`peer connection ${key} does not parse on its own`);
      const release = () => {
        if (!own?.has(key)) return;
        own.delete(key);
        detachBuffer(bytes.buffer);
      };
      // Split in the document's scan when it is an object (with its stats object's members).
      const pcMembers = range.inner;
      const series = pcMembers?.find((m) => m.key === 'stats')?.inner;
      if (pcMembers === undefined || series === undefined) {
        // Not an object with a stats object: the PC in one piece.
        const piece = parsePiece(bytes, range.start - base, range.end - base, MAX_DOCUMENT_DEPTH - 2);
        if (piece === null) throw fail();
        return { value: piece.value, release };
      }
      // The PC is level 3, its members 4, the series 5.
      const pc: JsonObject = {};
      for (const member of pcMembers) {
        if (member.key === 'stats') {
          const placeholders: JsonObject = {};
          for (const s of series) setOwnKey(placeholders, s.key, null);
          setOwnKey(pc, member.key, placeholders);
          continue;
        }
        const piece = parsePiece(bytes, member.start - base, member.end - base, MAX_DOCUMENT_DEPTH - 3);
        if (piece === null) throw fail();
        setOwnKey(pc, member.key, piece.value);
      }
      const seriesRanges = new Map(series.map((s) => [s.key, s]));
      return {
        value: pc,
        readSeries(seriesKey) {
          const at = seriesRanges.get(seriesKey);
          const piece = at ? parsePiece(bytes, at.start - base, at.end - base, MAX_DOCUMENT_DEPTH - 4) : null;
          if (piece === null) throw fail();
          return piece.value;
        },
        release,
      };
    },
  };
}
