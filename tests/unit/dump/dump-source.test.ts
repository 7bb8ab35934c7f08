/**
 * An import reading its file through a DumpSource (the worker's FileReaderSync): a webrtc-internals dump is read
 * whole once, for detection and its structural scan, then each PC's bytes again from the file; the result is the
 * same as from the bytes in memory, and so is every error.
 *
 * Node has no FileReaderSync: `MemoryFile` stands in for a File (size, slice) and `MemoryFileReader` for the
 * reader, reading it synchronously and logging what was read. The code under test (fileSource, importDump,
 * splitInternalsDump, runImport) is the real one.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSource, type SyncBlobReader } from '../../../lib/dump/dump-source';
import { runImport } from '../../../lib/dump/dump-jobs';
import { importDump, type ImportResult } from '../../../lib/dump/import-dump';
import { splitInternalsDump } from '../../../lib/dump/internals-split';
import { DumpError } from '../../../lib/dump/session-bundle';
import type { Json, JsonObject } from '../../../lib/protocol/json';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import { INTERNALS_DUMP_CALL } from '../model/corpus';

/** A File's bytes [start, end): what `slice` gives. */
class MemoryFile {
  constructor(
    readonly bytes: Uint8Array,
    readonly start = 0,
    readonly end = bytes.length,
  ) {}
  get size() {
    return this.end - this.start;
  }
  slice(start: number, end: number) {
    return new MemoryFile(this.bytes, this.start + start, this.start + Math.min(end, this.size));
  }
}

/** Reads a MemoryFile synchronously into a fresh buffer (as FileReaderSync does), logging each read. */
class MemoryFileReader implements SyncBlobReader {
  reads: [number, number][] = [];
  /** Bytes cut off the end of every read from this read on (a file that shrank on disk). */
  shrinkFrom = Infinity;
  readAsArrayBuffer(blob: Blob) {
    const file = blob as unknown as MemoryFile;
    this.reads.push([file.start, file.end]);
    const end = this.reads.length > this.shrinkFrom ? file.end - 1 : file.end;
    return file.bytes.slice(file.start, end).buffer;
  }
}

const asBlob = (file: MemoryFile) => file as unknown as Blob;

/** Random ids (`import:<uuid>`, and the tests' own `import:a`, `import:b`) as one; import times as one. */
const sameIds = (text: string) => text.replace(/import:([0-9a-f-]{36}|a|b)\b/g, 'import:id').replace(/"importedAt":\d+/g, '"importedAt":0');

/** An import's result as text, with its random ids as one. */
const resultText = (result: ImportResult) => sameIds(JSON.stringify(result));

