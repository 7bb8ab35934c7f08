/**
 * Importing dump files into the viewer: an "Import dumps…" button (a hidden multi-file input behind it) and
 * drag-and-drop of files anywhere on the page, a progress bar with Cancel while the dump worker runs, then one
 * result per file: what was stored (with a button opening it), or why the file was refused, with an offer to
 * import the valid part of a partly broken file.
 *
 * File names and error messages come from untrusted files: they are text children only, never markup.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DumpClient, ImportFileResult, ImportProgress } from '../../lib/views/dump-client';
import type { SessionSummary } from '../../lib/model/session';
import './dump.css';

export interface ImportControlProps {
  client: DumpClient;
  /** After an import stored sessions: every stored id, in file order. */
  onImported(sessionIds: string[]): void;
  /** Opens one imported session. */
  onOpen(sessionId: string): void;
  /** Where dropped files are accepted (default: the whole document). */
  dropTarget?: EventTarget;
}

/** One file's outcome; the File is kept to read it again for a partial import (its bytes went to the worker). */
interface Entry {
  key: number;
  file: File;
  result: ImportFileResult;
}

interface Running {
  controller: AbortController;
  progress: ImportProgress;
  /** Reading the files (before the worker has them). */
  reading: boolean;
}

let nextKey = 1;

async function readFiles(files: readonly File[], signal: AbortSignal): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (signal.aborted) throw new DOMException('Cancelled', 'AbortError');
    out.push({ name: file.name, bytes });
  }
  return out;
}

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** Only file drags count (not text or links dragged around the page). Browsers list "Files" while dragging files. */
const carriesFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes('Files');

