/**
 * Re-render a latest-value view when its PC gets new samples: once per `intervalMs` of sample time (2 s by default,
 * {@link LIVE_VALUES_INTERVAL_MS}), and at once when the view's `urgent` key of the newest sample changed (a state,
 * the selected pair: what a user waits to see).
 *
 * Cheap for a live call:
 * - A view renders only in the task that delivered an append (never from a timer while appends keep coming), so
 *   every view of every PC renders in the same task as the others and as the charts' update: one style, layout and
 *   paint for all of them.
 * - It renders when the newest sample enters a new step of sample time (`floor(t / intervalMs)`), not after an
 *   interval of its own: every view with the same interval, and the charts' legends (which step the same way), change
 *   on the same sample, so a live panel makes one frame with DOM changes per step and canvas-only frames in between.
 *   Any frame that changes the DOM costs Chromium a style, layout and paint of the page (~3–6 ms here);
 *   drawing onto the charts' canvases costs none of that. (A timer would fire at its own phase: a frame of its own.)
 * - Only when no due append follows, a fallback timer renders held samples 1.5 intervals later.
 * - While the view's element (`ref`) is off screen (IntersectionObserver) or the document is hidden, updates wait;
 *   the view renders once when it comes back into view.
 */
import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { StatsColumns } from '../../lib/model/session';
import { LIVE_VALUES_INTERVAL_MS, liveStep } from '../../lib/views/live-step';
import type { StatsFeed } from '../../lib/views/stats-feed';

export { LIVE_VALUES_INTERVAL_MS, liveStep };

/**
 * The right end of a live time axis (the charts' x scale, the candidate-pair timeline): the newest sample plus
 * headroom, kept until a sample passes it. So the axis moves in steps, and in between a new sample only adds to what
 * is drawn: the charts draw its segments onto their canvases, the timeline's segments keep their places. Each step
 * redraws every live chart whole (about 1 ms per chart here), so steps should be rare; but right after one the
 * headroom is empty, so it should be small next to the span. The headroom is a quarter of the span up to 20 s (at
 * least 2 s), then an eighth of it: at most a fifth of a chart is empty, and the axis steps every 20 s from the
 * second minute of a call, every 7.5 minutes an hour into it. (A fixed 20 s minimum left up to two thirds of a young
 * call's charts empty.) `second` is the axis's unit: 1 (s) or 1000 (ms).
 */
export function liveAxisEnd(first: number, last: number, current: number | null, second: number): number {
  const span = last - first;
  const headroom = Math.max(2 * second, Math.min(20 * second, span / 4), span / 8);
  if (current !== null && current >= last && current - last <= headroom) return current;
  return last + headroom;
}

/**
 * The right end of the time axis of a PC that can get no more samples (closed, its session ended, or imported): its
 * last sample, with no headroom, so the whole recording fills the axis. Not the PC's close time, even when later:
 * nothing was sampled after the last poll, so the stretch up to the close (up to a poll interval, far longer for a PC
 * whose stats stopped at a cap or a paused site) would be the same empty margin; an ended session's PCs that were
 * never closed have no close time; and the charts' zoom and pan are held to the samples' extent (ChartGroup), which
 * a window ending past it would not fit. A single sample gets one `second` of axis (an empty range cannot be drawn).
 */
export function finalAxisEnd(first: number, last: number, second: number): number {
  return last > first ? last : first + second;
}

/** What a render showed: the columns, their row count, the step of the newest sample, the urgent key. */
interface Shown {
  columns: StatsColumns | undefined;
  rows: number;
  step: number | null;
  key: string;
}

export function useFeedVersion(
  feed: StatsFeed,
  pcId: string,
  intervalMs = LIVE_VALUES_INTERVAL_MS,
  ref?: RefObject<Element>,
  urgent?: (columns: StatsColumns) => string,
): number {
  const [version, setVersion] = useState(0);
  const urgentRef = useRef(urgent);
  urgentRef.current = urgent;
  const describe = (columns: StatsColumns | undefined): Shown => {
    const rows = columns?.t.length ?? -1;
    return {
      columns,
      rows,
      step: columns && rows > 0 ? liveStep(columns.t[rows - 1], intervalMs) : null,
      key: columns && rows > 0 && urgentRef.current ? urgentRef.current(columns) : '',
    };
  };
  // What this render saw: later appends are compared with it (and samples, or a PC's first load, that arrive before
  // the effect subscribes are caught).
  const seen = useRef<Shown | null>(null);
  seen.current = describe(feed.columns(pcId));
  /** Observes the view's current element (a view may swap its root element, e.g. from an empty state). */
  const watch = useRef<((el: Element | null) => void) | null>(null);
  // After every render (the element may have changed), as a layout effect: a plain effect would make every
  // render schedule Preact's after-paint flush (an animation frame callback, a timer and a task).
  useLayoutEffect(() => {
    watch.current?.(ref ? ref.current : null);
  });
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** New samples not rendered yet (held while hidden, off screen, or not due). */
    let stale = false;
    /** Until the observer says otherwise the view counts as on screen. */
    let onScreen = true;
    const doc = typeof document !== 'undefined' ? document : undefined;
    const canRender = () => !doc?.hidden && onScreen;
    /**
     * The element marked `aria-busy` while it holds back new samples (off screen or hidden): what assistive
     * technology reads there is older than the data, maybe "No stats samples yet" of a view that mounted off screen.
     * One attribute write when the holding starts and one when the view renders again, not one per sample.
     */
    let busy: Element | null = null;
    const setBusy = (on: boolean) => {
      if (on && busy === null && observed !== null) {
        busy = observed;
        busy.setAttribute('aria-busy', 'true');
      } else if (!on && busy !== null) {
        busy.removeAttribute('aria-busy');
        busy = null;
      }
    };
    const fire = () => {
      clearTimeout(timer);
      timer = undefined;
      if (!stale || !canRender()) return;
      stale = false;
      setBusy(false);
      setVersion((v) => v + 1);
    };
    const request = () => {
      if (!canRender()) {
        setBusy(true);
        return;
      }
      const shown = seen.current!;
      const now = describe(feed.columns(pcId));
      const due = now.columns !== shown.columns || now.rows < shown.rows || now.step !== shown.step || now.key !== shown.key;
      if (due) fire();
      else if (timer === undefined) timer = setTimeout(fire, intervalMs * 1.5);
    };
    const onVisible = () => {
      if (stale) request();
    };
    doc?.addEventListener('visibilitychange', onVisible);
    let observed: Element | null = null;
    const observer =
      ref && typeof IntersectionObserver === 'function'
        ? new IntersectionObserver(
            (entries) => {
              const entry = entries[entries.length - 1];
              if (entry.target !== observed) return;
              onScreen = entry.isIntersecting;
              if (onScreen && stale) request();
            },
            { rootMargin: '100px' },
          )
        : null;
    watch.current = (el) => {
      if (!observer || el === observed) return;
      if (observed) observer.unobserve(observed);
      observed = el;
      onScreen = true;
      if (el) observer.observe(el);
    };
    watch.current(ref ? ref.current : null);
    const off = feed.onAppend((id) => {
      if (id !== pcId) return;
      stale = true;
      request();
    });
    const now = feed.columns(pcId);
    if (now !== seen.current!.columns || (now?.t.length ?? -1) !== seen.current!.rows) {
      stale = true;
      request();
    }
    return () => {
      off();
      setBusy(false);
      watch.current = null;
      observer?.disconnect();
      clearTimeout(timer);
      doc?.removeEventListener('visibilitychange', onVisible);
    };
  }, [feed, pcId, intervalMs]);
  return version;
}
