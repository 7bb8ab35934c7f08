/**
 * The sessions repository: everything the recorder writes and the views read, over the schema in `schema.ts`.
 *
 * Writes are one transaction each (a batch from the page is stored completely or not at all, so the relay can
 * resend it). Reads of one session use key ranges on the session-first keys and run in one read transaction, so a
 * reader never sees half of a concurrent commit.
 */
import { fromEventRow, toEventRow } from './event-rows';
import type { IDBPTransaction } from 'idb';
import type { PcSummary, SessionData, SessionSummary, StatsSample, TraceEvent } from '../model/session';
import { decodeStatsChunk, encodeStatsChunk } from '../model/stats-chunk';
import type { SessionBundle } from '../dump/session-bundle';
import { encodeStatsColumns, IMPORT_CHUNK_OPTIONS, IMPORT_SAMPLES_PER_CHUNK, statsPcIds, storedChunks, storedColumns } from '../dump/bundle-stats';
import { samplesToColumns } from '../model/stats-columns';
import {
  ALL_STORES,
  type EncodedChunk,
  type Notice,
  type ScopeDb,
  type ScopeSchema,
  type ScopeStoreName,
  type StoredChunk,
} from './schema';

export type { EncodedChunk, Notice } from './schema';

/** What one recorder step stores, atomically. */
export interface BatchWrite {
  /** Put (replaces the stored summary). */
  session: SessionSummary;
  /** Put. */
  pcs: PcSummary[];
  /** Put, keyed [sessionId, seq]. */
  events: TraceEvent[];
  /** Samples not yet chunked, keyed [sessionId, pcId, index]. */
  samples: { pcId: string; sample: StatsSample }[];
  /**
   * Put; the pending samples a chunk covers (index in [firstIndex, firstIndex + count)) are deleted in the same
   * transaction, after this write's own samples were put.
   */
  chunks: { pcId: string; chunk: EncodedChunk }[];
}

/** Retention limits; 0 = no limit. */
export interface PrunePolicy {
  maxAgeDays: number;
  maxTotalMB: number;
}

/** Bytes per "MB" of {@link PrunePolicy.maxTotalMB} (binary megabytes, as browsers report storage quotas). */
export const BYTES_PER_MB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Notices kept; older ones are dropped when a new one is recorded. */
export const MAX_NOTICES = 100;

type WriteTx = IDBPTransaction<ScopeSchema, ScopeStoreName[], 'readwrite'>;

/** All keys of a session in a store keyed [sessionId, …]: arrays sort after every string and number. */
const sessionRange = (sessionId: string) => IDBKeyRange.bound([sessionId], [sessionId, []]);
const pcRange = (sessionId: string, pcId: string) => IDBKeyRange.bound([sessionId, pcId], [sessionId, pcId, []]);

const noop = () => {};

/** Aborts `tx` (if it still can be) and waits until it has finished, so a caller can rethrow the cause. */
async function abortAndSettle(tx: { abort(): void; done: Promise<void> }): Promise<void> {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
  await tx.done.catch(noop);
}

/**
 * Runs `fill` (which queues requests on `tx` without awaiting anything else) and resolves when the transaction
 * committed. A request that throws synchronously (e.g. an invalid key) aborts the transaction, so nothing of it is
 * kept; a request that fails later aborts it too and `tx.done` rejects with that request's error.
 */
async function runWrite(tx: WriteTx, fill: (requests: Promise<unknown>[]) => void): Promise<void> {
  const requests: Promise<unknown>[] = [];
  try {
    fill(requests);
  } catch (error) {
    // Requests queued before the failure are aborted with the transaction; their rejections are expected.
    for (const request of requests) request.catch(noop);
    await abortAndSettle(tx);
    throw error;
  }
  // Failures surface through tx.done; without these handlers each aborted request would be an unhandled rejection.
  for (const request of requests) request.catch(noop);
  await tx.done;
}

/** Queues the deletion of a session and everything under it. */
function queueDeleteSession(tx: WriteTx, id: string, requests: Promise<unknown>[]): void {
  const range = sessionRange(id);
  requests.push(
    tx.objectStore('sessions').delete(id),
    tx.objectStore('pcs').delete(range),
    tx.objectStore('events').delete(range),
    tx.objectStore('pendingSamples').delete(range),
    tx.objectStore('chunks').delete(range),
  );
}

