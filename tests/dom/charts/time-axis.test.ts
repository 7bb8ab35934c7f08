/** The time axis' tick labels (components/charts/time-axis.ts): one short line each, in local time. */
import { describe, expect, it } from 'vitest';
import { timeAxisValues } from '../../../components/charts/time-axis';

/** Epoch seconds of a local time on 23 Nov 2026. */
const at = (h: number, m: number, s = 0, ms = 0) => new Date(2026, 10, 23, h, m, s, ms).getTime() / 1000;

describe('timeAxisValues', () => {
  it('30 s ticks: hh:mm on whole minutes, :ss between, no date line to run into the next label', () => {
    expect(timeAxisValues([at(11, 51, 30), at(11, 52), at(11, 52, 30), at(12, 0)], 30)).toEqual([':30', '11:52', ':30', '12:00']);
  });

  it('minute and hour ticks: hh:mm (24 h); a tick at midnight and day ticks give the date', () => {
    expect(timeAxisValues([at(23, 58), at(23, 59), at(0, 0) + 86_400, at(0, 1) + 86_400], 60)).toEqual(['23:58', '23:59', '11/24', '00:01']);
    expect(timeAxisValues([at(0, 0), at(0, 0) + 86_400], 86_400)).toEqual(['11/23', '11/24']);
  });

  it('ticks under a second apart get as many decimals as the step needs', () => {
    expect(timeAxisValues([at(9, 5, 7, 200), at(9, 5, 7, 400), at(9, 6)], 0.2)).toEqual([':07.2', ':07.4', '09:06']);
    expect(timeAxisValues([at(9, 5, 12, 50)], 0.05)).toEqual([':12.05']);
  });

  it('leaves out what is not a time', () => {
    expect(timeAxisValues([NaN, null as unknown as number], 30)).toEqual(['', '']);
  });
});
