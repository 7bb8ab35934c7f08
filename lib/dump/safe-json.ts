/**
 * JSON parsing for dump files, which are untrusted: a hostile file may nest arrays a million deep (our own walks,
 * and a reviver, would overflow the stack), carry `__proto__` keys (harmless inside `JSON.parse`'s own result, but
 * a later `target[key] = value` would replace a prototype) or simply be broken. Nothing here throws: callers get a
 * result and turn a failure into a DumpProblem that says where.
 */
import type { Json, JsonObject } from '../protocol/json';
import { findJsonProblem, MAX_JSON_DEPTH } from '../protocol/guards';

/** Deepest nesting accepted for a whole document or line (real dumps nest fewer than 10 levels). */
export const MAX_DOCUMENT_DEPTH = 64;
/**
 * Deepest nesting accepted for a value that goes into a trace record: the relay's limit for live records, less the
 * levels the record itself adds around the value (record → args → value).
 */
export const MAX_RECORD_DEPTH = MAX_JSON_DEPTH - 4;

export type JsonResult = { ok: true; value: Json } | { ok: false; reason: string };

/**
 * Whether a parsed value nests deeper than `maxDepth` (the top level is depth 1). Iterative, with an explicit stack:
 * it runs before any recursive walk of ours may see the value. Scalars in arrays are skipped without being
 * pushed, so the long number arrays of stats series cost one type test per value.
 */
export function nestsDeeperThan(value: Json, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: { node: Json; depth: number }[] = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (depth > maxDepth) return true;
    const children: Json[] = Array.isArray(node) ? node : Object.values(node as JsonObject);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

/**
 * `JSON.parse` with a depth limit and no exceptions. The depth is checked on the parsed value, not by scanning the
 * text first: V8 and SpiderMonkey parse deep nesting without overflowing (and an engine that refused would throw,
 * which is caught here), and scanning a 100 MB dump character by character in JavaScript cost more than parsing it.
 */
export function parseJson(text: string, maxDepth = MAX_DOCUMENT_DEPTH, from = 0, to = text.length): JsonResult {
  let value: Json;
  try {
    value = JSON.parse(from === 0 && to === text.length ? text : text.slice(from, to)) as Json;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `not valid JSON (${message.replace(/^JSON\.parse: /, '').slice(0, 160)})` };
  }
  if (nestsDeeperThan(value, maxDepth)) return { ok: false, reason: `nested deeper than ${maxDepth} levels` };
  return { ok: true, value };
}

/**
 * Why `value` may not go into a trace record (too deep for the relay's limit, or a `__proto__` key), with the key
 * path, or null when it may.
 */
export function recordValueProblem(value: unknown): string | null {
  return findJsonProblem(value, MAX_RECORD_DEPTH);
}

/** A JSON object (not null, not an array). */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own property test that an own `hasOwnProperty` key in the data cannot fool. */
export const hasOwnKey = (target: object, key: string): boolean => Object.prototype.hasOwnProperty.call(target, key);

/** Own property value, never an inherited one (`report["constructor"]` must not find `Object`). */
export function ownValue(target: JsonObject, key: string): Json | undefined {
  return hasOwnKey(target, key) ? target[key] : undefined;
}

/** Assignment that keeps a `"__proto__"` key an own data property instead of replacing a prototype. */
export function setOwnKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** A JSON path segment: `.name` for identifier-like keys, else `["…"]` (ids carry `-`, `:` and `;`). */
export function pathKey(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}]`;
}
