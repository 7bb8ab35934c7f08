/**
 * Replacing built-in functions without the page noticing.
 *
 * A callable `Proxy` around the native function keeps everything a page can inspect: `name`, `length`, own keys,
 * `prototype` (or its absence on methods), statics, `instanceof`, extensibility, freezing, and calling conventions (a
 * constructor called without `new` still throws the native TypeError). Two things it does not keep by itself:
 * - `Function.prototype.toString`: engines print a Proxy as `function () { [native code] }` without the name. So the
 *   realm's `Function.prototype.toString` is itself replaced by a cloaked proxy that prints each cloaked function as
 *   its native target (and itself as the native `toString`).
 * - Prototype cycles: the engine's cycle check stops at the first Proxy in the new prototype's chain, so
 *   `Object.setPrototypeOf(f, Object.create(f))` would succeed on a proxy and leave a cycle (then every property read
 *   overflows the stack). The `setPrototypeOf` trap redoes the check as the engine would on the native function.
 * Every handler has a prototype-less prototype: the engine looks each trap up on it, and a page's `Object.prototype.get`
 * (or `has`, `ownKeys`, …) must not become a trap.
 *
 * Double installs and copies of this script. A realm is patched once, by the first copy of the hook that reaches it
 * (its own document's content script, or the parent document's hook through `contentWindow`). A few of the realm's
 * proxies (its `toString`, `RTCPeerConnection`, …) answer one registered Symbol ({@link GUARD_KEY}, read through a
 * `get` trap: no property, not in `Reflect.ownKeys`, `in` or any descriptor) with the realm's *link*: a frozen,
 * prototype-less object holding three functions and no state (see `RealmLink` in install-hook.ts). A page that knows
 * the Symbol's name can see that the hook is there, but the link hands out no controller and no native function.
 *
 * Printing another copy's proxies. The parent's `toString` may be called on a child frame's proxy made by the child's
 * own copy (`Function.prototype.toString.call(iframe.contentWindow.RTCPeerConnection)`) and the other way round. The
 * copies share one table of "cloaked function → its native source text": a copy that starts in a same-origin child
 * frame finds its parent's link (through `frameElement`/`parent`, at document_start) and registers every proxy it makes
 * there, and looks up there what it does not know. So `toString` never reads anything from the function it prints
 * (a page's own Proxy sees no read), and no native function is ever handed to another copy (or to a page posing as
 * one): only source text, which `toString` shows anyway.
 */
import {
  bare,
  defineProperty,
  descriptorWith,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  hasOwn,
  isExtensible,
  ownValue,
  ProxyCtor,
  reflectApply,
  reflectGet,
  reflectSetPrototypeOf,
  SafeWeakMap,
  SafeWeakSet,
  safeGet,
  symbolFor,
} from './natives';

/**
 * Hidden key under which the guard-carrying proxies of a realm return the realm's link. v2: the link of v1 was the
 * hook's controller; a v1 copy (an extension update while a page stays open) finds no v2 link and the other way round.
 */
export const GUARD_KEY: symbol = symbolFor('webrtc-scope.page-hook.v2');

/** This copy's own `Function.prototype.toString`, pristine (this module runs before any page script). */
const nativeToString = Function.prototype.toString;
/** How engines print a callable Proxy, whitespace left out (V8: `function () { [native code] }`, SpiderMonkey with line breaks). */
const PROXY_SOURCE_CHARS = 'function(){[nativecode]}';

/**
 * Whether `text` is how engines print a callable Proxy (or a bound function): only then is the shared table consulted.
 * Compared character by character by indexing (a RegExp's `test` would call the page's `RegExp.prototype.exec`, and
 * string methods are the page's too); stops at the first difference, so long sources cost nothing.
 */
function isProxySource(text: string): boolean {
  let matched = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') continue;
    if (matched === PROXY_SOURCE_CHARS.length || c !== PROXY_SOURCE_CHARS[matched]) return false;
    matched++;
  }
  return matched === PROXY_SOURCE_CHARS.length;
}

