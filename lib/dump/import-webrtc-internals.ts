/**
 * Reads a chrome://webrtc-internals "Create dump" file (shared/docs/formats.md §1): getUserMedia entries, and per
 * PeerConnection its update log and its stats series, which are turned into per-poll columns (the bundle's
 * `columns` form: no report object per poll).
 *
 * Every generation in formats.md §1.7 is accepted: `time` (locale text, before ~M90) or `timestamp` log entries,
 * text (M86) or JSON values, bare or JSON-quoted (M142+) states, stats with or without `statsType` and with or
 * without the `-timestamp` series (M117+), legacy goog stats (kept as given: string values, their own types),
 * array or object `UserAgentData`.
 */
import type { Json, JsonObject } from '../protocol/json';
import type { StatsColumns } from '../model/session';
import { ImportBuilder } from './import-builder';
import type { ImportContext } from './import-context';
import { TraceMapper } from './import-trace';
import { isJsonObject, ownValue, parseJson, pathKey, recordValueProblem, setOwnKey, type JsonResult } from './safe-json';
import type { SplitPc } from './internals-split';
import type { SessionBundle } from './session-bundle';
import { RTCP_TIMED_TYPES } from './bundle-util';

/** Objects of one poll share its timestamp; polls are a second apart. Points closer than this are one poll. */
const SAME_POLL_MS = 250;
/** Before M117 there is no `-timestamp` series and webrtc-internals polled every second. */
const LEGACY_POLL_MS = 1000;

/**
 * Reads the parsed dump `doc` (an object with `PeerConnections`); consumes it (its stats series are emptied as they
 * are read). With `readPc`, the PCs of `doc` are placeholders and `readPc(key)` gives each (internals-split.ts).
 */
export function importWebrtcInternals(ctx: ImportContext, doc: JsonObject, inputBytes: number, readPc?: (key: string) => SplitPc): SessionBundle {
  const builder = new ImportBuilder(ctx.fileName, 'webrtc-internals', inputBytes, { problem: (where, reason) => ctx.problem(where, reason), encodeColumns: ctx.options.encodeColumns });
  const mapper = new TraceMapper(builder, ctx, { iceAddIsOutcome: true, addTrackWithoutLabel: false });
  const pcsValue = ownValue(doc, 'PeerConnections');
  if (!isJsonObject(pcsValue)) throw ctx.error('PeerConnections', 'missing or not an object');

  const userAgent = ownValue(doc, 'UserAgent');
  builder.meta.userAgent = typeof userAgent === 'string' ? userAgent : '';
  const downloadTime = ownValue(doc, 'timestamp');
  const downloadedAt = downloadTime !== undefined && ctx.validTime('timestamp', downloadTime, 'download time') ? downloadTime : null;
  if (downloadedAt !== null) builder.meta.fallbackTimes.push(downloadedAt);

  const gum = ownValue(doc, 'getUserMedia');
  if (gum !== undefined && !Array.isArray(gum)) ctx.problem('getUserMedia', 'not an array');
  if (Array.isArray(gum)) importGetUserMedia(ctx, mapper, builder, gum);

  const keys = Object.keys(pcsValue);
  keys.forEach((key, i) => {
    ctx.progress(0.5 + (0.5 * i) / keys.length);
    const where = `PeerConnections${pathKey(key)}`;
    // A split document (internals-split.ts) has placeholders: each PC is parsed here, and dropped after.
    const split = readPc ? readPc(key) : null;
    const pc = split ? split.value : pcsValue[key];
    if (!isJsonObject(pc)) {
      ctx.problem(where, 'not an object');
      return;
    }
    importPc(ctx, mapper, builder, key, pc, where, downloadedAt, split?.readSeries);
    split?.release();
  });
  return builder.build();
}

/** `"{…}"` values are JSON; M86's `{ iceServers: [stun:…], … }` text is not and is kept as text. */
function decodeText(value: string): Json {
  const c = value.trimStart().charAt(0);
  if (c === '{' || c === '[' || c === '"') {
    const parsed = parseJson(value);
    if (parsed.ok) return parsed.value;
  }
  return value;
}

