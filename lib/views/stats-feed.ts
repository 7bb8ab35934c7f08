/**
 * The contract between the view store and everything that draws stats: a live, growing set of columns per peer
 * connection. Charts and the latest-value views (header, candidate pairs, stats table) read columns from here and
 * listen for appends, so a new sample never re-renders the Preact tree: only the parts that show values redraw.
 */
import type { StatsColumns } from '../model/session';

export interface StatsFeed {
  /** The PC's columns (grown in place as samples arrive), or undefined when it has no samples yet. */
  columns(pcId: string): StatsColumns | undefined;
  /**
   * Calls back after samples were appended to a PC's columns: rows `fromRow` … `columns.t.length - 1` are new.
   * `fromRow` 0 means the columns were replaced (e.g. a session was loaded). Returns an unsubscribe function.
   */
  onAppend(listener: (pcId: string, fromRow: number) => void): () => void;
}
