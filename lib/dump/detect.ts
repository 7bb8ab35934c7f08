/**
 * Which dump format a file holds, from its content only (names and MIME types lie: Chrome saves gzip dumps as
 * `octet/stream`). Order and rules follow shared/docs/formats.md §0: gzip magic → inflate; UTF-16 → UTF-8
 * (text-encoding.ts); BOM stripped; our own format's first member; the `RTCStatsDump` line; a JSON object with
 * `PeerConnections`; JSON array lines; an about:webrtc HTML fragment.
 */
import { gunzipBounded, InflateError, isGzip } from './bundle-util';
import { DumpError, type DumpFormat } from './session-bundle';
import { firstCharCode } from './lines';
import { isJsonObject, parseJson } from './safe-json';
import type { Json, JsonObject } from '../protocol/json';
import { splitInternalsDump, type SplitPc } from './internals-split';
import { looksLikeFirefoxReport } from './import-firefox-report';
import { utf16ByteOrder } from './text-encoding';

/** Default cap on the inflated size: V8 strings end near 512 MiB, and no real dump comes close. */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

/** The decoded text of a dump and what it looks like. */
export interface DetectedDump {
  format: DumpFormat;
  /** The content as text: inflated, decoded, BOM removed. */
  text: string;
  /**
   * webrtc-internals: the parsed document (parsed once, during detection). When `readPc` is set, the document's
   * `PeerConnections` members are null placeholders and `readPc(key)` parses each when needed (`text` is then '').
   */
  document?: JsonObject;
  /** See `document`; throws SplitFallback when a PC does not parse alone: detect again with `split: false`. */
  readPc?: (key: string) => SplitPc;
  /**
   * Set when the gzip stream ends early and `cutShort` allowed reading what it held (a line-based format only):
   * what was read and why the rest is missing, for the import's list of problems.
   */
  cutShort?: { where: string; reason: string };
}

/** Formats whose records are lines: a file cut short still holds every line before the cut, whole. */
const LINE_FORMATS: ReadonlySet<DumpFormat | 'unknown'> = new Set(['rtcstats-v3', 'rtcstats-legacy']);

/**
 * Inflates (gzip), decodes and classifies `bytes`. Throws DumpError when the content is empty, compressed in a
 * way we do not read, or matches no format; also when it clearly is a format but cannot be parsed at all (a
 * truncated webrtc-internals JSON).
 */
