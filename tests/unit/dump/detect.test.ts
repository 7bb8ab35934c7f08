/**
 * Format detection from content, and every class of bad input: each must end in a DumpError that names the file,
 * the format the content looked like, where and why (or, for a partly valid file with allowPartial, in the valid
 * part plus its problems). Cancellation is an AbortError, never a DumpError.
 */
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { detectDump } from '../../../lib/dump/detect';
import { importDump } from '../../../lib/dump/import-dump';
import { DumpError } from '../../../lib/dump/session-bundle';
import { bytes, gz, internalsDump, legacyLines, v3Lines } from '../../fixtures/dumps/dump-fixtures';
import { pcSamples, pcSampleCount } from '../../../lib/dump/bundle-stats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CORPUS_DIR } from '../model/corpus';

const T0 = 1_700_000_000_000;
const LEGACY = legacyLines([
  ['create', 'PC_0', {}, T0],
  ['onsignalingstatechange', 'PC_0', 'have-local-offer', T0 + 1],
  ['getstats', 'PC_0', { A: { timestamp: T0 + 2, type: 'peer-connection' }, timestamp: T0 + 2 }, T0 + 2],
]);
const INTERNALS = internalsDump({ '1-1': { updateLog: [{ type: 'onsignalingstatechange', value: '"stable"', timestamp: T0 }] } });

function dumpError(fn: () => unknown): DumpError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DumpError);
    return error as DumpError;
  }
  throw new Error('expected a DumpError');
}

describe('format detection (content, not name)', () => {
  it.each([
    ['internals JSON', bytes(INTERNALS), 'webrtc-internals'],
    ['internals gzip', gz(INTERNALS), 'webrtc-internals'],
    ['internals with BOM', bytes(`\uFEFF${INTERNALS}`), 'webrtc-internals'],
    ['legacy lines', bytes(LEGACY), 'rtcstats-legacy'],
    ['legacy gzip', gz(LEGACY), 'rtcstats-legacy'],
    ['v3', bytes(v3Lines({}, [['create', 'PC_0', {}, T0]])), 'rtcstats-v3'],
    ['about:webrtc', bytes('<div id="content"><h3 data-l10n-id="about-webrtc-peerconnections-section-heading">x</h3></div>'), 'firefox-about-webrtc'],
    ['our own format', bytes('{ "format" : "webrtc-scope", "version": 1}'), 'webrtc-scope'],
  ])('%s', (_name, content, format) => {
    expect(detectDump('file.bin', content).format).toBe(format);
  });

  it('ignores the file name', () => {
    expect(importDump('webrtc_internals_dump.txt', bytes(LEGACY)).format).toBe('rtcstats-legacy');
  });

  it('hands our own format to its reader (which reports its own errors)', () => {
    const e = dumpError(() => importDump('x.webrtc-scope.json.gz', gz('{"format":"webrtc-scope","version":99}')));
    expect(e.format).toBe('webrtc-scope');
  });
});

