/**
 * Import and export jobs over the session store: what the dump worker runs (entrypoints/viewer's worker, next to
 * the views, with direct IndexedDB access: a 100 MB dump never crosses a message port). Pure apart from the
 * store it is given, so Node tests run it over fake-indexeddb.
 *
 * Import: each file is read (importDump) and ALL its sessions are stored in one transaction, or none; a failure
 * leaves the store as it was. Export: the chosen sessions are read whole (readBundle), optionally redacted, and
 * written in the chosen format.
 */
import type { SessionSummary } from '../model/session';
import { exportCsv, type CsvSeries } from './export-csv';
import { exportRtcstats } from './export-rtcstats';
import { exportWebrtcInternals } from './export-webrtc-internals';
import { writeScopeDump, SCOPE_FILE_EXTENSION } from './format-scope';
import { importDump, type DumpProblem } from './import-dump';
import { redactBundles, type RedactionSummary } from './redact';
import { encodeStatsColumns } from './bundle-stats';
import { DumpError, type DumpFormat, type SessionBundle } from './session-bundle';
import { isoTime, isValidTime } from './time-range';
import { gzipSync, strToU8 } from 'fflate';

/** What the jobs need of the store (SessionStore has both). */
export interface DumpStore {
  /** `release`: the bundles' columns may be dropped as they are encoded (the job does not use the bundles after). */
  importBundles(items: { bundle: SessionBundle; id: string; imported: { fileName: string; format: string } }[], samplesPerChunk?: number, options?: { release?: boolean }): Promise<SessionSummary[]>;
  readBundle(sessionId: string): Promise<SessionBundle | undefined>;
}

export interface ImportFile {
  name: string;
  bytes: Uint8Array;
}

export interface ImportFileResult {
  fileName: string;
  /** The format the content was read as (or looked like, on failure); null when unknown. */
  format: DumpFormat | null;
  /** Sessions stored from this file (empty on failure). */
  sessions: SessionSummary[];
  /** The user-facing error (names file, format, where, why); null on success. */
  error: string | null;
  /**
   * Set when the file failed only because part of it is invalid: importing again with `allowPartial` stores the
   * valid part. `problems` lists the first ones.
   */
  partial: { problemCount: number; problems: DumpProblem[] } | null;
  /** Problems skipped in an `allowPartial` import. */
  skipped: DumpProblem[];
  /** Texts cut to what a recorded call keeps (importDump's `cuts`), and how many places in all. */
  cuts: DumpProblem[];
  cutCount: number;
}

export interface ImportProgress {
  fileIndex: number;
  fileCount: number;
  fileName: string;
  /** Of this file, 0…1. */
  fraction: number;
}

export type ExportFormat = 'webrtc-scope' | 'webrtc-internals' | 'webrtc-internals-gz' | 'rtcstats-v3' | 'csv';

export interface ExportRequest {
  sessionIds: string[];
  format: ExportFormat;
  /** Replace addresses, ICE credentials, fingerprints, certificates (redact.ts). */
  redact: boolean;
  /** Also the page URLs and titles. */
  redactUrl: boolean;
  /** For CSV: one PC of the (first) session and the series to write. */
  csv?: { pcId: string; series: CsvSeries[] };
}

export interface ExportResult {
  fileName: string;
  mimeType: string;
  data: Uint8Array;
  /** What redaction replaced; null when not redacted. */
  redaction: RedactionSummary | null;
}

/** Things the export records about where it was made. */
export interface ExportMeta {
  extensionVersion: string;
  userAgent: string;
  now(): number;
}

const newSessionId = () => `import:${crypto.randomUUID()}`;

/** Imports files one by one; a failed file does not stop the others. */
export async function runImport(
  store: DumpStore,
  files: readonly ImportFile[],
  options: { allowPartial?: boolean; onProgress?: (p: ImportProgress) => void; newId?: () => string } = {},
): Promise<ImportFileResult[]> {
  const results: ImportFileResult[] = [];
  for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
    const { name, bytes } = files[fileIndex];
    const progress = (fraction: number) => options.onProgress?.({ fileIndex, fileCount: files.length, fileName: name, fraction });
    progress(0);
    try {
      // Each PC's stats columns are encoded into the store's chunks as soon as they are read, and dropped: a large
      // file's PCs are never all alive as columns (the peak memory of an import).
      const result = importDump(name, bytes, { allowPartial: options.allowPartial, onProgress: progress, encodeColumns: (columns) => encodeStatsColumns(columns) });
      const sessions = await store.importBundles(
        result.bundles.map((bundle) => ({ bundle, id: (options.newId ?? newSessionId)(), imported: { fileName: name, format: result.format } })),
        undefined,
        { release: true },
      );
      results.push({ fileName: name, format: result.format, sessions, error: null, partial: null, skipped: result.problems, cuts: result.cuts, cutCount: result.cutCount });
    } catch (error) {
      results.push(failure(name, error, bytes, options.allowPartial ?? false));
    }
    progress(1);
  }
  return results;
}

