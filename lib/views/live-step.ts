/**
 * The steps of sample time that a live view's latest values move in: the latest-value views, the charts' legends
 * and the session's counters change on the same sample, so a live panel changes its DOM in one frame per step.
 */

/**
 * How often (in sample time) latest values follow live samples: the latest-value views and the charts' legends.
 * Every other sample at the default 1 s poll. The charts draw every sample as it comes; a counter or an RTT read off
 * a table every 2 s instead of every second loses nothing a user can read, and halves the frames that change the DOM
 * (what a live panel's main thread spends most on). State changes do not wait (see `urgent` in use-feed-version.ts).
 */
export const LIVE_VALUES_INTERVAL_MS = 2000;

/** The step of sample time `t` (epoch ms) at an interval: latest values change when it does. */
export function liveStep(t: number, intervalMs: number = LIVE_VALUES_INTERVAL_MS): number {
  return Math.floor(t / intervalMs);
}