describe('bad input', () => {
  it.each([
    ['empty', new Uint8Array(0), 'unknown', 'byte 0', /empty/],
    ['whitespace', bytes('  \n\t '), 'unknown', 'byte 0', /only whitespace/],
    ['binary', new Uint8Array([0, 1, 2, 3, 255]), 'unknown', 'byte 0', /neither JSON/],
    ['bzip2', bytes('BZh91AY&SY'), 'unknown', 'byte 0', /bzip2/],
    ['zip', new Uint8Array([0x50, 0x4b, 3, 4, 0]), 'unknown', 'byte 0', /zip archive/],
    ['broken gzip', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), 'unknown', 'gzip stream', /gzip/],
    ['empty gzip', gzipSync(new Uint8Array(0)), 'unknown', 'gzip stream', /nothing/],
    ['plain text', bytes('hello world'), 'unknown', 'byte 0', /neither JSON/],
    // Our own CSV export (both time columns, or one): a table, not a session.
    ['a CSV export', bytes('time,time_ms,OT01-bytesSent\n2026-11-23T20:00:00.000Z,1763928000000,1200\n'), 'unknown', 'line 1', /^a CSV table of stats series .* holds no session to import/],
    ['a CSV export (ms only)', bytes('time_ms,OT01-bytesSent\r\n1763928000000,1200\r\n'), 'unknown', 'line 1', /^a CSV table/],
    ['other JSON object', bytes('{"a": 1}'), 'unknown', 'document', /neither a webrtc-internals dump/],
    ['a JSON string', bytes('"hello"'), 'unknown', 'document', /^valid JSON, but a string: a dump is a JSON object/],
    ['a JSON number', bytes(' 42\n'), 'unknown', 'document', /^valid JSON, but a number/],
    ['JSON null', bytes('null'), 'unknown', 'document', /^valid JSON, but null/],
    ['Firefox Copy Report without its time', bytes('{"pcid": "x", "inboundRtpStreamStats": []}'), 'firefox-about-webrtc', 'report.timestamp', /^report time is not a number$/],
    ['Firefox report JSON without reports', bytes('{"pcid": "x"}'), 'firefox-about-webrtc', 'document', /about:webrtc report JSON, but has neither/],
    ['other HTML', bytes('<!doctype html><p>hi'), 'unknown', 'document', /not a page saved from about:webrtc/],
  ])('%s → DumpError', (_name, content, format, where, reason) => {
    const e = dumpError(() => importDump('input.bin', content));
    expect(e.fileName).toBe('input.bin');
    expect(e.format).toBe(format);
    expect(e.where).toBe(where);
    expect(e.reason).toMatch(reason);
    expect(e.message.startsWith('input.bin: ')).toBe(true);
  });

  it('a truncated webrtc-internals dump names the format and the place', () => {
    const e = dumpError(() => importDump('dump.txt', bytes(INTERNALS.slice(0, INTERNALS.length - 40))));
    expect(e.format).toBe('webrtc-internals');
    // Said plainly, without the engine's position (the where says it once).
    expect(e.reason).toBe('the file ends in the middle of a value (cut short?)');
    // A syntax error inside the file keeps the engine's words, without its position.
    const broken = INTERNALS.replace('"PeerConnections"', '"PeerConnections" x');
    const inside = dumpError(() => importDump('dump.txt', bytes(broken)));
    expect(inside.reason).toMatch(/^not valid JSON \(/);
    expect(inside.reason).not.toMatch(/position \d+/);
    // V8 gives no position for an unexpected token: the whole document, not its end (which "Unexpected" had matched).
    expect(inside.where).toMatch(/^(line \d+, column \d+|document)$/);
    expect(e.where).toMatch(/line \d+, column \d+|end of document/);
  });

  it('a truncated gzip file is a DumpError that says it is cut short, and what it looked like', () => {
    const full = gz(INTERNALS);
    const e = dumpError(() => importDump('dump.gz', full.subarray(0, full.length >> 1)));
    expect(e.where).toBe('gzip stream');
    // Not "not a dump format": the content that came out before the cut is a webrtc-internals dump's.
    expect(e.format).toBe('webrtc-internals');
    expect(e.reason).toMatch(/^the compressed data ends early, after \d+ bytes of content \(the file is cut short\)$/);
    expect(e.message).toMatch(/^dump\.gz: looks like a webrtc-internals dump; at gzip stream: the compressed data ends early/);
    // The real corpus rtcstats-v3 file cut at 30 KB (as a stopped download), read as lines.
    const v3 = new Uint8Array(readFileSync(resolve(CORPUS_DIR, 'dumps/rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz')));
    const cut = dumpError(() => importDump('cut.jsonl.gz', v3.subarray(0, 30_000)));
    expect([cut.format, cut.where]).toEqual(['rtcstats-v3', 'gzip stream']);
  });

  it('caps what a gzip stream may inflate to (a bomb, or an absurd size claim)', () => {
    const bomb = gzipSync(new Uint8Array(2_000_000));
    expect(() => detectDump('bomb.gz', bomb, 100_000)).toThrow(/inflates to more than 100000 bytes/);
  });

  it('refuses deep nesting without overflowing the stack', () => {
    const deep = `{"PeerConnections": {}, "x": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const e = dumpError(() => importDump('deep.json', bytes(deep)));
    expect(e.format).toBe('webrtc-internals');
    expect(e.reason).toMatch(/nested deeper than 64/);
    const deepLine = `${LEGACY}\n["onicecandidate","PC_0",${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)},${T0 + 9}]`;
    const r = importDump('deep.log', bytes(deepLine), { allowPartial: true });
    expect(r.problems).toEqual([{ where: 'line 4', reason: expect.stringMatching(/nested deeper than 64/) }]);
    // Moderately deep values are refused for records (the relay's own limit), also as a problem.
    const midLine = `${LEGACY}\n["onicecandidate","PC_0",${'{"a":'.repeat(30)}1${'}'.repeat(30)},${T0 + 9}]`;
    expect(importDump('mid.log', bytes(midLine), { allowPartial: true }).problems[0].reason).toMatch(/nested deeper than 20/);
  });

  it('never lets __proto__ or constructor keys reach prototypes', () => {
    const hostile = [
      '{"PeerConnections": {"__proto__": {"updateLog": [{"type": "onsignalingstatechange", "value": "\\"stable\\"", "timestamp": 1}], "stats": {}},',
      ' "constructor": {"updateLog": [{"type": "createOffer", "value": "{\\"__proto__\\": {\\"polluted\\": 1}}", "timestamp": 2}],',
      '   "stats": {"__proto__-x": {"values": "[1]", "startTime": "2020-01-01T00:00:00Z", "endTime": "2020-01-01T00:00:00Z"},',
      '             "constructor-timestamp": {"values": "[5]", "startTime": "1970-01-01T00:00:00.005Z", "endTime": "1970-01-01T00:00:00.005Z"},',
      '             "constructor-toString": {"values": "[\\"x\\"]", "startTime": "1970-01-01T00:00:00.005Z", "endTime": "1970-01-01T00:00:00.005Z"}}}},',
      ' "getUserMedia": [{"__proto__": {"polluted": 2}, "request_type": "getUserMedia", "audio": "{\\"__proto__\\": {\\"polluted\\": 3}}", "timestamp": 3}]}',
    ].join('\n');
    const r = importDump('hostile.json', bytes(hostile), { allowPartial: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(r.problems.map((p) => p.reason).join('\n')).toMatch(/__proto__/);
    const b = r.bundles[0];
    expect(b.pcs).toHaveLength(2);
    const report = pcSamples(b, b.pcs.find((p) => pcSampleCount(b, p.pcId) > 0)!.pcId)[0].report;
    expect(Object.getPrototypeOf(report)).toBe(Object.prototype);
    expect(Object.keys(report)).toEqual(['constructor']);
    expect(report.constructor).toMatchObject({ timestamp: 5, toString: 'x' });
    // Without allowPartial the first problem is thrown, with the count of the others.
    const e = dumpError(() => importDump('hostile.json', bytes(hostile)));
    expect(e.reason).toMatch(/more problem/);
  });

  it('keeps HTML in strings as plain text', () => {
    const url = 'https://x.test/<img src=x onerror=alert(1)>&amp;';
    const r = importDump('x.json', bytes(internalsDump({ '1-1': { url, updateLog: [{ type: 'close', value: '', timestamp: T0 }] } })));
    expect(r.bundles[0].pcs[0].frameUrl).toBe(url);
  });

  it('half-valid: throws the first problem and the count, or returns the valid part with allowPartial', () => {
    const text = [LEGACY, 'not json', '["onicecandidate","PC_0",null,"yesterday"]', '{"an": "object"}', '["onconnectionstatechange","PC_0","connected",' + (T0 + 5) + ']'].join('\n');
    const e = dumpError(() => importDump('calls.log', bytes(text)));
    expect(e.format).toBe('rtcstats-legacy');
    expect(e.where).toBe('line 4');
    expect(e.reason).toMatch(/not valid JSON.*\(and 2 more problems;/);
    const r = importDump('calls.log', bytes(text), { allowPartial: true });
    expect(r.problems.map((p) => p.where)).toEqual(['line 4', 'line 5', 'line 6']);
    expect(r.bundles[0].pcs[0].connectionState).toBe('connected');
    expect(pcSamples(r.bundles[0], '0-0')).toHaveLength(1);
  });

  it('a file with nothing importable is a DumpError', () => {
    const e = dumpError(() => importDump('empty.json', bytes('{"PeerConnections": {}, "getUserMedia": []}')));
    expect(e.reason).toMatch(/nothing to import/);
    expect(() => importDump('x.log', bytes('["identity",null,{},1]'))).toThrow(/nothing to import/);
  });
});

describe('cancellation and progress', () => {
  const many = legacyLines(Array.from({ length: 5000 }, (_, i) => ['onicecandidate', 'PC_0', null, T0 + i]));

  it('an aborted signal ends the import with an AbortError', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => importDump('x.log', bytes(many), { signal: controller.signal })).toThrow(expect.objectContaining({ name: 'AbortError' }));
    const later = new AbortController();
    let error: unknown;
    try {
      importDump('x.log', bytes(many), { signal: later.signal, onProgress: (f) => f > 0.3 && later.abort() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(error).not.toBeInstanceOf(DumpError);
  });

  it('reports progress sparingly, rising to 1', () => {
    const seen: number[] = [];
    importDump('x.log', bytes(many), { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.length).toBeLessThanOrEqual(102);
    expect(seen[seen.length - 1]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
  });
});