function failure(fileName: string, error: unknown, bytes: Uint8Array, allowPartial: boolean): ImportFileResult {
  if (error instanceof DumpError) {
    // A partial import is possible when the file is readable but some parts are not: try it (without storing)
    // to learn what would be kept.
    let partial: ImportFileResult['partial'] = null;
    if (!allowPartial && error.format !== 'unknown') {
      try {
        const probe = importDump(fileName, bytes, { allowPartial: true });
        if (probe.bundles.length > 0 && probe.problemCount > 0) partial = { problemCount: probe.problemCount, problems: probe.problems.slice(0, 20) };
      } catch {
        // Nothing valid to keep.
      }
    }
    return { fileName, format: error.format === 'unknown' ? null : error.format, sessions: [], error: error.message, partial, skipped: [], cuts: [], cutCount: 0 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { fileName, format: null, sessions: [], error: `${fileName}: could not be stored: ${message}`, partial: null, skipped: [], cuts: [], cutCount: 0 };
}

const FILE_SUFFIX: Record<ExportFormat, string> = {
  'webrtc-scope': SCOPE_FILE_EXTENSION,
  'webrtc-internals': '.webrtc-internals.json',
  'webrtc-internals-gz': '.webrtc-internals.json.gz',
  'rtcstats-v3': '.rtcstats.jsonl.gz',
  csv: '.csv',
};
const MIME: Record<ExportFormat, string> = {
  'webrtc-scope': 'application/gzip',
  'webrtc-internals': 'application/json',
  'webrtc-internals-gz': 'application/gzip',
  'rtcstats-v3': 'application/gzip',
  csv: 'text/csv',
};

/**
 * A file name from the first session's origin and start time: `meet.example-2026-11-22T09-13-43`. A start time no
 * Date can hold (stored before imports checked times) gives `unknown-time` rather than a RangeError.
 */
export function exportFileName(sessions: readonly SessionBundle[], format: ExportFormat, redacted: boolean): string {
  const first = sessions[0]?.session;
  const host = !first || redacted ? 'webrtc' : (/^[a-z]+:\/\/([^/:]+)/i.exec(first.url)?.[1] ?? 'webrtc');
  const when = !first ? 'empty' : isValidTime(first.startedAt) ? isoTime(first.startedAt).slice(0, 19).replace(/:/g, '-') : 'unknown-time';
  const count = sessions.length > 1 ? `-${sessions.length}-sessions` : '';
  return `${host.replace(/[^a-z0-9.-]/gi, '_')}-${when}${count}${FILE_SUFFIX[format]}`;
}

/** Builds an export file. Throws an Error naming a session that does not exist. */
export async function runExport(store: DumpStore, request: ExportRequest, meta: ExportMeta): Promise<ExportResult> {
  if (request.sessionIds.length === 0) throw new Error('No session chosen to export.');
  let bundles: SessionBundle[] = [];
  for (const id of request.sessionIds) {
    const bundle = await store.readBundle(id);
    if (!bundle) throw new Error(`Session ${id} is no longer stored.`);
    bundles.push(bundle);
  }
  let redaction: RedactionSummary | null = null;
  let data: Uint8Array;
  if (request.redact) {
    const result = redactBundles(bundles, { url: request.redactUrl });
    redaction = result.summary;
    data = encodeExport(result.bundles, request, meta);
    // A CSV holds only the chosen numeric series and their names: what redaction replaced elsewhere in the session
    // (SDP, candidates, URLs) is not in it, and the summary must not claim it was. When the CSV comes out the same
    // without redaction, nothing in it needed replacing.
    if (request.format === 'csv' && equalBytes(encodeExport(bundles, request, meta), data)) redaction = emptyRedactionSummary(redaction);
    bundles = result.bundles;
  } else {
    data = encodeExport(bundles, request, meta);
  }
  return { fileName: exportFileName(bundles, request.format, request.redact && request.redactUrl), mimeType: MIME[request.format], data, redaction };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A summary of the same kinds with nothing replaced. */
function emptyRedactionSummary(like: RedactionSummary): RedactionSummary {
  const out = { ...like };
  for (const kind of Object.keys(out) as (keyof RedactionSummary)[]) out[kind] = { values: 0, occurrences: 0 };
  return out;
}

function encodeExport(bundles: SessionBundle[], request: ExportRequest, meta: ExportMeta): Uint8Array {
  switch (request.format) {
    case 'webrtc-scope':
      return writeScopeDump(bundles, { extensionVersion: meta.extensionVersion, exportedAt: meta.now(), userAgent: meta.userAgent });
    case 'webrtc-internals':
      return strToU8(exportWebrtcInternals(bundles, { exportedAt: meta.now() }));
    case 'webrtc-internals-gz':
      // mtime 0: the same export gives the same bytes.
      return gzipSync(strToU8(exportWebrtcInternals(bundles, { exportedAt: meta.now() })), { mtime: 0 });
    case 'rtcstats-v3':
      return exportRtcstats(bundles);
    case 'csv': {
      if (!request.csv) throw new Error('CSV export needs a connection and the series to write.');
      return strToU8(exportCsv(bundles[0], request.csv.pcId, request.csv.series));
    }
  }
}
