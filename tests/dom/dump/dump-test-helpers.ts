/**
 * Helpers of the import/export DOM tests: corpus and hand-made files as browser File objects, a dump client whose
 * first worker never gets to run (to cancel a job that is surely in flight), and a BackgroundClient over the same
 * SessionStore the dump worker writes (the app's list then shows what an import stored).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bytesToBase64 } from '../../../lib/protocol/base64';
import type { ViewRequest } from '../../../lib/protocol/messages';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import type { BackgroundClient } from '../../../lib/views/background-client';
import { createDumpClient } from '../../../lib/views/dump-client';
import { inProcessDumpWorker } from '../../fixtures/in-process-dump-worker';

export const CORPUS = resolve(__dirname, '../../../../shared/corpus/dumps');
export const INTERNALS = 'chrome-webrtc-internals/chromium156-loopback-2pc-60s.json';
export const V3_GUM = 'rtcstats-v3/gumonly.jsonl';

export const corpusText = (path: string) => readFileSync(resolve(CORPUS, path), 'utf8');
export const corpusFile = (path: string) => new File([new Uint8Array(readFileSync(resolve(CORPUS, path)))], path.split('/').pop()!);
export const textFile = (name: string, text: string) => new File([text], name);

/** The corpus webrtc-internals dump with one stats series made unreadable: refused, with the offer of the rest. */
export function halfValidFile(name = 'half.json'): File {
  const dump = JSON.parse(corpusText(INTERNALS));
  const pc = dump.PeerConnections[Object.keys(dump.PeerConnections)[0]];
  const key = Object.keys(pc.stats).find((k) => k.endsWith('-bytesReceived'))!;
  pc.stats[key].values = '[1,2,';
  return textFile(name, JSON.stringify(dump));
}

let dbCounter = 0;

/**
 * A DumpClient over in-process workers. With `stallFirst`, the first worker's job waits for the store forever:
 * the job is certainly running when the test cancels it. (An in-process "worker" cannot be stopped mid-job the
 * way terminate() stops a real one, so it is never let go.)
 */
export async function dumpSetup(options: { stallFirst?: boolean } = {}) {
  const store = new SessionStore(await openScopeDb(`dump-dom-${++dbCounter}-${Date.now()}`));
  const workers: ReturnType<typeof inProcessDumpWorker>[] = [];
  const client = createDumpClient({
    createWorker: () => {
      const stalled = options.stallFirst === true && workers.length === 0;
      const w = inProcessDumpWorker(() => (stalled ? new Promise<never>(() => undefined) : Promise.resolve(store)));
      workers.push(w);
      return w;
    },
    extensionVersion: '0.0.0-test',
    userAgent: 'test-agent',
  });
  return { client, store, workers };
}

/** The background's view requests answered from `store` (as lib/background/router does); no live tabs. */
export function storeBackground(store: SessionStore): BackgroundClient {
  const answer = async (request: ViewRequest): Promise<unknown> => {
    switch (request.type) {
      case 'list-sessions':
        return store.listSessions(request.tabId === undefined ? undefined : { tabId: request.tabId });
      case 'get-session':
        return (await store.readSessionData(request.sessionId, { withStats: request.withStats !== false })) ?? null;
      case 'get-pc-stats': {
        const { pcId, chunks, pending } = await store.readPcStats(request.sessionId, request.pcId);
        return { ...(pcId !== null ? { pcId } : {}), chunks: chunks.map((c) => ({ firstIndex: c.firstIndex, count: c.count, data: bytesToBase64(c.data) })), pending };
      }
      case 'delete-sessions':
        await store.deleteSessions(request.sessionIds);
        return null;
      case 'get-notices':
        return [];
      default:
        throw new Error(`unexpected ${request.type}`);
    }
  };
  return {
    request: answer as BackgroundClient['request'],
    subscribeTab: () => () => undefined,
    setStatsFilter: () => undefined,
    close: () => undefined,
  };
}