function toChunk({ firstIndex, count, startT, endT, data }: StoredChunk): EncodedChunk {
  return { firstIndex, count, startT, endT, data };
}

/** Decoded chunks plus pending samples, by index; a pending sample a chunk already covers is ignored. */
function mergeSamples(chunks: EncodedChunk[], pending: StatsSample[]): StatsSample[] {
  const out: StatsSample[] = [];
  const seen = new Set<number>();
  for (const chunk of chunks) {
    for (const sample of decodeStatsChunk(chunk.data)) {
      seen.add(sample.index);
      out.push(sample);
    }
  }
  for (const sample of pending) if (!seen.has(sample.index)) out.push(sample);
  out.sort((a, b) => a.index - b.index);
  return out;
}

const newestFirst = (a: SessionSummary, b: SessionSummary) => b.startedAt - a.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byCreation = (a: PcSummary, b: PcSummary) => a.createdAt - b.createdAt || (a.pcId < b.pcId ? -1 : a.pcId > b.pcId ? 1 : 0);

/** Sessions, their PCs, events and stats in IndexedDB. */
export class SessionStore {
  constructor(private readonly db: ScopeDb) {}

  /** Stores one batch in ONE readwrite transaction over all stores: all of it or nothing. */
  commit(write: BatchWrite): Promise<void> {
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    const sessionId = write.session.id;
    return runWrite(tx, (requests) => {
      requests.push(tx.objectStore('sessions').put(write.session));
      const pcs = tx.objectStore('pcs');
      for (const pc of write.pcs) requests.push(pcs.put(pc));
      const events = tx.objectStore('events');
      for (const event of write.events) requests.push(events.put(toEventRow(sessionId, event).row));
      const pending = tx.objectStore('pendingSamples');
      for (const { pcId, sample } of write.samples) {
        requests.push(pending.put({ sessionId, pcId, index: sample.index, sample }));
      }
      const chunks = tx.objectStore('chunks');
      for (const { pcId, chunk } of write.chunks) {
        requests.push(chunks.put({ ...chunk, sessionId, pcId }));
        if (chunk.count > 0) {
          const covered = IDBKeyRange.bound([sessionId, pcId, chunk.firstIndex], [sessionId, pcId, chunk.firstIndex + chunk.count], false, true);
          requests.push(pending.delete(covered));
        }
      }
    });
  }

  /** Stored sessions, newest `startedAt` first; with `tabId`, only that tab's. */
  async listSessions(filter?: { tabId?: number }): Promise<SessionSummary[]> {
    const sessions =
      filter?.tabId !== undefined
        ? await this.db.getAllFromIndex('sessions', 'byTabId', filter.tabId)
        : await this.db.getAll('sessions');
    return sessions.sort(newestFirst);
  }

  getSession(id: string): Promise<SessionSummary | undefined> {
    return this.db.get('sessions', id);
  }

  /** A session's PCs in creation order. */
  async getPcs(sessionId: string): Promise<PcSummary[]> {
    return (await this.db.getAll('pcs', sessionRange(sessionId))).sort(byCreation);
  }

  /** A session's events by `seq`. */
  async getEvents(sessionId: string): Promise<TraceEvent[]> {
    return (await this.db.getAll('events', sessionRange(sessionId))).map(fromEventRow);
  }

  /** A PC's samples not yet packed into a chunk, by index. */
  async getPendingSamples(sessionId: string, pcId: string): Promise<StatsSample[]> {
    return (await this.db.getAll('pendingSamples', pcRange(sessionId, pcId))).map((row) => row.sample);
  }

  /** The PC's chunk with the highest first index (what a restarted recorder continues from). */
  async getLastChunk(sessionId: string, pcId: string): Promise<EncodedChunk | undefined> {
    const cursor = await this.db.transaction('chunks').store.openCursor(pcRange(sessionId, pcId), 'prev');
    return cursor ? toChunk(cursor.value) : undefined;
  }

  /** Every stored sample of a PC (chunks decoded, then pending), by index. */
  async readStats(sessionId: string, pcId: string): Promise<StatsSample[]> {
    const { chunks, pending } = await this.readPcStats(sessionId, pcId);
    return mergeSamples(chunks, pending);
  }