/** Cloaked proxy → the native function it stands for (all realms this copy of the hook patched). */
const cloakedTargets = new SafeWeakMap<object, object>();
/** Proxies of other copies that registered with this one → their native source text. */
const foreignTexts = new SafeWeakMap<object, string>();

/** The part of a realm link through which copies share proxy texts (see the module comment). */
export interface CloakTable {
  /** The native source text of a cloaked function, or undefined. */
  textOf(fn: unknown): string | undefined;
  /** Records the text of another copy's proxy (first registration wins; only functions that print as a proxy). */
  register(fn: unknown, text: unknown): void;
}

/** Where this copy registers its proxies and looks up others': its own table, or the one of the copy it joined. */
let upstream: CloakTable | undefined;

function textOfLocal(fn: unknown): string | undefined {
  const native = cloakedTargets.get(fn);
  if (native !== undefined) {
    try {
      return reflectApply(nativeToString, native, []) as string;
    } catch {
      return undefined;
    }
  }
  return foreignTexts.get(fn);
}

function printsAsProxy(fn: unknown): boolean {
  if (typeof fn !== 'function') return false;
  try {
    return isProxySource(reflectApply(nativeToString, fn, []) as string);
  } catch {
    return false;
  }
}

/** This copy's table, as the links of the realms it patched offer it to other copies. */
export const cloakTable: CloakTable = (() => {
  const table = bare<CloakTable>();
  table.textOf = (fn: unknown): string | undefined => {
    const text = textOfLocal(fn);
    if (text !== undefined || upstream === undefined) return text;
    try {
      const shared = upstream.textOf(fn);
      return typeof shared === 'string' ? shared : undefined;
    } catch {
      return undefined;
    }
  };
  table.register = (fn: unknown, text: unknown): void => {
    if (typeof text !== 'string' || cloakedTargets.has(fn) || foreignTexts.has(fn) || !printsAsProxy(fn)) return;
    if (upstream !== undefined) {
      try {
        upstream.register(fn, text);
      } catch {
        /* the upstream copy's realm is gone */
      }
      return;
    }
    foreignTexts.set(fn as object, text);
  };
  return table;
})();

/**
 * Joins the table of another copy (the parent frame's): this copy's proxies are registered there from now on, and what
 * this copy does not know is looked up there. Called once, before this copy makes any proxy.
 */
export function joinCloakTable(table: CloakTable): void {
  if (upstream === undefined && table !== cloakTable) upstream = table;
}

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * The native `Object.setPrototypeOf` of each realm (by its `Object.prototype`), found when the realm's first function
 * is cloaked (before page code could change anything there): what throws the engine's own TypeError, of the realm's
 * own `TypeError`, for a refused prototype change.
 */
const realmSetPrototypeOf = new SafeWeakMap<object, AnyFunction>();
/**
 * The `Function.prototype` of every realm this copy patched. Callable, and printed like a proxy by V8, but ordinary:
 * the cycle check walks through it.
 */
const functionPrototypes = new SafeWeakSet<object>();

function rememberRealm(native: object): AnyFunction | undefined {
  try {
    // A pristine function's chain ends in its realm's Function.prototype, then Object.prototype.
    let before: object | undefined;
    let current: object = native;
    for (let depth = 0; depth < 16; depth++) {
      const next: object | null = getPrototypeOf(current);
      if (next === null) break;
      before = current;
      current = next;
    }
    const objectProto = current;
    if (typeof before === 'function') functionPrototypes.add(before);
    const known = realmSetPrototypeOf.get(objectProto);
    if (known) return known;
    const set = ownValue(ownValue(objectProto, 'constructor'), 'setPrototypeOf');
    if (typeof set !== 'function') return undefined;
    realmSetPrototypeOf.set(objectProto, set as AnyFunction);
    return set as AnyFunction;
  } catch {
    return undefined;
  }
}

/** Longest prototype chain walked by the cycle check (real chains are a handful of objects long). */
const MAX_CHAIN = 10000;

