/**
 * The sessions repository: everything the recorder writes and the views read, over the schema in `schema.ts`.
 *
 * Writes are one transaction each (a batch from the page is stored completely or not at all, so the relay can
 * resend it). Reads of one session use key ranges on the session-first keys and run in one read transaction, so a
 * reader never sees half of a concurrent commit.
 */
import { fromEventRow, toEventRow } from './event-rows';
import type { IDBPTransaction } from 'idb';
import type { Json, JsonObject } from '../protocol/json';
import type { PcSummary, SessionData, SessionSummary, StatsReportJson, StatsSample, TraceEvent } from '../model/session';
import { decodeStatsChunk, encodeStatsChunk } from '../model/stats-chunk';
import { applyStatsDelta, type StatsDelta } from '../model/stats-delta';
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
  type StoredPc,
  type StoredPcConfig,
  type StoredSample,
  PENDING_ROW_OVERHEAD,
} from './schema';

export type { EncodedChunk, Notice } from './schema';

/** What one recorder step stores, atomically. */
export interface BatchWrite {
  /** Put (replaces the stored summary). */
  session: SessionSummary;
  /** Put, without their `config` and `constraints` (see `pcConfigs`). */
  pcs: PcSummary[];
  /** Configurations of PCs new in this write: put once, never rewritten with the PC's summary. */
  pcConfigs?: PcConfig[];
  /** Put, keyed [sessionId, seq]. */
  events: TraceEvent[];
  /**
   * Samples not yet chunked, keyed [sessionId, pcId, index]: stored as `delta` from the PC's previous sample, or as a
   * complete report with `reset` (the sample's own report is not stored).
   */
  samples: PendingSampleWrite[];
  /**
   * Put; the pending samples a chunk covers (index in [chunk.firstIndex, lastIndex]: the recorder's indexes only
   * grow, so those are exactly the chunk's) are deleted in the same transaction, after this write's own samples
   * were put. Without `lastIndex`, the chunk's indexes are consecutive.
   */
  chunks: { pcId: string; chunk: EncodedChunk; lastIndex?: number }[];
  /** Recorded with the write (the newest {@link MAX_NOTICES} are kept). */
  notice?: Notice;
}

/** A PC's configuration as {@link BatchWrite.pcConfigs} stores it. */
export interface PcConfig {
  pcId: string;
  config: JsonObject;
  constraints?: Json;
}

/** A sample to store as pending: its index, time and cost, and its report as `delta` from the previous sample. */
export interface PendingSampleWrite {
  pcId: string;
  sample: StatsSample;
  delta: StatsDelta;
  /** `delta` is a complete report (applies to no previous sample). */
  reset: boolean;
}

/** What a restarted recorder (and the live health) continues a PC from: its last chunk and its pending samples. */
export interface PcTail {
  /** The samples of the PC's chunk with the highest first index ([] when it has none). */
  lastChunkSamples: StatsSample[];
  /** The samples not yet chunked, by index, their reports rebuilt from the stored deltas. */
  pending: StatsSample[];
  /** Stored size of the pending rows as {@link pendingSampleBytes} counts it. */
  pendingBytes: number;
}

/** Retention limits; 0 = no limit. */
export interface PrunePolicy {
  maxAgeDays: number;
  maxTotalMB: number;
}

/** Bytes per "MB" of {@link PrunePolicy.maxTotalMB} (binary megabytes, as browsers report storage quotas). */
export const BYTES_PER_MB = 1024 * 1024;
/**
 * A live session may hold at most this share of {@link PrunePolicy.maxTotalMB}. Retention never deletes a live
 * session but counts its bytes, so without a cap one page (a hostile one, or a very long call) could make it delete
 * every other session; with it, live sessions of a quarter each leave the ended ones at least the rest.
 */
const SESSION_SHARE_OF_TOTAL = 1 / 4;
/** The per-session cap when the total is unlimited: one page still cannot fill the disk. */
const UNLIMITED_TOTAL_SESSION_BYTES = 1024 * BYTES_PER_MB;

/** Most bytes one session may hold under `policy`; beyond them the recorder stores no more of its stats and events. */
export function maxSessionBytes(policy: PrunePolicy): number {
  return policy.maxTotalMB > 0 ? policy.maxTotalMB * BYTES_PER_MB * SESSION_SHARE_OF_TOTAL : UNLIMITED_TOTAL_SESSION_BYTES;
}