  /**
   * One PC's stats as stored: its chunks in index order (not decoded) and its pending samples. `pcId` null: the
   * session's first PC by creation (the first of {@link readSessionData}'s `pcs`), named in the result (null and
   * nothing when the session has no PC).
   */
  async readPcStats(sessionId: string, pcId: string | null): Promise<{ pcId: string | null; chunks: EncodedChunk[]; pending: StatsSample[] }> {
    if (pcId === null) {
      const tx = this.db.transaction(['pcs', 'chunks', 'pendingSamples']);
      const pcs = (await tx.objectStore('pcs').getAll(sessionRange(sessionId))).sort(byCreation);
      const first = pcs[0]?.pcId ?? null;
      if (first === null) {
        await tx.done;
        return { pcId: null, chunks: [], pending: [] };
      }
      const range = pcRange(sessionId, first);
      const [chunks, pending] = await Promise.all([tx.objectStore('chunks').getAll(range), tx.objectStore('pendingSamples').getAll(range), tx.done]);
      return { pcId: first, chunks: chunks.map(toChunk), pending: pending.map((row) => row.sample) };
    }
    const tx = this.db.transaction(['chunks', 'pendingSamples']);
    const range = pcRange(sessionId, pcId);
    const [chunks, pending] = await Promise.all([
      tx.objectStore('chunks').getAll(range),
      tx.objectStore('pendingSamples').getAll(range),
      tx.done,
    ]);
    return { pcId, chunks: chunks.map(toChunk), pending: pending.map((row) => row.sample) };
  }

  /**
   * Everything stored for a session, stats as columns per PC (a PC without samples gets empty columns). With
   * `withStats: false`, `stats` is `{}` and no chunk is read (views load each PC's stats with {@link readPcStats}).
   */
  async readSessionData(sessionId: string, options: { withStats?: boolean } = {}): Promise<SessionData | undefined> {
    const withStats = options.withStats !== false;
    const stores = withStats ? (['sessions', 'pcs', 'events', 'chunks', 'pendingSamples'] as const) : (['sessions', 'pcs', 'events'] as const);
    const tx = this.db.transaction(stores);
    const range = sessionRange(sessionId);
    const [session, pcs, events, chunks, pending] = await Promise.all([
      tx.objectStore('sessions').get(sessionId),
      tx.objectStore('pcs').getAll(range),
      tx.objectStore('events').getAll(range),
      withStats ? tx.objectStore('chunks').getAll(range) : [],
      withStats ? tx.objectStore('pendingSamples').getAll(range) : [],
      tx.done,
    ]);
    if (session === undefined) return undefined;
    if (!withStats) return { session, pcs: pcs.sort(byCreation), events: events.map(fromEventRow), stats: {} };
    const chunksByPc = new Map<string, StoredChunk[]>();
    for (const chunk of chunks) {
      let list = chunksByPc.get(chunk.pcId);
      if (list === undefined) chunksByPc.set(chunk.pcId, (list = []));
      list.push(chunk);
    }
    const pendingByPc = new Map<string, StatsSample[]>();
    for (const row of pending) {
      let list = pendingByPc.get(row.pcId);
      if (list === undefined) pendingByPc.set(row.pcId, (list = []));
      list.push(row.sample);
    }
    const stats: SessionData['stats'] = {};
    const pcIds = new Set([...pcs.map((pc) => pc.pcId), ...chunksByPc.keys(), ...pendingByPc.keys()]);
    for (const pcId of pcIds) {
      stats[pcId] = samplesToColumns(mergeSamples(chunksByPc.get(pcId) ?? [], pendingByPc.get(pcId) ?? []));
    }
    return { session, pcs: pcs.sort(byCreation), events: events.map(fromEventRow), stats };
  }

