/**
 * Estimated audio quality with the ITU-T G.107 E-model, in the simplified form of shared/docs/domain.md §3.2:
 *
 * - R = 93.2 − Id − Ie,eff (93.2 = R0 − Is with G.107's default parameters, advantage factor A = 0);
 * - Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3), d = one-way mouth-to-ear delay in ms (Cole & Rosenbluth 2001);
 * - Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl), Ppl = packet loss **in percent**, BurstR = 1 for random loss;
 * - MOS = 1 (R < 0), 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R) (0 ≤ R ≤ 100), 4.5 (R > 100).
 *
 * WebRTC inputs (§3.2): d ≈ RTT/2 + jitter-buffer delay + packetization (~20 ms); loss from counter deltas (§3.1).
 * The constants are the commonly reproduced ones, still to be checked against the standard ([U] in the doc): every
 * one is a parameter with a default, so they stay configurable. The output is an *estimated* MOS.
 *
 * Not copied (§3.3): loss as a 0–1 fraction in a percent formula (peermetrics), `0.1 * d - 150` (ObserveRTC), full
 * RTT as one-way delay and MOS clamped to 0–5 (webrtc-issue-detector).
 *
 * Pure: numbers in, numbers out; never NaN (non-finite inputs are treated as documented per function).
 */

/** R0 − Is with G.107 default parameters (domain.md §3.2). */
export const E_MODEL_R_BASE = 93.2;
/** Knee of the simplified delay impairment, ms (domain.md §3.2, Cole & Rosenbluth 2001). */
export const DELAY_KNEE_MS = 177.3;
/** Default packetization delay added to the one-way delay, ms (domain.md §3.2: "packetization (~20 ms)"). */
export const DEFAULT_PACKETIZATION_MS = 20;

/** Codec constants of the E-model: equipment impairment Ie and packet-loss robustness Bpl. */
export interface CodecImpairment {
  ie: number;
  bpl: number;
}

/**
 * Ie / Bpl per codec (lower-case MIME subtype). G.711 (PCMU/PCMA): Ie = 0 and Bpl = 25.1 for G.711 with packet
 * loss concealment, as ITU-T G.113 Appendix I tabulates it (libwebrtc's NetEq always conceals); `g711-no-plc` keeps
 * G.113's Bpl = 4.3 for comparison. Opus: G.113 has no official values (domain.md §3.2 [U]); Ie = 0 (a wideband codec
 * at WebRTC bitrates is no worse than G.711 on the narrowband scale) and Bpl = 20 (its PLC/in-band FEC is at least
 * as robust as G.711's concealment; the upper of the values peermetrics uses) are our assumptions.
 */
export const CODEC_IMPAIRMENTS: Readonly<Record<string, CodecImpairment>> = {
  opus: { ie: 0, bpl: 20 },
  pcmu: { ie: 0, bpl: 25.1 },
  pcma: { ie: 0, bpl: 25.1 },
  'g711-no-plc': { ie: 0, bpl: 4.3 },
};

/** Used for a codec not in {@link CODEC_IMPAIRMENTS} (or unknown): the Opus values, WebRTC's default audio codec. */
export const DEFAULT_CODEC_IMPAIRMENT: CodecImpairment = CODEC_IMPAIRMENTS.opus;

/**
 * The constants for a codec given as a MIME type (`audio/opus`), a subtype (`PCMU`) or null; unknown → default.
 */