/**
 * Whether setting the prototype of `proxy` (a cloaked function) to `proto` makes a cycle, as the engine decides it for
 * an ordinary function: walking `proto`'s chain reaches the function, stopping at the first object whose
 * `[[GetPrototypeOf]]` is not ordinary (a Proxy). Our own proxies stand for ordinary functions, so the walk goes
 * through them (reading their prototype reaches no page code: they have no `getPrototypeOf` trap). A page's Proxy
 * cannot be told from an ordinary object without running its traps; a callable one prints as a proxy and ends the walk
 * like the engine's, a non-callable one is walked through (its `getPrototypeOf` trap runs: see ARCHITECTURE.md).
 */
function makesCycle(proxy: object, target: object, proto: object | null): boolean {
  let current: unknown = proto;
  for (let steps = 0; steps < MAX_CHAIN && current !== null && current !== undefined; steps++) {
    if (current === proxy || current === target) return true;
    if (typeof current === 'function' && !cloakedTargets.has(current) && !functionPrototypes.has(current) && printsAsProxy(current)) {
      // Another copy's proxy (in the shared table) stands for an ordinary function; anything else ends the walk.
      if (cloakTable.textOf(current) === undefined) return false;
    }
    current = getPrototypeOf(current as object);
  }
  return false;
}

/**
 * A proxy of `native` with the given traps, printed by the patched `toString` as `native`. When `link` is given, the
 * proxy answers {@link GUARD_KEY} with it.
 */
export function cloak<T extends object>(native: T, traps: ProxyHandler<T>, link?: unknown): T {
  const handler = bare<ProxyHandler<T>>();
  // Own values only: `traps` is a literal, and a missing trap must not be looked up on the page's Object.prototype.
  const apply = ownValue(traps, 'apply');
  const construct = ownValue(traps, 'construct');
  if (typeof apply === 'function') handler.apply = apply as ProxyHandler<T>['apply'];
  if (typeof construct === 'function') handler.construct = construct as ProxyHandler<T>['construct'];
  const realmSetPrototype = rememberRealm(native);
  let proxy: T;
  handler.setPrototypeOf = (target, proto) => {
    // Refused like on the native function: a cycle or a non-extensible function throws the engine's own TypeError
    // (its message, e.g. V8's "Cyclic __proto__ value"), by asking the engine for a change it refuses the same way.
    // Returning false instead would make Object.setPrototypeOf and `__proto__ =` throw a proxy-specific message.
    // The price: Reflect.setPrototypeOf, which returns false on a native function, throws here.
    if (proto !== getPrototypeOf(target)) {
      const extensible = isExtensible(target);
      if (!extensible || makesCycle(proxy, target, proto as object | null)) {
        if (realmSetPrototype) reflectApply(realmSetPrototype, undefined, [target, extensible ? target : proto]);
        return false;
      }
    }
    return reflectSetPrototypeOf(target, proto as object | null);
  };
  if (link !== undefined) {
    handler.get = (target, key, receiver) => {
      // An own property of that name (a page defined it) wins, as the proxy invariants require for a frozen one.
      if (key === GUARD_KEY && !hasOwn(target, key)) return link;
      return reflectGet(target, key, receiver);
    };
  }
  proxy = new ProxyCtor(native, handler);
  cloakedTargets.set(proxy, native);
  if (upstream !== undefined) {
    try {
      upstream.register(proxy, reflectApply(nativeToString, native, []));
    } catch {
      /* printed as a proxy by the other copies' realms */
    }
  }
  return proxy;
}

/** The native function behind a cloaked proxy of this copy (or the value itself). */
export function uncloak<T>(value: T): T {
  return (cloakedTargets.get(value) as T | undefined) ?? value;
}

/** Whether `value` is one of this copy's proxies. */
export function isCloaked(value: unknown): boolean {
  return cloakedTargets.has(value);
}

/** The link a realm's hook left behind, read through the guard key of its cloaked functions. */
export function readGuard(candidate: unknown): unknown {
  try {
    if (typeof candidate !== 'function') return undefined;
    return (candidate as unknown as Record<symbol, unknown>)[GUARD_KEY];
  } catch {
    return undefined;
  }
}

