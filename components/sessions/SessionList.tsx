/**
 * The sessions sidebar: one tab's sessions (panel) or every stored one (viewer), searchable and sortable, with
 * deletion of marked sessions after a confirmation. Arrow keys or j/k move the selection (roving tabindex: the
 * list is one tab stop). Page-originated strings (titles, URLs, file names) are text children only.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { isLiveSession, type SessionSummary } from '../../lib/model/session';
import { isEpochMs } from '../../lib/protocol/guards';
import { isoTime } from '../connection/format';
import './sessions.css';

export type SessionSort = 'start' | 'duration' | 'pcs' | 'origin';

export interface SessionListProps {
  sessions: SessionSummary[];
  selectedId: string | null;
  onSelect(sessionId: string): void;
  /** Deletes; may reject (the error is shown). */
  onDelete(sessionIds: string[]): Promise<void> | void;
  /** Exports the marked sessions (the viewer, when it can export); without it there is no export action. */
  onExport?(sessionIds: string[]): void;
  mode: 'panel' | 'viewer';
  status?: 'loading' | 'ready' | 'error';
  error?: string | null;
  onRetry?(): void;
}

const SORTS: { value: SessionSort; label: string }[] = [
  { value: 'start', label: 'Start (newest first)' },
  { value: 'duration', label: 'Duration (longest first)' },
  { value: 'pcs', label: 'Peer connections (most first)' },
  { value: 'origin', label: 'Origin (A–Z)' },
];

/**
 * How long a session ran (or has run so far). Given `now` (the view's clock, epoch ms), a live session's runs up to
 * it; without, up to its last recorded activity (which the view store refreshes only every few seconds).
 */
export function sessionDuration(s: SessionSummary, now?: number): number {
  const end = s.endedAt ?? (now !== undefined && isLiveSession(s) ? now : s.lastActivityAt);
  return Math.max(0, end - s.startedAt);
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

const MINUTE_MS = 60_000;

/** A live session's running time in whole minutes: "under 1 min", "3 min", "1 h 05 min". */
export function formatLiveDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / MINUTE_MS);
  if (minutes < 1) return 'under 1 min';
  return minutes < 60 ? `${minutes} min` : formatDuration(minutes * MINUTE_MS);
}

/**
 * A live session's running time ("3 min so far"), from the view's clock at each render: the summary's activity time
 * moves only with the view store's soft updates (every few seconds, in jumps) and stands still while the page is
 * quiet. In whole minutes, so the text changes once a minute. The list re-renders with every notification of the
 * store (and this text with it); only when none came as the minute turned does a timer re-render this text alone,
 * once a minute. No timer ticks in between: a DOM change in a frame of its own costs a live panel a style, layout and
 * paint of the page.
 */
function LiveDuration({ startedAt }: { startedAt: number }) {
  const [tick, setTick] = useState(0);
  const elapsed = Math.max(0, Date.now() - startedAt);
  const minute = Math.floor(elapsed / MINUTE_MS);
  // A layout effect, run only when the minute (or a fired timer) changed: a plain effect would schedule Preact's
  // after-paint flush. The timer fires as the next minute begins.
  useLayoutEffect(() => {
    const timer = setTimeout(() => setTick((n) => n + 1), MINUTE_MS - (elapsed % MINUTE_MS));
    return () => clearTimeout(timer);
  }, [startedAt, minute, tick]);
  return <span class="session-duration">{`${formatLiveDuration(elapsed)} so far`}</span>;
}

let dateTimeFormat: Intl.DateTimeFormat | null = null;

/**
 * A session's local date and time to the second: the same fields as a connection's creation time (formatAbsolute,
 * which adds milliseconds), so the two read alike (dateStyle 'short' gave "11/22/26, 2:15:59 PM" beside the
 * connection's "11/22/2026, 14:15:59.978").
 */
export function formatDateTime(t: number): string {
  // Built once (toLocaleString with options builds a formatter per call; the sidebar formats every session).
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });
  return isEpochMs(t) ? dateTimeFormat.format(t) : `invalid time (${t})`;
}