  /**
   * Stores whole sessions read from a dump, each under a new id, in ONE transaction: all of them or none (a
   * failed import leaves the store as it was). Stats are packed into chunks of `samplesPerChunk` samples as the
   * recorder packs them, deflated at IMPORT_CHUNK_OPTIONS' level (from the bundle's columns where it has them,
   * without building samples; chunks a bundle already holds, `encoded`, are stored as they are); `bytes` is
   * recomputed from what is stored. With `release`, each PC's columns are removed from its bundle once encoded (the
   * caller is done with the bundles: a large import need not keep them next to its chunks). Returns the stored
   * summaries.
   */
  async importBundles(
    items: { bundle: SessionBundle; id: string; imported: { fileName: string; format: string } }[],
    samplesPerChunk = IMPORT_SAMPLES_PER_CHUNK,
    options: { release?: boolean } = {},
  ): Promise<SessionSummary[]> {
    // Encode before the transaction opens: an IDB transaction commits as soon as it has nothing queued.
    const prepared = items.map(({ bundle, id, imported }) => {
      let bytes = 0;
      const events = bundle.events.map((event) => {
        const { row, bytes: eventBytes } = toEventRow(id, event);
        bytes += eventBytes;
        return row;
      });
      const chunks: StoredChunk[] = [];
      let sampleCount = 0;
      for (const pcId of statsPcIds(bundle)) {
        const columns = storedColumns(bundle, pcId);
        const encoded = columns !== undefined ? encodeStatsColumns(columns, samplesPerChunk) : storedChunks(bundle, pcId);
        if (columns !== undefined && options.release) delete bundle.columns![pcId];
        if (encoded !== undefined) {
          sampleCount += encoded.count;
          for (const { firstIndex, count, startT, endT, data } of encoded.chunks) {
            bytes += data.byteLength;
            chunks.push({ sessionId: id, pcId, firstIndex, count, startT, endT, data });
          }
          continue;
        }
        const samples = bundle.samples[pcId];
        sampleCount += samples.length;
        for (let i = 0; i < samples.length; i += samplesPerChunk) {
          const part = samples.slice(i, i + samplesPerChunk);
          const data = encodeStatsChunk(part, IMPORT_CHUNK_OPTIONS);
          bytes += data.byteLength;
          chunks.push({ sessionId: id, pcId, firstIndex: part[0].index, count: part.length, startT: part[0].t, endT: part[part.length - 1].t, data });
        }
      }
      const session: SessionSummary = {
        ...bundle.session,
        id,
        tabId: null,
        endedAt: bundle.session.endedAt ?? bundle.session.lastActivityAt,
        pcCount: bundle.pcs.length,
        eventCount: bundle.events.length,
        sampleCount,
        bytes,
        imported,
      };
      const pcs = bundle.pcs.map((pc) => ({ ...pc, sessionId: id }));
      return { session, pcs, events, chunks };
    });
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    await runWrite(tx, (requests) => {
      for (const { session, pcs, events, chunks } of prepared) {
        requests.push(tx.objectStore('sessions').add(session));
        for (const pc of pcs) requests.push(tx.objectStore('pcs').add(pc));
        for (const row of events) requests.push(tx.objectStore('events').add(row));
        for (const chunk of chunks) requests.push(tx.objectStore('chunks').add(chunk));
      }
    });
    return prepared.map((p) => p.session);
  }

  /** A stored session whole, every sample decoded (what the exports write). */
  async readBundle(sessionId: string): Promise<SessionBundle | undefined> {
    const session = await this.getSession(sessionId);
    if (!session) return undefined;
    const [pcs, events] = await Promise.all([this.getPcs(sessionId), this.getEvents(sessionId)]);
    const samples: Record<string, StatsSample[]> = {};
    for (const pc of pcs) samples[pc.pcId] = await this.readStats(sessionId, pc.pcId);
    return { session, pcs, events, samples };
  }

  /** Removes sessions and everything under them, in one transaction. Unknown ids are ignored. */
  deleteSessions(ids: string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    return runWrite(tx, (requests) => {
      for (const id of ids) queueDeleteSession(tx, id, requests);
    });
  }

  /** Sum of {@link SessionSummary.bytes} over all stored sessions. */
  async totalBytes(): Promise<number> {
    let total = 0;
    for (const session of await this.db.getAll('sessions')) total += session.bytes;
    return total;
  }

