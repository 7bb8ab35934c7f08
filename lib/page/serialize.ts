/**
 * Turns anything the page hands to (or gets from) WebRTC into bounded, plain JSON for a {@link PageRecord}.
 *
 * - Never throws: a hostile getter, a revoked Proxy or a cycle gives a placeholder string, not an exception.
 * - Never returns page objects: every object in the output is created here (plain `{}`/`[]`), keys are set with
 *   `defineProperty` (a key `"__proto__"` from the page is dropped: the relay refuses records holding one).
 * - Bounded: depth, items per array, keys per object, string length and total characters are capped, so one
 *   record stays far below the relay's size cap even for absurd input.
 * - Knows WebRTC's objects: descriptions → `{type, sdp}`, candidates → `toJSON()` + `url`/`relayProtocol`, tracks →
 *   `{id, kind, label}`, streams → `{id, tracks}`, certificates → `{expires, fingerprints}`, errors → `{name, message, detail?}`
 *   (detail: what an OverconstrainedError or RTCError says beyond its message, read through the native getters).
 * - Drops secrets: any key named `credential` (TURN passwords in configurations) is left out.
 */
import { MAX_ERROR_DETAIL_CHARS, type ErrorInfo, type Json, type JsonObject } from '../protocol/json';
import {
  bare,
  callSafe,
  isArray,
  isoDate,
  numberIsFinite,
  objectFreeze,
  objectKeys,
  pushItem,
  reflectApply,
  safeGet,
  setOwn,
  sliceString,
  StringCtor,
  tagOf,
} from './natives';

export interface SerializeLimits {
  /** Nesting below the value itself (a record adds ~4 levels; the relay accepts 24). */
  maxDepth: number;
  /**
   * Longer strings are cut. An SDP is kept whole up to this: a call's is ~10–100 KB, an SFU offer with 100+
   * m-sections passes 256 KB. (A record stays within the relay's 2 MiB even with its JSON escapes.)
   */
  maxStringChars: number;
  maxArrayItems: number;
  maxObjectKeys: number;
  /** Characters of strings and keys in one serialised value; beyond it values become "[truncated]". */
  maxTotalChars: number;
}

export const DEFAULT_SERIALIZE_LIMITS: SerializeLimits = {
  maxDepth: 12,
  maxStringChars: 1024 * 1024,
  maxArrayItems: 512,
  maxObjectKeys: 256,
  maxTotalChars: 1024 * 1024,
};

// Loops over these are indexed: `for…of` would call Array.prototype[Symbol.iterator], which the page may replace.
const CANDIDATE_EXTRAS = ['url', 'relayProtocol'] as const;
const CHANNEL_FIELDS = ['id', 'label', 'protocol', 'ordered', 'maxRetransmits', 'maxPacketLifeTime', 'negotiated', 'readyState'] as const;

/** Keys never copied out of the page (TURN credentials in `iceServers`). */
const REDACTED_KEYS: Record<string, true> = objectFreeze({ __proto__: null, credential: true } as unknown as Record<string, true>);

/**
 * Native DOM functions captured from the window at install time, used instead of the page-reachable methods of the
 * same name (which a page may have replaced). All optional: without them the serialiser reads properties.
 */
export interface SerializeNatives {
  /** `MediaStream.prototype.getTracks` */
  streamGetTracks?: (this: unknown) => unknown;
  /** `RTCCertificate.prototype.getFingerprints` */
  certificateGetFingerprints?: (this: unknown) => unknown;
  /** `RTCIceCandidate.prototype.toJSON` */
  candidateToJSON?: (this: unknown) => unknown;
  /** `RTCSessionDescription.prototype.toJSON` */
  descriptionToJSON?: (this: unknown) => unknown;
  /** `MediaStreamTrack.prototype.getSettings` */
  trackGetSettings?: (this: unknown) => unknown;
  /**
   * The getters of {@link ERROR_DETAIL_FIELDS} on `OverconstrainedError.prototype` and `RTCError.prototype`, by
   * field: called on a rejection only through these (a native getter throws on anything but its own kind of error),
   * so no page-defined getter runs.
   */
  errorDetailGetters?: [string, (this: unknown) => unknown][];
}

