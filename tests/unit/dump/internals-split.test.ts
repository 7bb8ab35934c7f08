/**
 * internals-split: a webrtc-internals dump read PC by PC from its bytes must give exactly what JSON.parse of the
 * whole decoded text gives, or nothing (then the whole-text path runs, with its own error messages).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { detectDump } from '../../../lib/dump/detect';
import { importDump } from '../../../lib/dump/import-dump';
import { SplitFallback, splitInternalsDump } from '../../../lib/dump/internals-split';
import { DumpError } from '../../../lib/dump/session-bundle';
import type { Json, JsonObject } from '../../../lib/protocol/json';
import { INTERNALS_DUMP_CALL } from '../model/corpus';

const utf8 = (text: string) => new TextEncoder().encode(text);

const define = (target: object, key: string, value: unknown) => Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

/** The split document with every PC and every series read, or null. */
function readSplit(bytes: Uint8Array, options: { takeBuffer?: boolean } = {}): JsonObject | null {
  const split = splitInternalsDump(bytes, options);
  if (split === null) return null;
  const pcs = split.document.PeerConnections as JsonObject;
  for (const key of Object.keys(pcs)) {
    const pc = split.readPc(key);
    if (pc.readSeries) {
      const stats = (pc.value as JsonObject).stats as JsonObject;
      for (const seriesKey of Object.keys(stats)) define(stats, seriesKey, pc.readSeries(seriesKey));
    }
    define(pcs, key, pc.value);
  }
  return split.document;
}

/** Equal including key order at every level. */
const ordered = (value: Json): string => JSON.stringify(value);