export function detectDump(fileName: string, bytes: Uint8Array, maxInflatedBytes = MAX_INFLATED_BYTES, options: { split?: boolean; cutShort?: boolean } = {}): DetectedDump {
  const fail = (format: DumpFormat | 'unknown', where: string, reason: string) => new DumpError(fileName, format, where, reason);
  if (bytes.length === 0) throw fail('unknown', 'byte 0', 'the file is empty');
  let data = bytes;
  /**
   * `data` is a buffer this detection made in JavaScript (inflated by fflate): the split may take it and free it as
   * it goes. Not the caller's `bytes`, and not TextEncoder's output: the engine frees a detached buffer at once
   * only when it allocated it itself (a browser-made one waits for a GC; the copies would then only add).
   */
  let madeHere = false;
  let cutShort: DetectedDump['cutShort'];
  if (isGzip(bytes)) {
    try {
      data = gunzipBounded(bytes, maxInflatedBytes);
      madeHere = true;
    } catch (error) {
      const reason = error instanceof InflateError ? error.message : 'invalid gzip data';
      // Cut short: say what the content it holds looked like ("not a dump format" would be wrong).
      const partial = error instanceof InflateError ? error.cutShortOutput : undefined;
      const inflated = partial ?? (error instanceof InflateError ? error.damagedOutput : undefined);
      const format = inflated ? formatOfPartial(fileName, inflated, maxInflatedBytes) : 'unknown';
      // A file of lines (rtcstats) cut short still holds every line before the cut: when asked to (a partial
      // import), read those, without the line the cut fell in.
      const lastLineEnd = partial && options.cutShort && LINE_FORMATS.has(format) ? partial.lastIndexOf(0x0a) : -1;
      if (partial === undefined || lastLineEnd <= 0) throw fail(format, 'gzip stream', reason);
      data = partial.subarray(0, lastLineEnd + 1);
      madeHere = true;
      const dropped = partial.length - data.length;
      cutShort = {
        where: 'gzip stream',
        reason: `${reason}: read up to its last whole line${dropped > 0 ? `; the ${dropped} bytes of the line the cut fell in were left out` : ''}`,
      };
    }
    if (data.length === 0) throw fail('unknown', 'gzip stream', 'inflates to nothing');
  } else {
    const compressed = otherCompression(bytes);
    if (compressed) throw fail('unknown', 'byte 0', `${compressed}; decompress it first (only gzip is read)`);
  }
  const byteOrder = utf16ByteOrder(data);
  if (byteOrder !== null) {
    // Re-encoded as UTF-8, the file goes the way of any other: the webrtc-internals split below reads UTF-8 bytes.
    // Broken code units decode as U+FFFD, as broken UTF-8 does (decodeText).
    data = new TextEncoder().encode(new TextDecoder(byteOrder).decode(data));
    madeHere = false;
  }
  if (options.split !== false) {
    // A webrtc-internals dump is read PC by PC from its bytes (internals-split.ts): never the whole text and the
    // whole document at once. The head decides as below: not our own format, and a JSON object.
    const head = decodeText(data.subarray(0, 4096)).replace(/^\uFEFF/, '').trimStart();
    if (head.startsWith('{') && !/^\{\s*"format"\s*:\s*"webrtc-scope"/.test(head)) {
      const split = splitInternalsDump(data, { takeBuffer: madeHere });
      if (split !== null) return { format: 'webrtc-internals', text: '', document: split.document, readPc: split.readPc };
    }
  }
  const text = decodeText(data);
  // An inflated copy is not needed once decoded (a large dump must not keep it through the parse).
  data = bytes;
  let start = 0;
  if (text.charCodeAt(0) === 0xfeff) start = 1;
  const first = firstCharCode(text, start, Math.min(text.length, start + 4096));
  const body = start === 0 ? text : text.slice(start);
  const head = body.slice(0, 4096).trimStart();

  // HOOK(webrtc-scope): our own format (lib/dump/format-scope.ts) is one JSON document whose first member is
  // `"format":"webrtc-scope"` (the same test as its `looksLikeScopeDump`). importDump hands such files to its reader.
  if (/^\{\s*"format"\s*:\s*"webrtc-scope"/.test(head)) return { format: 'webrtc-scope', text: body };

  // RTCStatsDump: the 13-byte line `RTCStatsDump\n` (CRLF tolerated), formats.md §3.1.
  if (/^RTCStatsDump\r?(\n|$)/.test(body)) return { format: 'rtcstats-v3', text: body, cutShort };

  if (first === 0x7b /* { */) {
    const parsed = parseJson(body);
    if (parsed.ok && isJsonObject(parsed.value)) {
      const doc = parsed.value;
      const has = (key: string) => Object.prototype.hasOwnProperty.call(doc, key);
      if (has('PeerConnections') || has('getUserMedia')) return { format: 'webrtc-internals', text: body, document: doc };
      // HOOK(firefox-report): about:webrtc's "Copy Report" / "Copy Report History" JSON (import-firefox-report.ts).
      if (looksLikeFirefoxReport(doc)) return { format: 'firefox-about-webrtc', text: '', document: doc };
      if (has('pcid') || has('sdpHistories') || Object.keys(doc).some((k) => k.endsWith('RtpStreamStats'))) {
        throw fail('firefox-about-webrtc', 'document', 'looks like Firefox\'s about:webrtc report JSON, but has neither a "pcid" with an "sdpHistory" or stats arrays, nor "reports" with "sdpHistories"');
      }
      throw fail('unknown', 'document', 'a JSON object, but neither a webrtc-internals dump (no "PeerConnections") nor a WebRTC Scope export');
    }
    // A fippo/rtcstats-server file: a header object on line 1, then array lines (formats.md §2.1).
    const lineEnd = body.indexOf('\n');
    if (lineEnd !== -1) {
      const firstLine = parseJson(body, 64, 0, lineEnd);
      if (firstLine.ok && isJsonObject(firstLine.value) && firstCharCode(body, lineEnd + 1, Math.min(body.length, lineEnd + 4096)) === 0x5b) {
        return { format: 'rtcstats-legacy', text: body, cutShort };
      }
    }
    const reason = parsed.ok ? 'the JSON is not an object' : parsed.reason;
    const where = jsonErrorWhere(body, reason);
    if (/"(PeerConnections|getUserMedia|UserAgent)"/.test(body.slice(0, 65536)) || /^\{\s*\n/.test(body)) {
      throw fail('webrtc-internals', where, jsonErrorReason(body, reason));
    }
    throw fail('unknown', where, jsonErrorReason(body, reason));
  }
  if (first === 0x5b /* [ */) return { format: 'rtcstats-legacy', text: body, cutShort };
  if (first === 0x3c /* < */) {
    if (/about-webrtc|aboutwebrtc|peer-connection/i.test(body.slice(0, 65536)) || /about-webrtc-/.test(body)) {
      return { format: 'firefox-about-webrtc', text: body };
    }
    throw fail('unknown', 'document', 'HTML, but not a page saved from about:webrtc');
  }
  if (first === -1) throw fail('unknown', 'byte 0', 'the file holds only whitespace');
  // Valid JSON of another kind ("hello", 42, true, null): say so, not that it is no JSON.
  const other = parseJson(body, 64);
  if (other.ok) {
    const kind = other.value === null ? 'null' : typeof other.value === 'string' ? 'a string' : typeof other.value === 'number' ? 'a number' : 'a boolean';
    throw fail('unknown', 'document', `valid JSON, but ${kind}: a dump is a JSON object (webrtc-internals, WebRTC Scope), rtcstats lines or about:webrtc HTML`);
  }
  // WebRTC Scope's own CSV export (export-csv.ts): a table of chosen series, not a session.
  if (/^(time|time_ms)(,|\r?\n)/.test(head)) {
    throw fail('unknown', 'line 1', 'a CSV table of stats series (as WebRTC Scope exports them), which holds no session to import: import the session from a dump file (webrtc-scope, webrtc-internals or rtcstats) instead');
  }
  throw fail('unknown', 'byte 0', 'neither JSON, rtcstats lines nor about:webrtc HTML');
}

/**
 * UTF-8 text; a file that is not valid UTF-8 is read as windows-1252 (the about:webrtc sample was saved in a
 * legacy encoding). JSON formats with a few broken bytes still decode (as U+FFFD) rather than switch encoding.
 */
function decodeText(data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    const head = String.fromCharCode(...data.subarray(0, Math.min(64, data.length))).trimStart();
    if (head.startsWith('<')) {
      try {
        return new TextDecoder('windows-1252').decode(data);
      } catch {
        /* fall through to lenient UTF-8 */
      }
    }
    return new TextDecoder('utf-8').decode(data);
  }
}

/** Other compressed or archive formats, by magic bytes (formats.md §0: refuse with a clear message). */
function otherCompression(bytes: Uint8Array): string | null {
  const b = (i: number) => (i < bytes.length ? bytes[i] : -1);
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'the file is bzip2-compressed';
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return 'the file is a zip archive';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'the file is zstd-compressed';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58) return 'the file is xz-compressed';
  return null;
}

/**
 * A JSON.parse error's reason without the position the engine puts in it (the `where` of the error says it as line
 * and column), and said plainly when the text stops in the middle of a value: a file cut short.
 */
function jsonErrorReason(text: string, reason: string): string {
  const m = /position (\d+)/.exec(reason);
  if ((m && Number(m[1]) >= text.trimEnd().length) || (!m && /end of (JSON|data)|Unterminated/i.test(reason))) {
    return 'the file ends in the middle of a value (cut short?)';
  }
  return reason.replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, '').replace(/ at position \d+( \(line \d+ column \d+\))?/, '');
}

/** `line L, column C` of a JSON.parse error that names a position; else `document`. */
function jsonErrorWhere(text: string, reason: string): string {
  const m = /position (\d+)/.exec(reason);
  // "Expected …" (V8) is an end; "Unexpected token …" (V8 names no position for it) is not.
  if (!m) return /end of (JSON|data)|Unterminated/i.test(reason) || /\bExpected/.test(reason) ? `end of document (character ${text.length})` : 'document';
  const pos = Math.min(Number(m[1]), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}

/** The format the content of a cut-short gzip file looks like ('unknown' when it matches none). */
function formatOfPartial(fileName: string, content: Uint8Array, maxInflatedBytes: number): DumpFormat | 'unknown' {
  try {
    return detectDump(fileName, content, maxInflatedBytes, { split: false }).format;
  } catch (error) {
    return error instanceof DumpError ? error.format : 'unknown';
  }
}
