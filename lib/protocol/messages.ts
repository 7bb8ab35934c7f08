/**
 * Every message shape of WebRTC Scope, named by direction. No other module declares a message.
 *
 *   page hook ──PageEnvelope (CustomEvent)──▶ relay ──RelayToBackground (port)──▶ background
 *   page hook ◀──RelayToPage (CustomEvent)─── relay ◀──BackgroundToRelay (port)─── background
 *   views     ──ViewToBackground (port)──▶ background ──BackgroundToView (port)──▶ views
 */
import type { ErrorInfo, Json, JsonObject } from './json';
import type { StatsDelta } from '../model/stats-delta';
import type { SessionSummary, SessionData, TraceEvent, PcSummary, StatsSample } from '../model/session';
import type { Settings } from '../model/settings';
import type { PcGlance } from '../model/health/assess';
import type { HealthIssue } from '../model/health/rules';
import type { QualityVerdict } from '../model/health/e-model';
import type { ExportRequest, ExportResult, ImportFileResult, ImportProgress } from '../dump/dump-jobs';

// ───────────────────────────── page → relay ─────────────────────────────

/** Peer-connection methods the hook traces (sender/transceiver methods are prefixed with their object). */
export const PC_METHODS = [
  'createOffer',
  'createAnswer',
  'setLocalDescription',
  'setRemoteDescription',
  'addIceCandidate',
  'addTrack',
  'removeTrack',
  'addTransceiver',
  'createDataChannel',
  'restartIce',
  'setConfiguration',
  'close',
  'sender.replaceTrack',
  'sender.setParameters',
  'transceiver.setCodecPreferences',
  'transceiver.direction',
  'transceiver.stop',
] as const;
export type PcMethod = (typeof PC_METHODS)[number];

/** Peer-connection events the hook observes (with addEventListener, never through `on…` properties). */
export const PC_EVENTS = [
  'icecandidate',
  'icecandidateerror',
  'track',
  'negotiationneeded',
  'signalingstatechange',
  'iceconnectionstatechange',
  'icegatheringstatechange',
  'connectionstatechange',
  'datachannel',
] as const;
export type PcEventName = (typeof PC_EVENTS)[number];

/**
 * `pc-event` name of an entry of an imported dump that has no record of its own (webrtc-internals
 * `transceiverAdded`, rtcstats `onaddstream`, …): value `{name, text}`, the entry's name and its value as text.
 * Never sent by the hook; the page guards refuse it (lib/dump/format-scope.ts reads it from our own files).
 */
export const DUMP_ENTRY_EVENT = 'dump-entry';
export type DumpEntryValue = { name: string; text: string };
/** Longest entry name kept from a file (longer ones are cut): our own format's reader refuses longer ones. */
export const MAX_DUMP_ENTRY_NAME = 256;

/**
 * An entry of an imported dump that belongs to no PC and has no record of its own (rtcstats app events with a null
 * PC id: `identity`, `logs`, `dominantSpeaker`, …), kept in the session's trace. Not a page record: only importers
 * make it, and the page guards refuse its type (lib/dump/format-scope.ts reads it from our own files).
 */
export interface FileEntryRecord {
  type: 'file-entry';
  t: number;
  value: DumpEntryValue;
}

/**
 * The media calls the hook traces: requests for media and the device list on `navigator.mediaDevices`, and a track's
 * `applyConstraints` (the page changing a camera's or microphone's resolution, frame rate, processing…), whose record
 * names the track.
 */
export const MEDIA_METHODS = ['getUserMedia', 'getDisplayMedia', 'enumerateDevices', 'applyConstraints'] as const;
export type MediaMethod = (typeof MEDIA_METHODS)[number];
/** A media method that asks for media (the others list devices or change a track). */
export const isMediaRequest = (method: MediaMethod): boolean => method === 'getUserMedia' || method === 'getDisplayMedia';

/** A track as records name it (a type, not an interface: it is JSON). */
export type TrackInfo = { id: string; kind: string; label: string };