/** Whether two long texts are equal; where they differ first, if not (a short message, not megabytes of diff). */
const firstDifference = (a: string, b: string) => {
  if (a === b) return null;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: ${a.slice(Math.max(0, i - 40), i + 40)} ≠ ${b.slice(Math.max(0, i - 40), i + 40)}`;
};
const utf8 = (text: string) => new TextEncoder().encode(text);
const corpus = () => new Uint8Array(readFileSync(INTERNALS_DUMP_CALL));

describe('DumpSource: an import reading its file in pieces', () => {
  it('a webrtc-internals dump: read whole once, then each PC alone; the same import as from the bytes', () => {
    const bytes = corpus();
    const reader = new MemoryFileReader();
    const fromFile = importDump('call.json', fileSource(asBlob(new MemoryFile(bytes)), reader));
    const fromBytes = importDump('call.json', bytes);
    expect(firstDifference(resultText(fromFile), resultText(fromBytes))).toBeNull();
    expect(fromFile.bundles[0].pcs.length).toBe(2);
    // The whole file once, then one range per PC: inside the file, in order, apart, together less than the file.
    const [whole, ...ranges] = reader.reads;
    expect(whole).toEqual([0, bytes.length]);
    expect(ranges.length).toBe(2);
    let last = 0;
    for (const [start, end] of ranges) {
      expect(start).toBeGreaterThanOrEqual(last);
      expect(end).toBeGreaterThan(start);
      last = end;
    }
    expect(last).toBeLessThanOrEqual(bytes.length);
    // Each range is the PC's value: it parses alone into what the whole document holds under its key.
    const pcs = (JSON.parse(new TextDecoder().decode(bytes)) as { PeerConnections: JsonObject }).PeerConnections;
    const parsedRanges = ranges.map(([start, end]) => JSON.parse(new TextDecoder().decode(bytes.subarray(start, end))) as Json);
    expect(parsedRanges).toEqual(Object.values(pcs));
  });

  it('the split reader does not touch the scanned bytes again: they can be let go', () => {
    const doc = '{"a":[1],"PeerConnections":{"1-1":{"pid":1,"stats":{"A-b":{"values":"[1,2]","statsType":"x"}},"updateLog":[]},"2":[3]}}';
    const bytes = utf8(doc);
    const file = utf8(doc);
    const split = splitInternalsDump(bytes, (start, end) => file.slice(start, end))!;
    // Overwritten after the scan: a reader that still read them would parse spaces.
    bytes.fill(0x20);
    const pcs = split.document.PeerConnections as JsonObject;
    const first = split.readPc('1-1');
    expect(first.readSeries!('A-b')).toEqual({ values: '[1,2]', statsType: 'x' });
    expect(first.value).toEqual({ pid: 1, stats: { 'A-b': null }, updateLog: [] });
    expect(split.readPc('2').value).toEqual([3]);
    expect(Object.keys(pcs).sort()).toEqual(['1-1', '2']);
    expect(split.document.a).toEqual([1]);
  });

  it('a gzip file or another format is read whole, once', () => {
    const bytes = corpus();
    const gz = gzipSync(bytes);
    const reader = new MemoryFileReader();
    const fromFile = importDump('call.json.gz', fileSource(asBlob(new MemoryFile(gz)), reader));
    expect(firstDifference(resultText(fromFile), resultText(importDump('call.json.gz', gz)))).toBeNull();
    expect(reader.reads).toEqual([[0, gz.length]]);
    const lines = utf8(`RTCStatsDump\n{"fileFormat":3}\n["create","1-1",{},1700000000000]`);
    const lineReader = new MemoryFileReader();
    expect(importDump('x.rtcstats', fileSource(asBlob(new MemoryFile(lines)), lineReader)).format).toBe('rtcstats-v3');
    expect(lineReader.reads).toEqual([[0, lines.length]]);
  });

  it('a PC that does not parse alone: the file is read whole again and fails as the bytes do', () => {
    const broken = utf8('{\n "PeerConnections": {\n  "1-1": {"stats": {"A-[b]": {"values": "[1]"}, "A-c": {"values": 01}}}\n }\n}');
    const reader = new MemoryFileReader();
    const failure = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return null;
    };
    const fromFile = failure(() => importDump('broken.json', fileSource(asBlob(new MemoryFile(broken)), reader)));
    const fromBytes = failure(() => importDump('broken.json', broken));
    expect(fromFile).toBeInstanceOf(DumpError);
    expect((fromFile as DumpError).message).toBe((fromBytes as DumpError).message);
    expect((fromFile as DumpError).message).toMatch(/line 3/);
    expect(reader.reads[0]).toEqual([0, broken.length]);
    expect(reader.reads.at(-1)).toEqual([0, broken.length]);
    expect(reader.reads.length).toBe(3);
  });

  it('a file that changed on disk while it was read fails with that reason, nothing half-read', () => {
    const bytes = corpus();
    const reader = new MemoryFileReader();
    reader.shrinkFrom = 1; // the first PC's range comes back a byte short
    let error: unknown;
    try {
      importDump('call.json', fileSource(asBlob(new MemoryFile(bytes)), reader));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DumpError);
    expect((error as DumpError).message).toMatch(/could not be read \(Error: the file changed while it was read \(\d+ bytes where \d+ were expected\)\)/);
  });
});

describe('runImport of a File', () => {
  const global = globalThis as { FileReaderSync?: unknown };
  afterEach(() => {
    delete global.FileReaderSync;
  });

  it('in a worker (FileReaderSync): the File is read in pieces; without it, whole; the same sessions stored', async () => {
    const bytes = corpus();
    const reads: [number, number][] = [];
    global.FileReaderSync = class extends MemoryFileReader {
      override reads = reads;
    };
    const store = new SessionStore(await openScopeDb(`dump-source-${Date.now()}`));
    const [inWorker] = await runImport(store, [{ name: 'call.json', file: asBlob(new MemoryFile(bytes)) }], { newId: () => 'import:a' });
    expect(inWorker.error).toBeNull();
    expect(reads.length).toBe(3);
    delete global.FileReaderSync;
    // Node's own Blob, read with arrayBuffer() (what the DOM tests' in-process worker does).
    const [whole] = await runImport(store, [{ name: 'call.json', file: new Blob([bytes]) }], { newId: () => 'import:b' });
    expect(whole.error).toBeNull();
    const a = await store.readSessionData('import:a', { withStats: true });
    const b = await store.readSessionData('import:b', { withStats: true });
    expect(a!.pcs.length).toBe(2);
    expect(firstDifference(sameIds(JSON.stringify(b)), sameIds(JSON.stringify(a)))).toBeNull();
  });
});