export function ImportControl(props: ImportControlProps) {
  const { client } = props;
  const inputRef = useRef<HTMLInputElement>(null);
  const pickRef = useRef<HTMLButtonElement>(null);
  const [running, setRunning] = useState<Running | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [message, setMessage] = useState<{ text: string; alert: boolean } | null>(null);
  const [dragging, setDragging] = useState(false);
  const runningRef = useRef<Running | null>(null);
  runningRef.current = running;
  const propsRef = useRef(props);
  propsRef.current = props;

  // A job still running when the control goes away is cancelled (nobody would see its results).
  useEffect(() => () => runningRef.current?.controller.abort(), []);

  /** Imports `files`; `replace` is the entry a partial re-import replaces. */
  const run = async (files: File[], options: { allowPartial?: boolean; replace?: number } = {}) => {
    if (files.length === 0 || runningRef.current) return;
    const controller = new AbortController();
    const first: Running = { controller, reading: true, progress: { fileIndex: 0, fileCount: files.length, fileName: files[0].name, fraction: 0 } };
    runningRef.current = first;
    setRunning(first);
    setMessage(null);
    try {
      const read = await readFiles(files, controller.signal);
      setRunning((r) => (r && r.controller === controller ? { ...r, reading: false } : r));
      const results = await client.importFiles(read, {
        allowPartial: options.allowPartial,
        signal: controller.signal,
        onProgress: (progress) => setRunning((r) => (r && r.controller === controller ? { ...r, progress } : r)),
      });
      const fresh = results.map((result, i) => ({ key: nextKey++, file: files[i], result }));
      setEntries((old) => (options.replace === undefined ? fresh : old.map((e) => (e.key === options.replace ? fresh[0] : e))));
      const ids = results.flatMap((r) => r.sessions.map((s) => s.id));
      if (ids.length > 0) propsRef.current.onImported(ids);
    } catch (error) {
      if (isAbort(error)) setMessage({ text: 'Import cancelled: nothing was stored from the file being read.', alert: false });
      else setMessage({ text: `Import failed: ${error instanceof Error ? error.message : String(error)}`, alert: true });
    } finally {
      runningRef.current = null;
      setRunning(null);
    }
  };
  const runRef = useRef(run);
  runRef.current = run;

  useEffect(() => {
    const target = props.dropTarget ?? document;
    // dragenter/dragleave fire for every child crossed: count them to know when the drag left the page.
    let depth = 0;
    const onEnter = (event: Event) => {
      if (!carriesFiles(event as DragEvent)) return;
      event.preventDefault();
      depth++;
      setDragging(true);
    };
    const onOver = (event: Event) => {
      const drag = event as DragEvent;
      if (!carriesFiles(drag)) return;
      // Without preventDefault the browser refuses the drop (and would open the file instead).
      event.preventDefault();
      if (drag.dataTransfer) drag.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    };
    const onLeave = (event: Event) => {
      if (!carriesFiles(event as DragEvent)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (event: Event) => {
      const drag = event as DragEvent;
      if (!carriesFiles(drag)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = Array.from(drag.dataTransfer?.files ?? []);
      void runRef.current(files);
    };
    const onEnd = () => {
      depth = 0;
      setDragging(false);
    };
    target.addEventListener('dragenter', onEnter);
    target.addEventListener('dragover', onOver);
    target.addEventListener('dragleave', onLeave);
    target.addEventListener('drop', onDrop);
    target.addEventListener('dragend', onEnd);
    return () => {
      target.removeEventListener('dragenter', onEnter);
      target.removeEventListener('dragover', onOver);
      target.removeEventListener('dragleave', onLeave);
      target.removeEventListener('drop', onDrop);
      target.removeEventListener('dragend', onEnd);
    };
  }, [props.dropTarget]);

  const onPick = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const files = Array.from(input.files ?? []);
    // Cleared so that picking the same file again fires a change.
    input.value = '';
    void run(files);
  };

  const progress = running?.progress;
  const progressLabel = progress
    ? `${running!.reading ? 'Reading' : 'Importing'} ${progress.fileName} (${progress.fileIndex + 1} of ${progress.fileCount})`
    : '';

  return (
    <section class="dump-import" aria-label="Import dumps">
      <div class="dump-import-bar">
        <button ref={pickRef} type="button" class="dump-button" disabled={running !== null} onClick={() => inputRef.current?.click()}>
          Import dumps…
        </button>
        <input ref={inputRef} type="file" multiple class="dump-file-input" aria-label="Dump files to import" tabIndex={-1} hidden onChange={onPick} />
        <span class="dump-hint">or drop files here</span>
      </div>
      {running && progress && (
        <div class="dump-progress" role="status">
          <progress aria-label={progressLabel} max={1} value={running.reading ? undefined : (progress.fileIndex + progress.fraction) / progress.fileCount} />
          <span class="dump-progress-text">{progressLabel}</span>
          <button type="button" class="dump-button" onClick={() => running.controller.abort()}>
            Cancel
          </button>
        </div>
      )}
      {message && (
        <p class={message.alert ? 'dump-error' : 'dump-note'} role={message.alert ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {entries.length > 0 && (
        <div class="dump-results">
          <ul aria-label="Import results">
            {entries.map((entry) => (
              <ResultItem
                key={entry.key}
                entry={entry}
                busy={running !== null}
                onOpen={props.onOpen}
                onPartial={() => void run([entry.file], { allowPartial: true, replace: entry.key })}
              />
            ))}
          </ul>
          <button
            type="button"
            class="dump-button dump-dismiss"
            disabled={running !== null}
            onClick={() => {
              setEntries([]);
              // The button goes away with the results: the focus goes back to where importing starts, not to <body>.
              pickRef.current?.focus();
            }}
          >
            Dismiss results
          </button>
        </div>
      )}
      {dragging && <DropOverlay />}
    </section>
  );
}

/**
 * The drop overlay, rendered on <body>: the sidebar's layout containment would confine a fixed overlay to the
 * sidebar. (A small portal of our own: preact/compat's createPortal would bring compat's global event renaming.)
 */
function DropOverlay() {
  useEffect(() => {
    const host = document.createElement('div');
    document.body.append(host);
    render(
      <div class="dump-drop-overlay" data-testid="drop-overlay" aria-hidden="true">
        <p>Drop dump files to import them</p>
      </div>,
      host,
    );
    return () => {
      render(null, host);
      host.remove();
    };
  }, []);
  return null;
}

/**
 * The session of a file to open first: the one with the most stats samples, then trace events. A Firefox page makes
 * a session per page load, and its first could be an idle one with a single event (found by the QA pass).
 */
function busiest(sessions: readonly SessionSummary[]): SessionSummary {
  let best = sessions[0];
  for (const s of sessions) if (s.sampleCount > best.sampleCount || (s.sampleCount === best.sampleCount && s.eventCount > best.eventCount)) best = s;
  return best;
}

function ResultItem(props: { entry: Entry; busy: boolean; onOpen(id: string): void; onPartial(): void }) {
  const { result } = props.entry;
  if (result.error === null) {
    const count = result.sessions.length;
    return (
      <li class="dump-result ok">
        <span class="dump-file-name">{result.fileName}</span>
        <span>
          {' '}
          — {result.format ?? 'unknown format'}, {plural(count, 'session')} imported
          {result.skipped.length > 0 && `, ${plural(result.skipped.length, 'problem')} skipped`}
          {result.cutCount > 0 && `, ${result.cutCount === 1 ? 'a text' : `texts in ${result.cutCount} places`} cut to length`}
        </span>
        {count > 0 && (
          <button
            type="button"
            class="dump-button"
            aria-label={count === 1 ? `Open the session imported from ${result.fileName}` : `Open the busiest of the ${count} sessions imported from ${result.fileName}`}
            onClick={() => props.onOpen(busiest(result.sessions).id)}
          >
            Open
          </button>
        )}
        {result.cutCount > 0 && (
          // Far longer than any real call's (a 30 MB user agent): kept, cut, and said where.
          <details class="dump-problems" data-testid="import-cuts">
            <summary>Cut to length</summary>
            <ul>
              {result.cuts.map((p, i) => (
                <li key={i}>
                  {p.where}: {p.reason}
                </li>
              ))}
              {result.cutCount > result.cuts.length && <li>…and {result.cutCount - result.cuts.length} more.</li>}
            </ul>
          </details>
        )}
      </li>
    );
  }
  return (
    <li class="dump-result failed">
      <span class="dump-file-name">{result.fileName}</span>
      {/* The message starts with the file's name (it stands alone in a log or a console): the line above names it. */}
      <p class="dump-error" role="alert">
        {result.error.startsWith(`${result.fileName}: `) ? result.error.slice(result.fileName.length + 2) : result.error}
      </p>
      {result.partial && (
        <>
          <details class="dump-problems">
            <summary>Problems found</summary>
            <ul>
              {result.partial.problems.map((p, i) => (
                <li key={i}>
                  {p.where}: {p.reason}
                </li>
              ))}
              {result.partial.problemCount > result.partial.problems.length && <li>…and {result.partial.problemCount - result.partial.problems.length} more.</li>}
            </ul>
          </details>
          <button type="button" class="dump-button" disabled={props.busy} onClick={props.onPartial}>
            Import the valid part ({plural(result.partial.problemCount, 'problem')} skipped)
          </button>
        </>
      )}
    </li>
  );
}