/** The track events the hook listens to. */
export const TRACK_EVENTS = ['mute', 'unmute', 'ended'] as const;
/**
 * What a `track-event` record may say: an event, or `stop`, the page's own `track.stop()` on a live track it got from
 * getUserMedia/getDisplayMedia or a PC, which fires no event (the track just ends, by the spec).
 */
export const TRACK_RECORD_EVENTS = [...TRACK_EVENTS, 'stop'] as const;
export type TrackEventName = (typeof TRACK_RECORD_EVENTS)[number];

export const CHANNEL_EVENTS = ['open', 'closing', 'close', 'error'] as const;
export type ChannelEventName = (typeof CHANNEL_EVENTS)[number];

/** Where a sender/transceiver call went: the transceiver's mid (null before negotiation) and its index. */
export interface RtpTarget {
  mid: string | null;
  index: number;
}

/**
 * One traced fact from the page. `pc` is the hook's per-document counter (1, 2, …); `call` pairs a call with its
 * settlement; `t` is epoch ms (float, `performance.timeOrigin + performance.now()`) in the page.
 */
export type PageRecord =
  | {
      type: 'pc-created';
      pc: number;
      t: number;
      /** Sanitised `getConfiguration()` after construction (certificates → {expires, fingerprints}, no credentials). */
      config: JsonObject;
      /** Legacy second constructor argument, when given. */
      constraints?: Json;
    }
  | { type: 'pc-call'; pc: number; t: number; call: number; method: PcMethod; args: Json[]; target?: RtpTarget }
  | {
      type: 'pc-settled';
      pc: number;
      t: number;
      call: number;
      method: PcMethod;
      ok: boolean;
      /** Resolved (or returned) value, serialised; absent for `undefined`. */
      value?: Json;
      error?: ErrorInfo;
    }
  | { type: 'pc-event'; pc: number; t: number; event: PcEventName | typeof DUMP_ENTRY_EVENT; value: Json }
  | { type: 'channel-event'; pc: number; t: number; channel: { id: number | null; label: string }; event: ChannelEventName }
  | {
      type: 'pc-stats';
      pc: number;
      /** Poll number of this PC, from 0, no gaps: the recorder detects a broken delta chain by it. */
      index: number;
      /** When the poll's getStats() resolved. */
      t: number;
      /** Changes since the previous poll, or, with `reset`, since an empty report (a full snapshot). */
      delta: StatsDelta;
      /** Set on the first poll and after a `resync` request: the delta is a complete report. */
      reset?: true;
      /** What the poll cost the page: getStats latency and the hook's own main-thread time (ms). */
      cost: { getStatsMs: number; hookMs: number };
    }
  /**
   * `new RTCPeerConnection(…)` threw (a malformed ICE server URL, expired certificates, …): no PC exists, so the
   * record belongs to the session; `args` as given (credentials removed), `error` as thrown.
   */
  | { type: 'pc-create-failed'; t: number; args: Json[]; error: ErrorInfo }
  /** `track`: the track of an `applyConstraints` call (the others have none). */
  | { type: 'media-call'; call: number; t: number; method: MediaMethod; args: Json[]; track?: TrackInfo }
  /** `value` of a settled `applyConstraints`: the track's `getSettings()` after it. */
  | { type: 'media-settled'; call: number; t: number; method: MediaMethod; ok: boolean; value?: Json; error?: ErrorInfo }
  | { type: 'track-event'; t: number; track: TrackInfo; event: TrackEventName };

export type PageRecordType = PageRecord['type'];

/** What the hook dispatches: the record inside a tagged, versioned envelope. */
export interface PageEnvelope {
  source: 'webrtc-scope';
  v: number;
  record: PageRecord;
}

// ───────────────────────────── relay → page ─────────────────────────────

/** Capture settings the relay pushes to the hook of its frame. */
export type RelayToPage = {
  source: 'webrtc-scope';
  v: number;
  type: 'config';
  /** false: the site is excluded or capture is paused; the hook stops polling and posting. */
  enabled: boolean;
  pollIntervalMs: number;
  /**
   * The relay had to drop stats records (caps): the next poll of every PC must be a full snapshot
   * (`reset: true`), so that the stored delta chain can continue.
   */
  resync?: boolean;
};

