/** The trailing window of sample time (lib/model/health/trailing-window.ts) the score and the windowed rules use. */
import { describe, expect, it } from 'vitest';
import { TrailingWindow } from '../../../../lib/model/health/trailing-window';

describe('TrailingWindow', () => {
  it('weighs each value by its interval and is full once the span is covered', () => {
    const w = new TrailingWindow(3000);
    expect(w.mean()).toBeNull();
    w.push(10, 1000);
    w.push(40, 1000);
    expect(w.full()).toBe(false);
    expect(w.mean()).toBe(25);
    w.push(100, 1000);
    expect(w.full()).toBe(true);
    expect(w.mean()).toBe(50);
  });
  it('counts the oldest value only for its part inside the span, and drops values wholly before it', () => {
    const w = new TrailingWindow(3000);
    w.push(0, 2000);
    w.push(60, 2000);
    // 1 s of the first (0) and 2 s of the second (60).
    expect(w.mean()).toBe(40);
    w.push(60, 2000);
    expect(w.mean()).toBe(60);
  });
  it('the same stretch at 100 ms and at 1 s polls has the same mean; rates average to count ÷ time', () => {
    const fine = new TrailingWindow(30_000);
    const coarse = new TrailingWindow(30_000);
    for (let i = 0; i < 600; i++) fine.push(i % 20 === 0 ? 10 : 0, 100); // one PLI every 2 s, at 100 ms polls
    for (let i = 0; i < 60; i++) coarse.push(i % 2 === 0 ? 1 : 0, 1000);
    expect(fine.mean()).toBeCloseTo(0.5, 10);
    expect(coarse.mean()).toBeCloseTo(0.5, 10);
  });
  it('ignores values without a positive interval; clear() forgets everything', () => {
    const w = new TrailingWindow(1000);
    w.push(5, 0);
    w.push(Number.NaN, 1000);
    expect(w.mean()).toBeNull();
    w.push(5, 1000);
    w.clear();
    expect(w.mean()).toBeNull();
    expect(w.full()).toBe(false);
  });
});
