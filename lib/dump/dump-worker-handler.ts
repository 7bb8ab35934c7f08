/**
 * What the dump worker does with one message: run the job over `store` and post its progress and outcome. Shared
 * by the real worker (lib/views/dump-worker.ts) and the in-process worker the DOM tests use.
 */
import type { DumpWorkerToView, ViewToDumpWorker } from '../protocol/messages';
import { announceSessionsChanged } from '../protocol/sessions-channel';
import { runExport, runImport, type DumpStore } from './dump-jobs';

export async function handleDumpMessage(
  message: ViewToDumpWorker,
  store: () => Promise<DumpStore>,
  post: (message: DumpWorkerToView, transfer?: Transferable[]) => void,
  now: () => number = Date.now,
): Promise<void> {
  try {
    if (message.type === 'import') {
      const results = await runImport(await store(), message.files, {
        allowPartial: message.allowPartial,
        onProgress: (progress) => post({ type: 'import-progress', jobId: message.jobId, progress }),
      });
      post({ type: 'import-done', jobId: message.jobId, results });
      // The importing view lists again on import-done; the other open views hear it here.
      if (results.some((r) => r.sessions.length > 0)) announceSessionsChanged('imported');
    } else if (message.type === 'export') {
      const result = await runExport(await store(), message.request, { ...message.meta, now });
      post({ type: 'export-done', jobId: message.jobId, result }, [result.data.buffer as ArrayBuffer]);
    }
  } catch (error) {
    post({ type: 'job-failed', jobId: message.jobId, error: error instanceof Error ? error.message : String(error) });
  }
}
