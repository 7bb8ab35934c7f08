import { describe, expect, it } from 'vitest';
import { applyStatsDelta, diffStatsReports, jsonEqual } from '../../../lib/model/stats-delta';
import type { StatsReportJson } from '../../../lib/model/session';
import { loadCallSamples, loadGetStatsFile } from './corpus';

/** Deep snapshot, so a test can prove an input was not mutated. */
const clone = <T>(value: T): T => structuredClone(value);

/** diff → JSON (what crosses the page/relay boundary) → apply, and check every invariant of the pair. */
function roundTrip(prev: StatsReportJson | null, next: StatsReportJson) {
  const prevBefore = clone(prev);
  const nextBefore = clone(next);
  const delta = diffStatsReports(prev, next);
  expect(prev).toEqual(prevBefore);
  expect(next).toEqual(nextBefore);
  const wire = JSON.parse(JSON.stringify(delta));
  const applied = applyStatsDelta(prev, wire);
  expect(applied).toStrictEqual(next);
  expect(prev).toEqual(prevBefore);
  // Empty parts are omitted.
  for (const part of Object.values(delta)) {
    expect(Array.isArray(part) ? part.length : Object.keys(part).length).toBeGreaterThan(0);
  }
  return { delta, applied };
}

describe('diffStatsReports / applyStatsDelta', () => {
  it('round-trips the Chromium and Firefox getStats corpus, from nothing and between PCs', () => {
    for (const file of ['chromium156.json', 'firefox153.json'] as const) {
      const pcs = Object.values(loadGetStatsFile(file));
      for (const report of pcs) {
        const { delta } = roundTrip(null, report);
        expect(Object.keys(delta)).toEqual(['added']);
        expect(diffStatsReports(report, report)).toEqual({});
        expect(diffStatsReports(report, clone(report))).toEqual({});
      }
      roundTrip(pcs[0], pcs[1]);
      roundTrip(pcs[1], pcs[0]);
    }
    const chrome = loadGetStatsFile('chromium156.json');
    const firefox = loadGetStatsFile('firefox153.json');
    roundTrip(chrome.pc1, firefox.pc1);
  });

  it('round-trips 120 consecutive real reports of a 2-PC call, chained through applied reports', () => {
    const calls = loadCallSamples();
    let total = 0;
    for (const samples of Object.values(calls)) {
      let prev: StatsReportJson | null = null;
      let rebuilt: StatsReportJson | null = null;
      for (const sample of samples) {
        const delta = diffStatsReports(prev, sample.report);
        rebuilt = applyStatsDelta(rebuilt, JSON.parse(JSON.stringify(delta)));
        expect(rebuilt).toStrictEqual(sample.report);
        prev = sample.report;
        total++;
      }
    }
    expect(total).toBe(120);
  });

  it('puts only changed fields in changed, and compares nested objects by content', () => {
    const prev: StatsReportJson = {
      A: { type: 'outbound-rtp', timestamp: 1, bytesSent: 10, q: { cpu: 0, none: 1 }, reason: 'none' },
    };
    const next: StatsReportJson = {
      A: { type: 'outbound-rtp', timestamp: 2, bytesSent: 10, q: { none: 1, cpu: 0 }, reason: 'none' },
    };
    expect(roundTrip(prev, next).delta).toEqual({ changed: { A: { timestamp: 2 } } });
    const next2: StatsReportJson = {
      A: { type: 'outbound-rtp', timestamp: 2, bytesSent: 10, q: { none: 1, cpu: 0.5 }, reason: 'none' },
    };
    expect(roundTrip(prev, next2).delta).toEqual({ changed: { A: { timestamp: 2, q: { none: 1, cpu: 0.5 } } } });
  });

  it('handles fields appearing and disappearing, objects added and removed', () => {
    const r0: StatsReportJson = {
      A: { type: 'a', timestamp: 1, x: 1, y: 'y' },
      B: { type: 'b', timestamp: 1, list: [1, 2, { z: null }] },
    };
    const r1: StatsReportJson = {
      A: { type: 'a', timestamp: 1, x: 1, w: true }, // y dropped, w appears: same field count
      C: { type: 'c', timestamp: 2 },
    };
    const { delta } = roundTrip(r0, r1);
    expect(delta).toEqual({
      added: { C: { type: 'c', timestamp: 2 } },
      changed: { A: { w: true } },
      dropped: { A: ['y'] },
      removed: ['B'],
    });
    const r2: StatsReportJson = { A: { type: 'a', timestamp: 1 }, C: { type: 'c', timestamp: 2, n: null } };
    expect(roundTrip(r1, r2).delta).toEqual({ changed: { C: { n: null } }, dropped: { A: ['x', 'w'] } });
    expect(roundTrip(r2, {}).delta).toEqual({ removed: ['A', 'C'] });
    expect(roundTrip({}, {}).delta).toEqual({});
    expect(roundTrip(null, {}).delta).toEqual({});
    // Arrays, type changes, null ↔ value, 0 ↔ false ↔ "" are all changes.
    const s0: StatsReportJson = { A: { a: [1, 2], b: 0, c: null, d: '', e: { k: [1] } } };
    const s1: StatsReportJson = { A: { a: [2, 1], b: false, c: 0, d: 0, e: { k: [1, 2] } } };
    expect(Object.keys(roundTrip(s0, s1).delta.changed!.A).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    roundTrip(s1, s0);
  });

  it('treats ids and fields named like Object.prototype members as ordinary data', () => {
    const r0: StatsReportJson = JSON.parse('{"toString":{"constructor":1,"__proto__":{"a":1}},"x":{"valueOf":2}}');
    const r1: StatsReportJson = JSON.parse('{"__proto__":{"hasOwnProperty":3},"toString":{"constructor":2},"x":{}}');
    const { applied } = roundTrip(r0, r1);
    expect(Object.getPrototypeOf(applied)).toBe(Object.prototype);
    expect(Object.keys(applied).sort()).toEqual(['__proto__', 'toString', 'x']);
    roundTrip(r1, r0);
    roundTrip(null, r0);
  });

  it('never lets a later apply corrupt an earlier report', () => {
    const r0: StatsReportJson = { A: { v: 1, n: { k: 1 } }, B: { v: 1 } };
    const r1 = applyStatsDelta(r0, { changed: { A: { v: 2 } } });
    const r2 = applyStatsDelta(r1, { changed: { A: { v: 3 }, B: { v: 9 } }, dropped: { A: ['n'] } });
    expect(r0).toEqual({ A: { v: 1, n: { k: 1 } }, B: { v: 1 } });
    expect(r1).toEqual({ A: { v: 2, n: { k: 1 } }, B: { v: 1 } });
    expect(r2).toEqual({ A: { v: 3 }, B: { v: 9 } });
    const added = { A: { v: 1 } };
    const r3 = applyStatsDelta(null, { added });
    (r3.A as { v: number }).v = 5;
    expect(added.A.v).toBe(1);
  });

  it('applies a delta whose base object is missing as a partial object', () => {
    expect(applyStatsDelta(null, { changed: { A: { v: 1 } }, dropped: { A: ['w'] }, removed: ['Z'] })).toEqual({
      A: { v: 1 },
    });
  });

  it('jsonEqual compares by content', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
  });

  it('is fast enough for the hot path (prints µs per report)', () => {
    const calls = loadCallSamples();
    const pairs: [StatsReportJson | null, StatsReportJson][] = [];
    for (const samples of Object.values(calls)) {
      samples.forEach((s, i) => pairs.push([i === 0 ? null : samples[i - 1].report, s.report]));
    }
    const steady = pairs.filter(([p]) => p !== null);
    for (let i = 0; i < 200; i++) for (const [p, n] of steady) diffStatsReports(p, n); // warm up the JIT
    const rounds = 200;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) for (const [p, n] of steady) diffStatsReports(p, n);
    const perCall = ((performance.now() - start) * 1000) / (rounds * steady.length);
    console.log(`diffStatsReports: ${perCall.toFixed(2)} µs per report (${steady.length} real reports × ${rounds})`);
    // Generous bound so slow CI machines pass; a regression to per-field JSON.stringify would be ~10× slower.
    expect(perCall).toBeLessThan(500);
  });
});
