/**
 * Re-render a latest-value view when its PC gets new samples, at most about once per `minIntervalMs` (1 s by
 * default), so a live call never re-renders more than that however fast samples arrive.
 *
 * Cheap for a live call:
 * - Samples arrive about once a second with some jitter; an append a little early (within `JITTER_MS` of the
 *   interval) still renders right away, in the task that delivered it. So every view of every PC renders in the
 *   same task as the others and as the charts' frame: one style/layout/paint per second instead of one per view
 *   (a strict timer drifts later and later behind the appends and gives each view a frame of its own).
 * - While the view's element (`ref`) is off screen (IntersectionObserver) or the document is hidden, updates
 *   wait; the view renders once when it comes back into view.
 */
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
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
  useEffect(() => {
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
      timer = undefined;
      if (!stale || !canRender()) return;
      stale = false;
      last = Date.now();
      setVersion((v) => v + 1);
    };
    const request = () => {
      if (timer !== undefined || !canRender()) return;
      const wait = last + minIntervalMs - Date.now();
      if (wait <= Math.min(JITTER_MS, minIntervalMs / 4)) fire();
      else timer = setTimeout(fire, wait);
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