/**
 * Stored size of a PC's summary row (its configuration is stored apart, see {@link pcConfigBytes}). The recorder
 * and the importer count rows the same way, so a session's `bytes`, which retention goes by, means the same for both.
 */
export function pcRowBytes(summary: PcSummary): number {
  return JSON.stringify({ ...summary, config: undefined, constraints: undefined }).length;
}

/** Stored size of a PC's configuration row: its configuration and getUserMedia constraints as JSON. */
export function pcConfigBytes(config: Json, constraints: Json | undefined): number {
  return JSON.stringify(config).length + (constraints === undefined ? 0 : JSON.stringify(constraints).length);
}

/** Stored size of a session's summary row. */
export function summaryRowBytes(summary: SessionSummary): number {
  return JSON.stringify(summary).length;
}

/** Stored size of a pending sample row whose delta is `deltaChars` characters of JSON. */
export function pendingSampleBytes(deltaChars: number): number {
  return deltaChars + PENDING_ROW_OVERHEAD;
}

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
    tx.objectStore('pcConfigs').delete(range),
    tx.objectStore('events').delete(range),
    tx.objectStore('pendingSamples').delete(range),
    tx.objectStore('chunks').delete(range),
  );
}

/** Queues a notice, and the deletion of all but the newest {@link MAX_NOTICES} (the new one included). */
function queueNotice(tx: WriteTx, notice: Notice, requests: Promise<unknown>[]): void {
  const notices = tx.objectStore('notices');
  requests.push(
    notices
      .add(notice)
      .then(() => notices.getAllKeys())
      .then((keys) => Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_NOTICES)).map((key) => notices.delete(key)))),
  );
}

function toChunk({ firstIndex, count, startT, endT, data }: StoredChunk): EncodedChunk {
  return { firstIndex, count, startT, endT, data };
}

/** A PC summary as stored: everything but its configuration. */
function toStoredPc(pc: PcSummary): StoredPc {
  const { config: _config, constraints: _constraints, ...stored } = pc;
  return stored;
}

/** Stored PC summaries joined with their configurations, in creation order. */
function joinPcs(pcs: StoredPc[], configs: StoredPcConfig[]): PcSummary[] {
  const byPc = new Map(configs.map((c) => [c.pcId, c]));
  return pcs
    .map((pc): PcSummary => {
      const stored = byPc.get(pc.pcId);
      const joined: PcSummary = { ...pc, config: stored?.config ?? {} };
      if (stored?.constraints !== undefined) joined.constraints = stored.constraints;
      return joined;
    })
    .sort(byCreation);
}

/**
 * Pending rows (of one PC, by index) back to samples: each row's delta applies to the sample before it, the first
 * one's to `previous` (the report of the last chunked sample; null when there is none).
 */
function pendingToSamples(rows: StoredSample[], previous: StatsReportJson | null): StatsSample[] {
  const samples: StatsSample[] = [];
  let report = previous;
  for (const row of rows) {
    report = applyStatsDelta(row.reset ? null : report, row.delta);
    const sample: StatsSample = { index: row.index, t: row.t, report };
    if (row.cost !== undefined) sample.cost = row.cost;
    samples.push(sample);
  }
  return samples;
}

/** Whether rebuilding `rows` needs the report of the sample before them. */
const needsPrevious = (rows: StoredSample[]) => rows.length > 0 && rows[0].reset !== true;

/** The pending samples of a PC whose chunks (in index order) are `chunks`: only the last chunk is decoded, if needed. */
function pendingAfter(chunks: EncodedChunk[], rows: StoredSample[]): StatsSample[] {
  const last = needsPrevious(rows) && chunks.length > 0 ? decodeStatsChunk(chunks[chunks.length - 1].data).at(-1) : undefined;
  return pendingToSamples(rows, last?.report ?? null);
}

