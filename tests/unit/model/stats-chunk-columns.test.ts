/**
 * encodeStatsChunkColumns: the chunk of rows of columns must be byte for byte the chunk encodeStatsChunk makes of
 * the same polls as samples (`columnsToSamples`, re-indexed), so that imports may encode from columns while every
 * stored chunk stays what the recorder would have written.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { decodeStatsChunk, encodeStatsChunk, encodeStatsChunkColumns } from '../../../lib/model/stats-chunk';
import { columnsToSamples, samplesToColumns } from '../../../lib/model/stats-columns';
import type { Json } from '../../../lib/protocol/json';
import type { StatsColumns, StatsReportJson, StatsSample } from '../../../lib/model/session';
import { callBundle } from '../../fixtures/bundles/call-bundle';
import { INTERNALS_DUMP_CALL, loadCallSamples, loadGetStatsFile } from './corpus';

/** The samples encodeStatsChunkColumns(columns, from, to, firstIndex) stands for. */
function equivalentSamples(columns: StatsColumns, from: number, to: number, firstIndex: number): StatsSample[] {
  return columnsToSamples(columns)
    .slice(from, to)
    .map((s, i) => ({ ...s, index: firstIndex + i }));
}

/** Every chunk of `size` rows (and one range not starting at 0 with another first index) gives the same bytes. */
function expectSameChunks(columns: StatsColumns, sizes = [1, 7, 60]): void {
  const rows = columns.t.length;
  for (const size of sizes) {
    for (let from = 0; from < rows; from += size) {
      const to = Math.min(rows, from + size);
      const expected = encodeStatsChunk(equivalentSamples(columns, from, to, from));
      const actual = encodeStatsChunkColumns(columns, from, to, from);
      expect(Buffer.from(actual).equals(Buffer.from(expected)), `rows ${from}…${to} of ${rows}`).toBe(true);
    }
  }
  if (rows > 2) {
    const samples = equivalentSamples(columns, 1, rows - 1, 1000);
    const data = encodeStatsChunkColumns(columns, 1, rows - 1, 1000);
    expect(Buffer.from(data).equals(Buffer.from(encodeStatsChunk(samples)))).toBe(true);
    expect(decodeStatsChunk(data)).toEqual(samples);
  }
}

const T0 = 1795313759978.165;

