/**
 * The one IndexedDB schema of WebRTC Scope, with its numbered migrations.
 *
 * Every store of a session is keyed by `sessionId` first, so one key range (`[id]` … `[id, []]`: an array sorts
 * after every string and number) reads or deletes everything a session owns, PC by PC in key order.
 *
 * Migrations: `upgrade` runs one `if (oldVersion < N && newVersion >= N)` step per version, in order, inside the
 * version-change transaction. A step may only issue IndexedDB requests on that transaction (no awaiting of other
 * work, which would let the transaction commit early). To change the schema, add version N + 1: bump
 * {@link DB_VERSION}, add a step, never edit an old step (existing users' databases went through it as written).
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { Json, JsonObject } from '../protocol/json';
import type { PcSummary, SessionSummary, StatsSample, TraceEvent } from '../model/session';
import type { StatsDelta } from '../model/stats-delta';

/** Current schema version. */
export const DB_VERSION = 3;
/** Default database name. */
export const DB_NAME = 'webrtc-scope';

/** A run of consecutive stats samples of one PC, encoded by `lib/model/stats-chunk`. */
export interface EncodedChunk {
  firstIndex: number;
  count: number;
  startT: number;
  endT: number;
  data: Uint8Array;
}

/**
 * Something the background did on its own that the user should learn about: retention deleted sessions (`pruned`),
 * or a session reached its storage cap and the rest of it is not stored (`capped`).
 */
export interface Notice {
  id?: number;
  t: number;
  kind: 'pruned' | 'capped';
  message: string;
  sessionIds: string[];
}

/**
 * An event row: the event plus the session it belongs to (part of the key). Large events (SDPs) are stored
 * deflated in `packed` instead of `event` (see event-rows.ts); no index reads either field.
 */
export interface StoredEvent {
  sessionId: string;
  seq: number;
  event?: TraceEvent;
  packed?: Uint8Array;
  /** Version of the preset deflate dictionary `packed` was made with (event-dictionary-v1.ts). */
  dict?: number;
}

/**
 * A sample not yet packed into a chunk, stored as what changed since the PC's previous sample (the last pending one,
 * else the last sample of its last chunk), or with `reset` as a complete report: a page's empty delta against a 1 MB
 * report stores a few bytes, not the report again. The delta is the page's own, checked by the guards; applying
 * the pending rows in index order (lib/model/stats-delta) rebuilds every report exactly.
 */
export interface StoredSample {
  sessionId: string;
  pcId: string;
  index: number;
  t: number;
  delta: StatsDelta;
  reset?: true;
  cost?: StatsSample['cost'];
}

/** Bytes a pending sample row holds besides its delta's JSON (keys, index, time, cost), for the sessions' byte counts. */
export const PENDING_ROW_OVERHEAD = 96;

/** Version 1's pending sample: the full report, rewritten for every poll (what version 2 replaced). */
interface StoredSampleV1 {
  sessionId: string;
  pcId: string;
  index: number;
  sample: StatsSample;
}

/** A PC's summary as stored: its configuration lives in `pcConfigs`, so that the summary's frequent rewrites stay small. */
export type StoredPc = Omit<PcSummary, 'config' | 'constraints'>;

/** A PC's configuration (and legacy constraints), stored once when the PC appears. */
export interface StoredPcConfig {
  sessionId: string;
  pcId: string;
  config: JsonObject;
  constraints?: Json;
}

/** A chunk row, keyed by its first sample index. */
export interface StoredChunk extends EncodedChunk {
  sessionId: string;
  pcId: string;
}

export interface ScopeSchema extends DBSchema {
  sessions: {
    key: string;
    value: SessionSummary;
    // Sessions without a tab (imports, tabId null) are simply absent from byTabId: null is not a valid key.
    indexes: { byTabId: number; byStartedAt: number };
  };
  pcs: { key: [string, string]; value: StoredPc };
  pcConfigs: { key: [string, string]; value: StoredPcConfig };
  events: { key: [string, number]; value: StoredEvent };
  pendingSamples: { key: [string, string, number]; value: StoredSample };
  chunks: { key: [string, string, number]; value: StoredChunk };
  notices: { key: number; value: Notice };
}

export type ScopeDb = IDBPDatabase<ScopeSchema>;
export type ScopeStoreName = StoreNames<ScopeSchema>;

/** Every store, for transactions that must be all-or-nothing across the schema. */
export const ALL_STORES: ScopeStoreName[] = ['sessions', 'pcs', 'pcConfigs', 'events', 'pendingSamples', 'chunks', 'notices'];

/** Stores holding a session's data (everything keyed by session id). */
export const SESSION_STORES = ['sessions', 'pcs', 'pcConfigs', 'events', 'pendingSamples', 'chunks'] as const;

/**
 * Brings a database from `oldVersion` to `newVersion` (null: {@link DB_VERSION}). Passed to idb's `openDB` as
 * its `upgrade` callback; tests call it with an explicit `newVersion` to build databases of older versions.
 */