/** What a session is called in the UI: its title, else its URL, else its id. */
/** Title, else URL, else (an import of a file that has neither: webrtc-internals dumps have no title) the file name. */
export function sessionLabel(s: SessionSummary): string {
  return s.title.trim() || s.url || s.imported?.fileName || s.id;
}

function compare(sort: SessionSort): (a: SessionSummary, b: SessionSummary) => number {
  switch (sort) {
    case 'start':
      return (a, b) => b.startedAt - a.startedAt;
    case 'duration': {
      // Live sessions by the time they have run so far, as shown.
      const now = Date.now();
      return (a, b) => sessionDuration(b, now) - sessionDuration(a, now) || b.startedAt - a.startedAt;
    }
    case 'pcs':
      return (a, b) => b.pcCount - a.pcCount || b.startedAt - a.startedAt;
    case 'origin':
      return (a, b) => a.origin.localeCompare(b.origin) || b.startedAt - a.startedAt;
  }
}

function matches(s: SessionSummary, query: string): boolean {
  if (!query) return true;
  const haystack = [s.title, s.url, s.origin, s.id, s.imported?.fileName ?? '', s.imported?.format ?? ''].join('\n').toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

export function SessionList(props: SessionListProps) {
  const { sessions, selectedId, onSelect, mode, status = 'ready' } = props;
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SessionSort>('start');
  const [reversed, setReversed] = useState(false);
  const [marked, setMarked] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);
  const deleteMarkedRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  /**
   * The ids of a deletion that went through, until the list no longer shows them: meanwhile a render that finds the
   * focus lost (on the body) puts it back into the list.
   */
  const refocusAfterDelete = useRef<string[] | null>(null);

  const shown = useMemo(() => {
    const list = sessions.filter((s) => matches(s, query)).sort(compare(sort));
    return reversed ? list.reverse() : list;
  }, [sessions, query, sort, reversed]);

  // Marks of sessions that went away (deleted, pruned) no longer count.
  const markedIds = sessions.filter((s) => marked.has(s.id)).map((s) => s.id);
  const shownMarked = shown.filter((s) => marked.has(s.id)).length;
  // Marked, then hidden by the search: still deleted (marks are kept across searches, to gather sessions from
  // several), so the buttons and the confirmation say how many of them the list does not show.
  const hiddenMarked = markedIds.length - shownMarked;
  const hiddenText = hiddenMarked > 0 ? `, ${hiddenMarked} not shown` : '';
  const focusId = shown.some((s) => s.id === selectedId) ? selectedId : (shown[0]?.id ?? null);

  const toggleMark = (id: string, on: boolean) => {
    const next = new Set(marked);
    if (on) next.add(id);
    else next.delete(id);
    setMarked(next);
    setConfirming(false);
  };

  const markAllShown = (on: boolean) => {
    const next = new Set(marked);
    for (const s of shown) on ? next.add(s.id) : next.delete(s.id);
    setMarked(next);
    setConfirming(false);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('session-open')) return;
    const index = shown.findIndex((s) => s.id === target.dataset.sessionId);
    let next = -1;
    if (event.key === 'ArrowDown' || event.key === 'j') next = Math.min(shown.length - 1, index + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') next = Math.max(0, index - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = shown.length - 1;
    else return;
    event.preventDefault();
    if (next === index || next < 0) return;
    const id = shown[next].id;
    onSelect(id);
    listRef.current?.querySelectorAll<HTMLElement>('.session-open')[next]?.focus();
  };

  // The confirmation takes the focus once, when it opens, on its safe choice. (A callback ref did it on every
  // render, so a live list's update pulled the focus back to Cancel from wherever the user had moved it.)
  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  // After a deletion the confirmation and then the deleted rows go away, and "Delete marked" is disabled: the focus
  // would fall to the page's body. It goes to the list's focusable row (the selected session, or the first), or to
  // the search field when no session is left.
  useEffect(() => {
    const deleted = refocusAfterDelete.current;
    if (deleted === null || confirming) return;
    const active = document.activeElement;
    if (active === null || active === document.body || !active.isConnected) {
      (listRef.current?.querySelector<HTMLElement>('.session-open[tabindex="0"]') ?? searchRef.current)?.focus();
    }
    if (!sessions.some((s) => deleted.includes(s.id))) refocusAfterDelete.current = null;
  });

  const cancelDelete = () => {
    setConfirming(false);
    deleteMarkedRef.current?.focus();
  };

  const confirmDelete = async () => {
    setBusy(true);
    setDeleteError(null);
    try {
      await props.onDelete(markedIds);
      refocusAfterDelete.current = markedIds;
      setMarked(new Set());
      setConfirming(false);
    } catch (error) {
      setDeleteError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const liveMarked = sessions.filter((s) => marked.has(s.id) && isLiveSession(s)).length;

  return (
    <div
      class="session-list"
      onKeyDown={(e) => {
        // Escape cancels an open confirmation wherever the focus is in the list (a click may have moved it out).
        if (e.key !== 'Escape' || !confirming || busy) return;
        e.preventDefault();
        cancelDelete();
      }}
    >
      <h2 class="session-list-title">{mode === 'panel' ? 'Sessions in this tab' : 'Sessions'}</h2>
      <div class="session-tools">
        <input
          ref={searchRef}
          type="search"
          class="session-search"
          aria-label="Search sessions"
          placeholder="Search title, URL, origin…"
          value={query}
          onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
        />
        <div class="session-sort">
          <label>
            Sort{' '}
            <select aria-label="Sort sessions by" value={sort} onChange={(e) => setSort((e.currentTarget as HTMLSelectElement).value as SessionSort)}>
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" aria-pressed={reversed} title="Reverse the order" onClick={() => setReversed(!reversed)}>
            Reverse order
          </button>
        </div>
        <div class="session-delete">
          <label>
            <input
              type="checkbox"
              aria-label="Mark all shown sessions for deletion"
              checked={shown.length > 0 && shownMarked === shown.length}
              disabled={shown.length === 0}
              onChange={(e) => markAllShown((e.currentTarget as HTMLInputElement).checked)}
            />{' '}
            All
          </label>
          <button type="button" ref={deleteMarkedRef} disabled={markedIds.length === 0 || busy} onClick={() => setConfirming(true)}>
            Delete marked ({markedIds.length}{hiddenText})
          </button>
          {props.onExport && (
            <button type="button" disabled={markedIds.length === 0} onClick={() => props.onExport!(markedIds)}>
              Export marked ({markedIds.length}{hiddenText})
            </button>
          )}
        </div>
        {confirming && markedIds.length > 0 && (
          <div
            class="session-confirm"
            role="alertdialog"
            aria-label="Confirm deletion"
            aria-describedby="session-confirm-text"
            onKeyDown={(e) => {
              // Tab and Shift+Tab stay on its two buttons until it is answered.
              if (e.key !== 'Tab') return;
              const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button:not([disabled])')];
              if (buttons.length === 0) return;
              const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
              e.preventDefault();
              buttons[(at + (e.shiftKey ? -1 : 1) + buttons.length) % buttons.length].focus();
            }}
          >
            <p id="session-confirm-text">
              Delete {markedIds.length} session{markedIds.length === 1 ? '' : 's'}
              {hiddenMarked > 0 ? ` (${hiddenMarked} of them marked earlier and not shown by the search)` : ''} and everything recorded in{' '}
              {markedIds.length === 1 ? 'it' : 'them'}? This cannot be undone.
              {liveMarked > 0 && ' A live session keeps recording what happens from now on.'}
            </p>
            <button type="button" class="danger" disabled={busy} onClick={() => void confirmDelete()}>
              Delete
            </button>{' '}
            <button type="button" ref={cancelRef} onClick={cancelDelete}>
              Cancel
            </button>
          </div>
        )}
        {deleteError && (
          <p class="session-error" role="alert">
            Could not delete: {deleteError}
          </p>
        )}
      </div>
      {status === 'loading' && sessions.length === 0 ? (
        <p class="session-empty" role="status">
          Loading sessions…
        </p>
      ) : status === 'error' && sessions.length === 0 ? (
        <div class="session-empty" role="alert">
          <p>Could not read the sessions: {props.error ?? 'unknown error'}</p>
          {props.onRetry && (
            <button type="button" onClick={props.onRetry}>
              Retry
            </button>
          )}
        </div>
      ) : sessions.length === 0 ? (
        <p class="session-empty">
          {mode === 'panel'
            ? 'No WebRTC activity recorded in this tab yet. A session appears as soon as the page creates an RTCPeerConnection or asks for media.'
            : 'No sessions stored yet.'}
        </p>
      ) : shown.length === 0 ? (
        <p class="session-empty">No session matches “{query}”.</p>
      ) : (
        <ul class="session-items" aria-label="Sessions" ref={listRef} onKeyDown={onKeyDown}>
          {shown.map((s) => (
            <SessionRow key={s.id} session={s} selected={s.id === selectedId} focusable={s.id === focusId} marked={marked.has(s.id)} onSelect={onSelect} onMark={toggleMark} />
          ))}
        </ul>
      )}
    </div>
  );
}

function SessionRow(props: {
  session: SessionSummary;
  selected: boolean;
  focusable: boolean;
  marked: boolean;
  onSelect(id: string): void;
  onMark(id: string, on: boolean): void;
}) {
  const s = props.session;
  const label = sessionLabel(s);
  const live = isLiveSession(s);
  return (
    <li class={`session-row${props.selected ? ' selected' : ''}`}>
      <input
        type="checkbox"
        class="session-mark"
        // The start time tells apart sessions of the same title (the reloads of one page): each box its own name.
        aria-label={`Mark ${label} (started ${formatDateTime(s.startedAt)}) for deletion`}
        // With the row's button, the one row the list's Tab stop is on (arrow keys move it): a box per row had made
        // a list of N sessions N + 1 Tab stops (QA pass).
        tabIndex={props.focusable ? 0 : -1}
        checked={props.marked}
        onChange={(e) => props.onMark(s.id, (e.currentTarget as HTMLInputElement).checked)}
      />
      <button
        type="button"
        class="session-open"
        data-session-id={s.id}
        aria-current={props.selected ? 'true' : undefined}
        tabIndex={props.focusable ? 0 : -1}
        onClick={() => props.onSelect(s.id)}
      >
        {/* The parts are lines of their own; the hidden commas keep them apart in the button's name, which would
            otherwise run them together ("Demo callhttp://…/demo.html11/23/2026 …"). */}
        <span class="session-title" title={label}>
          {label}
        </span>
        {s.url && s.url !== label && (
          <span class="session-url" title={s.url}>
            <span class="visually-hidden">, </span>
            {s.url}
          </span>
        )}
        {!s.url.startsWith(s.origin) && (
          <span class="session-meta">
            <span class="visually-hidden">, </span>
            <span class="session-origin">{s.origin}</span>
          </span>
        )}
        <span class="session-meta session-facts">
          <span class="visually-hidden">, started </span>
          <time dateTime={isoTime(s.startedAt)} title={isoTime(s.startedAt)}>
            {formatDateTime(s.startedAt)}
          </time>
          {' · '}
          {live ? <LiveDuration startedAt={s.startedAt} /> : <span class="session-duration">{formatDuration(sessionDuration(s))}</span>}
          {' · '}
          <span>
            {s.pcCount} PC{s.pcCount === 1 ? '' : 's'}
          </span>
          {' · '}
          <span class={live ? 'badge live' : 'badge'}>{live ? 'live' : 'ended'}</span>
        </span>
        {s.imported && (
          <span class="session-meta">
            <span class="visually-hidden">, </span>
            <span class="badge imported">imported</span> <span title={s.imported.fileName}>{s.imported.fileName}</span> ({s.imported.format})
          </span>
        )}
      </button>
    </li>
  );
}
