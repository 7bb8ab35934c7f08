/**
 * Exporting sessions: a modal dialog to choose the format (each with what it is for), redaction (on by default for
 * every format that leaves WebRTC Scope, off for our own lossless one), and for CSV the connection and the series.
 * The dump worker writes the file; the page hands it to `download`. Afterwards the dialog says what redaction
 * replaced, so the user can judge the file before sharing it.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { LEGACY_STATS_TYPES, parseLegacyNumber } from '../../lib/model/legacy-stats';
import type { PcSummary, StatsColumns } from '../../lib/model/session';
import type { RedactionKind, RedactionSummary } from '../../lib/dump/redact';
import type { DumpClient, ExportRequest } from '../../lib/views/dump-client';
import type { StatsFeed } from '../../lib/views/stats-feed';
import './dump.css';

export type ExportFormat = ExportRequest['format'];

export interface ExportDialogProps {
  client: DumpClient;
  sessionIds: string[];
  /** What the sessions are called (the dialog's description); defaults to a count. */
  subject?: string;
  /** Saves the file (a Blob URL and `<a download>` in the pages). */
  download(fileName: string, mimeType: string, data: Uint8Array): void;
  onClose(): void;
  /** For CSV (one session): the session's connections and the feed holding their columns. Without it CSV is off. */
  csv?: { pcs: PcSummary[]; feed: StatsFeed };
}

const FORMATS: { value: ExportFormat; label: string; description: string }[] = [
  { value: 'webrtc-scope', label: 'WebRTC Scope (.webrtc-scope.json.gz)', description: 'Lossless, for importing again into WebRTC Scope.' },
  {
    value: 'webrtc-internals',
    label: 'webrtc-internals (.json)',
    description:
      'Opens in tools made for Chrome dumps (fippo’s webrtc-dump-importer, the rtcstats dump-importer). Has no place for the page title, data channel and track events, or an imported file’s entries of no peer connection (rtcstats’ identity, logs…), and calls Chrome does not log (such as setParameters) come back as plain file entries: WebRTC Scope’s own format keeps everything.',
  },
  { value: 'webrtc-internals-gz', label: 'webrtc-internals, gzipped (.json.gz)', description: 'The same as webrtc-internals, compressed.' },
  {
    value: 'rtcstats-v3',
    label: 'rtcstats v3 (.rtcstats.jsonl.gz)',
    description: 'Chromium’s “RTCStatsDump” format, as written by rtcstats-js and Chrome’s own export. Has no place for the page title or data channel and track events.',
  },
  { value: 'csv', label: 'CSV (.csv)', description: 'Chosen stats series of one connection, one row per poll, for spreadsheets.' },
];

/** Fields picked for CSV when a stats object has them. */
const PRESELECTED_FIELDS = new Set(['bytesSent', 'bytesReceived', 'packetsLost', 'jitter', 'roundTripTime']);

const KIND_NAMES: Record<RedactionKind, [string, string]> = {
  ipv4: ['IPv4 address', 'IPv4 addresses'],
  ipv6: ['IPv6 address', 'IPv6 addresses'],
  mdns: ['mDNS host name', 'mDNS host names'],
  ufrag: ['ICE ufrag', 'ICE ufrags'],
  pwd: ['ICE password', 'ICE passwords'],
  fingerprint: ['DTLS fingerprint', 'DTLS fingerprints'],
  certificate: ['certificate', 'certificates'],
  credential: ['TURN credential', 'TURN credentials'],
  url: ['URL or origin', 'URLs and origins'],
  title: ['page title', 'page titles'],
};

/** "Replaced 3 IPv4 addresses (41 times), 4 ICE ufrags (9 times)." */
export function describeRedaction(summary: RedactionSummary): string {
  const parts = (Object.keys(KIND_NAMES) as RedactionKind[])
    .filter((kind) => summary[kind] && summary[kind].values > 0)
    .map((kind) => {
      const { values, occurrences } = summary[kind];
      return `${values} ${KIND_NAMES[kind][values === 1 ? 0 : 1]} (${occurrences} ${occurrences === 1 ? 'time' : 'times'})`;
    });
  return parts.length === 0 ? 'Redaction found nothing to replace.' : `Replaced ${parts.join(', ')}.`;
}

