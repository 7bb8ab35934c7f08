/**
 * The views' handle on the dump worker: import files, export sessions, with progress and cancellation. One job
 * at a time per client (the UI offers one). Cancelling terminates the worker (its synchronous parse cannot be
 * interrupted otherwise); the next job starts a fresh one.
 */
import type { ExportRequest, ExportResult, ImportFileResult, ImportProgress } from '../dump/dump-jobs';
import type { DumpWorkerToView, ViewToDumpWorker } from '../protocol/messages';

export type { ExportRequest, ExportResult, ImportFileResult, ImportProgress } from '../dump/dump-jobs';

/** The part of a Worker the client uses (tests give a fake in Node). */
export interface WorkerLike {
  postMessage(message: ViewToDumpWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<DumpWorkerToView>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

export interface DumpClient {
  /** Imports files; resolves with one result per file (failures included). Rejects with an AbortError when cancelled. */
  importFiles(files: { name: string; bytes: Uint8Array }[], options?: { allowPartial?: boolean; onProgress?: (p: ImportProgress) => void; signal?: AbortSignal }): Promise<ImportFileResult[]>;
  exportSessions(request: ExportRequest, options?: { signal?: AbortSignal }): Promise<ExportResult>;
  dispose(): void;
}

export interface DumpClientDeps {
  createWorker(): WorkerLike;
  extensionVersion: string;
  userAgent: string;
}

/** A message without its job id (distributes over the union, unlike Omit). */
type JobMessage = ViewToDumpWorker extends infer M ? (M extends ViewToDumpWorker ? Omit<M, 'jobId'> : never) : never;

const abortError = () => new DOMException('Cancelled', 'AbortError');

export function createDumpClient(deps: DumpClientDeps): DumpClient {
  let worker: WorkerLike | null = null;
  let nextJob = 1;
  const waiting = new Map<number, { settle(message: DumpWorkerToView): void; fail(error: Error): void }>();

  const ensure = (): WorkerLike => {
    if (worker) return worker;
    const w = deps.createWorker();
    w.onmessage = (event) => waiting.get(event.data.jobId)?.settle(event.data);
    w.onerror = (event) => {
      // A crash (e.g. out of memory on a huge file): fail every job, start afresh next time.
      for (const job of waiting.values()) job.fail(new Error(`The import/export worker stopped: ${event.message || 'unknown error'}`));
      waiting.clear();
      w.terminate();
      if (worker === w) worker = null;
    };
    worker = w;
    return w;
  };

  function run<T>(message: JobMessage, onMessage: (m: DumpWorkerToView, done: (v: T) => void) => void, signal?: AbortSignal, transfer: Transferable[] = []): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError());
    const jobId = nextJob++;
    const w = ensure();
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        waiting.delete(jobId);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        w.terminate();
        if (worker === w) worker = null;
        // Other jobs of the terminated worker cannot finish either.
        for (const job of waiting.values()) job.fail(abortError());
        waiting.clear();
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.set(jobId, {
        settle: (m) => {
          if (m.type === 'job-failed') {
            finish();
            reject(new Error(m.error));
            return;
          }
          onMessage(m, (value) => {
            finish();
            resolve(value);
          });
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      });
      w.postMessage({ ...message, jobId } as ViewToDumpWorker, transfer);
    });
  }

  return {
    importFiles(files, options = {}) {
      return run<ImportFileResult[]>(
        { type: 'import', files, allowPartial: options.allowPartial ?? false },
        (m, done) => {
          if (m.type === 'import-progress') options.onProgress?.(m.progress);
          else if (m.type === 'import-done') done(m.results);
        },
        options.signal,
        // The bytes move to the worker instead of being copied (a big file would be held twice).
        files.map((f) => f.bytes.buffer as ArrayBuffer),
      );
    },
    exportSessions(request, options = {}) {
      return run<ExportResult>(
        { type: 'export', request, meta: { extensionVersion: deps.extensionVersion, userAgent: deps.userAgent } },
        (m, done) => {
          if (m.type === 'export-done') done(m.result);
        },
        options.signal,
      );
    },
    dispose() {
      worker?.terminate();
      worker = null;
      for (const job of waiting.values()) job.fail(abortError());
      waiting.clear();
    },
  };
}
