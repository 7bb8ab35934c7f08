/** The video score (lib/model/health/video-score.ts) pinned against hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { SCORE_GOOD } from '../../../../lib/model/health/e-model';
import {
  bitsPerPixel, bppPenalty, fpsPenalty, freezePenalty, resolutionPenalty, videoQuality,
} from '../../../../lib/model/health/video-score';

describe('penalties', () => {
  it('fps: 40·(1 − min(1, fps/target))', () => {
    expect(fpsPenalty(30)).toBe(0); // default target 30
    expect(fpsPenalty(15)).toBe(20); // 40·(1 − 0.5)
    expect(fpsPenalty(15, 20)).toBe(10); // 40·(1 − 0.75)
    expect(fpsPenalty(60, 30)).toBe(0);
    expect(fpsPenalty(0)).toBe(40);
    expect(fpsPenalty(10, 0)).toBeCloseTo(40 * (2 / 3), 12); // bad target → 30: 40·(1 − 1/3)
    expect(fpsPenalty(null)).toBe(0);
  });
  it('resolution: log scale 160×90 → 640×360 without a source, pixel ratio with one', () => {
    expect(resolutionPenalty(640, 360)).toBe(0);
    expect(resolutionPenalty(1920, 1080)).toBe(0);
    expect(resolutionPenalty(160, 90)).toBe(20);
    expect(resolutionPenalty(80, 45)).toBe(20);
    // 320×180 = 57600 px: log2(57600/14400)/log2(230400/14400) = 2/4 = 0.5 → 20·0.5 = 10
    expect(resolutionPenalty(320, 180)).toBeCloseTo(10, 12);
    // 640×360 of a 1280×720 source: r = 230400/921600 = 0.25 → 20·0.75 = 15
    expect(resolutionPenalty(640, 360, 1280 * 720)).toBeCloseTo(15, 12);
    expect(resolutionPenalty(0, 0)).toBe(20);
    expect(resolutionPenalty(null, 480)).toBe(0);
  });
  it('freeze: 50·min(1, ratio/0.3)', () => {
    expect(freezePenalty(0)).toBe(0);
    expect(freezePenalty(0.1)).toBeCloseTo(50 / 3, 12); // 50·(0.1/0.3) = 16.67
    expect(freezePenalty(0.3)).toBe(50);
    expect(freezePenalty(1)).toBe(50);
    expect(freezePenalty(null)).toBe(0);
  });
  it('bits per pixel: log scale 0.01 → 0.07', () => {
    expect(bppPenalty(0.07)).toBe(0);
    expect(bppPenalty(0.2)).toBe(0);
    expect(bppPenalty(0.01)).toBe(20);
    expect(bppPenalty(0)).toBe(20);
    // 0.01·√7 is the geometric midpoint: factor 0.5 → 10
    expect(bppPenalty(0.01 * Math.sqrt(7))).toBeCloseTo(10, 12);
    expect(bppPenalty(null)).toBe(0);
  });
  it('bitsPerPixel = bitrate/(w·h·fps)', () => {
    // 500000/(640·480·25) = 500000/7680000 = 0.065104…
    expect(bitsPerPixel(500_000, 640, 480, 25)).toBeCloseTo(500_000 / 7_680_000, 12);
    expect(bitsPerPixel(500_000, 640, 480, 0)).toBeNull();
    expect(bitsPerPixel(null, 640, 480, 25)).toBeNull();
    expect(bitsPerPixel(-1, 640, 480, 25)).toBeNull();
  });
});

describe('videoQuality', () => {
  it('a clean stream scores 100', () => {
    const q = videoQuality({ fps: 30, width: 640, height: 480, freezeRatio: 0, bitsPerPixel: 0.1 });
    expect(q.score).toBe(100);
    expect(q.verdict).toBe('good');
  });
  it('sums the penalties', () => {
    // fps 15/30 → 20; 320×180 → 10; freeze 10 % → 16.667; bpp 0.07 → 0: 100 − 46.667 = 53.333 → very low
    const q = videoQuality({ fps: 15, width: 320, height: 180, freezeRatio: 0.1, bitsPerPixel: 0.07 });
    expect(q.score).toBeCloseTo(100 - 20 - 10 - 50 / 3, 10);
    expect(q.verdict).toBe('very-low');
    // fps 24 of a 30 fps source → 8: score 92 → good
    expect(videoQuality({ fps: 24, sourceFps: 30, width: 1280, height: 720 }).score).toBeCloseTo(92, 12);
    // a 10 % freeze alone (83.33) leaves "good"
    expect(videoQuality({ fps: 30, width: 640, height: 480, freezeRatio: 0.1 }).score).toBeLessThan(SCORE_GOOD);
  });
  it('is bounded: the worst case is 0, nothing known is null', () => {
    const worst = videoQuality({ fps: 0, width: 0, height: 0, freezeRatio: 1, bitsPerPixel: 0 });
    expect(worst.score).toBe(0);
    expect(worst.verdict).toBe('very-low');
    const none = videoQuality({ fps: null, width: null, height: null });
    expect(none.score).toBeNull();
    expect(none.verdict).toBeNull();
  });
  it('is monotonic in every input', () => {
    const base = { fps: 20, width: 480, height: 270, freezeRatio: 0.05, bitsPerPixel: 0.03 };
    const score = (over: Partial<typeof base>) => videoQuality({ ...base, ...over }).score as number;
    for (let i = 0; i < 40; i++) {
      expect(score({ fps: i + 1 })).toBeGreaterThanOrEqual(score({ fps: i }));
      expect(score({ width: 16 * (i + 1), height: 9 * (i + 1) })).toBeGreaterThanOrEqual(score({ width: 16 * i, height: 9 * i }));
      expect(score({ freezeRatio: i / 40 })).toBeGreaterThanOrEqual(score({ freezeRatio: (i + 1) / 40 }));
      expect(score({ bitsPerPixel: (i + 1) / 200 })).toBeGreaterThanOrEqual(score({ bitsPerPixel: i / 200 }));
    }
  });
});
