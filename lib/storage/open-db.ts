/** Opens the extension's IndexedDB database at the current schema version. */
import { openDB } from 'idb';
import { DB_NAME, DB_VERSION, upgrade, type ScopeDb, type ScopeSchema } from './schema';

/**
 * Opens (creating or migrating) the database `name`. Tests pass a unique name per test under `fake-indexeddb`.
 *
 * When another context (a worker or view of an updated extension) wants a newer version, this connection closes
 * itself so the upgrade is not blocked; the old context is about to be replaced anyway.
 */
export async function openScopeDb(name: string = DB_NAME): Promise<ScopeDb> {
  const db: ScopeDb = await openDB<ScopeSchema>(name, DB_VERSION, {
    upgrade,
    // Only fires after the open succeeded, so `db` is set by then.
    blocking: () => db.close(),
  });
  return db;
}