export function codecImpairment(codec: string | null | undefined, table: Readonly<Record<string, CodecImpairment>> = CODEC_IMPAIRMENTS): CodecImpairment {
  if (!codec) return DEFAULT_CODEC_IMPAIRMENT;
  const key = codec.toLowerCase().replace(/^audio\//, '');
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : DEFAULT_CODEC_IMPAIRMENT;
}

const finiteOr = (v: number | null | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/**
 * One-way mouth-to-ear delay estimate (ms), domain.md §3.2: RTT/2 + jitter-buffer delay + packetization.
 * When the jitter-buffer delay is unknown, 2 × interarrival jitter stands in for it (a buffer sized to absorb
 * about two jitters, the allowance webrtc-issue-detector makes, §3.3). Unknown or negative terms count as 0.
 */
export function oneWayDelayMs(input: { rttMs: number | null; jitterBufferDelayMs?: number | null; jitterMs?: number | null; packetizationMs?: number }): number {
  const rtt = Math.max(0, finiteOr(input.rttMs, 0));
  const jbd = finiteOr(input.jitterBufferDelayMs, NaN);
  const buffer = Number.isFinite(jbd) ? Math.max(0, jbd) : 2 * Math.max(0, finiteOr(input.jitterMs, 0));
  const packetization = Math.max(0, finiteOr(input.packetizationMs, DEFAULT_PACKETIZATION_MS));
  return rtt / 2 + buffer + packetization;
}

/** Delay impairment Id for one-way delay `d` ms (domain.md §3.2). Negative or non-finite d counts as 0. */
export function delayImpairment(dMs: number): number {
  const d = Math.max(0, finiteOr(dMs, 0));
  return 0.024 * d + (d > DELAY_KNEE_MS ? 0.11 * (d - DELAY_KNEE_MS) : 0);
}

/**
 * Effective equipment impairment Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl) (domain.md §3.2).
 * `lossPercent` is **percent** (0–100; clamped; non-finite → 0). `burstR` defaults to 1 (random loss).
 */
export function effectiveEquipmentImpairment(lossPercent: number, codec: CodecImpairment = DEFAULT_CODEC_IMPAIRMENT, burstR = 1): number {
  const ppl = clamp(finiteOr(lossPercent, 0), 0, 100);
  const br = burstR > 0 && Number.isFinite(burstR) ? burstR : 1;
  if (ppl === 0) return codec.ie;
  return codec.ie + ((95 - codec.ie) * ppl) / (ppl / br + codec.bpl);
}

/** R = rBase − Id − Ie,eff (domain.md §3.2). Not clamped: R below 0 or above 100 maps to MOS 1 / 4.5. */
export function rFactor(input: { delayMs: number; lossPercent: number; codec?: CodecImpairment; burstR?: number; rBase?: number }): number {
  const base = finiteOr(input.rBase, E_MODEL_R_BASE);
  return base - delayImpairment(input.delayMs) - effectiveEquipmentImpairment(input.lossPercent, input.codec, input.burstR);
}

/** G.107's R → MOS mapping, 1 … 4.5 (domain.md §3.2). Non-finite R → 1. */
export function mosFromR(r: number): number {
  if (!Number.isFinite(r) || r < 0) return 1;
  if (r > 100) return 4.5;
  const mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return clamp(mos, 1, 4.5);
}

/** Quality verdicts shared by the audio and video scores. */
export type QualityVerdict = 'good' | 'low' | 'very-low';

/** MOS thresholds: below 4 is low, below 3 very low (domain.md §3.4, peermetrics `check_emos_score`). */
export const MOS_LOW = 4;
export const MOS_VERY_LOW = 3;

/** Estimated MOS (1–4.5) as 0–100, linearly: 1 → 0, 4.5 → 100. */
export function scoreFromMos(mos: number): number {
  return (100 * (clamp(finiteOr(mos, 1), 1, 4.5) - 1)) / 3.5;
}

/** The inverse of {@link scoreFromMos}: 0–100 → estimated MOS 1–4.5. */
export function mosFromScore(score: number): number {
  return 1 + (3.5 * score) / 100;
}

/**
 * Score thresholds (0–100) of the verdicts: the MOS thresholds through {@link scoreFromMos}, so good ≥ 85.71…
 * (MOS 4), low ≥ 57.14… (MOS 3), very low below. The video score uses the same ones.
 */
export const SCORE_GOOD = scoreFromMos(MOS_LOW);
export const SCORE_LOW = scoreFromMos(MOS_VERY_LOW);

/** good / low / very-low for a 0–100 score ({@link SCORE_GOOD}, {@link SCORE_LOW}). */
export function verdictFromScore(score: number): QualityVerdict {
  return score >= SCORE_GOOD ? 'good' : score >= SCORE_LOW ? 'low' : 'very-low';
}

export interface AudioQualityInput {
  /** Round-trip time, ms (remote-inbound-rtp preferred, §3.1). Null = unknown (counts as 0). */
  rttMs: number | null;
  /** Packet loss over the interval, as a **fraction 0–1** (metrics' unit); converted to percent here. */
  lossFraction: number | null;
  /** Jitter-buffer delay per emitted sample, ms; null = unknown (2 × jitter stands in). */
  jitterBufferDelayMs?: number | null;
  /** Interarrival jitter, ms. */
  jitterMs?: number | null;
  /** Codec MIME type or subtype (`audio/opus`, `PCMU`). */
  codec?: string | null;
  /** Overrides, for configurable constants. */
  packetizationMs?: number;
  burstR?: number;
  rBase?: number;
  codecTable?: Readonly<Record<string, CodecImpairment>>;
}

export interface AudioQuality {
  delayMs: number;
  r: number;
  /** Estimated MOS, 1–4.5. */
  mos: number;
  /** 0–100 ({@link scoreFromMos}). */
  score: number;
  verdict: QualityVerdict;
}

/** Everything above in one call: delay → R → MOS → score → verdict. Unknown loss counts as 0 %. */
export function audioQuality(input: AudioQualityInput): AudioQuality {
  const delayMs = oneWayDelayMs(input);
  const lossPercent = 100 * clamp(finiteOr(input.lossFraction, 0), 0, 1);
  const r = rFactor({ delayMs, lossPercent, codec: codecImpairment(input.codec, input.codecTable), burstR: input.burstR, rBase: input.rBase });
  const mos = mosFromR(r);
  const score = scoreFromMos(mos);
  return { delayMs, r, mos, score, verdict: verdictFromScore(score) };
}
