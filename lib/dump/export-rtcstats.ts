/**
 * Writes an RTCStatsDump file format 3 (`rtcstats_dump.gz`) as Chromium's webrtc-internals "rtcstats dump" button
 * writes it (shared/docs/formats.md §3.1, §3.6; checked against corpus rtcstats-v3/chromium156-loopback-2pc-60s):
 * gzip; line 1 `RTCStatsDump`, line 2 `{"fileFormat":3}` (plus rtcstats-server's url, origin, userAgent and startTime:
 * metadataLine), then one JSON array per line
 * `[method, connectionId, value, ...extra, delta]`, where `delta` is ms since the previous line (the first one
 * absolute epoch ms); lines joined with `\n`, no trailing newline; plain method names.
 *
 * Per PC (`"<rid>-<lid>"`): `create` (configuration object, extra url), `constraints` if any, every update-log entry
 * (values JSON-parsed when they start with `{`/`[`, other strings kept, so states stay JSON-quoted; empty → null;
 * M156 `addTrack` `[kind, id, ...streams]`, `ontrack` `[kind, id, label, ...streams]`; an imported file's entries
 * without a record of ours, `dump-entry` pc-events, under their own name; `file-entry`s with a null id), `getStats` per poll and
 * `remove` when the document went away. getUserMedia events go on `"<rid>-0"`. An entry whose name the reader would
 * take for something else (a method code such as `"39"`, `create`, …) is written as an app event `:<name>` with its
 * value text (rtcstatsEntryMethod), so that a round trip keeps it as that entry.
 *
 * Stats, by option:
 * - `'full'` (default, what Chromium writes): every poll as a full report `{<id>: {id, …fields, "[rates]", "[codec]"}}`.
 * - `'delta'`: rtcstats-js `statsCompression` (§3.4) so rtcstats-shared readers decompress it: per PC, unchanged
 *   properties and reports left out, removed ids sent as `null`, ids renamed to `"0"`, `"1"`, … (and every `…Id`
 *   property with them), the poll's common timestamp as top-level `t`. Two deliberate differences keep it
 *   lossless under the reference reader: nothing is dropped (rtcstats-js drops certificates, `ip`, `mediaType`,
 *   …), and a report whose timestamp differs from `t` always carries it (the reader would otherwise stamp it with
 *   `t`). Property names are not renamed through rtcstats' numeric table (the reader passes unknown names through).
 */
import type { Json, JsonObject } from '../protocol/json';
import type { StatsReportJson, StatsSample } from '../model/session';
import { deriveRates } from '../model/rates';
import type { SessionBundle } from './session-bundle';
import { pcSamples } from './bundle-stats';
import { bundleColumns, chromiumCalculatedOrder, chromiumCodecLabel, dumpIds, gzipDeterministic, hasOwn, NOT_CHROMIUM_RATES, setOwn, spacedJson, statsType } from './bundle-util';
import { chromiumConfiguration, chromiumUpdateLog } from './export-webrtc-internals';
import { rtcstatsEntryMethod } from './import-rtcstats';
import { isMediaRequest } from '../protocol/messages';

export interface RtcstatsExportOptions {
  /** `'full'` reports like Chromium (default) or rtcstats-js deltas. */
  stats?: 'full' | 'delta';
  /**
   * Client metadata for the first line (`["create", null, {...}]`): Chromium writes `hardwareConcurrency`,
   * `userAgentData`, `deviceMemory`, `cpuPerformance`, `screen`, `window`. Left out when not given.
   */
  client?: JsonObject;
}

