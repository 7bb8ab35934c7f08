// Dump an IndexedDB database from inside a browser context (extension service worker, extension page) as JSON,
// then revive it in Node. Shared by the Chromium and Firefox helpers.
//
// dumpIdbInContext is passed to `worker.evaluate` / `page.evaluate`, so it must be self-contained (no closures,
// no imports): browsers receive its source text.

/**
 * Runs in the browser. Resolves to a JSON string (or null when the database does not exist). Never creates the
 * database: a read that created it would make the extension's own first open see oldVersion 1 and skip its
 * migrations.
 * @param {string} dbName
 */
export async function dumpIdbInContext(dbName) {
  const req2p = (req) => new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  if (typeof indexedDB.databases === 'function') {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === dbName)) return null;
  }
  let created = false;
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onupgradeneeded = () => {
      created = true;
      req.transaction.abort(); // it did not exist: leave no trace
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => (created ? resolve(null) : reject(req.error));
  });
  if (!db) return null;

  // JSON-safe encoding with tags for what JSON cannot carry; reviveIdbDump undoes it.
  const toBase64 = (u8) => {
    let s = '';
    for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const encode = async (v) => {
    if (v === undefined) return { __idb: 'undefined' };
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : { __idb: 'number', value: String(v) };
    if (typeof v === 'bigint') return { __idb: 'bigint', value: String(v) };
    if (v instanceof Date) return { __idb: 'Date', value: v.getTime() };
    if (v instanceof ArrayBuffer) return { __idb: 'ArrayBuffer', base64: toBase64(new Uint8Array(v)) };
    if (ArrayBuffer.isView(v)) {
      const u8 = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      return { __idb: v.constructor.name, base64: toBase64(u8) };
    }
    if (typeof Blob !== 'undefined' && v instanceof Blob) {
      return { __idb: 'Blob', type: v.type, base64: toBase64(new Uint8Array(await v.arrayBuffer())) };
    }
    if (v instanceof Map) {
      const entries = [];
      for (const [k, x] of v) entries.push([await encode(k), await encode(x)]);
      return { __idb: 'Map', entries };
    }
    if (v instanceof Set) {
      const values = [];
      for (const x of v) values.push(await encode(x));
      return { __idb: 'Set', values };
    }
    if (Array.isArray(v)) {
      const out = [];
      for (const x of v) out.push(await encode(x));
      return out;
    }
    if (typeof v === 'object') {
      const out = {};
      for (const k of Object.keys(v)) out[k] = await encode(v[k]);
      return out;
    }
    return { __idb: 'unknown', value: String(v) };
  };

  try {
    const names = Array.from(db.objectStoreNames);
    const result = { name: db.name, version: db.version, stores: {}, keys: {}, meta: {} };
    if (names.length === 0) return JSON.stringify(result);
    const tx = db.transaction(names, 'readonly');
    const raw = await Promise.all(names.map(async (n) => {
      const store = tx.objectStore(n);
      const [values, keys] = await Promise.all([req2p(store.getAll()), req2p(store.getAllKeys())]);
      return { n, values, keys, meta: { keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexNames: Array.from(store.indexNames) } };
    }));
    // Encoding awaits (Blob reads), so it happens after the transaction has delivered everything.
    for (const { n, values, keys, meta } of raw) {
      result.stores[n] = await encode(values);
      result.keys[n] = await encode(keys);
      result.meta[n] = meta;
    }
    return JSON.stringify(result);
  } finally {
    db.close();
  }
}

const TYPED = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

/** Revive one encoded value (see dumpIdbInContext). Typed arrays come back as their own type (Node). */
export function reviveIdbValue(v) {
  if (Array.isArray(v)) return v.map(reviveIdbValue);
  if (v === null || typeof v !== 'object') return v;
  if (typeof v.__idb === 'string') {
    switch (v.__idb) {
      case 'undefined': return undefined;
      case 'number': return Number(v.value);
      case 'bigint': return BigInt(v.value);
      case 'Date': return new Date(v.value);
      case 'ArrayBuffer': {
        const b = Buffer.from(v.base64, 'base64');
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      }
      case 'Blob': return { blobType: v.type, bytes: new Uint8Array(Buffer.from(v.base64, 'base64')) };
      case 'Map': return new Map(v.entries.map(([k, x]) => [reviveIdbValue(k), reviveIdbValue(x)]));
      case 'Set': return new Set(v.values.map(reviveIdbValue));
      case 'DataView': {
        const b = Buffer.from(v.base64, 'base64');
        return new DataView(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      }
      default: {
        const Ctor = TYPED[v.__idb];
        if (Ctor && typeof v.base64 === 'string') {
          const b = Buffer.from(v.base64, 'base64');
          const copy = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); // aligned, own buffer
          return new Ctor(copy);
        }
        return v;
      }
    }
  }
  const out = {};
  for (const k of Object.keys(v)) out[k] = reviveIdbValue(v[k]);
  return out;
}

/**
 * @typedef {{ name: string, version: number, stores: Record<string, any[]>, keys: Record<string, any[]>,
 *   meta: Record<string, { keyPath: string | string[] | null, autoIncrement: boolean, indexNames: string[] }> }} IdbDump
 */

/** @param {string | null} json @returns {IdbDump | null} */
export function reviveIdbDump(json) {
  if (json == null) return null;
  const d = JSON.parse(json);
  for (const n of Object.keys(d.stores)) {
    d.stores[n] = reviveIdbValue(d.stores[n]);
    d.keys[n] = reviveIdbValue(d.keys[n]);
  }
  return d;
}
