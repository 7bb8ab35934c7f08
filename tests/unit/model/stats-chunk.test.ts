import { statSync } from 'node:fs';
import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { appendStatsChunk, appendStatsChunks, decodeStatsChunk, encodeStatsChunk, STATS_CHUNK_VERSION } from '../../../lib/model/stats-chunk';
import { appendSamples, emptyStatsColumns } from '../../../lib/model/stats-columns';
import type { StatsReportJson, StatsSample } from '../../../lib/model/session';
import { INTERNALS_DUMP_CALL, loadCallSamples, loadGetStatsFile } from './corpus';

/** Exact equality: numbers by Object.is (bit-identical for all but NaN payloads), objects by key set and content. */
function exactDiff(a: unknown, b: unknown, path = '$'): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${String(a)} ≠ ${String(b)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b ? null : `${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  const ak = Object.keys(a).sort();
  const bk = Object.keys(b).sort();
  if (ak.join('\u0000') !== bk.join('\u0000')) return `${path}: keys [${ak}] ≠ [${bk}]`;
  for (const key of ak) {
    const d = exactDiff((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (d !== null) return d;
  }
  return null;
}

function expectRoundTrip(samples: StatsSample[]): Uint8Array {
  const before = structuredClone(samples);
  const data = encodeStatsChunk(samples);
  expect(data[0]).toBe(STATS_CHUNK_VERSION);
  expect(exactDiff(samples, before)).toBeNull(); // the encoder does not touch its input
  const decoded = decodeStatsChunk(data);
  expect(exactDiff(decoded, samples)).toBeNull();
  // Decoding straight into columns gives what appending the samples gives.
  const viaChunk = emptyStatsColumns();
  expect(appendStatsChunk(viaChunk, data)).toEqual(samples.map((x) => x.index));
  const viaSamples = emptyStatsColumns();
  appendSamples(viaSamples, samples);
  expect(exactDiff(viaChunk, viaSamples)).toBeNull();
  return data;
}

const sample = (index: number, report: StatsReportJson, extra: Partial<StatsSample> = {}): StatsSample => ({
  index,
  t: 1795313759978.165 + index * 1000.25,
  report,
  ...extra,
});

/** Deterministic PRNG (mulberry32) so fuzz failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('encodeStatsChunk / decodeStatsChunk', () => {
  it('round-trips the 60 s two-PC call exactly, whole and in uneven chunks', () => {
    for (const samples of Object.values(loadCallSamples())) {
      expectRoundTrip(samples);
      for (let start = 0; start < samples.length; start += 17) expectRoundTrip(samples.slice(start, start + 17));
      expectRoundTrip(samples.slice(5, 6));
    }
  });

  it('stores a PC-minute of the call in ≤ 5 % of the webrtc-internals dump of the same call', () => {
    const calls = loadCallSamples();
    const dumpBytes = statSync(INTERNALS_DUMP_CALL).size;
    let total = 0;
    const perPc: string[] = [];
    for (const [pc, samples] of Object.entries(calls)) {
      let bytes = 0;
      for (let start = 0; start < samples.length; start += 60) bytes += encodeStatsChunk(samples.slice(start, start + 60)).length;
      perPc.push(`${pc}: ${bytes} B`);
      total += bytes;
    }
    const rawJson = JSON.stringify(calls).length;
    const gzipOnly = deflateSync(new TextEncoder().encode(JSON.stringify(calls)), { level: 9 }).length;
    const ratio = total / dumpBytes;
    console.log(
      `stats chunks: ${perPc.join(', ')}; total ${total} B = ${(ratio * 100).toFixed(2)} % of the internals dump ` +
        `(${dumpBytes} B); raw JSON ${rawJson} B, deflated JSON ${gzipOnly} B`,
    );
    expect(dumpBytes).toBe(616147);
    expect(ratio).toBeLessThanOrEqual(0.05);
  });

  it('round-trips the Chromium and Firefox getStats corpus, also as evolving sequences', () => {
    for (const file of ['chromium156.json', 'firefox153.json'] as const) {
      for (const report of Object.values(loadGetStatsFile(file))) {
        expectRoundTrip([sample(0, report)]);
        // A synthetic run: counters grow, a field disappears, an object goes away and comes back.
        const seq: StatsSample[] = [];
        for (let i = 0; i < 12; i++) {
          const next: StatsReportJson = {};
          for (const [id, obj] of Object.entries(report)) {
            if (i % 5 === 3 && obj.type === 'codec') continue;
            const copy = { ...obj };
            for (const [key, value] of Object.entries(copy)) {
              if (typeof value === 'number' && key !== 'ssrc') copy[key] = key === 'timestamp' ? value + i * 1000 : value + i * 17.5;
            }
            if (i === 7) delete copy.kind;
            next[id] = copy;
          }
          seq.push(sample(i, next));
        }
        expectRoundTrip(seq);
      }
    }
  });

  it('keeps awkward numbers bit-exact', () => {
    const values = [
      2 ** 53 + 2,
      -(2 ** 60),
      1e21,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      -0,
      0,
      -1.5,
      0.1 + 0.2,
      4294967295,
      2122260223,
      1795313759978.165,
      1795313759978.1651,
      -1e-300,
      123456789012345680000,
    ];
    const seq = values.map((v, i) => sample(i, { A: { type: 'x', v, c: v, w: i % 2 ? v : -v } }));
    expectRoundTrip(seq);
    // Each value alone (a constant column) and each pair (two-value columns of every kind).
    for (const v of values) expectRoundTrip([sample(0, { A: { v } }), sample(1, { A: { v } })]);
    for (const a of values) for (const b of values) expectRoundTrip([sample(0, { A: { v: a } }), sample(1, { A: { v: b } })]);
  });

  it('keeps presence per sample: fields missing, objects appearing mid-chunk, index gaps, optional cost', () => {
    const seq: StatsSample[] = [
      sample(3, { A: { type: 'a', timestamp: 1, x: 1 } }, { cost: { getStatsMs: 1.2, hookMs: 0.05 } }),
      sample(4, { A: { type: 'a', timestamp: 2 } }),
      sample(9, { A: { type: 'a', timestamp: 3, x: null }, B: { type: 'b', y: 'z' } }, { cost: { getStatsMs: -0, hookMs: 1e-9 } }),
      sample(10, {}),
      sample(11, { B: { type: 'b' } }),
      sample(7, { A: { x: 5 }, B: {} }), // indexes are kept as given, even out of order
    ];
    expectRoundTrip(seq);
    expect(decodeStatsChunk(encodeStatsChunk(seq)).map((s) => 'cost' in s)).toEqual([true, false, true, false, false, false]);
  });

  it('refuses indexes it could not decode exactly, rather than store other ones', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expectRoundTrip([sample(2 ** 31, {}), sample(0, {}), sample(2 ** 52 - 1, {})]);
    expect(() => encodeStatsChunk([sample(max, {}), sample(0, {})])).toThrow(RangeError);
    expect(() => encodeStatsChunk([sample(0, {}), sample(2 ** 52, {})])).toThrow(RangeError);
    expect(() => encodeStatsChunk([sample(-1, {})])).toThrow(RangeError);
    expect(() => encodeStatsChunk([sample(0.5, {})])).toThrow(RangeError);
  });

  it('keeps every JSON value kind, mixed types in one column, and nested values', () => {
    const kinds = [
      null,
      true,
      false,
      '',
      'text with ünïcödé ✓ and \u0000',
      '01,2',
      '1,2,3',
      '-0,1',
      '1,2',
      '99999999999999999,1',
      [],
      [1, 'a', null, { b: [2] }],
      {},
      { bandwidth: 0, cpu: 1.5, none: 11.019, other: 0 },
      { cpu: 1.5, bandwidth: 0, none: 12.016, other: 0 },
      { cpu: 1.5, bandwidth: 0, none: 12.016, other: 0, extra: 'x' },
      { nested: { deep: [1, 2] } },
      JSON.parse('{"__proto__":{"a":1}}'),
      7,
      -7.25,
    ];
    const seq = kinds.map((v, i) => sample(i, { A: { v, same: { cpu: i, none: 1 } } }));
    expectRoundTrip(seq);
    for (const a of kinds) for (const b of kinds) expectRoundTrip([sample(0, { A: { v: a } }), sample(1, { A: { v: b } })]);
    // Lists of integers (googTimingFrameInfo) round-trip, including values only a string keeps exactly.
    const lists = ['1,2,3', '10,-20,30', '0,0,0', '12345678901234,1,2'];
    expectRoundTrip(lists.map((v, i) => sample(i, { A: { v } })));
  });

  it('gives every decoded sample its own nested values', () => {
    const q = { cpu: 0, none: 1 };
    const decoded = decodeStatsChunk(encodeStatsChunk([sample(0, { A: { q } }), sample(1, { A: { q } })]));
    (decoded[0].report.A.q as { cpu: number }).cpu = 99;
    expect(decoded[1].report.A.q).toEqual({ cpu: 0, none: 1 });
  });

  it('round-trips random reports (fuzz)', () => {
    const random = rng(42);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    const numbers = () =>
      pick([
        () => Math.floor(random() * 1e6),
        () => Math.round(random() * 1e6) / 1000,
        () => random(),
        () => -random() * 1e10,
        () => 1795313759978 + Math.round(random() * 1e6) / 1000,
        () => 2 ** 53 * (1 + random()),
        () => -0,
        // Float sums near a decimal (ulp corrections), of either sign, and denormals around zero.
        () => (Math.round(random() * 1e6) / 1e6) * 3 - 1.5,
        () => 0.1 * Math.floor(random() * 100) + 0.2,
        () => (random() - 0.5) * 1e-320,
      ])();
    for (let round = 0; round < Number(process.env.FUZZ_ROUNDS ?? 60); round++) {
      const count = 1 + Math.floor(random() * 30);
      const seq: StatsSample[] = [];
      let t = 1795313759978.165;
      for (let i = 0; i < count; i++) {
        const report: StatsReportJson = {};
        const ts = random() < 0.8 ? t : numbers();
        for (const id of ['A', 'B', 'C', 'D']) {
          if (random() < 0.2) continue;
          const obj: StatsReportJson[string] = { type: id, timestamp: random() < 0.7 ? ts : numbers() };
          for (const field of ['n1', 'n2', 's', 'b', 'o', 'm']) {
            if (random() < 0.15) continue;
            if (field.startsWith('n')) obj[field] = numbers();
            else if (field === 's') obj[field] = pick(['a', 'b', '1,2', '3,4', ''] as const);
            else if (field === 'b') obj[field] = random() < 0.5;
            else if (field === 'o') obj[field] = { x: numbers(), y: pick([1, 2]) };
            else obj[field] = pick([null, 1, 'x', [1], { a: 1 }, -0]);
          }
          report[id] = obj;
        }
        seq.push({ index: i, t, report, ...(random() < 0.5 ? { cost: { getStatsMs: random() * 5, hookMs: numbers() } } : {}) });
        t += 1000 + random();
      }
      expectRoundTrip(seq);
    }
  });

  it('appends chunk after chunk into the same columns like appending their samples (objects and fields coming and going)', () => {
    const call = Object.values(loadCallSamples());
    const sequences: StatsSample[][] = [
      ...call,
      [
        sample(0, { A: { type: 'a', x: 1 } }),
        sample(1, { A: { x: 2 }, B: { y: 'q' } }),
        sample(2, { B: { type: 'b', y: 'r' } }),
        sample(3, {}),
        sample(4, { C: { z: { deep: [1] } }, A: { type: 'changed', x: -0 } }),
        sample(5, { A: { x: Number.MAX_VALUE }, C: { type: 'c' } }),
        sample(6, { D: { type: 'd' } }),
      ],
    ];
    for (const samples of sequences) {
      for (const size of [1, 2, 7, 60]) {
        const viaChunks = emptyStatsColumns();
        for (let start = 0; start < samples.length; start += size) appendStatsChunk(viaChunks, encodeStatsChunk(samples.slice(start, start + size)));
        const viaSamples = emptyStatsColumns();
        appendSamples(viaSamples, samples);
        expect(exactDiff(viaChunks, viaSamples)).toBeNull();
        // All chunks at once, onto empty columns and onto columns already holding the first rows.
        const chunks: Uint8Array[] = [];
        for (let start = 0; start < samples.length; start += size) chunks.push(encodeStatsChunk(samples.slice(start, start + size)));
        const atOnce = emptyStatsColumns();
        expect(appendStatsChunks(atOnce, chunks)).toEqual(chunks.map((_, i) => samples.slice(i * size, (i + 1) * size).map((x) => x.index)));
        expect(exactDiff(atOnce, viaSamples)).toBeNull();
        const onto = emptyStatsColumns();
        appendSamples(onto, samples.slice(0, size));
        const held = onto.objects;
        appendStatsChunks(onto, chunks.slice(1));
        expect(onto.objects).toBe(held);
        expect(exactDiff(onto, viaSamples)).toBeNull();
      }
    }
  });

  it('encodes an empty run as a valid chunk that decodes to []', () => {
    expect(decodeStatsChunk(encodeStatsChunk([]))).toEqual([]);
  });

  it('rejects unknown versions, empty input and corrupt data with clear errors', () => {
    const data = encodeStatsChunk(loadCallSamples()['10-1'].slice(0, 3));
    expect(() => decodeStatsChunk(new Uint8Array())).toThrow(/empty/);
    const future = data.slice();
    future[0] = 99;
    expect(() => decodeStatsChunk(future)).toThrow(/Unsupported stats chunk version 99/);
    expect(() => decodeStatsChunk(data.subarray(0, data.length >> 1))).toThrow(/Stats chunk/);
    const garbage = new Uint8Array([STATS_CHUNK_VERSION, ...deflateSync(new Uint8Array([0, 5, 0, 0, 0]))]);
    expect(() => decodeStatsChunk(garbage)).toThrow(/Stats chunk/);
  });
});
