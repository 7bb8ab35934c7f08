/**
 * Re-render a latest-value view when its PC gets new samples, at most once per `minIntervalMs` (1 s by default),
 * so a live call never re-renders more than that however fast samples arrive. While the document is hidden,
 * updates wait for it to be shown again.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StatsFeed } from '../../lib/views/stats-feed';

export function useFeedVersion(feed: StatsFeed, pcId: string, minIntervalMs = 1000): number {
  const [version, setVersion] = useState(0);
  // What this render saw, to catch samples (or a PC's first load) that arrive before the effect subscribes.
  const rendered = feed.columns(pcId);
  const seen = useRef({ columns: rendered, rows: rendered?.t.length ?? -1 });
  seen.current = { columns: rendered, rows: rendered?.t.length ?? -1 };
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let waitingForVisible = false;
    const doc = typeof document !== 'undefined' ? document : undefined;
    const fire = () => {
      timer = undefined;
      if (doc?.hidden) {
        waitingForVisible = true;
        return;
      }
      last = Date.now();
      setVersion((v) => v + 1);
    };
    const onVisible = () => {
      if (!doc?.hidden && waitingForVisible) {
        waitingForVisible = false;
        fire();
      }
    };
    doc?.addEventListener('visibilitychange', onVisible);
    const off = feed.onAppend((id) => {
      if (id !== pcId || timer !== undefined) return;
      const wait = last + minIntervalMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    });
    const now = feed.columns(pcId);
    if (now !== seen.current.columns || (now?.t.length ?? -1) !== seen.current.rows) fire();
    return () => {
      off();
      clearTimeout(timer);
      doc?.removeEventListener('visibilitychange', onVisible);
    };
  }, [feed, pcId, minIntervalMs]);
  return version;
}
