/**
 * Language intrinsics captured when this module is evaluated. The hook's bundle runs at `document_start`, before any
 * page script, so these are the pristine built-ins: a page that later replaces `Reflect.apply`, `WeakMap.prototype.get`,
 * `Promise.prototype.then` or `JSON.stringify` changes nothing inside the hook (and the hook calls none of the page's
 * replacements, which could observe it). Everything here is realm-independent: these functions work on objects from any
 * same-origin frame.
 */

export const reflectApply = Reflect.apply;
export const reflectConstruct = Reflect.construct;
export const reflectGet = Reflect.get;
export const reflectOwnKeys = Reflect.ownKeys;
export const ProxyCtor = Proxy;
export const defineProperty = Object.defineProperty;
export const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
export const getPrototypeOf = Object.getPrototypeOf;
export const reflectSetPrototypeOf = Reflect.setPrototypeOf;
export const isExtensible = Object.isExtensible;
export const objectKeys = Object.keys;
export const objectValues = Object.values;
export const isArray = Array.isArray;
export const symbolFor = Symbol.for;
export const StringCtor = String;
export const numberIsFinite = Number.isFinite;
export const mathMin = Math.min;
export const mathMax = Math.max;
export const jsonStringify = JSON.stringify;
export const jsonParse = JSON.parse;
export const objectFreeze = Object.freeze;
export const objectCreate = Object.create;
export const dateNow = Date.now;

const objectToString = Object.prototype.toString;
const hasOwnFn = Object.prototype.hasOwnProperty;
const stringSlice = String.prototype.slice;
const promiseThen = Promise.prototype.then;
const dateToISOString = Date.prototype.toISOString;

/** `Object.prototype.toString.call(value)`, e.g. `"[object RTCIceCandidate]"` (reads `Symbol.toStringTag`). */
export function tagOf(value: unknown): string {
  return reflectApply(objectToString, value, []) as string;
}

export function hasOwn(obj: object, key: PropertyKey): boolean {
  return reflectApply(hasOwnFn, obj, [key]) as boolean;
}

export function sliceString(s: string, start: number, end?: number): string {
  return reflectApply(stringSlice, s, end === undefined ? [start] : [start, end]) as string;
}

export function isoDate(d: unknown): string {
  return reflectApply(dateToISOString, d, []) as string;
}

/** `promise.then(onOk, onErr)` with the pristine `then` (also on promises of other frames). */
export function thenNative<T, R>(
  promise: PromiseLike<T>,
  onOk: (value: T) => R | PromiseLike<R>,
  onErr: (error: unknown) => R | PromiseLike<R>,
): Promise<R> {
  return reflectApply(promiseThen, promise, [onOk, onErr]) as Promise<R>;
}

/** An own `constructor` of undefined: see {@link thenUnobserved}. Of SAFE_PROTO (declared below), built lazily. */
let hiddenConstructor: PropertyDescriptor | undefined;

/**
 * `promise.then(onOk, onErr)` on a native promise the page never sees (the hook's own call of a native), without the
 * reads `then` otherwise makes: `then` looks up `promise.constructor` and its `Symbol.species` (SpeciesConstructor),
 * which reach `Promise.prototype.constructor` and `Promise[Symbol.species]`, where a page may have put getters. An own
 * `constructor` of undefined makes `then` use its realm's `%Promise%` without reading either. So `then` should be of
 * the realm whose promises the result must be (a promise handed to the page: the realm of the call).
 *
 * @param then a captured native `Promise.prototype.then` (default: this realm's)
 */
export function thenUnobserved<T, R>(
  promise: PromiseLike<T>,
  onOk: (value: T) => R | PromiseLike<R>,
  onErr: (error: unknown) => R | PromiseLike<R>,
  then: (...args: never[]) => unknown = promiseThen,
): Promise<R> {
  if (hiddenConstructor === undefined) {
    hiddenConstructor = bare<PropertyDescriptor>();
    hiddenConstructor.value = undefined;
  }
  defineProperty(promise, 'constructor', hiddenConstructor);
  return reflectApply(then as (...args: unknown[]) => unknown, promise, [onOk, onErr]) as Promise<R>;
}

/**
 * The prototype of the objects the hook builds (records, descriptors, options, lookup tables): frozen and itself
 * prototype-less. In the browser the hook's realm is the page's, so an object inheriting from `Object.prototype` would
 * reach the page's accessors there: assigning a missing key calls the page's setter (and the key is lost), reading a
 * missing key calls its getter, and a descriptor or proxy handler would pick up `get`/`set`/`has`… from it. Objects
 * of this prototype reach nothing, and unlike `Object.create(null)` objects (which V8 keeps in slow dictionary mode)
 * they stay fast to fill and to stringify; `JSON.stringify` writes them like plain objects.
 */
export const SAFE_PROTO: object = objectFreeze(objectCreate(null));

/** A new empty object of {@link SAFE_PROTO}. */
export function bare<T>(): T {
  return objectCreate(SAFE_PROTO) as T;
}

/** Own data property, or undefined: never runs a getter and never looks at the prototype chain. */
export function ownValue(obj: unknown, key: PropertyKey): unknown {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return undefined;
  const desc = getOwnPropertyDescriptor(obj, key);
  return desc !== undefined && hasOwn(desc, 'value') ? desc.value : undefined;
}

/**
 * The descriptor `setOwn` and `pushItem` pass to `defineProperty`, reused: one of {@link SAFE_PROTO}, so
 * `ToPropertyDescriptor` does not find a page's `get`/`set` accessor on `Object.prototype` (a descriptor literal
 * would, and then define an accessor or throw). Its `value` is cleared after each use (nothing is kept alive).
 */
