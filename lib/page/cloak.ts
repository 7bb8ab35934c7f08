/**
 * Replacing built-in functions without the page noticing.
 *
 * A callable `Proxy` around the native function keeps everything a page can inspect: `name`, `length`, own keys,
 * `prototype` (or its absence on methods), statics, `instanceof`, and calling conventions (a constructor called
 * without `new` still throws the native TypeError). What it does not keep is `Function.prototype.toString`: engines
 * print a Proxy as `function () { [native code] }` without the name. So the realm's `Function.prototype.toString` is
 * itself replaced by a cloaked proxy that prints each cloaked function as its native target (and itself as the native
 * `toString`).
 *
 * The same proxies answer one hidden key (a registered Symbol, read through a `get` trap, so it is no property: it is
 * not in `Reflect.ownKeys`, `in` or any descriptor) with the hook installed in their realm: that is the per-realm
 * double-install guard, shared with other copies of this script (e.g. the content script of a child frame that the
 * parent's hook already patched).
 */
import {
  defineProperty,
  getOwnPropertyDescriptor,
  ProxyCtor,
  reflectApply,
  reflectGet,
  SafeWeakMap,
  safeGet,
  symbolFor,
} from './natives';

/** Hidden key under which a realm's cloaked functions return its hook controller. */
export const GUARD_KEY: symbol = symbolFor('webrtc-scope.page-hook.v1');
/**
 * Hidden key under which every cloaked function returns its native target. Lets `toString` print proxies made by
 * another copy of this script (a child frame's own content script) when called across realms.
 */
export const NATIVE_KEY: symbol = symbolFor('webrtc-scope.page-hook.native.v1');

/** How engines print a callable Proxy (V8 and SpiderMonkey); only then is {@link NATIVE_KEY} consulted. */
const PROXY_SOURCE = /^function \(\) \{\s*\[native code\]\s*\}$/;
const regexpTest = RegExp.prototype.test;

/** Cloaked proxy → the native function it stands for (all realms this copy of the hook patched). */
const cloakedTargets = new SafeWeakMap<object, object>();

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * A proxy of `native` with the given traps, printed by the patched `toString` as `native`. When `guard` is given, the
 * proxy answers {@link GUARD_KEY} with it.
 */
export function cloak<T extends object>(native: T, traps: ProxyHandler<T>, guard?: unknown): T {
  const handler: ProxyHandler<T> = {};
  if (traps.apply) handler.apply = traps.apply;
  if (traps.construct) handler.construct = traps.construct;
  handler.get = (target, key, receiver) => {
    if (key === GUARD_KEY && guard !== undefined) return guard;
    if (key === NATIVE_KEY) return target;
    return reflectGet(target, key, receiver);
  };
  const proxy = new ProxyCtor(native, handler);
  cloakedTargets.set(proxy, native);
  return proxy;
}

/** The native function behind a cloaked proxy (or the value itself). */
export function uncloak<T>(value: T): T {
  return (cloakedTargets.get(value) as T | undefined) ?? value;
}

/** Whether `value` is one of our proxies. */
export function isCloaked(value: unknown): boolean {
  return cloakedTargets.has(value);
}

/** The controller a realm's hook left behind, read through the guard key of its cloaked functions. */
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
export function cloakToString(fnProto: object, guard: unknown): boolean {
  try {
    const desc = getOwnPropertyDescriptor(fnProto, 'toString');
    const nativeToString = desc?.value;
    if (!desc || typeof nativeToString !== 'function') return false;
    const proxy = cloak(
      nativeToString as AnyFunction,
      {
        apply(target, thisArg, args) {
          const local = cloakedTargets.get(thisArg);
          if (local) return reflectApply(target, local, args);
          const text = reflectApply(target, thisArg, args) as string;
          // Possibly a proxy cloaked by another copy of the hook (same-origin frame patched by its own script).
          if (typeof thisArg === 'function' && reflectApply(regexpTest, PROXY_SOURCE, [text])) {
            try {
              const native = (thisArg as unknown as Record<symbol, unknown>)[NATIVE_KEY];
              if (typeof native === 'function' && native !== thisArg) return reflectApply(target, native, args);
            } catch {
              /* not ours */
            }
          }
          return text;
        },
      },
      guard,
    );
    defineProperty(fnProto, 'toString', { ...desc, value: proxy });
    return true;
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
  guard?: unknown,
): F | undefined {
  try {
    if (!proto || (typeof proto !== 'object' && typeof proto !== 'function')) return undefined;
    const desc = getOwnPropertyDescriptor(proto, key);
    const native = desc?.value as F | undefined;
    if (!desc || typeof native !== 'function' || isCloaked(native)) return undefined;
    const proxy = cloak(native, { apply: makeApply(native) as ProxyHandler<F>['apply'] }, guard);
    defineProperty(proto, key, { ...desc, value: proxy });
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
    defineProperty(proto, key, { ...desc, [half]: proxy });
    return native;
  } catch {
    return undefined;
  }
}

/** `obj[key]` for a global (data property on the window), never throwing. */
export function readGlobal(win: unknown, key: string): unknown {
  try {
    const desc = getOwnPropertyDescriptor(win as object, key);
    if (desc && 'value' in desc) return desc.value;
    return safeGet(win, key);
  } catch {
    return undefined;
  }
}
