/**
 * Delta encoding of getStats reports, used by the page hook (encode, per poll) and the recorder (decode).
 * Lossless: applying the delta of (prev → next) to prev gives next exactly.
 */
import type { Json } from '../protocol/json';
import type { StatsObject, StatsReportJson } from './session';

export interface StatsDelta {
  /** Objects not in the previous report: complete (without `id`). */
  added?: Record<string, StatsObject>;
  /** Objects in both: only the fields whose value changed or appeared (nested values compared by content). */
  changed?: Record<string, Record<string, Json>>;
  /** Fields present in the previous report and gone now, per object id. */
  dropped?: Record<string, string[]>;
  /** Objects in the previous report and gone now. */
  removed?: string[];
}