describe('splitInternalsDump', () => {
  it('gives the document JSON.parse gives, key order included (corpus dump, odd keys, escapes, whitespace, BOM)', () => {
    const corpus = readFileSync(INTERNALS_DUMP_CALL);
    expect(ordered(readSplit(corpus)!)).toBe(ordered(JSON.parse(corpus.toString('utf8')) as Json));
    const docs = [
      '{"PeerConnections":{}}',
      ' \r\n\t{ "getUserMedia" : [ ] , "PeerConnections" : { "1-1" : { "stats" : { } } } , "UserAgent" : "x" } \n',
      '{"PeerConnections":{"12":{"a":1},"1-1":{"b":"q\\"uote\\\\"},"__proto__":{"c":[1,{"d":null}]},"x\\"y":{}},"n":-1.5e3,"t":true,"f":false,"z":null}',
      '{"a":"\\\\\\\\","PeerConnections":{"ü":{"s":"日本 \\u00e9 \\\\\\"\\"","arr":["]","}","[{"]}}}',
      '{"PeerConnections":{"1-1":{"pid":1,"stats":{"A-b":{"values":"[1,2]","statsType":"x"},"12":{"v":[]},"A-[c]":{}},"updateLog":[]},"2":{"stats":[]},"3":7}}',
      // A PC with a duplicate key is read in one piece (JSON.parse: the last one wins), not split.
      '{"PeerConnections":{"1":{"stats":{"a-b":{"values":"[1]"}},"stats":{"c-d":{}}}}}',
      // So is one whose stats have a duplicate series, next to PCs that split (one scan splits them all).
      '{"PeerConnections":{"1":{"stats":{"a-b":{"values":"[1]"},"a-b":{"values":"[2]"}}},"2":{"stats":{"a-b":{"values":"[\\"x\\",\\"\\\\\\\"y\\"]"}}},"3":[{"stats":{}}]}}',
      ' { "PeerConnections" : { "1" : { "stats" : { "a-b" : { "values" : "[1, 2]" } , "c-d" : 7 } , "x" : { "stats" : 1 } } } } ',
    ];
    for (const doc of docs) expect(ordered(readSplit(utf8(doc))!), doc).toBe(ordered(JSON.parse(doc) as Json));
    expect(ordered(readSplit(utf8('\uFEFF{"PeerConnections":{"1":{}}}'))!)).toBe('{"PeerConnections":{"1":{}}}');
    // "__proto__" stays an own key, in the document and among the PCs.
    const proto = readSplit(utf8('{"__proto__":{"a":1},"PeerConnections":{"__proto__":{"b":2}}}'))!;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__', 'PeerConnections']);
    expect(Object.keys(proto.PeerConnections as object)).toEqual(['__proto__']);
  });

  it('gives up on anything JSON.parse would read differently or not at all', () => {
    const refused = [
      '{"PeerConnections":{"1":{}},"PeerConnections":{"2":{}}}', // duplicate key (JSON.parse: the last wins)
      '{"PeerConnections":{"1":{},"1":{"a":1}}}',
      '{"getUserMedia":[]}', // no PeerConnections
      '{"PeerConnections":[]}',
      '{"PeerConnections":{}} x',
      '{"PeerConnections":{} "a":1}',
      '{"PeerConnections":{"1":{}},}',
      '{"PeerConnections":{"1":{}}',
      '{"a":tru,"PeerConnections":{}}',
      '{"a":1 2,"PeerConnections":{}}',
      '{\u00a0"PeerConnections":{}}',
      '["PeerConnections"]',
      `{"a":${'['.repeat(70)}${']'.repeat(70)},"PeerConnections":{}}`, // deeper than the document limit
    ];
    for (const doc of refused) expect(splitInternalsDump(utf8(doc)), doc).toBeNull();
    // Invalid UTF-8 in a member.
    const bad = utf8('{"a":"xx","PeerConnections":{}}');
    bad[6] = 0xff;
    expect(splitInternalsDump(bad)).toBeNull();
    // A PC that does not parse (or is too deep) is only found when it is read.
    for (const doc of ['{"PeerConnections":{"1":{"a":01}}}', `{"PeerConnections":{"1":${'['.repeat(63)}${']'.repeat(63)}}}`]) {
      const split = splitInternalsDump(utf8(doc))!;
      expect(() => split.readPc('1'), doc).toThrow(SplitFallback);
    }
    // A series that does not parse (or is too deep: the series is the document's level 5) when it is read.
    for (const doc of ['{"PeerConnections":{"1":{"stats":{"x-y":{"values":01}}}}}', `{"PeerConnections":{"1":{"stats":{"x-y":${'['.repeat(61)}${']'.repeat(61)}}}}}`]) {
      const pc = splitInternalsDump(utf8(doc))!.readPc('1');
      expect(() => pc.readSeries!('x-y'), doc).toThrow(SplitFallback);
    }
    expect(readSplit(utf8(`{"PeerConnections":{"1":{"stats":{"x-y":${'['.repeat(60)}${']'.repeat(60)}}}}}`))).not.toBeNull();
    // 62 levels inside a PC is the document's 64.
    expect(readSplit(utf8(`{"PeerConnections":{"1":${'['.repeat(62)}${']'.repeat(62)}}}`))).not.toBeNull();
  });

  it('detectDump reads an internals dump split (no whole text) unless told not to; a broken PC fails as before', () => {
    const corpus = new Uint8Array(readFileSync(INTERNALS_DUMP_CALL));
    const split = detectDump('a.json', corpus);
    expect(split.format).toBe('webrtc-internals');
    expect(split.text).toBe('');
    expect(split.readPc).toBeTypeOf('function');
    const whole = detectDump('a.json', corpus, undefined, { split: false });
    expect(whole.readPc).toBeUndefined();
    expect(whole.text.length).toBeGreaterThan(0);
    // A PC with a syntax error: the same DumpError (format, line and column) as reading the text whole gives.
    const broken = utf8('{\n "PeerConnections": {\n  "1-1": {"stats": {"A-[b]": {"values": "[1]"}, "A-c": {"values": 01}}}\n }\n}');
    let error: unknown;
    try {
      importDump('broken.json', broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DumpError);
    expect((error as DumpError).format).toBe('webrtc-internals');
    expect(() => detectDump('broken.json', broken, undefined, { split: false })).toThrow((error as DumpError).message);
  });

  it('takes the buffer when told to: each PC is read from a copy of its own, freed on release; nothing taken when the split gives up', () => {
    const corpus = readFileSync(INTERNALS_DUMP_CALL);
    const docs = [
      corpus.toString('utf8'),
      '{"PeerConnections":{"1":{"stats":{"a-b":{"values":"[1]"}},"stats":{"c-d":{}}},"2":{"stats":{"a-b":{"values":"[2]"}}},"3":[1]},"UserAgent":"x"}',
    ];
    for (const doc of docs) {
      const taken = utf8(doc);
      expect(ordered(readSplit(taken, { takeBuffer: true })!)).toBe(ordered(JSON.parse(doc) as Json));
      // Detached: the caller's view of it is empty.
      expect(taken.length).toBe(0);
    }
    const bytes = utf8('{"PeerConnections":{"1":{"stats":{"a-b":{"values":"[1]"}}},"2":{"x":1}}}');
    const split = splitInternalsDump(bytes, { takeBuffer: true })!;
    const first = split.readPc('1');
    expect(first.readSeries!('a-b')).toEqual({ values: '[1]' });
    first.release();
    first.release();
    expect(() => split.readPc('1')).toThrow(SplitFallback);
    expect(split.readPc('2').value).toEqual({ x: 1 });
    // Not split: the bytes stay the caller's, whole.
    const refused = utf8('{"PeerConnections":{"1":{}},"PeerConnections":{}}');
    expect(splitInternalsDump(refused, { takeBuffer: true })).toBeNull();
    expect(new TextDecoder().decode(refused)).toBe('{"PeerConnections":{"1":{}},"PeerConnections":{}}');
    // Without takeBuffer, release does nothing and a PC reads again.
    const kept = splitInternalsDump(utf8('{"PeerConnections":{"1":{"a":1}}}'))!;
    kept.readPc('1').release();
    expect(kept.readPc('1').value).toEqual({ a: 1 });
  });

  it('a gzipped dump: the inflated bytes are taken (the file given stays whole), and a broken PC fails as the plain file does', () => {
    const corpus = new Uint8Array(readFileSync(INTERNALS_DUMP_CALL));
    const gz = gzipSync(corpus);
    const gzLength = gz.length;
    const fromGz = importDump('a.json', gz);
    expect(gz.length).toBe(gzLength);
    const plain = importDump('a.json', corpus);
    // The same bundle but for the new session's random id and the file's size (compared as text: a failure would
    // print 600 KB).
    expect(fromGz.bundles[0].session.bytes).toBe(gz.length);
    const same = (r: typeof plain) => ordered({ ...r.bundles[0], session: { ...r.bundles[0].session, bytes: 0 } } as unknown as Json).replace(/import:[0-9a-f-]{36}/g, 'import:id');
    expect(fromGz.bundles.length).toBe(1);
    expect(same(fromGz) === same(plain)).toBe(true);
    expect(fromGz.bundles[0].pcs.length).toBeGreaterThan(1);
    // The split took the inflated buffer; the PC that does not parse sends the import back to the gzip file whole.
    const broken = '{\n "PeerConnections": {\n  "1-1": {"stats": {"A-[b]": {"values": "[1]"}}},\n  "1-2": {"stats": {"A-c": {"values": 01}}}\n }\n}';
    const message = (bytes: Uint8Array, name: string) => {
      try {
        importDump(name, bytes);
      } catch (e) {
        return e instanceof DumpError ? e.message.slice(name.length) : `not a DumpError: ${String(e)}`;
      }
      return 'no error';
    };
    expect(message(gzipSync(utf8(broken)), 'b.json.gz')).toBe(message(utf8(broken), 'b.json'));
    expect(message(utf8(broken), 'b.json')).toMatch(/^: .*webrtc-internals.*line 4/);
  });
});
