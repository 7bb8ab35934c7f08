/**
 * Re-render a latest-value view when its PC gets new samples, at most about once per `minIntervalMs` (1 s by
 * default), so a live call never re-renders more than that however fast samples arrive.
 *
 * Cheap for a live call:
 * - A view renders only in the task that delivered an append (never from a timer while appends keep coming), so
 *   every view of every PC renders in the same task as the others and as the charts' update: one style, layout and
 *   paint a second instead of one per view. An append counts as due when at least the interval, less
 *   `JITTER_MS` of sampling jitter, passed since the view last rendered; one that comes earlier is held for the
 *   next due append. (A timer at the interval would fire at its own phase, between two appends, and then keep
 *   that phase: a frame of its own every second.) Only when no due append follows, a fallback timer renders the
 *   held samples half an interval later.
 * - While the view's element (`ref`) is off screen (IntersectionObserver) or the document is hidden, updates
 *   wait; the view renders once when it comes back into view.
 */
import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { StatsFeed } from '../../lib/views/stats-feed';

/** How much earlier than the interval an append may come and still render at once (sampling jitter). */
export const JITTER_MS = 150;

export function useFeedVersion(feed: StatsFeed, pcId: string, minIntervalMs = 1000, ref?: RefObject<Element>): number {
  const [version, setVersion] = useState(0);
  // What this render saw, to catch samples (or a PC's first load) that arrive before the effect subscribes.
  const rendered = feed.columns(pcId);
  const seen = useRef({ columns: rendered, rows: rendered?.t.length ?? -1 });
  seen.current = { columns: rendered, rows: rendered?.t.length ?? -1 };
  /** Observes the view's current element (a view may swap its root element, e.g. from an empty state). */
  const watch = useRef<((el: Element | null) => void) | null>(null);
  // After every render (the element may have changed), as a layout effect: a plain effect would make every
  // per-second render schedule Preact's after-paint flush (an animation frame callback, a timer and a task).
  useLayoutEffect(() => {
    watch.current?.(ref ? ref.current : null);
  });
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** New samples not rendered yet (held while hidden or off screen). */
    let stale = false;
    /** Until the observer says otherwise the view counts as on screen. */
    let onScreen = true;
    const doc = typeof document !== 'undefined' ? document : undefined;
    const canRender = () => !doc?.hidden && onScreen;
    const fire = () => {
      clearTimeout(timer);
      timer = undefined;
      if (!stale || !canRender()) return;
      stale = false;
      last = Date.now();
      setVersion((v) => v + 1);
    };
    const request = () => {
      if (!canRender()) return;
      const since = Date.now() - last;
      if (since >= minIntervalMs - Math.min(JITTER_MS, minIntervalMs / 4)) fire();
      else if (timer === undefined) timer = setTimeout(fire, last + minIntervalMs * 1.5 - Date.now());
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
    if (now !== seen.current.columns || (now?.t.length ?? -1) !== seen.current.rows) {
      stale = true;
      request();
    }
    return () => {
      off();
      watch.current = null;
      observer?.disconnect();
      clearTimeout(timer);
      doc?.removeEventListener('visibilitychange', onVisible);
    };
  }, [feed, pcId, minIntervalMs]);
  return version;
}