const dataDescriptor: PropertyDescriptor = bare();
dataDescriptor.writable = true;
dataDescriptor.enumerable = true;
dataDescriptor.configurable = true;

/** Sets an own, enumerable data property without invoking setters (also for keys like `"__proto__"`). */
export function setOwn(target: object, key: PropertyKey, value: unknown): void {
  dataDescriptor.value = value;
  defineProperty(target, key, dataDescriptor);
  dataDescriptor.value = undefined;
}

/** Appends without calling a possibly replaced `Array.prototype.push`. */
export function pushItem<T>(array: T[], value: T): void {
  dataDescriptor.value = value;
  defineProperty(array, array.length, dataDescriptor);
  dataDescriptor.value = undefined;
}

/** A copy of `desc` (from `getOwnPropertyDescriptor`) with `changes` applied, of {@link SAFE_PROTO}. */
export function descriptorWith(desc: PropertyDescriptor, changes: PropertyDescriptor): PropertyDescriptor {
  const out = bare<PropertyDescriptor>();
  const keys = objectKeys(desc) as (keyof PropertyDescriptor)[];
  for (let i = 0; i < keys.length; i++) (out as Record<string, unknown>)[keys[i]] = desc[keys[i]];
  const changed = objectKeys(changes) as (keyof PropertyDescriptor)[];
  for (let i = 0; i < changed.length; i++) (out as Record<string, unknown>)[changed[i]] = changes[changed[i]];
  return out;
}

const wmGet = WeakMap.prototype.get;
const wmSet = WeakMap.prototype.set;
const wmHas = WeakMap.prototype.has;
const wsAdd = WeakSet.prototype.add;
const wsHas = WeakSet.prototype.has;
const WeakMapCtor = WeakMap;
const WeakSetCtor = WeakSet;
const WeakRefCtor: typeof WeakRef | undefined = typeof WeakRef === 'function' ? WeakRef : undefined;
const weakRefDeref = WeakRefCtor?.prototype.deref;

/** A WeakMap whose operations cannot be intercepted by later changes to `WeakMap.prototype`. */
export class SafeWeakMap<K extends object, V> {
  private readonly map: WeakMap<K, V> = new WeakMapCtor<K, V>();
  get(key: unknown): V | undefined {
    if ((typeof key !== 'object' && typeof key !== 'function') || key === null) return undefined;
    return reflectApply(wmGet, this.map, [key]) as V | undefined;
  }
  set(key: K, value: V): void {
    reflectApply(wmSet, this.map, [key, value]);
  }
  has(key: unknown): boolean {
    if ((typeof key !== 'object' && typeof key !== 'function') || key === null) return false;
    return reflectApply(wmHas, this.map, [key]) as boolean;
  }
}

export class SafeWeakSet<T extends object> {
  private readonly set: WeakSet<T> = new WeakSetCtor<T>();
  add(value: T): void {
    reflectApply(wsAdd, this.set, [value]);
  }
  has(value: unknown): boolean {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
    return reflectApply(wsHas, this.set, [value]) as boolean;
  }
}

/** A weak reference when the engine has `WeakRef`, else a strong one. */
export interface Ref<T extends object> {
  deref(): T | undefined;
}
export function makeRef<T extends object>(value: T): Ref<T> {
  return WeakRefCtor && weakRefDeref ? weakRefOf(value, WeakRefCtor, weakRefDeref) : strongRefOf(value);
}

// Two functions, not two closures in makeRef: closures of one function share its scope, so a `() => value` next to the
// WeakRef's closure would keep `value` alive through the WeakRef's closure too (both engines do so). That held every PC
// the page dropped without close() for the page's lifetime (tests/unit/page/retention.test.ts, tests/e2e/gc.e2e.mjs).
function weakRefOf<T extends object>(value: T, Ctor: typeof WeakRef, deref: (this: WeakRef<T>) => T | undefined): Ref<T> {
  const ref = new Ctor(value);
  return { deref: () => reflectApply(deref, ref, []) as T | undefined };
}

function strongRefOf<T extends object>(value: T): Ref<T> {
  return { deref: () => value };
}

/** Reads `obj[key]` and never throws (a getter of the page may). */
export function safeGet(obj: unknown, key: PropertyKey): unknown {
  try {
    if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return undefined;
    return (obj as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** The getter of an accessor found on `proto` (or its prototype chain), or undefined. */
export function findGetter(proto: unknown, key: PropertyKey): ((this: unknown) => unknown) | undefined {
  let current = proto;
  for (let depth = 0; depth < 8 && current !== null && (typeof current === 'object' || typeof current === 'function'); depth++) {
    const desc = getOwnPropertyDescriptor(current, key);
    if (desc) return typeof desc.get === 'function' ? desc.get : undefined;
    current = getPrototypeOf(current);
  }
  return undefined;
}

/** A data-property function found on `proto` (or its chain), or undefined. */
export function findMethod(proto: unknown, key: PropertyKey): ((...args: unknown[]) => unknown) | undefined {
  let current = proto;
  for (let depth = 0; depth < 8 && current !== null && (typeof current === 'object' || typeof current === 'function'); depth++) {
    const desc = getOwnPropertyDescriptor(current, key);
    if (desc) return typeof desc.value === 'function' ? desc.value : undefined;
    current = getPrototypeOf(current);
  }
  return undefined;
}

/** Calls a captured native getter/method; undefined (never a throw) when it fails. */
export function callSafe(fn: ((...args: never[]) => unknown) | undefined, thisArg: unknown, args: unknown[] = []): unknown {
  if (!fn) return undefined;
  try {
    return reflectApply(fn as (...a: unknown[]) => unknown, thisArg, args);
  } catch {
    return undefined;
  }
}