export function upgrade(
  db: ScopeDb,
  oldVersion: number,
  newVersion: number | null,
  tx: IDBPTransaction<ScopeSchema, ScopeStoreName[], 'versionchange'>,
): void {
  const target = newVersion ?? DB_VERSION;
  // The data steps of the versions passed, one after another, the first started at once (inside the upgrade
  // callback, where the transaction is active): two steps walking one store at the same time could each write back
  // a copy of a row read before the other's change.
  const now = Date.now();
  let dataSteps: Promise<void> | null = null;
  const runDataStep = (step: (t: typeof tx, now: number) => Promise<void>) => {
    dataSteps = dataSteps === null ? step(tx, now) : dataSteps.then(() => step(tx, now));
  };
  if (oldVersion < 1 && target >= 1) {
    const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
    sessions.createIndex('byTabId', 'tabId');
    sessions.createIndex('byStartedAt', 'startedAt');
    db.createObjectStore('pcs', { keyPath: ['sessionId', 'pcId'] });
    db.createObjectStore('events', { keyPath: ['sessionId', 'seq'] });
    db.createObjectStore('pendingSamples', { keyPath: ['sessionId', 'pcId', 'index'] });
    db.createObjectStore('chunks', { keyPath: ['sessionId', 'pcId', 'firstIndex'] });
    db.createObjectStore('notices', { keyPath: 'id', autoIncrement: true });
  }
  if (oldVersion < 2 && target >= 2) {
    // PC configurations (up to a record's 2 MB) move out of the PC summaries, which are rewritten with every stored
    // batch; pending samples become deltas (each of them was a full report); session times a page set in the future
    // (version 1 took them from its records) come back to now, so that retention can age those sessions.
    db.createObjectStore('pcConfigs', { keyPath: ['sessionId', 'pcId'] });
    runDataStep(migrateToVersion2);
  }
  if (oldVersion < 3 && target >= 3) {
    // Imported sessions get the time they were stored (`imported.importedAt`), which retention ages them by; those
    // imported before count from now (their import time was not kept), not from their files' times.
    runDataStep(migrateToVersion3);
  }
  // Version 4 goes here: if (oldVersion < 4 && target >= 4) { … runDataStep(migrateToVersion4) for data changes … }
  // Any failure aborts the upgrade: the database stays at its old version as it was, and opening it fails.
  // (A cast: TypeScript does not see the assignments inside runDataStep and takes dataSteps for null here.)
  void (dataSteps as Promise<void> | null)?.catch(() => {
    try {
      tx.abort();
    } catch {
      // Already aborted by the failed request.
    }
  });
}

/** Request failures reach the opener through the aborted upgrade; the requests' own rejections are expected then. */
const ignore = () => {};

/** Version 3's data step: an import time for every imported session without one. */
async function migrateToVersion3(tx: IDBPTransaction<ScopeSchema, ScopeStoreName[], 'versionchange'>, now: number): Promise<void> {
  for (let cursor = await tx.objectStore('sessions').openCursor(); cursor; cursor = await cursor.continue()) {
    const session = cursor.value;
    if (!session.imported || typeof session.imported.importedAt === 'number') continue;
    session.imported = { ...session.imported, importedAt: now };
    cursor.update(session).catch(ignore);
  }
}

/** Version 2's data step: awaits only requests of the upgrade transaction, which stays open until they are done. */
async function migrateToVersion2(tx: IDBPTransaction<ScopeSchema, ScopeStoreName[], 'versionchange'>, now: number): Promise<void> {
  for (let cursor = await tx.objectStore('sessions').openCursor(); cursor; cursor = await cursor.continue()) {
    const session = cursor.value;
    if (session.lastActivityAt <= now && (session.endedAt === null || session.endedAt <= now)) continue;
    session.lastActivityAt = Math.min(session.lastActivityAt, now);
    if (session.endedAt !== null) session.endedAt = Math.min(session.endedAt, now);
    cursor.update(session).catch(ignore);
  }
  const configs = tx.objectStore('pcConfigs');
  for (let cursor = await tx.objectStore('pcs').openCursor(); cursor; cursor = await cursor.continue()) {
    const { config, constraints, ...summary } = cursor.value as PcSummary;
    configs.put({ sessionId: summary.sessionId, pcId: summary.pcId, config, ...(constraints !== undefined ? { constraints } : {}) }).catch(ignore);
    cursor.update(summary).catch(ignore);
  }
  // Each full report becomes a complete snapshot (`reset`): exact, and needs no other row to decode.
  for (let cursor = await tx.objectStore('pendingSamples').openCursor(); cursor; cursor = await cursor.continue()) {
    const { sessionId, pcId, index, sample } = cursor.value as unknown as StoredSampleV1;
    const row: StoredSample = { sessionId, pcId, index, t: sample.t, delta: { added: sample.report }, reset: true };
    if (sample.cost !== undefined) row.cost = sample.cost;
    cursor.update(row).catch(ignore);
  }
}