function importGetUserMedia(ctx: ImportContext, mapper: TraceMapper, builder: ImportBuilder, entries: Json[]): void {
  let lastT = NaN;
  entries.forEach((entry, i) => {
    const where = `getUserMedia[${i}]`;
    if (!isJsonObject(entry)) {
      ctx.problem(where, 'not an object');
      return;
    }
    const stamp = ownValue(entry, 'timestamp');
    if (typeof stamp === 'number' && !ctx.validTime(`${where}.timestamp`, stamp)) return;
    const t = typeof stamp === 'number' ? stamp : lastT;
    if (!Number.isFinite(t)) {
      ctx.problem(where, 'no timestamp');
      return;
    }
    lastT = t;
    const type = ownValue(entry, 'request_type') === 'getDisplayMedia' ? 'getDisplayMedia' : 'getUserMedia';
    // A request and its outcome share (rid, pid, request_id, request_type) (formats.md §1.3).
    const correlation = ['rid', 'pid', 'request_id', 'request_type'].map((k) => JSON.stringify(ownValue(entry, k) ?? null)).join('/');
    const origin = ownValue(entry, 'origin');
    const url = ownValue(entry, 'url');
    if (builder.meta.url === '' && typeof url === 'string') builder.meta.url = url;
    else if (builder.meta.url === '' && typeof origin === 'string') builder.meta.url = origin;
    if (ownValue(entry, 'stream_id') !== undefined) {
      const tracks: Json[] = [];
      for (const kind of ['audio', 'video']) {
        const info = ownValue(entry, `${kind}_track_info`);
        const parsed = typeof info === 'string' ? decodeText(info) : info;
        if (isJsonObject(parsed)) tracks.push({ id: String(parsed.id ?? ''), kind, label: String(parsed.label ?? '') });
      }
      mapper.entry(null, t, `${type}OnSuccess`, { id: String(ownValue(entry, 'stream_id')), tracks }, where, correlation);
    } else if (ownValue(entry, 'error') !== undefined || ownValue(entry, 'error_message') !== undefined) {
      mapper.entry(null, t, `${type}OnFailure`, { error: String(ownValue(entry, 'error') ?? ''), error_message: String(ownValue(entry, 'error_message') ?? '') }, where, correlation);
    } else {
      // Constraints are strings: "" means requested as `true`, an absent key not requested at all.
      const constraints: JsonObject = {};
      for (const kind of ['audio', 'video']) {
        const c = ownValue(entry, kind);
        if (c === undefined) continue;
        constraints[kind] = c === '' ? true : typeof c === 'string' ? decodeText(c) : c;
      }
      mapper.entry(null, t, type, constraints, where, correlation);
    }
  });
}

