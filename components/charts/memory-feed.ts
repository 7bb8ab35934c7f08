/**
 * A StatsFeed over columns held in memory: for DOM tests, benchmarks and imported data that is not live. `append`
 * grows a PC's columns in place and notifies listeners with the first new row, like the live view store does.
 */
import type { StatsColumns, StatsSample } from '../../lib/model/session';
import { appendSamples, emptyStatsColumns } from '../../lib/model/stats-columns';
import type { StatsFeed } from '../../lib/views/stats-feed';

export interface MemoryFeed extends StatsFeed {
  /** Replaces a PC's columns (listeners get fromRow 0). */
  set(pcId: string, columns: StatsColumns): void;
  /** Appends samples to a PC's columns (created if needed); listeners get the first new row. */
  append(pcId: string, samples: StatsSample[]): void;
}

export function createMemoryFeed(initial: Record<string, StatsColumns> = {}): MemoryFeed {
  const columns = new Map<string, StatsColumns>(Object.entries(initial));
  const listeners = new Set<(pcId: string, fromRow: number) => void>();
  const notify = (pcId: string, fromRow: number) => {
    for (const l of [...listeners]) l(pcId, fromRow);
  };
  return {
    columns: (pcId) => columns.get(pcId),
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(pcId, next) {
      columns.set(pcId, next);
      notify(pcId, 0);
    },
    append(pcId, samples) {
      let target = columns.get(pcId);
      if (!target) columns.set(pcId, (target = emptyStatsColumns()));
      const fromRow = target.t.length;
      appendSamples(target, samples);
      notify(pcId, fromRow);
    },
  };
}
