import { describe, expect, it } from 'vitest';
import { appendSamples, emptyStatsColumns, samplesToColumns } from '../../../lib/model/stats-columns';
import type { StatsColumns, StatsSample } from '../../../lib/model/session';
import { loadCallSamples } from './corpus';

const sample = (index: number, report: StatsSample['report']): StatsSample => ({ index, t: 1000 + index, report });

/** Every column has exactly one entry per `t`. */
function expectAligned(columns: StatsColumns) {
  for (const entry of Object.values(columns.objects)) {
    for (const column of Object.values(entry.fields)) expect(column.length).toBe(columns.t.length);
  }
}

describe('samplesToColumns / appendSamples', () => {
  it('aligns every column with t, padding absent objects and fields with null', () => {
    const samples = [
      sample(0, { A: { type: 'outbound-rtp', timestamp: 1, bytesSent: 10 } }),
      sample(1, { A: { type: 'outbound-rtp', timestamp: 2, bytesSent: 20, q: { cpu: 1 } }, B: { type: 'codec', x: 'v' } }),
      sample(2, { B: { type: 'codec', x: 'w' } }),
      sample(3, { A: { type: 'outbound-rtp', timestamp: 4 } }),
    ];
    const columns = samplesToColumns(samples);
    expect(columns.t).toEqual([1000, 1001, 1002, 1003]);
    expect(columns.objects.A.type).toBe('outbound-rtp');
    expect(columns.objects.A.fields.bytesSent).toEqual([10, 20, null, null]);
    expect(columns.objects.A.fields.timestamp).toEqual([1, 2, null, 4]);
    expect(columns.objects.A.fields.q).toEqual([null, { cpu: 1 }, null, null]);
    expect(columns.objects.B).toEqual({ type: 'codec', fields: { type: [null, 'codec', 'codec', null], x: [null, 'v', 'w', null] } });
    expectAligned(columns);
  });

  it('appending in pieces gives the same columns as converting at once', () => {
    const samples = loadCallSamples()['10-1'];
    const whole = samplesToColumns(samples);
    const live = emptyStatsColumns();
    appendSamples(live, samples.slice(0, 1));
    appendSamples(live, []);
    appendSamples(live, samples.slice(1, 17));
    appendSamples(live, samples.slice(17));
    expect(live).toEqual(whole);
    expectAligned(whole);
    expect(whole.t).toHaveLength(60);
    // A real object that appears after the first poll (the 16th object of this call) is padded at the start.
    const late = Object.keys(whole.objects).find((id) => !(id in samples[0].report));
    expect(late).toBeDefined();
    expect(whole.objects[late!].fields.timestamp[0]).toBeNull();
    expect(whole.objects[late!].fields.timestamp[59]).not.toBeNull();
  });

  it('keeps a value of null distinct only by position, and a "__proto__" id as data', () => {
    const columns = samplesToColumns([sample(0, JSON.parse('{"__proto__":{"type":"x","v":null}}'))]);
    expect(Object.keys(columns.objects)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(columns.objects)).toBe(Object.prototype);
    expect(columns.objects['__proto__'].fields.v).toEqual([null]);
  });

  it('gives an object without a string type an empty type', () => {
    expect(samplesToColumns([sample(0, { A: { v: 1 } })]).objects.A.type).toBe('');
  });
});
