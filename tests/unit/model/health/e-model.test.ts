/** The E-model (shared/docs/domain.md §3.2) pinned against hand-computed cases. */
import { describe, expect, it } from 'vitest';
import {
  audioQuality, CODEC_IMPAIRMENTS, codecImpairment, delayImpairment, effectiveEquipmentImpairment, mosFromR,
  oneWayDelayMs, rFactor, SCORE_GOOD, SCORE_LOW, scoreFromMos, verdictFromScore,
} from '../../../../lib/model/health/e-model';

const opus = CODEC_IMPAIRMENTS.opus; // Ie 0, Bpl 20
const g711 = CODEC_IMPAIRMENTS.pcmu; // Ie 0, Bpl 25.1

describe('delay impairment Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)', () => {
  it('is linear below the knee', () => {
    expect(delayImpairment(0)).toBe(0);
    expect(delayImpairment(100)).toBeCloseTo(2.4, 10); // 0.024·100
    expect(delayImpairment(177.3)).toBeCloseTo(4.2552, 10); // 0.024·177.3, step term 0
  });
  it('adds the step term above the knee', () => {
    // 0.024·200 + 0.11·(200 − 177.3) = 4.8 + 0.11·22.7 = 4.8 + 2.497 = 7.297
    expect(delayImpairment(200)).toBeCloseTo(7.297, 10);
    // 0.024·400 + 0.11·222.7 = 9.6 + 24.497 = 34.097
    expect(delayImpairment(400)).toBeCloseTo(34.097, 10);
  });
  it('grows with delay (not ObserveRTC\'s `0.1 * d - 150`, which falls above 150 ms)', () => {
    let last = -1;
    for (let d = 0; d <= 1000; d += 10) {
      const id = delayImpairment(d);
      expect(id).toBeGreaterThan(last);
      last = id;
    }
  });
  it('treats negative and non-finite delay as 0', () => {
    expect(delayImpairment(-50)).toBe(0);
    expect(delayImpairment(Number.NaN)).toBe(0);
  });
});

describe('effective equipment impairment Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl), Ppl in %', () => {
  it('is Ie at zero loss', () => {
    expect(effectiveEquipmentImpairment(0, opus)).toBe(0);
    expect(effectiveEquipmentImpairment(0, { ie: 11, bpl: 19 })).toBe(11);
  });
  it('uses loss in percent: 5 % with Opus costs 19 R points, not ~0.5 (the peermetrics fraction bug)', () => {
    // 0 + 95·5/(5/1 + 20) = 475/25 = 19
    expect(effectiveEquipmentImpairment(5, opus)).toBeCloseTo(19, 10);
    // the bug: the fraction 0.05 in the same formula: 95·0.05/(0.05 + 20) = 4.75/20.05 = 0.2369…
    expect(effectiveEquipmentImpairment(0.05, opus)).toBeLessThan(0.3);
  });
  it('matches G.711 with PLC and a codec with Ie > 0', () => {
    // 95·2/(2 + 25.1) = 190/27.1 = 7.01107…
    expect(effectiveEquipmentImpairment(2, g711)).toBeCloseTo(190 / 27.1, 10);
    // 11 + 84·1/(1 + 19) = 11 + 4.2 = 15.2
    expect(effectiveEquipmentImpairment(1, { ie: 11, bpl: 19 })).toBeCloseTo(15.2, 10);
  });
  it('100 % loss and bursty loss', () => {
    // 95·100/(100 + 20) = 79.1666…
    expect(effectiveEquipmentImpairment(100, opus)).toBeCloseTo(9500 / 120, 10);
    // > 100 % clamps to 100
    expect(effectiveEquipmentImpairment(250, opus)).toBeCloseTo(9500 / 120, 10);
    // BurstR 2: 95·5/(5/2 + 20) = 475/22.5 = 21.111…
    expect(effectiveEquipmentImpairment(5, opus, 2)).toBeCloseTo(475 / 22.5, 10);
  });
  it('treats negative or non-finite loss as 0', () => {
    expect(effectiveEquipmentImpairment(-3, opus)).toBe(0);
    expect(effectiveEquipmentImpairment(Number.NaN, opus)).toBe(0);
  });
});

