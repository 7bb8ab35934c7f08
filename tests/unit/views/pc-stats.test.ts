import { describe, expect, it } from 'vitest';
import { encodeStatsChunk } from '../../../lib/model/stats-chunk';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { bytesToBase64 } from '../../../lib/protocol/base64';
import { columnsFromPcStats } from '../../../lib/views/pc-stats';
import { loadCallSamples } from '../model/corpus';

describe('columnsFromPcStats (a PC’s stats as get-pc-stats delivers them)', () => {
  it('gives the columns of all samples: chunks in any order, then pending samples not already chunked', () => {
    for (const samples of Object.values(loadCallSamples())) {
      const chunk = (from: number, to: number) => ({ firstIndex: samples[from].index, count: to - from, data: bytesToBase64(encodeStatsChunk(samples.slice(from, to))) });
      const payload = {
        chunks: [chunk(20, 40), chunk(0, 20)],
        // The last chunk's samples may still be pending when a write raced the read: they must not count twice.
        pending: [...samples.slice(35)].reverse(),
      };
      expect(columnsFromPcStats(payload)).toEqual(samplesToColumns(samples));
    }
  });

  it('gives empty columns for a PC without samples', () => {
    expect(columnsFromPcStats({ chunks: [], pending: [] }).t).toEqual([]);
  });
});
