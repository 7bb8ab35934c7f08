/**
 * The dump worker (a dedicated worker of the viewer and panel pages): runs import and export jobs over the
 * session store, opening IndexedDB itself. Composition only (lib/dump/dump-worker-handler.ts, dump-jobs.ts). A
 * job cannot be interrupted from inside (parsing is synchronous): the page cancels by terminating the worker, and
 * since a file's sessions are stored in one transaction at its end, a cancelled import stores nothing of it.
 */
import { handleDumpMessage } from '../dump/dump-worker-handler';
import type { DumpWorkerToView, ViewToDumpWorker } from '../protocol/messages';
import { openScopeDb } from '../storage/open-db';
import { SessionStore } from '../storage/session-store';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ViewToDumpWorker>) => void) | null;
  postMessage(m: DumpWorkerToView, transfer?: Transferable[]): void;
};
let store: Promise<SessionStore> | null = null;
const getStore = () => (store ??= openScopeDb().then((db) => new SessionStore(db)));

scope.onmessage = (event) => void handleDumpMessage(event.data, getStore, (m, transfer) => scope.postMessage(m, transfer ?? []));