/** All samples of a PC: its chunks (in index order) decoded, then its pending rows; a row a chunk covers is ignored. */
function mergeSamples(chunks: EncodedChunk[], rows: StoredSample[]): StatsSample[] {
  const out: StatsSample[] = [];
  const seen = new Set<number>();
  for (const chunk of chunks) {
    for (const sample of decodeStatsChunk(chunk.data)) {
      seen.add(sample.index);
      out.push(sample);
    }
  }
  const previous = out.length > 0 ? out[out.length - 1].report : null;
  for (const sample of pendingToSamples(rows, previous)) if (!seen.has(sample.index)) out.push(sample);
  out.sort((a, b) => a.index - b.index);
  return out;
}

const newestFirst = (a: SessionSummary, b: SessionSummary) => b.startedAt - a.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byCreation = (a: StoredPc, b: StoredPc) => a.createdAt - b.createdAt || (a.pcId < b.pcId ? -1 : a.pcId > b.pcId ? 1 : 0);

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
      for (const pc of write.pcs) requests.push(pcs.put(toStoredPc(pc)));
      const configs = tx.objectStore('pcConfigs');
      for (const { pcId, config, constraints } of write.pcConfigs ?? []) {
        requests.push(configs.put({ sessionId, pcId, config, ...(constraints !== undefined ? { constraints } : {}) }));
      }
      const events = tx.objectStore('events');
      for (const event of write.events) requests.push(events.put(toEventRow(sessionId, event).row));
      const pending = tx.objectStore('pendingSamples');
      for (const { pcId, sample, delta, reset } of write.samples) {
        const row: StoredSample = { sessionId, pcId, index: sample.index, t: sample.t, delta };
        if (reset) row.reset = true;
        if (sample.cost !== undefined) row.cost = sample.cost;
        requests.push(pending.put(row));
      }
      const chunks = tx.objectStore('chunks');
      for (const { pcId, chunk, lastIndex = chunk.firstIndex + chunk.count - 1 } of write.chunks) {
        requests.push(chunks.put({ ...chunk, sessionId, pcId }));
        if (chunk.count > 0) requests.push(pending.delete(IDBKeyRange.bound([sessionId, pcId, chunk.firstIndex], [sessionId, pcId, lastIndex])));
      }
      if (write.notice) queueNotice(tx, write.notice, requests);
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
    const tx = this.db.transaction(['pcs', 'pcConfigs']);
    const range = sessionRange(sessionId);
    const [pcs, configs] = await Promise.all([tx.objectStore('pcs').getAll(range), tx.objectStore('pcConfigs').getAll(range), tx.done]);
    return joinPcs(pcs, configs);
  }

  /** A session's events by `seq`. */
  async getEvents(sessionId: string): Promise<TraceEvent[]> {
    return (await this.db.getAll('events', sessionRange(sessionId))).map(fromEventRow);
  }

  /** What a PC continues from: its last chunk's samples and its pending samples, read in one transaction. */
  async readPcTail(sessionId: string, pcId: string): Promise<PcTail> {
    const tx = this.db.transaction(['chunks', 'pendingSamples']);
    const range = pcRange(sessionId, pcId);
    const [cursor, rows] = await Promise.all([tx.objectStore('chunks').openCursor(range, 'prev'), tx.objectStore('pendingSamples').getAll(range)]);
    await tx.done;
    const lastChunkSamples = cursor ? decodeStatsChunk(cursor.value.data) : [];
    const pending = pendingToSamples(rows, lastChunkSamples.at(-1)?.report ?? null);
    let pendingBytes = 0;
    for (const row of rows) pendingBytes += pendingSampleBytes(JSON.stringify(row.delta).length);
    return { lastChunkSamples, pending, pendingBytes };
  }

  /** Every stored sample of a PC (chunks decoded, then pending), by index. */
  async readStats(sessionId: string, pcId: string): Promise<StatsSample[]> {
    const tx = this.db.transaction(['chunks', 'pendingSamples']);
    const range = pcRange(sessionId, pcId);
    const [chunks, rows] = await Promise.all([tx.objectStore('chunks').getAll(range), tx.objectStore('pendingSamples').getAll(range), tx.done]);
    return mergeSamples(chunks, rows);
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
      const [chunks, rows] = await Promise.all([tx.objectStore('chunks').getAll(range), tx.objectStore('pendingSamples').getAll(range), tx.done]);
      return { pcId: first, chunks: chunks.map(toChunk), pending: pendingAfter(chunks, rows) };
    }
    const tx = this.db.transaction(['chunks', 'pendingSamples']);
    const range = pcRange(sessionId, pcId);
    const [chunks, rows] = await Promise.all([
      tx.objectStore('chunks').getAll(range),
      tx.objectStore('pendingSamples').getAll(range),
      tx.done,
    ]);
    return { pcId, chunks: chunks.map(toChunk), pending: pendingAfter(chunks, rows) };
  }

  /**
   * Everything stored for a session, stats as columns per PC (a PC without samples gets empty columns). With
   * `withStats: false`, `stats` is `{}` and no chunk is read (views load each PC's stats with {@link readPcStats}).
   */
  async readSessionData(sessionId: string, options: { withStats?: boolean } = {}): Promise<SessionData | undefined> {
    const withStats = options.withStats !== false;
    const stores = withStats
      ? (['sessions', 'pcs', 'pcConfigs', 'events', 'chunks', 'pendingSamples'] as const)
      : (['sessions', 'pcs', 'pcConfigs', 'events'] as const);
    const tx = this.db.transaction(stores);
    const range = sessionRange(sessionId);
    const [session, storedPcs, configs, events, chunks, pending] = await Promise.all([
      tx.objectStore('sessions').get(sessionId),
      tx.objectStore('pcs').getAll(range),
      tx.objectStore('pcConfigs').getAll(range),
      tx.objectStore('events').getAll(range),
      withStats ? tx.objectStore('chunks').getAll(range) : [],
      withStats ? tx.objectStore('pendingSamples').getAll(range) : [],
      tx.done,
    ]);
    if (session === undefined) return undefined;
    const pcs = joinPcs(storedPcs, configs);
    if (!withStats) return { session, pcs, events: events.map(fromEventRow), stats: {} };
    const chunksByPc = new Map<string, StoredChunk[]>();
    for (const chunk of chunks) {
      let list = chunksByPc.get(chunk.pcId);
      if (list === undefined) chunksByPc.set(chunk.pcId, (list = []));
      list.push(chunk);
    }
    const pendingByPc = new Map<string, StoredSample[]>();
    for (const row of pending) {
      let list = pendingByPc.get(row.pcId);
      if (list === undefined) pendingByPc.set(row.pcId, (list = []));
      list.push(row);
    }
    const stats: SessionData['stats'] = {};
    const pcIds = new Set([...pcs.map((pc) => pc.pcId), ...chunksByPc.keys(), ...pendingByPc.keys()]);
    for (const pcId of pcIds) {
      stats[pcId] = samplesToColumns(mergeSamples(chunksByPc.get(pcId) ?? [], pendingByPc.get(pcId) ?? []));
    }
    return { session, pcs, events: events.map(fromEventRow), stats };
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
    options: { release?: boolean; now?: number } = {},
  ): Promise<SessionSummary[]> {
    const importedAt = options.now ?? Date.now();
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
      const pcs = bundle.pcs.map((pc) => ({ ...pc, sessionId: id }));
      for (const pc of pcs) bytes += pcRowBytes(pc) + pcConfigBytes(pc.config, pc.constraints);
      const session: SessionSummary = {
        ...bundle.session,
        id,
        tabId: null,
        endedAt: bundle.session.endedAt ?? bundle.session.lastActivityAt,
        pcCount: bundle.pcs.length,
        eventCount: bundle.events.length,
        sampleCount,
        bytes,
        // When it was stored: retention ages it from then (see retainedSince).
        imported: { fileName: imported.fileName, format: imported.format, importedAt },
      };
      // The summary's own row, as the recorder counts it (its `bytes` field a few digits short: no matter).
      session.bytes += summaryRowBytes(session);
      return { session, pcs, events, chunks };
    });
    const tx = this.db.transaction(ALL_STORES, 'readwrite');
    await runWrite(tx, (requests) => {
      for (const { session, pcs, events, chunks } of prepared) {
        requests.push(tx.objectStore('sessions').add(session));
        for (const pc of pcs) {
          requests.push(tx.objectStore('pcs').add(toStoredPc(pc)));
          const setup: StoredPcConfig = { sessionId: session.id, pcId: pc.pcId, config: pc.config };
          if (pc.constraints !== undefined) setup.constraints = pc.constraints;
          requests.push(tx.objectStore('pcConfigs').add(setup));
        }
        for (const row of events) requests.push(tx.objectStore('events').add(row));
        for (const chunk of chunks) requests.push(tx.objectStore('chunks').add(chunk));
      }
    });
    return prepared.map((p) => p.session);
  }

  /**
   * A stored session whole, every sample decoded (what the exports write). Without the import time: when this store
   * imported it is its own bookkeeping (for retention), not part of the session a file describes.
   */
  async readBundle(sessionId: string): Promise<SessionBundle | undefined> {
    const session = await this.getSession(sessionId);
    if (!session) return undefined;
    if (session.imported) session.imported = { fileName: session.imported.fileName, format: session.imported.format };
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
      const pcRequests: Promise<StoredPc[]>[] = [];
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
   * Applies retention, in one transaction: first deletes ended sessions older than `maxAgeDays` (by
   * {@link retainedSince}: a recorded session's last activity, an import's import time), then, while the total of
   * {@link SessionSummary.bytes} exceeds `maxTotalMB`, the ended session retained longest. Live sessions (`endedAt === null`) are never deleted, even if the total stays
   * above the limit (the recorder keeps each under {@link maxSessionBytes}). 0 disables a limit. Records a {@link Notice} when it deleted anything. Returns the deleted
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
          if (s.endedAt !== null && retainedSince(s, now) < cutoff) {
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
          .sort((a, b) => retainedSince(a, now) - retainedSince(b, now) || a.startedAt - b.startedAt);
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
        if (byAge > 0) reasons.push(`${byAge} older than ${policy.maxAgeDays} day${policy.maxAgeDays === 1 ? '' : 's'}`);
        if (bySize > 0) reasons.push(`${bySize} to keep storage under ${policy.maxTotalMB} MB`);
        const notice: Notice = {
          t: now,
          kind: 'pruned',
          message: `Deleted ${deletedText(deleted)}: ${reasons.join(', ')}. ${deletedNames(deleted)}.`,
          sessionIds: deleted.map((s) => s.id),
        };
        queueNotice(tx, notice, requests);
        for (const request of requests) request.catch(noop);
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

/**
 * Since when retention counts a session as kept: a recorded session's last activity; an imported one's import time,
 * not its file's times (which made retention delete, at its next run, every dump of a call older than the maximum
 * age right after it was imported). An import stored before import times were kept counts from `now`: the
 * version 3 migration gives it one, so this only covers a summary that somehow has none.
 */
export function retainedSince(session: SessionSummary, now: number): number {
  if (!session.imported) return session.lastActivityAt;
  const at = session.imported.importedAt;
  return typeof at === 'number' && Number.isFinite(at) ? at : now;
}

/** "3 sessions (1 recorded, 2 imported)", "1 imported session", "2 recorded sessions". */
/** How many sessions a notice names before "and N more". */
const NAMED_IN_NOTICE = 3;

/**
 * The deleted sessions as a user finds them in a list: title (else URL, else the imported file), and start time in
 * UTC (the notice is written where no locale is known), the oldest first, the first few.
 */
function deletedNames(deleted: readonly SessionSummary[]): string {
  const name = (s: SessionSummary) => {
    const label = s.title.trim() || s.url || s.imported?.fileName || s.id;
    const start = Number.isFinite(s.startedAt) ? new Date(s.startedAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'unknown time';
    return `“${label.length > 60 ? `${label.slice(0, 59)}…` : label}” (${start})`;
  };
  const sorted = [...deleted].sort((a, b) => a.startedAt - b.startedAt);
  const named = sorted.slice(0, NAMED_IN_NOTICE).map(name).join(', ');
  const more = sorted.length - NAMED_IN_NOTICE;
  return more > 0 ? `${named} and ${more} more` : named;
}

function deletedText(deleted: readonly SessionSummary[]): string {
  const imported = deleted.filter((s) => s.imported).length;
  const recorded = deleted.length - imported;
  const plural = (n: number) => (n === 1 ? '' : 's');
  if (imported === 0) return `${recorded} recorded session${plural(recorded)}`;
  if (recorded === 0) return `${imported} imported session${plural(imported)}`;
  return `${deleted.length} sessions (${recorded} recorded, ${imported} imported)`;
}