interface Line {
  t: number;
  /** Tie-breaker: order of creation (trace order). */
  order: number;
  /** The line without its trailing delta. */
  parts: Json[];
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The gzip-compressed file. */
export function exportRtcstats(bundles: SessionBundle | readonly SessionBundle[], options: RtcstatsExportOptions = {}): Uint8Array {
  return gzipDeterministic(new TextEncoder().encode(rtcstatsText(bundles, options)));
}

/** The uncompressed text (no trailing newline, as Chromium). */
export function rtcstatsText(bundles: SessionBundle | readonly SessionBundle[], options: RtcstatsExportOptions = {}): string {
  const list: readonly SessionBundle[] = Array.isArray(bundles) ? bundles : [bundles as SessionBundle];
  const ids = dumpIds(list);
  const lines: Line[] = [];
  let order = 0;
  const add = (t: number, parts: Json[]) => lines.push({ t, order: order++, parts });

  if (options.client) add(list.length > 0 ? Math.min(...list.map((b) => b.session.startedAt)) : 0, ['create', null, options.client]);

  list.forEach((bundle, bundleIndex) => {
    // getUserMedia / getDisplayMedia on "<rid>-0", correlated by "<request_type>-<rid>-<pid>-<request_id>".
    const requests = new Map<number, { id: string; rid: number; method: string }>();
    const counters = new Map<number, number>();
    for (const event of bundle.events) {
      const record = event.record;
      if (record.type === 'file-entry') {
        // An imported entry of no PC (an app event): back under its name with a null id, its value as text.
        add(record.t, [rtcstatsEntryMethod(record.value.name, false), null, record.value.text]);
        continue;
      }
      // rtcstats has entries for requests for media only (no device lists, no applyConstraints).
      if ((record.type !== 'media-call' && record.type !== 'media-settled') || !isMediaRequest(record.method)) continue;
      const method = `navigator.mediaDevices.${record.method}`;
      if (record.type === 'media-call') {
        const rid = ids.rid(bundleIndex, event.frame);
        const requestId = counters.get(rid) ?? 0;
        counters.set(rid, requestId + 1);
        const id = `${record.method}-${rid}-0-${requestId}`;
        requests.set(record.call, { id, rid, method });
        const constraints = isObject(record.args[0]) ? record.args[0] : {};
        const value: JsonObject = {};
        for (const kind of ['audio', 'video'] as const) {
          const c = constraints[kind];
          // Chromium: `true`, or the constraint string of its internals dump.
          if (c === true) value[kind] = true;
          else if (isObject(c)) value[kind] = spacedJson(c);
        }
        const url = bundle.session.frames.find((f) => f.index === event.frame)?.url ?? bundle.session.url;
        add(record.t, [method, `${rid}-0`, value, id, url]);
        continue;
      }
      const request = requests.get(record.call);
      if (!request) continue;
      if (record.ok) {
        const v = isObject(record.value) ? record.value : {};
        const tracks = (Array.isArray(v.tracks) ? v.tracks : []).filter(isObject).map((t) => [t.kind ?? null, t.id ?? null, t.label ?? null, v.id ?? null]);
        add(record.t, [`${request.method}OnSuccess`, `${request.rid}-0`, tracks, request.id]);
      } else {
        add(record.t, [`${request.method}OnFailure`, `${request.rid}-0`, { error: record.error?.name ?? '', error_message: record.error?.message ?? '' }, request.id]);
      }
    }

    for (const pc of bundle.pcs) {
      const key = ids.pcKey(bundleIndex, pc.pcId);
      add(pc.createdAt, ['create', key, chromiumConfiguration(pc.config), pc.frameUrl]);
      if (pc.constraints !== undefined) add(pc.createdAt, ['constraints', key, pc.constraints]);
      for (const entry of chromiumUpdateLog(bundle.events.filter((e) => e.pcId === pc.pcId))) {
        // Only imported entries (dump-entry) can have names the reader would misread; those go as text.
        const method = rtcstatsEntryMethod(entry.type, true);
        add(entry.timestamp, [method, key, method === entry.type ? logValue(entry.type, entry.value) : entry.value]);
      }
      const samples = pcSamples(bundle, pc.pcId);
      const reports = options.stats === 'delta' ? compressedReports(samples) : fullReports(bundle, pc.pcId, samples);
      samples.forEach((sample, i) => add(sample.t, ['getStats', key, reports[i]]));
      if (pc.closedAt !== null && pc.closedBy !== 'close') add(pc.closedAt, ['remove', key, null]);
    }
  });

  lines.sort((a, b) => a.t - b.t || a.order - b.order);
  const out = ['RTCStatsDump', metadataLine(list)];
  let previous: number | null = null;
  for (const line of lines) {
    out.push(JSON.stringify([...line.parts, previous === null ? line.t : line.t - previous]));
    previous = line.t;
  }
  return out.join('\n');
}

/**
 * Line 2: `{"fileFormat":3}`, plus what rtcstats-server writes there and the sessions know (formats.md §3.1): the
 * page's `url` and `origin` and the browser's `userAgent` where every session of the file has the same one, and
 * `startTime`, the earliest session start (epoch ms). Chromium's own export writes `fileFormat` alone, which loses
 * the page and the browser on a round trip; readers take the server's fields (ours does) or pass over them
 * (rtcstats-shared's does). No `clientProtocol`: the lines are Chromium's, and a reader tells the two apart by it.
 */
function metadataLine(list: readonly SessionBundle[]): string {
  const meta: JsonObject = { fileFormat: 3 };
  const shared = (field: 'url' | 'origin' | 'userAgent'): string | null => {
    const values = new Set(list.map((b) => b.session[field]));
    const [only] = values;
    return values.size === 1 && only !== '' ? only : null;
  };
  for (const field of ['url', 'origin', 'userAgent'] as const) {
    const value = shared(field);
    if (value !== null) meta[field] = value;
  }
  if (list.length > 0) meta.startTime = Math.min(...list.map((b) => b.session.startedAt));
  return JSON.stringify(meta);
}

/**
 * An update-log value as Chromium's rtcstats export carries it: parsed when it is a JSON object or array, `null`
 * when empty, other strings as they are (states stay JSON-quoted). M156 turns tracks into arrays.
 */
function logValue(type: string, value: string): Json {
  if (value === '') return null;
  if (!value.startsWith('{') && !value.startsWith('[')) return value;
  let parsed: Json;
  try {
    parsed = JSON.parse(value) as Json;
  } catch {
    return value;
  }
  if (isObject(parsed) && (type === 'addTrack' || type === 'ontrack')) {
    const streams = Array.isArray(parsed.streams) ? parsed.streams : [];
    return type === 'addTrack' ? [parsed.kind ?? null, parsed.id ?? null, ...streams] : [parsed.kind ?? null, parsed.id ?? null, parsed.label ?? null, ...streams];
  }
  return parsed;
}

/** Chromium's full reports: `id` among the sorted fields, then the derived rates, then `[codec]` (M156 export). */
function fullReports(bundle: SessionBundle, pcId: string, samples: readonly StatsSample[]): JsonObject[] {
  const derived = deriveRates(bundleColumns(bundle, pcId));
  return samples.map((sample, row) => {
    const out: JsonObject = {};
    for (const id of Object.keys(sample.report)) {
      const object = sample.report[id];
      const full: JsonObject = {};
      for (const field of [...Object.keys(object), 'id'].sort()) setOwn(full, field, field === 'id' ? id : object[field]);
      const calculated: Record<string, Json> = {};
      const rates = hasOwn(derived, id) ? derived[id] : undefined;
      if (rates) {
        for (const name of Object.keys(rates)) {
          const value = rates[name][row];
          if (value !== null && !NOT_CHROMIUM_RATES.has(name)) calculated[name] = value;
        }
      }
      const type = statsType(object);
      if (type === 'inbound-rtp' || type === 'outbound-rtp') {
        const codec = chromiumCodecLabel(sample.report, object);
        if (codec !== undefined) calculated['[codec]'] = codec;
      }
      for (const name of chromiumCalculatedOrder(type, Object.keys(calculated))) full[name] = calculated[name];
      setOwn(out, id, full);
    }
    return out;
  });
}

/** rtcstats-js style deltas of one PC's polls (see the module comment for the two deliberate differences). */
export function compressedReports(samples: readonly StatsSample[]): JsonObject[] {
  const idMap = new Map<string, string>();
  let prev: StatsReportJson = {};
  return samples.map((sample) => {
    const report = sample.report;
    for (const id of Object.keys(report)) if (!idMap.has(id)) idMap.set(id, String(idMap.size));
    const mapId = (value: Json): Json => (typeof value === 'string' && idMap.has(value) ? idMap.get(value)! : value);
    const delta: JsonObject = {};
    let maxT: number | undefined;
    for (const id of Object.keys(report)) {
      const ts = report[id].timestamp;
      if (typeof ts === 'number' && (maxT === undefined || ts > maxT)) maxT = ts;
    }
    for (const id of Object.keys(report)) {
      const next = report[id];
      const before = hasOwn(prev, id) ? prev[id] : undefined;
      const out: JsonObject = {};
      for (const field of Object.keys(next)) {
        if (field === 'id') continue;
        let value = next[field];
        if (field === 'timestamp') {
          if (value !== maxT) setOwn(out, field, value);
          continue;
        }
        if (before && hasOwn(before, field)) {
          const old = before[field];
          if (value === old) continue;
          if (Array.isArray(value) && JSON.stringify(value) === JSON.stringify(old)) continue;
          if (isObject(value) && isObject(old)) {
            const inner: JsonObject = {};
            for (const k of Object.keys(value)) if (value[k] !== old[k] || !hasOwn(old, k)) setOwn(inner, k, value[k]);
            if (Object.keys(inner).length === 0) continue;
            value = inner;
          }
        }
        setOwn(out, field, field.endsWith('Id') ? mapId(value) : value);
      }
      if (before && Object.keys(out).length === 0) continue;
      setOwn(delta, idMap.get(id)!, out);
    }
    for (const id of Object.keys(prev)) if (!hasOwn(report, id)) setOwn(delta, idMap.get(id)!, null);
    if (maxT !== undefined) delta.t = maxT;
    prev = report;
    return delta;
  });
}
