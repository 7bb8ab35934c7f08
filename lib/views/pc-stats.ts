/**
 * A PC's stats as a view loads them (`get-pc-stats`): its stored chunks decoded straight into columns, then the
 * samples not chunked yet.
 */
import type { PcStatsPayload } from '../protocol/messages';
import type { StatsColumns } from '../model/session';
import { appendStatsChunks } from '../model/stats-chunk';
import { appendSamples, emptyStatsColumns } from '../model/stats-columns';
import { base64ToBytes } from '../protocol/base64';

/** Columns of every stored sample, in index order; a pending sample a chunk already covers is skipped. */
export function columnsFromPcStats(payload: PcStatsPayload): StatsColumns {
  const columns = emptyStatsColumns();
  const chunks = [...payload.chunks].sort((a, b) => a.firstIndex - b.firstIndex);
  let nextIndex = -Infinity;
  for (const indexes of appendStatsChunks(columns, chunks.map((chunk) => base64ToBytes(chunk.data)))) {
    if (indexes.length > 0) nextIndex = Math.max(nextIndex, indexes[indexes.length - 1] + 1);
  }
  const pending = payload.pending.filter((s) => s.index >= nextIndex).sort((a, b) => a.index - b.index);
  appendSamples(columns, pending);
  return columns;
}