function importPc(
  ctx: ImportContext,
  mapper: TraceMapper,
  builder: ImportBuilder,
  key: string,
  pc: JsonObject,
  where: string,
  downloadedAt: number | null,
  readSeries?: (key: string) => Json,
): void {
  const log = ownValue(pc, 'updateLog');
  const stats = ownValue(pc, 'stats');
  if (log !== undefined && !Array.isArray(log)) ctx.problem(`${where}.updateLog`, 'not an array');
  if (stats !== undefined && !isJsonObject(stats)) ctx.problem(`${where}.stats`, 'not an object');

  const entries = Array.isArray(log) ? log : [];
  const times = entryTimes(ctx, entries, where);
  const columns = isJsonObject(stats) ? statsToColumns(ctx, stats, `${where}.stats`, readSeries) : null;
  let firstT = columns !== null && columns.t.length > 0 ? columns.t[0] : Infinity;
  for (const t of times) if (t !== null && t < firstT) firstT = t;
  if (!Number.isFinite(firstT)) {
    // Neither a timed log entry nor a poll: only the download time (M147+) can place the PC.
    if (downloadedAt === null) {
      ctx.problem(where, 'no time for this peer connection (no timed update-log entry, no stats)');
      return;
    }
    firstT = downloadedAt;
  }

  const configText = ownValue(pc, 'rtcConfiguration');
  const configValue = typeof configText === 'string' ? decodeText(configText) : configText;
  let config: JsonObject = isJsonObject(configValue) ? configValue : configValue === undefined ? {} : { rtcConfiguration: configValue };
  const constraintsText = ownValue(pc, 'constraints');
  let constraints = typeof constraintsText === 'string' ? (constraintsText === '' ? undefined : decodeText(constraintsText)) : constraintsText;
  const configProblem = recordValueProblem(config);
  if (configProblem !== null) {
    ctx.problem(`${where}.rtcConfiguration`, `refused: ${configProblem}`);
    config = {};
  }
  const constraintsProblem = constraints === undefined ? null : recordValueProblem(constraints);
  if (constraintsProblem !== null) {
    ctx.problem(`${where}.constraints`, `refused: ${constraintsProblem}`);
    constraints = undefined;
  }
  const draft = builder.created(key, firstT, config, constraints ?? undefined);
  const url = ownValue(pc, 'url');
  if (typeof url === 'string') {
    draft.url = url;
    if (builder.meta.url === '') builder.meta.url = url;
  }

  entries.forEach((entry, i) => {
    const at = `${where}.updateLog[${i}]`;
    if (!isJsonObject(entry) || typeof entry.type !== 'string') {
      ctx.problem(at, 'not an update-log entry ({type, value, timestamp})');
      return;
    }
    const t = times[i];
    // Refused already (entryTimes).
    if (t === null) return;
    if (!Number.isFinite(t)) {
      ctx.problem(at, 'no usable time');
      return;
    }
    const raw = ownValue(entry, 'value');
    let value: Json | undefined = typeof raw === 'string' ? (raw === '' ? undefined : decodeText(raw)) : raw;
    if (entry.type === 'close') value = undefined;
    // An entry without a record of its own (transceiverAdded, …) keeps the file's value string as it is.
    mapper.entry(key, t, entry.type, value, at, undefined, { text: typeof raw === 'string' ? raw : undefined });
  });
  if (columns !== null && columns.t.length > 0) builder.addColumns(key, columns, `${where}.stats`);
}

/**
 * Each entry's time: `timestamp` (epoch ms), else its `time` text parsed (locale text before ~M90, best effort),
 * else the previous entry's time, so that the order survives where the text does not parse. An entry whose
 * `timestamp` is not a valid time is reported and refused: null.
 */
function entryTimes(ctx: ImportContext, entries: Json[], where: string): (number | null)[] {
  const out: (number | null)[] = [];
  let last = NaN;
  entries.forEach((entry, i) => {
    let t = NaN;
    if (isJsonObject(entry)) {
      const stamp = ownValue(entry, 'timestamp');
      const text = ownValue(entry, 'time');
      if (typeof stamp === 'number') {
        if (!ctx.validTime(`${where}.updateLog[${i}].timestamp`, stamp)) {
          out.push(null);
          return;
        }
        t = stamp;
      } else if (typeof text === 'string') {
        t = Date.parse(text);
        if (!Number.isNaN(t) && !ctx.validTime(`${where}.updateLog[${i}].time`, t, `time ${JSON.stringify(text)}, read as`)) {
          out.push(null);
          return;
        }
      }
    }
    if (!Number.isFinite(t)) t = last;
    else last = t;
    out.push(t);
  });
  // Entries before the first parseable time take that time (refused ones stay refused).
  const first = out.findIndex((t) => t !== null && Number.isFinite(t));
  for (let i = 0; i < first; i++) if (out[i] !== null) out[i] = out[first];
  return out;
}

interface Series {
  startTime: number;
  endTime: number;
  values: Json[];
  where: string;
  /** The values text has no nested array or object (so no value needs the record check). */
  flat: boolean;
}

interface StatsObjectSeries {
  id: string;
  type: string | null;
  props: Map<string, Series>;
}