  /**
   * Ends stored sessions that are still marked live (`endedAt === null`) but for which `isLive` says no (their tab
   * closed or the browser restarted while no worker ran): sets `endedAt = now`, and closes their open PCs with
   * `closedBy: 'session-end'` in the same transaction, as the recorder does for sessions it ends itself.
   * Returns the sessions it ended, as stored.
   */
  async endLiveSessions(isLive: (s: SessionSummary) => boolean, now: number): Promise<SessionSummary[]> {
    const tx = this.db.transaction(['sessions', 'pcs'], 'readwrite');
    const sessionsStore = tx.objectStore('sessions');
    const pcsStore = tx.objectStore('pcs');
    const ended: SessionSummary[] = [];
    try {
      const all = await sessionsStore.getAll();
      const pcRequests: Promise<PcSummary[]>[] = [];
      for (const session of all) {
        if (session.endedAt !== null || isLive(session)) continue;
        session.endedAt = now;
        ended.push(session);
        void sessionsStore.put(session).catch(noop);
        pcRequests.push(pcsStore.getAll(sessionRange(session.id)));
      }
      for (const pcs of await Promise.all(pcRequests)) {
        for (const pc of pcs) {
          if (pc.closedAt !== null) continue;
          pc.closedAt = now;
          pc.closedBy = 'session-end';
          void pcsStore.put(pc).catch(noop);
        }
      }
    } catch (error) {
      await abortAndSettle(tx);
      throw error;
    }
    await tx.done;
    return ended;
  }

  /**
   * Applies retention, in one transaction: first deletes ended sessions whose last activity is older than
   * `maxAgeDays`, then, while the total of {@link SessionSummary.bytes} exceeds `maxTotalMB`, the ended session
   * with the oldest last activity. Live sessions (`endedAt === null`) are never deleted, even if the total stays
   * above the limit. 0 disables a limit. Records a {@link Notice} when it deleted anything. Returns the deleted
   * sessions.
   */
  async prune(policy: PrunePolicy, now: number): Promise<SessionSummary[]> {
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    const deleted: SessionSummary[] = [];
    let byAge = 0;
    try {
      const sessions = await tx.objectStore('sessions').getAll();
      const remaining = new Set(sessions);
      if (policy.maxAgeDays > 0) {
        const cutoff = now - policy.maxAgeDays * DAY_MS;
        for (const s of sessions) {
          if (s.endedAt !== null && s.lastActivityAt < cutoff) {
            deleted.push(s);
            remaining.delete(s);
            byAge++;
          }
        }
      }
      if (policy.maxTotalMB > 0) {
        const limit = policy.maxTotalMB * BYTES_PER_MB;
        let total = 0;
        for (const s of remaining) total += s.bytes;
        const candidates = [...remaining]
          .filter((s) => s.endedAt !== null)
          .sort((a, b) => a.lastActivityAt - b.lastActivityAt || a.startedAt - b.startedAt);
        for (const s of candidates) {
          if (total <= limit) break;
          deleted.push(s);
          total -= s.bytes;
        }
      }
      if (deleted.length > 0) {
        const requests: Promise<unknown>[] = [];
        for (const s of deleted) queueDeleteSession(tx, s.id, requests);
        const bySize = deleted.length - byAge;
        const reasons: string[] = [];
        if (byAge > 0) reasons.push(`${byAge} older than ${policy.maxAgeDays} days`);
        if (bySize > 0) reasons.push(`${bySize} to keep storage under ${policy.maxTotalMB} MB`);
        const notice: Notice = {
          t: now,
          kind: 'pruned',
          message: `Deleted ${deleted.length} recorded session${deleted.length === 1 ? '' : 's'}: ${reasons.join(', ')}.`,
          sessionIds: deleted.map((s) => s.id),
        };
        const notices = tx.objectStore('notices');
        requests.push(notices.add(notice));
        for (const request of requests) request.catch(noop);
        // Keep the newest MAX_NOTICES (the one just added included).
        const keys = await notices.getAllKeys();
        for (const key of keys.slice(0, Math.max(0, keys.length - MAX_NOTICES))) void notices.delete(key).catch(noop);
      }
    } catch (error) {
      await abortAndSettle(tx);
      throw error;
    }
    await tx.done;
    return deleted;
  }

  /** Recorded notices, newest first. */
  async getNotices(): Promise<Notice[]> {
    return (await this.db.getAll('notices')).reverse();
  }
}