describe('R and MOS', () => {
  it('R = 93.2 − Id − Ie,eff', () => {
    // d = 110: Id = 2.64; 5 % Opus: Ie,eff = 19 → R = 93.2 − 2.64 − 19 = 71.56
    expect(rFactor({ delayMs: 110, lossPercent: 5, codec: opus })).toBeCloseTo(71.56, 10);
    // d = 0, no loss: R = 93.2
    expect(rFactor({ delayMs: 0, lossPercent: 0 })).toBeCloseTo(93.2, 10);
    // configurable base
    expect(rFactor({ delayMs: 0, lossPercent: 0, rBase: 100 })).toBe(100);
  });
  it('maps R to MOS with G.107\'s cubic, clamped to 1…4.5', () => {
    // R = 93.2: 1 + 0.035·93.2 + 7e-6·93.2·33.2·6.8 = 1 + 3.262 + 7e-6·21040.832 = 4.262 + 0.147285824 = 4.409285824
    expect(mosFromR(93.2)).toBeCloseTo(4.409285824, 9);
    // R = 60: 1 + 2.1 + 0 = 3.1
    expect(mosFromR(60)).toBeCloseTo(3.1, 12);
    // R = 50: 1 + 1.75 + 7e-6·50·(−10)·50 = 2.75 − 0.175 = 2.575
    expect(mosFromR(50)).toBeCloseTo(2.575, 12);
    // R = 100: 1 + 3.5 + 0 = 4.5
    expect(mosFromR(100)).toBeCloseTo(4.5, 12);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(-20)).toBe(1);
    expect(mosFromR(130)).toBe(4.5);
    expect(mosFromR(Number.NaN)).toBe(1);
  });
  it('MOS never decreases as R grows, and stays within 1…4.5', () => {
    let last = 0;
    for (let r = -10; r <= 110; r += 0.5) {
      const m = mosFromR(r);
      expect(m).toBeGreaterThanOrEqual(last);
      expect(m).toBeGreaterThanOrEqual(1);
      expect(m).toBeLessThanOrEqual(4.5);
      last = m;
    }
  });
});

describe('one-way delay d ≈ RTT/2 + jitter-buffer delay + packetization', () => {
  it('adds the terms', () => {
    expect(oneWayDelayMs({ rttMs: 100, jitterBufferDelayMs: 40 })).toBe(110); // 50 + 40 + 20
    expect(oneWayDelayMs({ rttMs: 100, jitterBufferDelayMs: 40, packetizationMs: 10 })).toBe(100); // 50 + 40 + 10
  });
  it('uses 2 × jitter without a jitter-buffer delay, and 0 for unknown terms', () => {
    expect(oneWayDelayMs({ rttMs: 100, jitterBufferDelayMs: null, jitterMs: 10 })).toBe(90); // 50 + 2·10 + 20
    expect(oneWayDelayMs({ rttMs: null })).toBe(20);
    expect(oneWayDelayMs({ rttMs: -4, jitterBufferDelayMs: Number.NaN, jitterMs: null })).toBe(20);
  });
  it('uses half the RTT, not the full RTT (webrtc-issue-detector)', () => {
    expect(oneWayDelayMs({ rttMs: 300, jitterBufferDelayMs: 0, packetizationMs: 0 })).toBe(150);
  });
});

describe('codec constants', () => {
  it('finds codecs by MIME type or subtype, any case; unknown → Opus values', () => {
    expect(codecImpairment('audio/PCMU')).toEqual({ ie: 0, bpl: 25.1 });
    expect(codecImpairment('PCMA')).toEqual({ ie: 0, bpl: 25.1 });
    expect(codecImpairment('audio/opus')).toEqual({ ie: 0, bpl: 20 });
    expect(codecImpairment('audio/G722')).toEqual(opus);
    expect(codecImpairment(null)).toEqual(opus);
    expect(codecImpairment('__proto__')).toEqual(opus);
    expect(codecImpairment('x', { x: { ie: 5, bpl: 10 } })).toEqual({ ie: 5, bpl: 10 });
  });
});

