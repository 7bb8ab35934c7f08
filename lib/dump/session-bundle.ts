/**
 * The unit every dump format reads into and writes from: one whole session. A PC's stats come in one of three
 * equivalent forms: full reports per poll (`samples`), columns (`columns`, what a webrtc-internals dump already
 * is: building a report object per poll for a 100 MB dump cost more than the rest of its import), or the store's
 * encoded chunks (`encoded`, what the import job asks for). Read them through lib/dump/bundle-stats.ts
 * (`pcSamples`, `pcColumns`, `statsPcIds`), never `samples` directly.
 * Importers produce bundles; the store writes a bundle as one imported session; exporters read bundles built
 * from the store. Pure data: no extension, DOM or UI API (dump code also runs in a worker and in Node tests).
 */
import type { PcSummary, SessionSummary, StatsColumns, StatsSample, TraceEvent } from '../model/session';

export interface SessionBundle {
  /** For imports: `id` is `"import:<uuid>"`, `tabId` null, `imported` set to the file name and format. */
  session: SessionSummary;
  /** In creation order. */
  pcs: PcSummary[];
  /** Gap-free `seq` from 0, in time order; TraceRecord `pc` numbers match the PC ids' `"<frame>-<pc>"`. */
  events: TraceEvent[];
  /**
   * Per PC id: every poll, ascending `index` from 0 and ascending `t`. A PC's stats are in exactly one of
   * `samples[pcId]` and `columns[pcId]` (or in neither: no stats).
   */
  samples: Record<string, StatsSample[]>;
  /**
   * Per PC id: the same polls as columns (row = sample index, `t` ascending; null = absent; an object or field
   * never holds a JSON null, and every row has at least one object). Samples are `columnsToSamples(columns)`.
   * The store may release a PC's columns once it has encoded them (`SessionStore.importBundles` with `release`).
   */
  columns?: Record<string, StatsColumns>;
  /**
   * Per PC id: the same polls already packed as the store packs them (the import job asks the importer for this
   * form, `ImportOptions.encodeColumns`, so that a large file's columns are encoded PC by PC and never all alive at
   * once). A PC's stats are in exactly one of `samples`, `columns` and `encoded`.
   */
  encoded?: Record<string, EncodedStats>;
}

/** One stats chunk (lib/model/stats-chunk) of consecutive polls: rows [firstIndex, firstIndex + count). */
export interface EncodedStatsChunk {
  firstIndex: number;
  count: number;
  startT: number;
  endT: number;
  data: Uint8Array;
}

/** A PC's polls as consecutive stats chunks, in row order from row 0 (`count` rows in all). */
export interface EncodedStats {
  count: number;
  chunks: EncodedStatsChunk[];
}

/** Names a format everywhere: in detection results, `session.imported.format`, error messages and the UI. */
export type DumpFormat =
  | 'webrtc-scope'
  | 'webrtc-internals'
  | 'rtcstats-legacy'
  | 'rtcstats-v3'
  | 'firefox-about-webrtc';

/**
 * A dump that cannot be read. The message is for the user: it names the file, the format the content looked
 * like, and where it went wrong (line and/or key path).
 */
export class DumpError extends Error {
  override readonly name = 'DumpError';
  constructor(
    readonly fileName: string,
    readonly format: DumpFormat | 'unknown',
    /** e.g. `line 12`, `PeerConnections["12-1"].stats["IT01V-bytesReceived"].values`, `byte 0`. */
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${fileName}: ${format === 'unknown' ? 'not a dump format WebRTC Scope reads' : `looks like ${/^[aeiou]|^rtc/.test(format) ? 'an' : 'a'} ${format} dump`}; at ${where}: ${reason}`);
  }
}