/**
 * The stats series of one PC as columns, one row per poll (formats.md §1.6). Series are grouped by object (the key
 * is `<id>-<property>`; property names have no `-`, so the last one splits); each object's points get times from
 * its `-timestamp` series (M117+) or, before that, 1 s steps from its `startTime`. Polls are the times of the
 * objects that are stamped at poll time (remote RTP objects carry RTCP times and are placed in the first poll at
 * or after their time). A property series shorter than its object's points is aligned by its start and end time
 * when they fit, else right-aligned to its end (holes cannot be placed exactly: the format drops them).
 * Chrome's calculated `[…]` series are skipped: our views derive their own.
 *
 * The series already are columns: a series that covers every poll becomes its column as parsed (no copy, no
 * report object per poll, which is what made a 100 MB import slow and large). Every object's columns are, in
 * order, `type`, `timestamp` and its property series in file order; an object absent at a poll is null there in
 * all of them. Polls where no object is present are left out. Each series is removed from `stats` once read
 * (`stats[key] = null`), so its text can be freed while the others are read: the document is consumed.
 */
function statsToColumns(ctx: ImportContext, stats: JsonObject, where: string, readSeries?: (key: string) => Json): StatsColumns {
  const objects = new Map<string, StatsObjectSeries>();
  for (const key of Object.keys(stats)) {
    // A split document's series are parsed one by one, every one (parsing is also what checks the file).
    const series = readSeries ? readSeries(key) : stats[key];
    if (key.endsWith(']')) {
      stats[key] = null;
      continue;
    }
    const at = `${where}${pathKey(key)}`;
    const dash = key.lastIndexOf('-');
    if (dash <= 0 || dash === key.length - 1) {
      ctx.problem(at, 'key is not "<statsId>-<property>"');
      continue;
    }
    const id = key.slice(0, dash);
    const prop = key.slice(dash + 1);
    if (!isJsonObject(series)) {
      ctx.problem(at, 'not a series object');
      continue;
    }
    const rawValues = ownValue(series, 'values');
    // Nearly every series is a flat list of numbers or strings: then the depth walk over the parsed values (and
    // the record check of each value, below) can be skipped; the two searches cost far less than the walk.
    const flat = typeof rawValues === 'string' && rawValues.indexOf('{') === -1 && rawValues.indexOf('[', 1) === -1;
    const parsed = flat ? parseFlat(rawValues) : typeof rawValues === 'string' ? parseJson(rawValues, 16) : { ok: true as const, value: rawValues ?? null };
    if (!parsed.ok || !Array.isArray(parsed.value)) {
      ctx.problem(`${at}.values`, parsed.ok ? 'not an array' : parsed.reason);
      continue;
    }
    if (id === '__proto__' || prop === '__proto__') {
      ctx.problem(at, 'forbidden key "__proto__"');
      continue;
    }
    // The object path's record check (below) sees only nested values: a number too large for a double (`1e400`)
    // parses as ±Infinity in any series. The `-timestamp` series is checked as times instead.
    if (prop !== 'timestamp') refuseNonFinite(ctx, parsed.value, at);
    shareRepeatedStrings(parsed.value);
    let object = objects.get(id);
    if (!object) objects.set(id, (object = { id, type: null, props: new Map() }));
    const statsType = ownValue(series, 'statsType');
    if (typeof statsType === 'string' && object.type === null) object.type = statsType;
    object.props.set(prop, {
      startTime: isoMs(ownValue(series, 'startTime')),
      endTime: isoMs(ownValue(series, 'endTime')),
      values: parsed.value,
      where: at,
      flat,
    });
    stats[key] = null;
  }

  // Point times per object: its `-timestamp` series (M117+; NaN marks a point left out), else 1 s steps.
  const pointTimes = new Map<string, number[]>();
  /** Objects whose points carry their own times (a `-timestamp` series): their series must end at one of them. */
  const timed = new Set<string>();
  for (const object of objects.values()) {
    if (object.type === null) {
      // M86-era dumps have no statsType: the `type` series holds it.
      const typeSeries = object.props.get('type');
      const first = typeSeries?.values.find((v) => typeof v === 'string');
      object.type = typeof first === 'string' ? first : '';
    }
    const stamps = object.props.get('timestamp');
    if (stamps) {
      pointTimes.set(object.id, seriesTimes(ctx, stamps, !RTCP_TIMED_TYPES.has(object.type)));
      timed.add(object.id);
      continue;
    }
    let longest: Series | null = null;
    for (const s of object.props.values()) if (!longest || s.values.length > longest.values.length) longest = s;
    if (!longest || !Number.isFinite(longest.startTime)) {
      ctx.problem(`${where}${pathKey(object.id)}`, 'no timestamp series and no startTime');
      continue;
    }
    const n = longest.values.length;
    const step = n > 1 && Number.isFinite(longest.endTime) ? (longest.endTime - longest.startTime) / (n - 1) : LEGACY_POLL_MS;
    const at = `${where}${pathKey(object.id)}`;
    if (!ctx.validTime(at, longest.startTime, 'startTime') || !ctx.validTime(at, longest.startTime + (n - 1) * step, 'time of its last point (1 s per point from startTime)')) continue;
    pointTimes.set(object.id, Array.from({ length: n }, (_, i) => longest!.startTime + i * step));
  }

  // The poll grid: clusters of the poll-stamped objects' times.
  const stamped: number[] = [];
  for (const object of objects.values()) {
    if (RTCP_TIMED_TYPES.has(object.type ?? '')) continue;
    for (const t of pointTimes.get(object.id) ?? []) if (!Number.isNaN(t)) stamped.push(t);
  }
  if (stamped.length === 0) for (const times of pointTimes.values()) for (const t of times) if (!Number.isNaN(t)) stamped.push(t);
  stamped.sort((a, b) => a - b);
  const polls: number[] = [];
  for (const t of stamped) if (polls.length === 0 || t - polls[polls.length - 1] > SAME_POLL_MS) polls.push(t);
  stamped.length = 0;

  // Point i → poll: the first poll not before the point's time (less the tolerance) after the previous point's.
  const pollsOf = new Map<string, Int32Array>();
  const used = new Uint8Array(polls.length);
  for (const object of objects.values()) {
    const times = pointTimes.get(object.id);
    if (!times) continue;
    const pollOf = new Int32Array(times.length);
    let p = 0;
    for (let i = 0; i < times.length; i++) {
      const t = times[i];
      if (Number.isNaN(t)) {
        // A point left out (seriesTimes): its values are dropped, the next point is placed from the previous one.
        pollOf[i] = -1;
        continue;
      }
      while (p < polls.length && polls[p] < t - SAME_POLL_MS) p++;
      if (p < polls.length) {
        pollOf[i] = p;
        used[p] = 1;
      } else pollOf[i] = -1;
      p++;
    }
    pollsOf.set(object.id, pollOf);
  }
  // Rows: the polls where some object is present.
  const rowOfPoll = new Int32Array(polls.length);
  const t: number[] = [];
  for (let p = 0; p < polls.length; p++) {
    rowOfPoll[p] = used[p] ? t.length : -1;
    if (used[p]) t.push(polls[p]);
  }
  const rowCount = t.length;
  const columns: StatsColumns = {
    t,
    objects: {},
    cost: { getStatsMs: new Array<null>(rowCount).fill(null), hookMs: new Array<null>(rowCount).fill(null) },
  };

  for (const object of objects.values()) {
    const times = pointTimes.get(object.id);
    const pollOf = pollsOf.get(object.id);
    if (!times || !pollOf) continue;
    // Point → row (-1: after the last poll); `every` when point i is row i for every row.
    const rowOf = pollOf;
    let every = times.length === rowCount;
    for (let i = 0; i < rowOf.length; i++) {
      const row = rowOf[i] === -1 ? -1 : rowOfPoll[rowOf[i]];
      rowOf[i] = row;
      if (row !== i) every = false;
    }
    const type = object.type ?? '';
    const fields: Record<string, (Json | null)[]> = {};
    const spread = (value: (i: number) => Json): (Json | null)[] => {
      const column = new Array<Json | null>(rowCount).fill(null);
      for (let i = 0; i < rowOf.length; i++) if (rowOf[i] !== -1) column[rowOf[i]] = value(i);
      return column;
    };
    fields.type = every ? new Array<Json>(rowCount).fill(type) : spread(() => type);
    fields.timestamp = every ? times : spread((i) => times[i]);
    for (const [prop, series] of object.props) {
      if (prop === 'timestamp' || prop === 'type' || prop === 'id') continue;
      const offset = alignSeries(ctx, times, series, timed.has(object.id));
      if (offset === -1) {
        series.values = [];
        continue;
      }
      const values = series.values;
      const m = values.length;
      let column: (Json | null)[];
      if (every && offset === 0 && m === rowCount) {
        // The series is the column: refuse what may not go into a record, in place.
        column = values;
        for (let j = 0; j < m && !series.flat; j++) {
          const value = values[j];
          if (value !== null && typeof value === 'object' && refused(ctx, series, j, value)) values[j] = null;
        }
      } else {
        column = new Array<Json | null>(rowCount).fill(null);
        const end = Math.min(m, times.length - offset);
        for (let j = 0; j < end; j++) {
          const value = values[j];
          const row = rowOf[offset + j];
          if (value === null || row === -1) continue;
          if (typeof value === 'object' && refused(ctx, series, j, value)) continue;
          column[row] = value;
        }
      }
      setOwnKey(fields, prop, column);
      series.values = [];
    }
    if (RTCP_TIMED_TYPES.has(type) && !timed.has(object.id)) fields.timestamp = reportTimes(fields, rowCount);
    setOwnKey(columns.objects, object.id, { type, fields });
  }
  return columns;
}

