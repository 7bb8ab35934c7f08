/**
 * Issue thresholds: user settings (Settings.health), with defaults from the sources in shared/docs/domain.md §3.4.
 * Each rule turns on above its threshold and off only below {@link HYSTERESIS_OFF_RATIO} of it (see hysteresis.ts).
 */

export interface HealthThresholds {
  /** Interval packet loss, percent (webrtc-issue-detector: > 5 % = network issue). */
  lossPercent: number;
  /** Interarrival jitter of audio streams, ms (Sinch: > 30 ms in 3 of the last 4 samples). */
  audioJitterMs: number;
  /** Interarrival jitter of video streams, ms (rtcstats.com KB: average > 40 ms). */
  videoJitterMs: number;
  /** Round-trip time, ms (rtcstats.com KB, Sinch, ObserveRTC: > 300 ms problematic). */
  rttMs: number;
  /** Sent video below this, kbit/s, while frames are being encoded = low bitrate. */
  minVideoBitrateKbps: number;
  /** Sent bitrate below this share of its median over the previous samples = collapsed (0–1). */
  bitrateCollapseRatio: number;
  /** Received video frozen for more than this share of an interval (webrtc-issue-detector: 30 %), 0–1. */
  freezeRatio: number;
  /** …or its freezes lasting longer than this on average over an interval, seconds (webrtc-issue-detector: 1 s). */
  meanFreezeSeconds: number;
  /**
   * …or frozen for more than this share of the last {@link FREEZE_WINDOW_MS} (zoharbabin/webrtc-inspector, ObserveRTC:
   * freeze ratio > 10 %), 0–1: freezes each too short for the two limits above, and spread over intervals, that add
   * up to unwatchable video.
   */
  sustainedFreezeRatio: number;
  /** Sent frame rate below this share of the capture rate = fps far below the source, 0–1. */
  fpsShareOfSource: number;
  /** Time an encoder is quality-limited by CPU or bandwidth, share of an interval (ObserveRTC: CPU > 0.3), 0–1. */
  qualityLimitedShare: number;
  /** ICE still checking after this many seconds (ObserveRTC, webrtc-inspector: 5 s). */
  iceCheckingSeconds: number;
  /**
   * Connected later than this after the setup started (ICE gathering or checking, once the answer is set), seconds
   * (domain.md §3.4: setup > 5 s).
   */
  iceSetupSeconds: number;
  /** Disconnected for longer than this, seconds (ObserveRTC: 5 s). */
  disconnectedSeconds: number;
  /** An inbound stream that had packets and got none for this long, seconds (ObserveRTC dry track: 5 s). */
  noPacketsSeconds: number;
  /** A data channel open this long without a message either way, seconds. */
  idleDataChannelSeconds: number;
  /**
   * Audible concealment of received audio over {@link CONCEALMENT_WINDOW_MS}, percent (ObserveRTC: on at 3 %, off at
   * 1 %: the off level is a third of this, {@link CONCEALMENT_OFF_RATIO}).
   */
  concealmentPercent: number;
  /** Keyframe requests (PLI) per second over {@link KEYFRAME_WINDOW_MS} (ObserveRTC keyframe storm: 0.5/s). */
  keyframeRequestsPerSecond: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  lossPercent: 5,
  audioJitterMs: 30,
  videoJitterMs: 40,
  rttMs: 300,
  minVideoBitrateKbps: 100,
  bitrateCollapseRatio: 0.3,
  freezeRatio: 0.3,
  meanFreezeSeconds: 1,
  sustainedFreezeRatio: 0.1,
  fpsShareOfSource: 0.5,
  qualityLimitedShare: 0.3,
  iceCheckingSeconds: 5,
  iceSetupSeconds: 5,
  disconnectedSeconds: 5,
  noPacketsSeconds: 5,
  idleDataChannelSeconds: 30,
  concealmentPercent: 3,
  keyframeRequestsPerSecond: 0.5,
};

