/**
 * Estimated video quality, 0–100, from frame rate, resolution, freezes and bits per pixel. shared/docs/domain.md
 * gives no formula for it (only the inputs, §3.1, and thresholds, §3.4), so this is our own design:
 *
 *   score = clamp(100 − P_fps − P_resolution − P_freeze − P_bpp, 0, 100)
 *
 * Each penalty is bounded, grows linearly as its input gets worse and is 0 for an unknown (null) input, so the
 * score is monotonic in every input (more fps, more pixels, more bits per pixel, less freezing never lowers it).
 * Constants and where they come from:
 * - P_fps ≤ {@link FPS_PENALTY}: 40 · (1 − min(1, fps / target)); target = the source's capture rate when known
 *   (media-source `framesPerSecond`, §3.1: "fps far below the source"), else {@link DEFAULT_TARGET_FPS}.
 * - P_resolution ≤ {@link RESOLUTION_PENALTY}: 20 · (1 − r); with the source's size known, r = min(1, pixels /
 *   source pixels) (the sender scaled down, e.g. quality-limited); else r rises linearly in log2(pixels) from 0 at
 *   160×90 to 1 at 640×360 (the smallest and the usual default rungs of libwebrtc's simulcast/resolution ladder).
 * - P_freeze ≤ {@link FREEZE_PENALTY}: 50 · min(1, freeze ratio / 0.3); freeze ratio = frozen time / interval
 *   (§3.1), 0.3 = "freeze time > 30 % of interval" = frozen (§3.4, webrtc-issue-detector); 10 % (§3.4,
 *   webrtc-inspector's threshold) costs 16.7 points, enough to leave "good".
 * - P_bpp ≤ {@link BPP_PENALTY}: 20 · (1 − b), b rising linearly in log2(bpp) from 0 at 0.01 bit/pixel to 1 at 0.07
 *   (the "Kush gauge" rule of thumb, bitrate ≈ pixels · fps · motion · 0.07, for low motion [U]). Bits per pixel
 *   depends on the codec; the penalty is meant for a coarse "starved encoder" signal, not for comparing codecs.
 *
 * The verdict uses the same 0–100 thresholds as the audio score ({@link verdictFromScore}).
 * Pure; never NaN.
 */
import { verdictFromScore, type QualityVerdict } from './e-model';

export const FPS_PENALTY = 40;
export const RESOLUTION_PENALTY = 20;
export const FREEZE_PENALTY = 50;
export const BPP_PENALTY = 20;
/** Target frame rate when the source's is unknown. */
export const DEFAULT_TARGET_FPS = 30;
/** Pixel counts where the resolution factor is 0 (160×90) and 1 (640×360). */
export const MIN_PIXELS = 160 * 90;
export const REFERENCE_PIXELS = 640 * 360;
/** Freeze ratio that costs the whole freeze penalty. */
export const FROZEN_RATIO = 0.3;
/** Bits per pixel where the bpp factor is 0 and 1. */
export const MIN_BPP = 0.01;
export const GOOD_BPP = 0.07;

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Linear in log2(v) between lo (0) and hi (1), clamped. v ≤ 0 → 0. */
function logFactor(v: number, lo: number, hi: number): number {
  if (v <= 0) return 0;
  return clamp01(Math.log2(v / lo) / Math.log2(hi / lo));
}

/** Bits per pixel = bitrate / (width · height · fps); null when any input is unknown or not positive. */
export function bitsPerPixel(bitrate: number | null, width: number | null, height: number | null, fps: number | null): number | null {
  if (!finite(bitrate) || !finite(width) || !finite(height) || !finite(fps)) return null;
  const denominator = width * height * fps;
  return denominator > 0 && bitrate >= 0 ? bitrate / denominator : null;
}

/** P_fps (0…{@link FPS_PENALTY}); null fps → 0. A target ≤ 0 or unknown uses {@link DEFAULT_TARGET_FPS}. */
export function fpsPenalty(fps: number | null, targetFps: number | null = null): number {
  if (!finite(fps)) return 0;
  const target = finite(targetFps) && targetFps > 0 ? targetFps : DEFAULT_TARGET_FPS;
  return FPS_PENALTY * (1 - clamp01(fps / target));
}

/** P_resolution (0…{@link RESOLUTION_PENALTY}); null size → 0. */
export function resolutionPenalty(width: number | null, height: number | null, sourcePixels: number | null = null): number {
  if (!finite(width) || !finite(height)) return 0;
  const pixels = Math.max(0, width) * Math.max(0, height);
  const r = finite(sourcePixels) && sourcePixels > 0 ? clamp01(pixels / sourcePixels) : logFactor(pixels, MIN_PIXELS, REFERENCE_PIXELS);
  return RESOLUTION_PENALTY * (1 - r);
}

/** P_freeze (0…{@link FREEZE_PENALTY}) for a freeze ratio 0–1; null → 0. */
export function freezePenalty(freezeRatio: number | null): number {
  if (!finite(freezeRatio)) return 0;
  return FREEZE_PENALTY * clamp01(freezeRatio / FROZEN_RATIO);
}

/** P_bpp (0…{@link BPP_PENALTY}); null → 0. */
export function bppPenalty(bpp: number | null): number {
  if (!finite(bpp)) return 0;
  return BPP_PENALTY * (1 - logFactor(bpp, MIN_BPP, GOOD_BPP));
}

export interface VideoQualityInput {
  /** Frames per second (received: decoded; sent: encoded). */
  fps: number | null;
  /** Capture rate of the source, when known. */
  sourceFps?: number | null;
  width: number | null;
  height: number | null;
  /** Source width × height, when known (sender side). */
  sourcePixels?: number | null;
  /** Frozen time / interval time, 0–1. */
  freezeRatio?: number | null;
  /** Bits per pixel; see {@link bitsPerPixel}. */
  bitsPerPixel?: number | null;
}

export interface VideoQuality {
  /** 0–100, or null when none of the inputs is known. */
  score: number | null;
  verdict: QualityVerdict | null;
  penalties: { fps: number; resolution: number; freeze: number; bpp: number };
}

/** The score above and its verdict. */
export function videoQuality(input: VideoQualityInput): VideoQuality {
  const penalties = {
    fps: fpsPenalty(input.fps, input.sourceFps ?? null),
    resolution: resolutionPenalty(input.width, input.height, input.sourcePixels ?? null),
    freeze: freezePenalty(input.freezeRatio ?? null),
    bpp: bppPenalty(input.bitsPerPixel ?? null),
  };
  const known = finite(input.fps) || (finite(input.width) && finite(input.height)) || finite(input.freezeRatio) || finite(input.bitsPerPixel);
  if (!known) return { score: null, verdict: null, penalties };
  const score = Math.min(100, Math.max(0, 100 - penalties.fps - penalties.resolution - penalties.freeze - penalties.bpp));
  return { score, verdict: verdictFromScore(score), penalties };
}