export interface TrackInfo {
  id: string;
  kind: string;
  label: string;
}

export interface Serializer {
  /** Any value → bounded JSON (top-level `undefined` → null). */
  value(value: unknown): Json;
  /** Values of an argument list (undefined → null, length kept). */
  args(args: ArrayLike<unknown>): Json[];
  /** What a rejection or throw looked like to the page. */
  error(error: unknown): ErrorInfo;
  track(track: unknown): TrackInfo;
  /** A track with `getSettings()` (for getUserMedia results). */
  trackWithSettings(track: unknown): JsonObject;
  /** `{id, tracks: [{id, kind, label, settings}]}` of a MediaStream. */
  streamWithSettings(stream: unknown): JsonObject;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : safeString(value));

function safeString(value: unknown): string {
  try {
    if (typeof value === 'symbol') return StringCtor(value);
    if (typeof value === 'object' || typeof value === 'function') return tagOf(value);
    return StringCtor(value);
  } catch {
    return '[unprintable]';
  }
}

const isObjectLike = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

/** Creates a serialiser bound to natives captured from one window. */
export function createSerializer(
  natives: SerializeNatives = {},
  limits: SerializeLimits = DEFAULT_SERIALIZE_LIMITS,
): Serializer {
  interface Budget {
    left: number;
  }

  const callMethod = (native: ((this: unknown) => unknown) | undefined, obj: unknown, name: string): unknown => {
    if (native) return callSafe(native, obj);
    const fn = safeGet(obj, name);
    return typeof fn === 'function' ? callSafe(fn as () => unknown, obj) : undefined;
  };

  const cutString = (s: string, budget: Budget): string => {
    if (budget.left <= 0) return '[truncated]';
    let out = s;
    if (out.length > limits.maxStringChars) {
      out = sliceString(out, 0, limits.maxStringChars) + `…[+${s.length - limits.maxStringChars} chars]`;
    }
    if (out.length > budget.left) out = sliceString(out, 0, mathMaxZero(budget.left)) + '…[truncated]';
    budget.left -= out.length;
    return out;
  };

  const track = (t: unknown): TrackInfo => ({
    id: str(safeGet(t, 'id')),
    kind: str(safeGet(t, 'kind')),
    label: str(safeGet(t, 'label')),
  });

  const streamTracks = (stream: unknown): unknown[] => {
    const tracks = callMethod(natives.streamGetTracks, stream, 'getTracks');
    return isArray(tracks) ? tracks : [];
  };

  /** Known WebRTC/DOM objects by their toStringTag; undefined when not one of them. */
  const special = (v: object, tag: string, depth: number, stack: object[], budget: Budget): Json | undefined => {
    switch (tag) {
      case '[object RTCSessionDescription]':
        return { type: walk(safeGet(v, 'type'), depth + 1, stack, budget), sdp: walk(safeGet(v, 'sdp'), depth + 1, stack, budget) };
      case '[object RTCIceCandidate]': {
        const json = callMethod(natives.candidateToJSON, v, 'toJSON');
        const out = (isObjectLike(json) ? walk(json, depth, stack, budget) : {}) as JsonObject;
        if (!isObjectLike(out) || isArray(out)) return out;
        for (let i = 0; i < CANDIDATE_EXTRAS.length; i++) {
          const key = CANDIDATE_EXTRAS[i];
          const extra = safeGet(v, key);
          if (extra !== undefined && extra !== null) setOwn(out, key, walk(extra, depth + 1, stack, budget));
        }
        return out;
      }
      case '[object MediaStreamTrack]':
      case '[object CanvasCaptureMediaStreamTrack]':
      case '[object BrowserCaptureMediaStreamTrack]':
      case '[object AudioTrack]':
        return { ...track(v) };
      case '[object MediaStream]': {
        const tracks: Json[] = [];
        const list = streamTracks(v);
        for (let i = 0; i < list.length && i < limits.maxArrayItems; i++) pushItem(tracks, { ...track(list[i]) });
        return { id: str(safeGet(v, 'id')), tracks };
      }
      case '[object RTCRtpSender]':
      case '[object RTCRtpReceiver]': {
        const t = safeGet(v, 'track');
        return { track: isObjectLike(t) ? { ...track(t) } : null };
      }
      case '[object RTCRtpTransceiver]': {
        const sender = safeGet(v, 'sender');
        const receiver = safeGet(v, 'receiver');
        const senderTrack = safeGet(sender, 'track');
        const receiverTrack = safeGet(receiver, 'track');
        const mid = safeGet(v, 'mid');
        const current = safeGet(v, 'currentDirection');
        return {
          mid: typeof mid === 'string' ? mid : null,
          direction: str(safeGet(v, 'direction')),
          currentDirection: typeof current === 'string' ? current : null,
          sender: { track: isObjectLike(senderTrack) ? { ...track(senderTrack) } : null },
          receiver: { track: isObjectLike(receiverTrack) ? { ...track(receiverTrack) } : null },
        };
      }
      case '[object RTCDataChannel]': {
        const out: JsonObject = {};
        for (let i = 0; i < CHANNEL_FIELDS.length; i++) {
          const key = CHANNEL_FIELDS[i];
          const value = safeGet(v, key);
          if (value !== undefined) setOwn(out, key, walk(value, depth + 1, stack, budget));
        }
        return out;
      }
      case '[object RTCCertificate]': {
        const expires = safeGet(v, 'expires');
        return {
          expires: typeof expires === 'number' && numberIsFinite(expires) ? expires : null,
          fingerprints: walk(callMethod(natives.certificateGetFingerprints, v, 'getFingerprints') ?? [], depth + 1, stack, budget),
        };
      }
      case '[object RTCPeerConnection]':
        return '[RTCPeerConnection]';
      case '[object DOMException]':
      case '[object Error]':
        return { ...errorInfo(v) };
      case '[object Date]':
        try {
          return isoDate(v);
        } catch {
          return '[Invalid Date]';
        }
      case '[object ArrayBuffer]':
      case '[object SharedArrayBuffer]':
      case '[object DataView]':
      case '[object Blob]':
      case '[object File]': {
        const size = safeGet(v, 'byteLength') ?? safeGet(v, 'size');
        return `${sliceString(tag, 8, tag.length - 1)}(${typeof size === 'number' ? size : '?'})`;
      }
      default:
        if (sliceString(tag, tag.length - 6) === 'Array]' && tag !== '[object Array]') {
          // Typed arrays: size only (they may hold megabytes of media).
          const size = safeGet(v, 'length');
          return `${sliceString(tag, 8, tag.length - 1)}(${typeof size === 'number' ? size : '?'})`;
        }
        return undefined;
    }
  };

  const walk = (v: unknown, depth: number, stack: object[], budget: Budget): Json => {
    switch (typeof v) {
      case 'undefined':
        return null;
      case 'boolean':
        return v;
      case 'number':
        return numberIsFinite(v) ? v : StringCtor(v);
      case 'string':
        return cutString(v, budget);
      case 'bigint':
        return StringCtor(v) + 'n';
      case 'symbol':
        return safeString(v);
      case 'function':
        return '[function]';
    }
    if (v === null) return null;
    const obj = v as object;
    if (budget.left <= 0) return '[truncated]';
    if (depth >= limits.maxDepth) return '[too deep]';
    for (let i = 0; i < stack.length; i++) if (stack[i] === obj) return '[cycle]';
    let tag: string;
    try {
      tag = tagOf(obj);
    } catch {
      return '[unreadable]';
    }
    stack[stack.length] = obj;
    try {
      const known = tag === '[object Object]' || tag === '[object Array]' ? undefined : special(obj, tag, depth, stack, budget);
      if (known !== undefined) return known;
      if (isArray(obj)) {
        const out: Json[] = [];
        const length = (obj as unknown[]).length;
        const n = length < limits.maxArrayItems ? length : limits.maxArrayItems;
        for (let i = 0; i < n; i++) pushItem(out, walk(safeGet(obj, i), depth + 1, stack, budget));
        if (length > n) pushItem(out, `[+${length - n} items]`);
        return out;
      }
      const keys = objectKeys(obj);
      if (keys.length === 0 && tag !== '[object Object]') return tag; // a platform object we do not know
      const out: JsonObject = {};
      let count = 0;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (key === '__proto__' || REDACTED_KEYS[key] === true) continue;
        if (count >= limits.maxObjectKeys) {
          setOwn(out, '[more keys]', keys.length - i);
          break;
        }
        let value: unknown;
        try {
          value = (obj as Record<string, unknown>)[key];
        } catch {
          value = '[unreadable]';
        }
        if (value === undefined) continue;
        budget.left -= key.length;
        setOwn(out, key, walk(value, depth + 1, stack, budget));
        count++;
      }
      return out;
    } catch {
      return '[unreadable]';
    } finally {
      stack.length = stack.length - 1;
    }
  };

  const errorInfo = (e: unknown): ErrorInfo => {
    try {
      if (!isObjectLike(e)) return { name: typeof e, message: typeof e === 'string' ? e : safeString(e) };
      const name = safeGet(e, 'name');
      const message = safeGet(e, 'message');
      const out: ErrorInfo = {
        name: typeof name === 'string' ? sliceString(name, 0, 200) : safeString(e),
        message: typeof message === 'string' ? sliceString(message, 0, 4000) : '',
      };
      // Built apart and set with setOwn: `out.detail` read or assigned would reach a page's accessor on
      // Object.prototype.
      let detail: Record<string, string | number> | undefined;
      const getters = natives.errorDetailGetters;
      if (getters !== undefined) {
        for (let i = 0; i < getters.length; i++) {
          let v: unknown;
          try {
            v = reflectApply(getters[i][1], e, []);
          } catch {
            continue; // not that kind of error
          }
          if (typeof v === 'string' ? v === '' : typeof v !== 'number' || !numberIsFinite(v)) continue;
          detail ??= bare<Record<string, string | number>>();
          setOwn(detail, getters[i][0], typeof v === 'string' ? sliceString(v, 0, MAX_ERROR_DETAIL_CHARS) : v);
        }
      }
      // Firefox rejects getUserMedia with a MediaStreamError, an interface it does not expose (no prototype to take
      // a getter from at install): its `constraint` is read like its name and message.
      if (detail === undefined && tagOf(e) === '[object MediaStreamError]') {
        const constraint = safeGet(e, 'constraint');
        if (typeof constraint === 'string' && constraint !== '') {
          detail = bare<Record<string, string | number>>();
          setOwn(detail, 'constraint', sliceString(constraint, 0, MAX_ERROR_DETAIL_CHARS));
        }
      }
      if (detail !== undefined) setOwn(out, 'detail', detail);
      return out;
    } catch {
      return { name: 'Error', message: '' };
    }
  };

  const value = (v: unknown): Json => {
    try {
      return walk(v, 0, [], { left: limits.maxTotalChars });
    } catch {
      return '[unreadable]';
    }
  };

  const trackWithSettings = (t: unknown): JsonObject => {
    const out: JsonObject = { ...track(t) };
    try {
      const settings = callMethod(natives.trackGetSettings, t, 'getSettings');
      if (settings !== undefined) setOwn(out, 'settings', value(settings));
    } catch {
      /* keep what we have */
    }
    return out;
  };

  return {
    value,
    args(args) {
      const out: Json[] = [];
      try {
        const budget = { left: limits.maxTotalChars };
        const n = args.length < limits.maxArrayItems ? args.length : limits.maxArrayItems;
        for (let i = 0; i < n; i++) pushItem(out, walk(args[i], 0, [], budget));
      } catch {
        /* partial list */
      }
      return out;
    },
    error: errorInfo,
    track: (t) => {
      try {
        return track(t);
      } catch {
        return { id: '', kind: '', label: '' };
      }
    },
    trackWithSettings,
    streamWithSettings(stream) {
      try {
        const tracks: Json[] = [];
        const list = streamTracks(stream);
        for (let i = 0; i < list.length && i < limits.maxArrayItems; i++) pushItem(tracks, trackWithSettings(list[i]));
        return { id: str(safeGet(stream, 'id')), tracks };
      } catch {
        return { id: '', tracks: [] };
      }
    },
  };
}

function mathMaxZero(n: number): number {
  return n > 0 ? n : 0;
}