/**
 * Replaces `Function.prototype.toString` of a realm by a cloaked proxy that prints cloaked functions as their native
 * targets. Returns false when it could not (then cloaked functions print as `function () { [native code] }`).
 */
export function cloakToString(fnProto: object, link: unknown): boolean {
  try {
    const desc = getOwnPropertyDescriptor(fnProto, 'toString');
    const realmToString = desc?.value;
    if (!desc || typeof realmToString !== 'function') return false;
    const proxy = cloak(
      realmToString as AnyFunction,
      {
        apply(target, thisArg, args) {
          const local = cloakedTargets.get(thisArg);
          if (local) return reflectApply(target, local, args);
          const text = reflectApply(target, thisArg, args) as string;
          // Possibly a proxy of another copy of the hook (a same-origin frame patched by its own script): looked up
          // by identity in the shared table, nothing is read from the function itself.
          if (typeof thisArg === 'function' && typeof text === 'string' && isProxySource(text)) {
            const shared = cloakTable.textOf(thisArg);
            if (shared !== undefined) return shared;
          }
          return text;
        },
      },
      link,
    );
    defineProperty(fnProto, 'toString', descriptorWith(desc, { value: proxy }));
    return true;
  } catch {
    return false;
  }
}

/** Whether the own property `key` of `obj` can be given another value (or getter/setter) with the same attributes. */
export function canRedefine(obj: unknown, key: string): boolean {
  try {
    if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) return true;
    const desc = getOwnPropertyDescriptor(obj, key);
    if (desc === undefined || desc.configurable === true) return true;
    return hasOwn(desc, 'value') && desc.writable === true;
  } catch {
    return false;
  }
}

/**
 * Replaces the method `key` of `proto` (an own data property holding a function) with a cloaked proxy whose
 * `apply` trap is `makeApply(native)`. Keeps the property's attributes. Returns the native, or undefined.
 */
export function patchMethod<F extends AnyFunction>(
  proto: unknown,
  key: string,
  makeApply: (native: F) => (target: F, thisArg: unknown, args: unknown[]) => unknown,
  link?: unknown,
): F | undefined {
  try {
    if (!proto || (typeof proto !== 'object' && typeof proto !== 'function')) return undefined;
    const desc = getOwnPropertyDescriptor(proto, key);
    const native = desc?.value as F | undefined;
    if (!desc || typeof native !== 'function' || isCloaked(native)) return undefined;
    const proxy = cloak(native, { apply: makeApply(native) as ProxyHandler<F>['apply'] }, link);
    defineProperty(proto, key, descriptorWith(desc, { value: proxy }));
    return native;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the getter or setter of the accessor `key` of `proto` with a cloaked proxy; the other half is kept.
 */
export function patchAccessor(
  proto: unknown,
  key: string,
  half: 'get' | 'set',
  makeApply: (native: AnyFunction) => (target: AnyFunction, thisArg: unknown, args: unknown[]) => unknown,
): AnyFunction | undefined {
  try {
    if (!proto || typeof proto !== 'object') return undefined;
    const desc = getOwnPropertyDescriptor(proto, key);
    const native = desc?.[half] as AnyFunction | undefined;
    if (!desc || typeof native !== 'function' || isCloaked(native)) return undefined;
    const proxy = cloak(native, { apply: makeApply(native) as ProxyHandler<AnyFunction>['apply'] });
    const changes = bare<PropertyDescriptor>();
    changes[half] = proxy;
    defineProperty(proto, key, descriptorWith(desc, changes));
    return native;
  } catch {
    return undefined;
  }
}

/** `obj[key]` for a global (data property on the window), never throwing. */
export function readGlobal(win: unknown, key: string): unknown {
  try {
    const desc = getOwnPropertyDescriptor(win as object, key);
    if (desc && hasOwn(desc, 'value')) return desc.value;
    return safeGet(win, key);
  } catch {
    return undefined;
  }
}
