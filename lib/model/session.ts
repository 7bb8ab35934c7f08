/**
 * What a stored session is made of. The background's recorder produces these; storage keeps them; views read
 * them. Pure types: no extension or UI API.
 */
import type { Json, JsonObject } from '../protocol/json';
import type { FileEntryRecord, PageRecord } from '../protocol/messages';

/** One stats object of a report, without its `id` (the report's key). Holds `type` and `timestamp`. */
export type StatsObject = JsonObject;
/** A full getStats report as plain JSON: stats id → object. */
export type StatsReportJson = Record<string, StatsObject>;

/** One poll of one peer connection, as a full report (deltas already applied). */
export interface StatsSample {
  /** 0-based poll number within the PC. */
  index: number;
  /** Page time the poll resolved (epoch ms). */
  t: number;
  report: StatsReportJson;
  cost?: { getStatsMs: number; hookMs: number };
}

/** Every record except stats, as stored in a session's event trace (plus entries only imported files have). */
export type TraceRecord = Exclude<PageRecord, { type: 'pc-stats' }> | FileEntryRecord;

export interface TraceEvent {
  /** Order within the session, from 0, gap-free. */
  seq: number;
  /** Index of the frame (document) within the session that produced it. */
  frame: number;
  /** Session-wide PC id (`"<frame>-<pc>"`), or null for getUserMedia and track records not tied to a PC. */
  pcId: string | null;
  record: TraceRecord;
}

export type ConnectionStates = {
  signalingState: string;
  iceConnectionState: string;
  iceGatheringState: string;
  connectionState: string;
};

export interface PcSummary extends ConnectionStates {
  sessionId: string;
  /** `"<frame>-<pc>"`, unique within the session (shaped like webrtc-internals' `"<rid>-<lid>"` keys). */
  pcId: string;
  frame: number;
  frameUrl: string;
  createdAt: number;
  /** When close() was called or the document went away; null while open. */
  closedAt: number | null;
  closedBy: 'close' | 'unload' | 'session-end' | null;
  config: JsonObject;
  constraints?: Json;
  sampleCount: number;
  lastSampleAt: number | null;
  /** Imported PCs: the file's own id for this PC (webrtc-internals `"12-1"`, rtcstats `"PC_0"`, a Firefox pcid). */
  fileId?: string;
}

export interface FrameInfo {
  index: number;
  frameLoadId: string;
  url: string;
  isTop: boolean;
  timeOrigin: number;
  /** Last batch stored from this frame's relay (resends at or below it are ignored). */
  lastBatchSeq: number;
}

export interface SessionSummary {
  /** `"<tabId>:<top document's frameLoadId>"` for recorded sessions; `"import:<uuid>"` for imports. */
  id: string;
  tabId: number | null;
  url: string;
  origin: string;
  title: string;
  userAgent: string;
  startedAt: number;
  lastActivityAt: number;
  /** null while the document is alive; set when it unloads, the tab closes, or the browser restarts. */
  endedAt: number | null;
  pcCount: number;
  mediaCallCount: number;
  eventCount: number;
  sampleCount: number;
  /** Approximate bytes stored for this session (summary, PC rows and configurations, events, stats). */
  bytes: number;
  frames: FrameInfo[];
  /** Records refused, by reason: by the relay (size and rate caps, invalid) and the background (session caps). */
  refused: Record<string, number>;
  /**
   * Set on sessions that came from a dump file. `importedAt` (epoch ms) is when it was stored: retention ages an
   * import by it, not by the file's own times (a dump of a call months ago is new to this store). Absent in exported
   * files and in bundles an importer builds; the store sets it.
   */
  imported?: { fileName: string; format: string; importedAt?: number };
}

/** Still recording: not ended and not imported (an imported session gets nothing more, whether or not its file gave it an end). */
export function isLiveSession(s: SessionSummary): boolean {
  return s.endedAt === null && !s.imported;
}

/** Stats of one PC as columns, ready for charts: every column is aligned with `t`; `null` where absent. */
export interface StatsColumns {
  t: number[];
  objects: Record<string, { type: string; fields: Record<string, (Json | null)[]> }>;
  /** What each poll cost the page (ms), aligned with `t`; null where unknown (e.g. imported data). */
  cost: { getStatsMs: (number | null)[]; hookMs: (number | null)[] };
}

/** One stats object's columns (see {@link StatsColumns}). */
export type StatsObjectColumns = StatsColumns['objects'][string];

const hasOwnProperty = Object.prototype.hasOwnProperty;

/**
 * The columns of stats object `id`, or undefined. Own entries only: ids also come from field values the page
 * chooses (a pair's `localCandidateId`, a stream's `codecId`), and `columns.objects["constructor"]` must not find
 * Object.prototype's.
 */
export function statsObjectOf(columns: StatsColumns, id: string): StatsObjectColumns | undefined {
  return hasOwnProperty.call(columns.objects, id) ? columns.objects[id] : undefined;
}

/** `table[key]` when `table` has it as its own property (a lookup by a page-chosen key, e.g. a stats type). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwnProperty.call(table, key) ? table[key] : undefined;
}

/** Everything stored for a session, as a view reads it. */
export interface SessionData {
  session: SessionSummary;
  pcs: PcSummary[];
  events: TraceEvent[];
  stats: Record<string, StatsColumns>;
}
