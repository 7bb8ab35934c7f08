/**
 * Constants shared by every world. The page hook and the relay talk through DOM CustomEvents on `window`
 * (not `window.postMessage`): a `message` event would be seen by every page listener, which is exactly the
 * kind of change the hook must not make. A CustomEvent of our own type reaches only listeners of that type.
 */
export const PROTOCOL_VERSION = 1;
/** Tag carried by every page → relay envelope. */
export const SOURCE_TAG = 'webrtc-scope';
/**
 * How every page → relay record's JSON text starts (the hook writes `source` first). The relay recognises its own
 * records by this prefix while the page waits, and parses them later, in its batch timer.
 */
export const ENVELOPE_PREFIX = `{"source":${JSON.stringify(SOURCE_TAG)},`;
/**
 * CustomEvent type the hook dispatches on `window`; `detail` is the JSON text of one {@link PageEnvelope}, or of
 * several joined by `\n` (JSON text never holds a raw line feed: `JSON.stringify` escapes it in strings).
 */
export const PAGE_TO_RELAY_EVENT = '__webrtc-scope:page__';
/** CustomEvent type the relay dispatches on `window`; `detail` is a JSON string of a {@link RelayToPage}. */
export const RELAY_TO_PAGE_EVENT = '__webrtc-scope:relay__';
/** `runtime.connect` port names. */
export const RELAY_PORT = 'webrtc-scope/relay';
export const VIEW_PORT = 'webrtc-scope/view';

/** Defaults and limits of stats polling in the page. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
export const MIN_POLL_INTERVAL_MS = 100;
/**
 * The longest poll interval: a minute. Longer would chart nothing a live call needs, and a timer delay above
 * 2^31 − 1 ms overflows and fires at once (a page then polled every few ms).
 */
export const MAX_POLL_INTERVAL_MS = 60_000;

/** The hook joins records into one event only while the event's text stays below this many characters. */
export const PAGE_EVENT_JOIN_CHARS = 256 * 1024;

/** Size caps applied by the relay to page input (the page is untrusted). */
export const RELAY_LIMITS = {
  /** One record's JSON text; an SDP is ≤ ~100 KB, a getStats delta of a big call ≤ ~200 KB. */
  maxRecordChars: 2 * 1024 * 1024,
  /** Records accepted per second per frame (token bucket); more are dropped and counted. */
  maxRecordsPerSecond: 500,
  /** Characters accepted per second per frame. */
  maxCharsPerSecond: 8 * 1024 * 1024,
  /** Batch flush period and size. */
  flushIntervalMs: 150,
  maxBatchChars: 512 * 1024,
  /** Unacknowledged data kept for resending while the worker is away; beyond it the oldest stats go first. */
  maxUnackedChars: 64 * 1024 * 1024,
} as const;

/**
 * Lengths of the page texts a relay's hello carries (the page sets its title and URL at will, and the background
 * rewrites the session summary that holds them with every stored batch). The relay shortens longer ones with
 * `truncateText` (text.ts); the background's guard refuses a hello that still exceeds them.
 */
export const HELLO_LIMITS = {
  maxUrlChars: 2048,
  maxTitleChars: 1024,
  /** Browsers' own user agents are ≤ ~300 characters. */
  maxUserAgentChars: 1024,
} as const;

/**
 * Highest stats poll index a page may send: 2^31 polls take 6.8 years at the fastest poll interval, and keep every
 * index difference far inside the exact integer range of the stats chunk codec.
 */
export const MAX_STATS_INDEX = 2 ** 31;