/**
 * The `timestamp` column of a remote RTP object of a pre-M117 dump, whose points got the poll grid's times (no
 * `-timestamp` series): the time of the RTCP report it describes stays that of the poll that first showed it, and
 * moves on only at a poll where something the report says changed. A remote object's timestamp is the time of its
 * last report (formats.md §1.6), and "timestamp advanced" is how the charts and health metrics tell a new report
 * (the sender-side loss spans the interval between two): with a new time every poll, audio reports (every ~5 s in
 * Chromium) gave 0 % four polls out of five and five polls' loss on the fifth. A report that changes nothing is
 * merged into the next one, which then spans both intervals (its loss stays right).
 */
function reportTimes(fields: Record<string, (Json | null)[]>, rowCount: number): (Json | null)[] {
  const stamps = fields.timestamp;
  const out = new Array<Json | null>(rowCount).fill(null);
  const content = Object.keys(fields).filter((prop) => prop !== 'timestamp' && prop !== 'type');
  let prev = -1;
  for (let row = 0; row < rowCount; row++) {
    if (stamps[row] === null || stamps[row] === undefined) continue;
    const same = prev >= 0 && content.every((prop) => sameValue(fields[prop][prev], fields[prop][row]));
    out[row] = same ? out[prev] : stamps[row];
    prev = row;
  }
  return out;
}

