/**
 * The event log of a peer connection (pcId) or of the session's media requests and track events (pcId null):
 * every call and event in order with the time since creation, a filter box, kind checkboxes and a failures-only
 * switch. Failures are highlighted (colour and a "failed" mark). Each entry opens to its arguments and outcome as
 * JSON and, for descriptions, the SDP per m-section with the diff against the previous one of the same side.
 */
import { memo } from 'preact/compat';
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/protocol/json';
import type { SessionData } from '../../lib/model/session';
import { buildEventLog, filterEventLog, LOG_KINDS, type LogEntry, type LogKind } from '../../lib/model/event-log';
import { formatAbsolute, formatDuration, formatSince } from '../connection/format';
import { SdpView } from './SdpView';
import './events.css';

export interface EventLogProps {
  data: SessionData;
  /** A PC's id, or null for the session-level log (getUserMedia/getDisplayMedia/enumerateDevices, track events). */
  pcId: string | null;
}

/** Entries rendered at first (and added per "show more"), so a long call's log opens fast. */
const PAGE = 300;

const PC_KINDS: LogKind[] = ['created', 'call', 'event', 'channel'];
const SESSION_KINDS: LogKind[] = ['media', 'track', 'file'];
const KIND_LABELS: Record<LogKind, string> = {
  created: 'Creation',
  call: 'API calls',
  event: 'Events',
  channel: 'Data channels',
  track: 'Track events',
  media: 'Media requests',
  file: 'File entries',
};

const json = (value: unknown) => JSON.stringify(value, null, 2);

function EntryDetail({ entry }: { entry: LogEntry }) {
  return (
    <div class="el-detail">
      <p class="el-meta">
        #{entry.seq} · <time>{formatAbsolute(entry.t)}</time>
        {entry.durationMs !== null ? ` · took ${formatDuration(entry.durationMs)}` : ''}
        {entry.target ? ` · transceiver ${entry.target.index}${entry.target.mid !== null ? ` (mid ${entry.target.mid})` : ''}` : ''}
      </p>
      {entry.args !== null ? (
        <>
          <h4>{entry.kind === 'created' ? 'Configuration' : 'Arguments'}</h4>
          <pre class="el-json">{json(entry.args)}</pre>
        </>
      ) : null}
      {entry.outcome === 'error' && entry.error ? (
        <>
          <h4>Error</h4>
          <p class="el-error-text">
            {errorText(entry.error)}
          </p>
        </>
      ) : null}
      {entry.outcome === 'pending' ? <p class="el-muted">No outcome recorded (still pending, or the page went away).</p> : null}
      {entry.value !== null ? (
        <>
          <h4>{entry.outcome === null ? 'Value' : 'Result'}</h4>
          <pre class="el-json">{json(entry.value)}</pre>
        </>
      ) : null}
      {entry.fileText !== null ? (
        <>
          <h4>Value, as in the imported file</h4>
          <pre class="el-json el-file-text">{entry.fileText}</pre>
        </>
      ) : null}
      {entry.sdp ? <SdpView sdp={entry.sdp} method={entry.name} /> : null}
    </div>
  );
}

interface EntryProps {
  entry: LogEntry;
  open: boolean;
  /** The entry the list's one Tab stop is on (see EventLog's roving focus). */
  current: boolean;
  onToggle: (seq: number) => void;
  onFocusEntry: (seq: number) => void;
}

// Memoised: moving the focus re-renders two entries, not the whole page of them.
const Entry = memo(function Entry({ entry, open, current, onToggle, onFocusEntry }: EntryProps) {
  const detailId = `el-detail-${entry.seq}`;
  const cls = ['el-entry', `el-kind-${entry.kind}`];
  if (entry.failure) cls.push('el-failure');
  if (entry.outcome === 'pending') cls.push('el-pending');
  return (
    <li class={cls.join(' ')} data-seq={entry.seq}>
      <button type="button" class="el-toggle" tabIndex={current ? 0 : -1} aria-expanded={open} aria-controls={detailId} onClick={() => onToggle(entry.seq)} onFocus={() => onFocusEntry(entry.seq)}>
        <time class="el-time" title={formatAbsolute(entry.t)}>
          {formatSince(entry.sinceMs)}
        </time>
        <span class="el-kind">{entry.kind}</span>
        {entry.failure ? <span class="el-badge">failed</span> : null}
        {entry.fileText !== null ? <span class="el-kind el-file" title="An entry of the imported file that WebRTC Scope has no record type for, kept as it was">file</span> : null}
        <span class="el-summary">{entry.summary}</span>
        {entry.durationMs !== null ? <span class="el-duration">{formatDuration(entry.durationMs)}</span> : null}
      </button>
      {open ? (
        <div id={detailId}>
          <EntryDetail entry={entry} />
        </div>
      ) : null}
    </li>
  );
});

/** Keys that move the focus between entries, and how many entries they move it (±Infinity: to either end). */
const MOVE_KEYS: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };

export function EventLog({ data, pcId }: EventLogProps) {
  const scopeKinds = pcId === null ? SESSION_KINDS : PC_KINDS;
  const [text, setText] = useState('');
  // Hidden kinds rather than shown ones, so that switching between a PC and the session never hides everything.
  const [hiddenKinds, setHiddenKinds] = useState<ReadonlySet<LogKind>>(() => new Set());
  const [failuresOnly, setFailuresOnly] = useState(false);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set());
  const [limit, setLimit] = useState(PAGE);
  // One Tab stop for the whole list (roving tabindex, as a WAI-ARIA listbox or grid does): a call's log has hundreds
  // of entries, and a Tab stop on each made everything after the log hundreds of Tab presses away. The arrow keys,
  // Page Up/Down, Home and End move between entries; Enter or Space opens one, Escape closes it.
  const [currentSeq, setCurrentSeq] = useState<number | null>(null);
  // The store may append events in place: the length is part of the key.
  const eventCount = data.events.length;
  const entries = useMemo(() => buildEventLog(data, pcId), [data, data.events, eventCount, data.pcs, pcId]);
  const activeKinds = useMemo(() => new Set(LOG_KINDS.filter((k) => !hiddenKinds.has(k))), [hiddenKinds]);
  const shown = useMemo(() => filterEventLog(entries, { text, kinds: activeKinds, failuresOnly }), [entries, text, activeKinds, failuresOnly]);
  const failures = useMemo(() => entries.filter((e) => e.failure).length, [entries]);
  const counts = useMemo(() => {
    const c: Partial<Record<LogKind, number>> = {};
    for (const e of entries) c[e.kind] = (c[e.kind] ?? 0) + 1;
    return c;
  }, [entries]);

  const toggleKind = (kind: LogKind) => {
    const next = new Set(hiddenKinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    setHiddenKinds(next);
  };
  const toggleEntry = useCallback((seq: number) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });
  }, []);
  const visible = shown.slice(0, limit);
  // The Tab stop stays on the entry last focused while the filter keeps it in view, else it goes to the first.
  const tabStopSeq = currentSeq !== null && visible.some((e) => e.seq === currentSeq) ? currentSeq : (visible[0]?.seq ?? null);

  // A filter that hides the focused entry (its kind unticked with a mouse that does not take the focus along, as in
  // Safari and on macOS, or "Failures only") removes the focused element, and the focus would fall to the page's
  // <body>: it goes to the new Tab stop of the list instead, or to the text filter when nothing is shown.
  const root = useRef<HTMLElement>(null);
  const focusInside = root.current !== null && root.current.contains(document.activeElement);
  useLayoutEffect(() => {
    const section = root.current;
    if (!focusInside || !section || section.contains(document.activeElement)) return;
    const active = document.activeElement;
    if (active !== null && active !== document.body) return; // the focus went somewhere on purpose
    (section.querySelector<HTMLElement>('.el-list > li > .el-toggle[tabindex="0"]') ?? section.querySelector<HTMLElement>('.el-filter'))?.focus();
  });

  const onListKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    if (e.key === 'Escape') {
      // Escape closes the entry the focus is in (on its toggle or inside its detail), and puts the focus on its toggle.
      const li = target?.closest<HTMLElement>('.el-list > li');
      const seq = li ? Number(li.dataset.seq) : NaN;
      if (!li || !expanded.has(seq)) return;
      e.preventDefault();
      toggleEntry(seq);
      li.querySelector<HTMLElement>(':scope > .el-toggle')?.focus();
      return;
    }
    if (!target?.classList.contains('el-toggle') || e.altKey || e.ctrlKey || e.metaKey) return;
    const step = MOVE_KEYS[e.key];
    if (step === undefined) return;
    const list = e.currentTarget as HTMLElement;
    const toggles = [...list.querySelectorAll<HTMLElement>(':scope > li > .el-toggle')];
    const at = toggles.indexOf(target);
    if (at < 0) return;
    e.preventDefault();
    const to = Math.max(0, Math.min(toggles.length - 1, step === Infinity ? toggles.length - 1 : step === -Infinity ? 0 : at + step));
    toggles[to].focus();
  };

  const label = pcId === null ? 'Media requests and track events' : `Event log of connection ${pcId}`;
  return (
    <section ref={root} class="event-log" aria-label={label}>
      <div class="el-controls" role="group" aria-label="Event log filters">
        <input
          type="search"
          class="el-filter"
          placeholder="Filter (name, arguments, SDP, error…)"
          aria-label="Filter events"
          value={text}
          onInput={(e) => {
            setText((e.currentTarget as HTMLInputElement).value);
            setLimit(PAGE);
          }}
        />
        {scopeKinds.filter((kind) => kind !== 'file' || (counts.file ?? 0) > 0).map((kind) => (
          <label key={kind} class="el-kind-option">
            <input type="checkbox" checked={!hiddenKinds.has(kind)} onChange={() => toggleKind(kind)} />
            {` ${KIND_LABELS[kind]} (${counts[kind] ?? 0})`}
          </label>
        ))}
        <label class="el-kind-option">
          <input type="checkbox" checked={failuresOnly} onChange={() => setFailuresOnly(!failuresOnly)} />
          {` Failures only (${failures})`}
        </label>
        <span class="el-count" aria-live="polite">
          {`${shown.length === entries.length ? '' : `${shown.length} of `}${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}`}
        </span>
      </div>
      {entries.length === 0 ? (
        <p class="el-empty">
          {pcId === null
            ? 'No getUserMedia, getDisplayMedia or enumerateDevices requests, no track events and no file entries in this session.'
            : 'No events recorded for this connection.'}
        </p>
      ) : shown.length === 0 ? (
        <p class="el-empty">No entries match the filter.</p>
      ) : (
        <ol class="el-list" aria-label="Entries (arrow keys move between them)" onKeyDown={onListKeyDown}>
          {visible.map((entry) => (
            <Entry key={entry.seq} entry={entry} open={expanded.has(entry.seq)} current={entry.seq === tabStopSeq} onToggle={toggleEntry} onFocusEntry={setCurrentSeq} />
          ))}
        </ol>
      )}
      {shown.length > limit ? (
        <button type="button" class="el-more" onClick={() => setLimit(limit + PAGE)}>
          Show {Math.min(PAGE, shown.length - limit)} more of {shown.length - limit} remaining
        </button>
      ) : null}
    </section>
  );
}