describe('score and verdict', () => {
  it('maps MOS 1…4.5 linearly to 0…100 with thresholds at MOS 4 and 3', () => {
    expect(scoreFromMos(1)).toBe(0);
    expect(scoreFromMos(4.5)).toBe(100);
    expect(SCORE_GOOD).toBeCloseTo(300 / 3.5, 12); // (4 − 1)/3.5 · 100 = 85.714…
    expect(SCORE_LOW).toBeCloseTo(200 / 3.5, 12); // (3 − 1)/3.5 · 100 = 57.142…
    expect(verdictFromScore(90)).toBe('good');
    expect(verdictFromScore(SCORE_GOOD)).toBe('good');
    expect(verdictFromScore(70)).toBe('low');
    expect(verdictFromScore(SCORE_LOW)).toBe('low');
    expect(verdictFromScore(50)).toBe('very-low');
  });
});

describe('audioQuality', () => {
  it('a typical call: RTT 100 ms, jitter buffer 40 ms, 5 % loss, Opus', () => {
    const q = audioQuality({ rttMs: 100, jitterBufferDelayMs: 40, lossFraction: 0.05, codec: 'audio/opus' });
    // d = 50 + 40 + 20 = 110; Id = 2.64; Ie,eff = 19; R = 71.56
    expect(q.delayMs).toBe(110);
    expect(q.r).toBeCloseTo(71.56, 10);
    // MOS = 1 + 0.035·71.56 + 7e-6·71.56·11.56·28.44 = 1 + 2.5046 + 7e-6·23526.42358… = 3.5046 + 0.16468496… = 3.66928497…
    expect(q.mos).toBeCloseTo(3.669285, 5);
    // score = 100·2.66928497/3.5 = 76.265…: low
    expect(q.score).toBeCloseTo(76.2653, 3);
    expect(q.verdict).toBe('low');
  });
  it('a perfect loopback is good', () => {
    const q = audioQuality({ rttMs: 1, jitterBufferDelayMs: 20, lossFraction: 0 });
    // d = 0.5 + 20 + 20 = 40.5; Id = 0.972; R = 92.228 → MOS 1 + 3.22798 + 7e-6·92.228·32.228·7.772 = 4.22798 + 0.16170… ≈ 4.38968
    expect(q.r).toBeCloseTo(92.228, 10);
    expect(q.mos).toBeCloseTo(4.38968, 4);
    expect(q.verdict).toBe('good');
  });
  it('100 % loss is very low; unknown loss counts as none', () => {
    const lost = audioQuality({ rttMs: 20, jitterBufferDelayMs: 20, lossFraction: 1, codec: 'PCMU' });
    // d = 50, Id = 1.2, Ie,eff = 95·100/(100 + 25.1) = 75.9392…, R = 93.2 − 1.2 − 75.9392 = 16.0608 → MOS ≈ 1.48
    expect(lost.r).toBeCloseTo(93.2 - 1.2 - 9500 / 125.1, 10);
    expect(lost.mos).toBeLessThan(1.6);
    expect(lost.verdict).toBe('very-low');
    const unknown = audioQuality({ rttMs: null, lossFraction: null });
    expect(unknown.r).toBeCloseTo(93.2 - 0.48, 10); // d = 20 → Id = 0.48
    expect(Number.isNaN(unknown.mos)).toBe(false);
  });
  it('more loss or more delay never raises the MOS', () => {
    let last = 5;
    for (let loss = 0; loss <= 1; loss += 0.02) {
      const m = audioQuality({ rttMs: 80, jitterBufferDelayMs: 30, lossFraction: loss }).mos;
      expect(m).toBeLessThanOrEqual(last);
      last = m;
    }
    last = 5;
    for (let rtt = 0; rtt <= 2000; rtt += 25) {
      const m = audioQuality({ rttMs: rtt, jitterBufferDelayMs: 30, lossFraction: 0.01 }).mos;
      expect(m).toBeLessThanOrEqual(last);
      last = m;
    }
  });
});
