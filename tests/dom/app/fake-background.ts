import { columnsToSamples } from '../../../lib/model/stats-columns';
import { encodeStatsChunk } from '../../../lib/model/stats-chunk';
import { bytesToBase64 } from '../../../lib/protocol/base64';
/** An in-memory background for the app's DOM tests: fixture sessions, and live updates the test pushes. */
import type { SessionData } from '../../../lib/model/session';
import type { SessionUpdate, StatsFilter, ViewRequest } from '../../../lib/protocol/messages';
import type { Notice } from '../../../lib/storage/session-store';
import type { BackgroundClient } from '../../../lib/views/background-client';

/** Store options for tests: no throttling, no polling, a short request timeout. */
export const STORE = { throttleMs: 0, softMs: 0, listPollMs: 0, requestTimeoutMs: 500 };

/** An in-memory background: fixture sessions, requests answered from them, subscriptions the test can push to. */
export function fakeBackground(initial: SessionData[], notices: Notice[] = []) {
  const sessions = new Map(initial.map((d) => [d.session.id, d]));
  const subscribers = new Map<number, Set<(u: SessionUpdate) => void>>();
  const requests: ViewRequest[] = [];
  /** Stats filters per tab, as the router keeps them (null: every PC's samples). */
  const filters = new Map<number, StatsFilter | null>();
  let failing = false;
  const client: BackgroundClient = {
    request: (async (request: ViewRequest) => {
      requests.push(request);
      await Promise.resolve();
      if (failing) throw new Error('Could not establish connection. Receiving end does not exist.');
      switch (request.type) {
        case 'list-sessions':
          return structuredClone(
            [...sessions.values()]
              .map((d) => d.session)
              .filter((s) => request.tabId === undefined || s.tabId === request.tabId)
              .sort((a, b) => b.startedAt - a.startedAt),
          );
        case 'get-session': {
          const data = structuredClone(sessions.get(request.sessionId) ?? null);
          if (data && request.withStats === false) data.stats = {};
          return data;
        }
        case 'get-pc-stats': {
          // As the background answers: chunks of 60 samples (base64), the rest pending.
          // pcId null: the first PC by creation (as get-session lists them).
          const session = sessions.get(request.sessionId);
          const pcId = request.pcId ?? [...(session?.pcs ?? [])].sort((a, b) => a.createdAt - b.createdAt || (a.pcId < b.pcId ? -1 : 1))[0]?.pcId;
          const columns = pcId === undefined ? undefined : session?.stats[pcId];
          const samples = columns ? columnsToSamples(columns) : [];
          const whole = samples.length - (samples.length % 60);
          const chunks = [];
          for (let i = 0; i < whole; i += 60) chunks.push({ firstIndex: i, count: 60, data: bytesToBase64(encodeStatsChunk(samples.slice(i, i + 60))) });
          return { ...(pcId !== undefined ? { pcId } : {}), chunks, pending: samples.slice(whole) };
        }
        case 'delete-sessions':
          request.sessionIds.forEach((id) => sessions.delete(id));
          return null;
        case 'get-notices':
          return notices;
        default:
          throw new Error(`unexpected ${request.type}`);
      }
    }) as BackgroundClient['request'],
    subscribeTab(tabId, onUpdate) {
      if (!subscribers.has(tabId)) subscribers.set(tabId, new Set());
      subscribers.get(tabId)!.add(onUpdate);
      return () => subscribers.get(tabId)?.delete(onUpdate);
    },
    setStatsFilter(tabId, filter) {
      if (subscribers.get(tabId)?.size) filters.set(tabId, filter && { sessionId: filter.sessionId, pcIds: [...filter.pcIds] });
    },
    close: () => undefined,
  };
  return {
    client,
    sessions,
    requests,
    filters,
    fail: (on = true) => (failing = on),
    /** Records an update in the "store" and sends it to the tab's subscribers. */
    push(update: SessionUpdate) {
      const held = sessions.get(update.session.id);
      if (held) {
        held.session = update.session;
        for (const pc of update.pcs) {
          const i = held.pcs.findIndex((p) => p.pcId === pc.pcId);
          if (i === -1) held.pcs.push(pc);
          else held.pcs[i] = pc;
        }
        held.events.push(...update.events);
      } else {
        sessions.set(update.session.id, { session: update.session, pcs: update.pcs, events: update.events, stats: {} });
      }
      // As the router sends it: of the filtered session, only the samples of the filter's PCs.
      const filter = filters.get(update.session.tabId!) ?? null;
      const sent = filter && filter.sessionId === update.session.id ? { ...update, stats: update.stats.filter((s) => filter.pcIds.includes(s.pcId)) } : update;
      for (const cb of subscribers.get(update.session.tabId!) ?? []) cb(structuredClone(sent));
    },
  };
}

