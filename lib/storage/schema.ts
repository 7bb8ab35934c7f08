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
import type { PcSummary, SessionSummary, StatsSample, TraceEvent } from '../model/session';

/** Current schema version. */
export const DB_VERSION = 1;
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

/** Something the background did on its own that the user should learn about (e.g. retention deleted sessions). */
export interface Notice {
  id?: number;
  t: number;
  kind: 'pruned';
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

/** A sample not yet packed into a chunk. */
export interface StoredSample {
  sessionId: string;
  pcId: string;
  index: number;
  sample: StatsSample;
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
  pcs: { key: [string, string]; value: PcSummary };
  events: { key: [string, number]; value: StoredEvent };
  pendingSamples: { key: [string, string, number]; value: StoredSample };
  chunks: { key: [string, string, number]; value: StoredChunk };
  notices: { key: number; value: Notice };
}

export type ScopeDb = IDBPDatabase<ScopeSchema>;
export type ScopeStoreName = StoreNames<ScopeSchema>;

/** Every store, for transactions that must be all-or-nothing across the schema. */
export const ALL_STORES: ScopeStoreName[] = ['sessions', 'pcs', 'events', 'pendingSamples', 'chunks', 'notices'];

/** Stores holding a session's data (everything keyed by session id). */
export const SESSION_STORES = ['sessions', 'pcs', 'events', 'pendingSamples', 'chunks'] as const;

/**
 * Brings a database from `oldVersion` to `newVersion` (null: {@link DB_VERSION}). Passed to idb's `openDB` as
 * its `upgrade` callback; tests call it with an explicit `newVersion` to build databases of older versions.
 */
export function upgrade(
  db: ScopeDb,
  oldVersion: number,
  newVersion: number | null,
  _tx: IDBPTransaction<ScopeSchema, ScopeStoreName[], 'versionchange'>,
): void {
  const target = newVersion ?? DB_VERSION;
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
  // Version 2 goes here: if (oldVersion < 2 && target >= 2) { … using _tx.objectStore(…) for data changes … }
}