/** Equal stats values (numbers, strings, or the same JSON). */
function sameValue(a: Json | null | undefined, b: Json | null | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The point times of an object from its `-timestamp` series (formats.md §1.6), in place. A value that is not a valid
 * time, or (`pollStamped`) one earlier than the point before, is reported and its point left out (NaN): that poll's
 * values of the object are dropped and every other value keeps its place (mapping such a point to the next poll
 * shifted every later value). A repeated time is no problem: an object whose stamp did not change between polls
 * (rtcstats legacy objects carried unchanged, fixed objects of other browsers) has one point per poll, in order.
 * Remote RTP objects carry the time of the RTCP report they describe, from the remote clock: placed in order anyway.
 */
function seriesTimes(ctx: ImportContext, stamps: Series, pollStamped: boolean): number[] {
  // The series becomes the object's timestamp column as it is (no copy): its values are rewritten as times.
  const times = stamps.values as unknown as number[];
  let last = -Infinity;
  for (let j = 0; j < times.length; j++) {
    const t: unknown = times[j];
    const at = `${stamps.where}.values[${j}]`;
    if (!ctx.validTime(at, t)) {
      times[j] = NaN;
    } else if (pollStamped && t < last) {
      ctx.problem(at, 'time goes backwards');
      times[j] = NaN;
    } else {
      last = t;
    }
  }
  return times;
}

/**
 * Reports and nulls every number of `values` that is not finite (`1e400` parses as Infinity), as the record check
 * reports them inside nested values. One type test per value: the series that need none are not told apart first.
 */
function refuseNonFinite(ctx: ImportContext, values: Json[], at: string): void {
  for (let j = 0; j < values.length; j++) {
    const value = values[j];
    if (typeof value === 'number' && !Number.isFinite(value)) {
      ctx.problem(`${at}.values[${j}]`, `refused: ${recordValueProblem(value)}`);
      values[j] = null;
    }
  }
}

/** `JSON.parse` of a values text without nesting (no depth walk needed); parseJson says why when it fails. */
function parseFlat(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch {
    return parseJson(text, 16);
  }
}

/**
 * Makes each run of equal strings in `values` one string: `JSON.parse` makes a copy per element, and ids, states and
 * codec names repeat at every poll (a 100 MB dump's string columns held 2 million copies of 219 strings, most of the
 * memory of its columns).
 */
function shareRepeatedStrings(values: Json[]): void {
  if (typeof values[0] !== 'string') return;
  let prev = values[0];
  for (let i = 1; i < values.length; i++) {
    const v = values[i];
    if (v === prev) values[i] = prev;
    else if (typeof v === 'string') prev = v;
  }
}

/** Whether a nested value may not go into a record (then a problem is reported). */
function refused(ctx: ImportContext, series: Series, j: number, value: Json): boolean {
  const problem = recordValueProblem(value);
  if (problem === null) return false;
  ctx.problem(`${series.where}.values[${j}]`, `refused: ${problem}`);
  return true;
}

/**
 * Index of the object's point where `series` starts (formats.md §1.6 alignment), or -1 when the series is left out
 * (reported: more values than its object has points). `timed`: the points carry the object's own times (its
 * `-timestamp` series), so the series' endTime must be one of them; one that is not is reported, and its values are
 * right-aligned to the last point as §1.6 says (the bundle has no place to flag them as approximate). Series with
 * holes whose end matches (Chromium drops the holes: 7 of 496 series in the M156 corpus dump) are right-aligned to
 * it without a report: every real dump has them, and no reader can place them better.
 */
function alignSeries(ctx: ImportContext, times: number[], series: Series, timed: boolean): number {
  const m = series.values.length;
  if (m > times.length) {
    ctx.problem(`${series.where}.values`, `${m} values, but its object has only ${times.length} points (its -timestamp series): the series is left out`);
    return -1;
  }
  if (m === times.length) return 0;
  const near = (a: number, b: number) => Math.abs(Math.floor(a) - b) <= 1;
  // Exact when a point matches endTime and the one m-1 before matches startTime (remote objects repeat times).
  let lastEnd = -1;
  for (let end = times.length - 1; end >= m - 1; end--) {
    if (!near(times[end], series.endTime)) continue;
    if (lastEnd === -1) lastEnd = end;
    if (near(times[end - m + 1], series.startTime)) return end - m + 1;
  }
  if (lastEnd === -1 && timed) {
    const endTime = Number.isFinite(series.endTime) ? new Date(series.endTime).toISOString() : 'missing or not a time';
    ctx.problem(`${series.where}.endTime`, `${endTime}: no point of its object (its -timestamp series) has this time; the values are right-aligned to the last point, which may misplace them`);
  }
  // Holes: right-align to the end (or to the last point when the end time is not among the points).
  const end = lastEnd !== -1 ? lastEnd : times.length - 1;
  return Math.max(0, end - m + 1);
}

/** ISO time → epoch ms (NaN when absent or unparseable). */
function isoMs(value: Json | undefined): number {
  return typeof value === 'string' ? Date.parse(value) : NaN;
}