interface SeriesOption {
  statsId: string;
  type: string;
  /** The type, and the stream's kind and SSRC where it has them: "outbound-rtp, video, ssrc 1234". */
  about: string;
  fields: string[];
}

/** The stats types people chart first, in this order (Chrome's legacy ones after the standard); the others follow by id. */
const TYPE_ORDER = [
  'inbound-rtp', 'outbound-rtp', 'remote-inbound-rtp', 'remote-outbound-rtp', 'candidate-pair', 'transport', 'media-source', 'media-playout',
  'ssrc', 'VideoBwe', 'googCandidatePair',
];
const typeRank = (type: string) => (TYPE_ORDER.includes(type) ? TYPE_ORDER.indexOf(type) : TYPE_ORDER.length);

/**
 * Numeric fields of each stats object in the latest sample (what a spreadsheet can plot), the usual types first.
 * `timestamp` is left out: every row has its time already. Chrome's legacy (goog) stats write their numbers as
 * strings ("12345"): those count too, and the CSV writes them as numbers.
 */
export function numericSeries(columns: StatsColumns | undefined): SeriesOption[] {
  if (!columns || columns.t.length === 0) return [];
  const last = columns.t.length - 1;
  const out: SeriesOption[] = [];
  for (const statsId of Object.keys(columns.objects)) {
    const object = columns.objects[statsId];
    const legacy = LEGACY_STATS_TYPES.has(object.type);
    const fields = Object.keys(object.fields)
      .filter((f) => f !== 'timestamp' && (typeof object.fields[f][last] === 'number' || (legacy && parseLegacyNumber(object.fields[f][last]) !== null)))
      .sort();
    if (fields.length === 0) continue;
    // What tells one stream from another where the ids do not (Firefox's are random hex): its kind and SSRC.
    const at = (field: string) => (Object.prototype.hasOwnProperty.call(object.fields, field) ? object.fields[field][last] : undefined);
    const kind = at('kind') ?? at('mediaType');
    const ssrc = at('ssrc');
    const about = [object.type, typeof kind === 'string' ? kind : null, typeof ssrc === 'number' || typeof ssrc === 'string' ? `ssrc ${ssrc}` : null].filter((x) => x !== null).join(', ');
    out.push({ statsId, type: object.type, about, fields });
  }
  return out.sort((a, b) => typeRank(a.type) - typeRank(b.type) || (a.statsId < b.statsId ? -1 : a.statsId > b.statsId ? 1 : 0));
}

const seriesKey = (statsId: string, field: string) => `${statsId}\u0000${field}`;

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

let dialogCounter = 0;