describe('encodeStatsChunkColumns', () => {
  it('gives the bytes of encodeStatsChunk for the 60 s two-PC call (with cost), and for the call bundle', () => {
    for (const samples of Object.values(loadCallSamples())) expectSameChunks(samplesToColumns(samples));
    const bundle = callBundle();
    for (const pc of bundle.pcs) expectSameChunks(samplesToColumns(bundle.samples[pc.pcId]));
  });

  it('both encoders still give the bytes the encoder gave before columns (commit 530dbe4), on the real call', () => {
    // sha256 of the chunks, one after the other, as that encoder wrote them: the encoder's speed-ups (candidate
    // writers reused, a cheaper decimal search) must not change a byte of what is stored.
    const pinned: Record<string, string> = {
      'call 10-1 7': '383d65151de602bf7b2446be5fd6a5de4dbee3f7b2f51162b0e4ca40a62fde97',
      'call 10-1 60': '75d68709bd3c43fa484f6324d594b10cd707fa0ca29e9cb192984707a2633ed4',
      'call 10-2 7': 'f1fdfa857819cc3b1c74347e0c7fc130e44ec3da1273452da5aa291f3f71c0f1',
      'call 10-2 60': '787df5a2bbbce13c88d0801e1f222b9ad93c75bf34c15085e812b6f24911d6b5',
      'internals 0-1 60': '1ffdbb5fbd213a96afad928615e81f1b6177bf7df30d038914fc08cd45bd5d9b',
      'internals 0-2 60': '0386578f7eeaa66450c47f01c3b034d1ed4cb27f741707d45bd43a47a6a0ee0b',
    };
    const hash = (chunks: Uint8Array[]) => chunks.reduce((h, c) => h.update(c), createHash('sha256')).digest('hex');
    const bySamples = (samples: StatsSample[], size: number) => {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < samples.length; i += size) chunks.push(encodeStatsChunk(samples.slice(i, i + size)));
      return hash(chunks);
    };
    const byColumns = (columns: StatsColumns, size: number) => {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < columns.t.length; i += size) chunks.push(encodeStatsChunkColumns(columns, i, Math.min(columns.t.length, i + size), i));
      return hash(chunks);
    };
    for (const [pc, samples] of Object.entries(loadCallSamples())) {
      for (const size of [7, 60]) expect(bySamples(samples, size), `call ${pc} ${size}`).toBe(pinned[`call ${pc} ${size}`]);
    }
    const [bundle] = importDump('call.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles;
    for (const pcId of ['0-1', '0-2']) {
      expect(bySamples(columnsToSamples(bundle.columns![pcId]), 60)).toBe(pinned[`internals ${pcId} 60`]);
      expect(byColumns(bundle.columns![pcId], 60)).toBe(pinned[`internals ${pcId} 60`]);
    }
  });

  it('gives the bytes of encodeStatsChunk for the columns the webrtc-internals importer builds', () => {
    const [bundle] = importDump('call.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles;
    expect(Object.keys(bundle.columns ?? {})).toEqual(['0-1', '0-2']);
    for (const columns of Object.values(bundle.columns!)) expectSameChunks(columns);
  });

  it('at a lower deflate level (imports): the same bytes as encodeStatsChunk at that level, decoding to the same polls', () => {
    const columns = importDump('call.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles[0].columns!;
    for (const pcColumns of Object.values(columns)) {
      const rows = Math.min(60, pcColumns.t.length);
      const samples = equivalentSamples(pcColumns, 0, rows, 0);
      for (const level of [1, 4, 6] as const) {
        const data = encodeStatsChunkColumns(pcColumns, 0, rows, 0, { level });
        expect(Buffer.from(data).equals(Buffer.from(encodeStatsChunk(samples, { level })))).toBe(true);
        expect(decodeStatsChunk(data)).toEqual(samples);
      }
    }
  });

  it('gives the bytes of encodeStatsChunk for evolving getStats reports (objects and fields coming and going)', () => {
    for (const file of ['chromium156.json', 'firefox153.json'] as const) {
      for (const report of Object.values(loadGetStatsFile(file))) {
        const seq: StatsSample[] = [];
        for (let i = 0; i < 15; i++) {
          const next: StatsReportJson = {};
          for (const [id, obj] of Object.entries(report)) {
            if (i % 5 === 3 && obj.type === 'codec') continue;
            if (i < 4 && obj.type === 'remote-inbound-rtp') continue;
            const copy = { ...obj };
            for (const [key, value] of Object.entries(copy)) {
              if (typeof value === 'number' && key !== 'ssrc') copy[key] = key === 'timestamp' ? value + i * 1000 : value + i * 17.5;
            }
            if (i === 7 || i === 8) delete copy.kind;
            next[id] = copy;
          }
          seq.push({ index: i, t: T0 + i * 1000, report: next });
        }
        expectSameChunks(samplesToColumns(seq), [1, 4, 15]);
      }
    }
  });

  it('edge cases: absent objects and fields, non-numeric and nested values, __proto__ keys, partial cost, short columns', () => {
    const proto = JSON.parse('{"__proto__":{"a":1}}') as Json;
    const columns: StatsColumns = {
      t: [T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000],
      objects: {},
      cost: { getStatsMs: [1.5, null, 2, -0, null, 3], hookMs: [0.1, 0.2, null, 1e-9, null, 0] },
    };
    const define = (target: object, key: string, value: unknown) =>
      Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
    const fields = (entries: [string, (Json | null)[]][]) => {
      const out: Record<string, (Json | null)[]> = {};
      for (const [key, column] of entries) define(out, key, column);
      return out;
    };
    // Appears late and leaves early; a field only in the middle; mixed kinds in one column.
    define(columns.objects, 'B', {
      type: 'b',
      fields: fields([
        ['type', [null, 'b', 'b', 'b', null, null]],
        ['timestamp', [null, T0 + 1000, T0 + 2000, T0 + 3000, null, null]],
        ['mixed', [null, 'x', 7, { q: [1, -0] }, null, null]],
        ['mid', [null, null, true, null, null, null]],
      ]),
    });
    // First in column order but present only from the third row: comes after B in the chunk.
    define(columns.objects, 'A', {
      type: 'a',
      fields: fields([
        ['type', [null, null, 'a', 'a', 'a', 'a']],
        ['timestamp', [null, null, T0 + 2000, T0 + 3000, T0 + 4000, -0]],
        ['list', [null, null, '1,2,3', '4,5,6', '7,8,9', '1,2,3']],
        ['rec', [null, null, { cpu: 1, none: 2 }, { none: 3, cpu: 1 }, { cpu: 2, none: 4 }, { cpu: 2, none: 5 }]],
        ['big', [null, null, 2 ** 53 + 2, -(2 ** 60), 1e21, Number.MIN_VALUE]],
      ]),
    });
    const protoFields = fields([
        ['__proto__', [1, 2, 3, 4, 5, 6]],
        ['constructor', ['c', null, 'c', null, 'c', null]],
        ['nested', [proto, proto, null, proto, proto, proto]],
    ]);
    define(columns.objects, '__proto__', { type: 'p', fields: protoFields });
    // Never present (all null), and a column shorter than t (rows beyond it are absent).
    define(columns.objects, 'gone', { type: '', fields: fields([['x', [null, null, null, null, null, null]]]) });
    define(columns.objects, 'short', { type: 's', fields: fields([['y', [9, 8]]]) });
    // A row where nothing is present but cost.
    columns.objects.A.fields.type[4] = null;
    for (const column of Object.values(columns.objects.A.fields)) column[4] = null;
    for (const column of Object.values(protoFields)) column[4] = null;
    expectSameChunks(columns, [1, 2, 3, 4, 6]);
    // An empty range: the empty chunk.
    expect(Buffer.from(encodeStatsChunkColumns(columns, 3, 3, 5)).equals(Buffer.from(encodeStatsChunk([])))).toBe(true);
    const decoded = decodeStatsChunk(encodeStatsChunkColumns(columns, 0, 6, 0));
    expect(Object.keys(decoded[0].report)).toEqual(['__proto__', 'short']);
    expect(Object.getPrototypeOf(decoded[0].report)).toBe(Object.prototype);
    // Objects in order of first appearance in the chunk: A (first in column order) after B, which appears earlier.
    expect(Object.keys(decoded[2].report)).toEqual(['__proto__', 'B', 'A']);
  });

  it('gives the bytes of encodeStatsChunk for random columns (fuzz)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const value = (): Json =>
      [
        () => Math.floor(random() * 1e6),
        () => Math.round(random() * 1e6) / 1000,
        () => random(),
        () => -0,
        () => 0.1 * Math.floor(random() * 100) + 0.2,
        () => (random() < 0.5 ? 'a' : '1,2'),
        () => random() < 0.5,
        () => ({ x: Math.floor(random() * 3) }),
      ][Math.floor(random() * 8)]();
    for (let round = 0; round < 40; round++) {
      const n = 1 + Math.floor(random() * 25);
      const t = Array.from({ length: n }, (_, i) => T0 + i * 1000 + random());
      const columns: StatsColumns = {
        t,
        objects: {},
        cost: { getStatsMs: t.map(() => (random() < 0.5 ? random() : null)), hookMs: t.map(() => (random() < 0.8 ? random() : null)) },
      };
      for (const id of ['D', 'C', 'B', 'A']) {
        const present = t.map(() => random() < 0.7);
        const stamp = t.map((x, i) => (present[i] ? (random() < 0.8 ? x : value()) : null));
        const f: Record<string, (Json | null)[]> = { type: t.map((_, i) => (present[i] ? id : null)), timestamp: stamp };
        for (const key of ['n', 'm', 'o']) f[key] = t.map((_, i) => (present[i] && random() < 0.85 ? value() : null));
        columns.objects[id] = { type: id, fields: f };
      }
      expectSameChunks(columns, [1, 3, n]);
    }
  });
});