// ───────────────────────────── relay ⇄ background ─────────────────────────────

/** First message on every relay port (also after a reconnect). */
export interface RelayHello {
  type: 'hello';
  v: number;
  /** Random id of this frame's document, fixed for its lifetime. */
  frameLoadId: string;
  isTop: boolean;
  url: string;
  title: string;
  /** `performance.timeOrigin` of the document. */
  timeOrigin: number;
  userAgent: string;
}

export type RelayToBackground =
  | RelayHello
  | {
      type: 'batch';
      /** Per-frame batch number from 1; the background drops batches it has already stored (resends). */
      seq: number;
      records: PageRecord[];
      /** Records the relay refused since the previous batch (caps, validation), with the reason counts. */
      refused?: Record<string, number>;
    }
  /**
   * The document is going away (pagehide without persistence): its live PCs are gone. The background stamps the
   * end with its own clock (retention ages sessions by it), not with `t`, the relay's time.
   */
  | { type: 'unload'; t: number };

export type BackgroundToRelay =
  /** Batches up to `seq` are stored; the relay may forget them. */
  | { type: 'ack'; seq: number }
  /** A PC's stats delta chain broke (a record was lost): ask the hook for full snapshots. */
  | { type: 'resync' }
  /**
   * The tab's top-level site is paused or excluded (the relay of a subframe cannot always know it: Firefox has no
   * `location.ancestorOrigins`): stop capture in this frame until the settings change. Records are dropped meanwhile.
   */
  | { type: 'capture-off' };

/** `tabs.sendMessage` from the background to a tab's top frame, answered by its relay. */
export type BackgroundToTopFrame = { type: 'webrtc-scope/top-load-id?' };
export type TopFrameAnswer = { frameLoadId: string; url: string; title: string };

// ───────────────────────────── views ⇄ background ─────────────────────────────

/** Requests a view may make; each carries `reqId` and gets exactly one `response`. */
export type ViewRequest =
  | { type: 'list-sessions'; tabId?: number }
  /**
   * Everything stored for a session. With `withStats: false` its `stats` are left out (`{}`): the views fetch each
   * PC's stats with `get-pc-stats` when they show it, because a long call's columns as JSON run to tens of MB.
   */
  | { type: 'get-session'; sessionId: string; withStats?: boolean }
  /**
   * One PC's stored stats as the store holds them: its compressed chunks (base64, in order) and the samples not
   * chunked yet. `pcId: null`: the session's first PC (by creation, as `get-session` lists them), so a view can ask
   * for the stats it shows first together with the session instead of after it.
   */
  | { type: 'get-pc-stats'; sessionId: string; pcId: string | null }
  | { type: 'delete-sessions'; sessionIds: string[] }
  | { type: 'get-settings' }
  | { type: 'set-settings'; settings: Partial<Settings> }
  | { type: 'get-notices' }
  /** The popup's glance at a tab: its live PCs' health, its recent sessions' verdicts, capture state of its site. */
  | { type: 'get-tab-health'; tabId: number };

export type ViewToBackground =
  | ({ reqId: number } & ViewRequest)
  /**
   * Live updates for a tab: the background sends `tab-update`s until `unsubscribe` or the port closes. Sent again
   * for a subscribed tab, it replaces the stats filter (none: every PC's samples).
   */
  | { type: 'subscribe-tab'; tabId: number; stats?: StatsFilter }
  | { type: 'unsubscribe-tab'; tabId: number };

/**
 * Which stats samples a view wants of a tab's updates: of session `sessionId`, only the PCs in `pcIds` (those whose
 * stats the view holds or is fetching); every other session's samples as they come. A live panel shows one PC: the
 * others' full reports every second cost the view the port's JSON parsing, and the worker the serialising, for
 * nothing. Counters (PcSummary.sampleCount) still come for every PC, so a view can see a gap in what it holds.
 */