export function ExportDialog(props: ExportDialogProps) {
  const { client, sessionIds, csv } = props;
  const id = useMemo(() => `export-dialog-${++dialogCounter}`, []);
  const dialogRef = useRef<HTMLDivElement>(null);
  const [format, setFormat] = useState<ExportFormat>('webrtc-scope');
  const [redactTouched, setRedactTouched] = useState<boolean | null>(null);
  const redact = redactTouched ?? format !== 'webrtc-scope';
  const [redactUrl, setRedactUrl] = useState(false);
  const csvPossible = sessionIds.length === 1 && csv !== undefined && csv.pcs.length > 0;
  const [pcId, setPcId] = useState<string>(csv?.pcs[0]?.pcId ?? '');
  const [running, setRunning] = useState<AbortController | null>(null);
  const [done, setDone] = useState<{ fileName: string; redaction: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runningRef = useRef<AbortController | null>(null);
  runningRef.current = running;

  // The PC's columns may still be loading (the store fetches them on first ask): re-read when they arrive.
  const [columnsVersion, setColumnsVersion] = useState(0);
  useEffect(() => {
    if (!csv) return;
    return csv.feed.onAppend((pc, fromRow) => {
      if (pc === pcId && fromRow === 0) setColumnsVersion((v) => v + 1);
    });
  }, [csv?.feed, pcId]);
  const series = useMemo(() => (csvPossible && format === 'csv' ? numericSeries(csv!.feed.columns(pcId)) : []), [csvPossible, format, pcId, columnsVersion]);
  const [picked, setPicked] = useState<Set<string> | null>(null);
  const defaultPicked = useMemo(() => new Set(series.flatMap((o) => o.fields.filter((f) => PRESELECTED_FIELDS.has(f)).map((f) => seriesKey(o.statsId, f)))), [series]);
  const chosen = picked ?? defaultPicked;

  // Focus moves into the dialog, and back where it was when the dialog closes.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    dialogRef.current?.querySelector<HTMLElement>('input[name="export-format"]:checked')?.focus();
    return () => {
      runningRef.current?.abort();
      if (before && before.isConnected) before.focus();
    };
  }, []);

  // Focus follows the action: to Cancel while exporting (Export is disabled then), back to Export after.
  const cancelRef = useRef<HTMLButtonElement>(null);
  const exportRef = useRef<HTMLButtonElement>(null);
  const wasRunning = useRef(false);
  useEffect(() => {
    if (running) cancelRef.current?.focus();
    else if (wasRunning.current && !dialogRef.current?.contains(document.activeElement)) exportRef.current?.focus();
    wasRunning.current = running !== null;
  }, [running]);

  const close = () => {
    running?.abort();
    props.onClose();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
      return;
    }
    if (event.key !== 'Tab') return;
    // Keep Tab inside the dialog (aria-modal: the page behind is inert for the user).
    const items = Array.from(dialogRef.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? []);
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  const chooseFormat = (value: ExportFormat) => {
    setFormat(value);
    setDone(null);
    setError(null);
  };

  const toggleSeries = (key: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(key);
    else next.delete(key);
    setPicked(next);
  };

  const csvSeries = () =>
    series.flatMap((o) => o.fields.filter((f) => chosen.has(seriesKey(o.statsId, f))).map((field) => ({ statsId: o.statsId, field })));

  const canExport = running === null && sessionIds.length > 0 && (format !== 'csv' || (csvPossible && csvSeries().length > 0));

  const start = async () => {
    if (!canExport) return;
    const controller = new AbortController();
    setRunning(controller);
    setDone(null);
    setError(null);
    const request: ExportRequest = { sessionIds, format, redact, redactUrl: redact && redactUrl };
    if (format === 'csv') request.csv = { pcId, series: csvSeries() };
    try {
      const result = await client.exportSessions(request, { signal: controller.signal });
      props.download(result.fileName, result.mimeType, result.data);
      setDone({ fileName: result.fileName, redaction: result.redaction ? describeRedaction(result.redaction) : null });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') setError(null);
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning((r) => (r === controller ? null : r));
    }
  };

  const subject = props.subject ?? `${sessionIds.length} session${sessionIds.length === 1 ? '' : 's'}`;

  return (
    <div class="dump-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div class="dump-dialog" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} aria-describedby={`${id}-subject`} ref={dialogRef} onKeyDown={onKeyDown}>
        <h2 id={`${id}-title`} class="dump-dialog-title">
          Export
        </h2>
        <p id={`${id}-subject`} class="dump-subject">
          {subject}
        </p>
        <fieldset class="dump-formats">
          <legend>Format</legend>
          {FORMATS.map((f) => {
            const disabled = f.value === 'csv' && !csvPossible;
            return (
              <label key={f.value} class={`dump-format${disabled ? ' disabled' : ''}`}>
                <input
                  type="radio"
                  name="export-format"
                  value={f.value}
                  checked={format === f.value}
                  disabled={disabled || running !== null}
                  aria-describedby={`${id}-${f.value}-desc`}
                  onChange={() => chooseFormat(f.value)}
                />{' '}
                <span class="dump-format-label">{f.label}</span>
                <span id={`${id}-${f.value}-desc`} class="dump-format-desc">
                  {f.description}
                  {disabled && (sessionIds.length === 1 ? ' (The session must be open in the app, with a connection.)' : ' (One session only.)')}
                </span>
              </label>
            );
          })}
        </fieldset>

        <fieldset class="dump-redaction">
          <legend>Redaction</legend>
          <label>
            <input
              type="checkbox"
              checked={redact}
              disabled={running !== null}
              onChange={(e) => setRedactTouched((e.currentTarget as HTMLInputElement).checked)}
            />{' '}
            Redact addresses and credentials
          </label>
          <p class="dump-note">
            {redactTouched === null
              ? format === 'webrtc-scope'
                ? 'Off by default for this format: it is meant for your own re-import.'
                : 'On by default for this format: files in it are usually shared.'
              : 'Chosen by you for this export.'}{' '}
            Replaces IP addresses, mDNS host names, ICE usernames and passwords, DTLS fingerprints and certificates with consistent placeholders, so the file still reads and imports.
          </p>
          <label class="dump-sub-option">
            <input type="checkbox" checked={redact && redactUrl} disabled={!redact || running !== null} onChange={(e) => setRedactUrl((e.currentTarget as HTMLInputElement).checked)} /> also page URLs and
            titles
          </label>
        </fieldset>

        {format === 'csv' && csvPossible && (
          <fieldset class="dump-csv">
            <legend>CSV content</legend>
            <label>
              Connection{' '}
              <select
                value={pcId}
                disabled={running !== null}
                onChange={(e) => {
                  setPcId((e.currentTarget as HTMLSelectElement).value);
                  setPicked(null);
                }}
              >
                {csv!.pcs.map((pc) => (
                  <option key={pc.pcId} value={pc.pcId}>
                    PC {pc.pcId}
                  </option>
                ))}
              </select>
            </label>
            {series.length === 0 ? (
              <p class="dump-note" role="status">
                No numeric stats in this connection's latest sample.
              </p>
            ) : (
              <div class="dump-series" role="group" aria-label="Series to write">
                {series.map((o) => (
                  <fieldset key={o.statsId} class="dump-series-object">
                    <legend>
                      {o.statsId} <span class="dump-series-type">({o.about})</span>
                    </legend>
                    {o.fields.map((field) => {
                      const key = seriesKey(o.statsId, field);
                      return (
                        <label key={field} class="dump-series-field">
                          <input
                            type="checkbox"
                            aria-label={`${o.statsId} ${field}`}
                            checked={chosen.has(key)}
                            onChange={(e) => toggleSeries(key, (e.currentTarget as HTMLInputElement).checked)}
                          />{' '}
                          {field}
                        </label>
                      );
                    })}
                  </fieldset>
                ))}
              </div>
            )}
            <p class="dump-note">{csvSeries().length} series chosen.</p>
          </fieldset>
        )}

        {running && (
          <div class="dump-progress" role="status">
            <progress aria-label="Exporting" />
            <span>Exporting…</span>
            <button type="button" class="dump-button" ref={cancelRef} onClick={() => running.abort()}>
              Cancel
            </button>
          </div>
        )}
        {error && (
          <p class="dump-error" role="alert">
            Export failed: {error}
          </p>
        )}
        {done && (
          <div class="dump-done" role="status">
            <p>
              Saved <span class="dump-file-name">{done.fileName}</span>.
            </p>
            {done.redaction && <p>{done.redaction}</p>}
          </div>
        )}

        <div class="dump-actions">
          <button type="button" class="dump-button primary" ref={exportRef} disabled={!canExport} onClick={() => void start()}>
            Export
          </button>
          <button type="button" class="dump-button" onClick={close}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