/** Limits of each threshold a user may set; values outside fall back to the default. */
const LIMITS: Record<keyof HealthThresholds, [min: number, max: number]> = {
  lossPercent: [0.1, 100],
  audioJitterMs: [1, 10_000],
  videoJitterMs: [1, 10_000],
  rttMs: [1, 60_000],
  minVideoBitrateKbps: [1, 100_000],
  bitrateCollapseRatio: [0.01, 0.99],
  freezeRatio: [0.01, 1],
  meanFreezeSeconds: [0.1, 60],
  sustainedFreezeRatio: [0.01, 1],
  fpsShareOfSource: [0.01, 1],
  qualityLimitedShare: [0.01, 1],
  iceCheckingSeconds: [1, 600],
  iceSetupSeconds: [1, 600],
  disconnectedSeconds: [1, 600],
  noPacketsSeconds: [1, 600],
  idleDataChannelSeconds: [1, 86_400],
  concealmentPercent: [0.1, 100],
  keyframeRequestsPerSecond: [0.01, 100],
};

/** Thresholds from untrusted storage: unknown keys dropped, each value a finite number within its limits. */
export function normalizeHealthThresholds(raw: unknown): HealthThresholds {
  const input = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out = { ...DEFAULT_HEALTH_THRESHOLDS };
  for (const key of Object.keys(LIMITS) as (keyof HealthThresholds)[]) {
    const value = Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined;
    const [min, max] = LIMITS[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) out[key] = value;
  }
  return out;
}

/** Limits of one threshold (for the settings form). */
export function thresholdLimits(key: keyof HealthThresholds): readonly [number, number] {
  return LIMITS[key];
}

// ─── hysteresis ─────────────────────────────────────────────────────────────────────────────────────────────────

/** A rule turns on when this many of the last {@link ENTER_WINDOW} known samples are over (Sinch: 3 of 4). */
export const ENTER_COUNT = 3;
export const ENTER_WINDOW = 4;
/** …and off after this many consecutive known samples below the off level. */
export const EXIT_COUNT = 4;
/** The off level is this share of the on threshold (for "above" rules; the inverse for "below" rules). */
export const HYSTERESIS_OFF_RATIO = 0.8;

// ─── windows of sample time ─────────────────────────────────────────────────────────────────────────────────────
// Measured in sample time, not rows: a poll interval can be anything from 100 ms to several seconds, and a number
// of rows would be half a second at one and minutes at another.

/**
 * The current score is the mean over this much sample time (5 polls at the default 1 s): one odd interval does not
 * move it much, and at 100 ms polls it is not the last half second.
 */
export const CURRENT_SCORE_MS = 5_000;
/**
 * A low or very low current score lowers the verdict only once it has held this long (domain.md §3.4, peermetrics
 * `check_emos_score`: MOS < 4 low, < 3 very low, for ≥ 30 s).
 */
export const SCORE_HOLD_MS = 30_000;
/**
 * …and a stretch of it ends only after the current score has been back above the level for this long: a few good
 * seconds in a bad stretch do not start its 30 s over. Longer than {@link CURRENT_SCORE_MS}, since one good interval
 * lifts the current score for that long.
 */
export const SCORE_CLEAR_MS = 10_000;
/** Audio concealment is the share of samples concealed over this much sample time (ObserveRTC: 15 s). */
export const CONCEALMENT_WINDOW_MS = 15_000;
/** Concealment turns off below this share of its on level (ObserveRTC: on at 3 %, off at 1 %). */
export const CONCEALMENT_OFF_RATIO = 1 / 3;
/** Keyframe requests are counted over this much sample time (ObserveRTC keyframe storm: 30 s). */
export const KEYFRAME_WINDOW_MS = 30_000;
/**
 * Received video's frozen time is summed over this much sample time for {@link HealthThresholds.sustainedFreezeRatio}.
 * domain.md §3.4 gives the 10 % without a window; 30 s is the window of ObserveRTC's other sustained rules (keyframe
 * storm, silent track) and of the verdict's hold ({@link SCORE_HOLD_MS}). At 10 % it takes 3 s frozen in 30 s: a single
 * short freeze (under a second) is a tenth of that, while a 0.8 s freeze every 3 s (27 %) trips it whatever the poll
 * interval; and it ends within half a minute once the freezing stops.
 */
export const FREEZE_WINDOW_MS = 30_000;
/**
 * A verdict over the whole PC needs this much sample time of rated media (rows with a score, each for its interval):
 * the current score lowers the live verdict only once it held {@link SCORE_HOLD_MS} (domain.md §3.4, peermetrics:
 * MOS < 4 / < 3 "for ≥ 30 s"), and a verdict over the call from less media than that would be more confident than
 * the live one ever is. Below it there is no verdict over the call (unless a critical issue makes one).
 */
export const OVERALL_VERDICT_MIN_MS = SCORE_HOLD_MS;