export interface StatsFilter {
  sessionId: string;
  pcIds: string[];
}

/**
 * A PC's stored stats for a view (`get-pc-stats`): the chunks as stored (lib/model/stats-chunk, base64 because
 * Chrome passes port messages as JSON) and the pending samples, by index. A view decodes the chunks straight into
 * columns (appendStatsChunk): a few hundred KB cross the port instead of the columns' JSON.
 */
export interface PcStatsPayload {
  /** The PC they are (set when asked for the first PC; absent when the session has none). */
  pcId?: string;
  chunks: { firstIndex: number; count: number; data: string }[];
  pending: StatsSample[];
}

/** Live records of one session, as the recorder stored them. */
export interface SessionUpdate {
  session: SessionSummary;
  /** New or changed peer connections. */
  pcs: PcSummary[];
  events: TraceEvent[];
  /** New stats samples, as full reports, per PC id. */
  stats: { pcId: string; samples: StatsSample[] }[];
}

/** A live PC as the popup shows it. */
export interface LivePcHealth extends PcGlance {
  createdAt: number;
  frameUrl: string;
}

/** A finished session of the tab with its overall verdict (null while not assessed yet, without media, or with under 30 s of it). */
export interface RecentSessionHealth {
  session: SessionSummary;
  assessed: boolean;
  verdict: QualityVerdict | null;
  score: number | null;
  /** Title of the most important issue of the session. */
  topIssue: string | null;
}

export interface TabHealth {
  tabId: number;
  /**
   * The tab's current session: its page's, while that page is there (null: nothing recorded in the page the tab
   * shows; a session of a page the tab left is among `recent`), and its live PCs (none while capture is off for the
   * site: their figures would be frozen at the pause).
   */
  current: SessionSummary | null;
  live: LivePcHealth[];
  /** The current session's verdict over the call, once it has no live PC (a call that hung up); else null. */
  currentOverall: RecentSessionHealth | null;
  /**
   * The current session's failed getUserMedia / getDisplayMedia calls (`getusermedia-failed`), newest last: with or
   * without a peer connection, what a page whose camera request failed has to show.
   */
  mediaFailures: HealthIssue[];
  /** Worst current verdict of the live PCs. */
  verdict: QualityVerdict | null;
  /** Earlier sessions of the tab (reloads), newest first, at most {@link RECENT_SESSIONS}. */
  recent: RecentSessionHealth[];
  capture: {
    /** Host of the tab's page (of its session, else of the tab's URL), lower case; null when unknown. */
    site: string | null;
    /** Paused for this site from the popup. */
    sitePaused: boolean;
    /** Excluded in the settings, or everything paused: the popup cannot resume it alone. */
    excluded: boolean;
    pausedEverywhere: boolean;
  };
}

/** How many earlier sessions the popup lists. */
export const RECENT_SESSIONS = 5;

export type BackgroundToView =
  | { type: 'response'; reqId: number; ok: true; value: Json | SessionSummary[] | SessionData | PcStatsPayload | Settings | TabHealth | null }
  | { type: 'response'; reqId: number; ok: false; error: string }
  | { type: 'tab-update'; tabId: number; update: SessionUpdate };

// ───────────────────────────── views ⇄ dump worker ─────────────────────────────
// A dedicated worker of the viewer/panel page (lib/views/dump-worker.ts) reads and writes IndexedDB itself, so
// dump files never cross the background's port. Worker messages are structured clones: bytes travel as-is.

export type ViewToDumpWorker =
  | { type: 'import'; jobId: number; files: { name: string; bytes: Uint8Array }[]; allowPartial: boolean }
  | { type: 'export'; jobId: number; request: ExportRequest; meta: { extensionVersion: string; userAgent: string } };

export type DumpWorkerToView =
  | { type: 'import-progress'; jobId: number; progress: ImportProgress }
  | { type: 'import-done'; jobId: number; results: ImportFileResult[] }
  | { type: 'export-done'; jobId: number; result: ExportResult }
  | { type: 'job-failed'; jobId: number; error: string };
