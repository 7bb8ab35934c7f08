/**
 * Chrome's legacy ("goog") getStats, read as standard stats: a view of a PC's stats columns in which each legacy
 * object that has a standard counterpart appears as that counterpart, with numbers parsed from the strings the
 * legacy API gave (rtcstats dumps of 2020 and earlier; shared/docs/formats.md §2.3). The charts
 * (chart-series.ts) and health (assess.ts, metrics.ts, pc-assessor.ts) read a PC's columns through this view, so a
 * legacy PC is charted and rated by the same formulas, gap rules and thresholds as a standard one. The stored columns
 * are never touched: the view is built beside them, in memory, and holds the columns of every other object by
 * reference.
 *
 * What maps to what, and why (field names and sources: WebRTC's legacy `StatsCollector` (pc/stats_collector.cc,
 * `ExtractStats`) against its standard `RTCStatsCollector` (pc/rtc_stats_collector.cc) of the same years, which
 * fill both from the same `cricket::*Info` structs; checked on the corpus files `24a93962-…`,
 * `google-legacy-stats-multiple-pc` and `google-legacy-screenshare-p2p`):
 * - `ssrc_<n>_send` (type `ssrc`) → `outbound-rtp` (same id): `bytesSent`, `packetsSent`, `framesEncoded`, `qpSum`
 *   as they are (the same counters); `kind` = `mediaType`; `framesPerSecond` = `googFrameRateSent`,
 *   `frameWidth`/`frameHeight` = `googFrameWidthSent`/`googFrameHeightSent` (both `framerate_sent` and
 *   `send_frame_width/height`, which the standard collector reports only when > 0: 0 is no value here too);
 *   `pliCount`/`nackCount`/`firCount` = `googPlisReceived`/`googNacksReceived`/`googFirsReceived` (requests the
 *   sender received, as the standard outbound counters); `qualityLimitationReason` from
 *   `googBandwidthLimitedResolution` / `googCpuLimitedResolution` (the encoder's adaptations for either reason;
 *   bandwidth first when both are set, as video/send_statistics_proxy.cc ranks them for the standard reason, which
 *   also counts frame-rate adaptations where these two flags cover resolution only).
 * - What the peer's receiver reports say about that stream, which the legacy API puts on the send object (`packetsLost`
 *   cumulative, `googRtt` in ms, `googJitterReceived` in ms for audio), → a `remote-inbound-rtp` (`<id>/remote`,
 *   `localId` = the send id) with `packetsLost`, `roundTripTime` and `jitter` in seconds. The legacy API has no report
 *   time, so a new report is recognised by a change of any of those values (the RTT changes with nearly every report:
 *   on 83 % of the polls of `24a93962-…`), and the object's `timestamp` is the send object's at the last such change:
 *   sender-side loss is then Δlost / Δ(our packetsSent) between reports, as for Chromium's standard stats. A `googRtt`
 *   of 0 is no value: video senders report 0 until an RTT is known (`google-legacy-stats-multiple-pc` PC 0-1: 0 all
 *   call long on video while its audio said 50–56 ms); audio senders leave it out until then (rtt_ms < 0).
 * - The capture side on the send object (audio `audioInputLevel`, `totalAudioEnergy`, `totalSamplesDuration` are the
 *   input's; video `googFrameRateInput`, `googFrameWidthInput`/`HeightInput`) → a `media-source` (`<id>/source`):
 *   `audioLevel` = `audioInputLevel` / 32767 (the standard collector scales the same int level so), the energy and
 *   duration as they are; `framesPerSecond`, `width`, `height` from the input values (> 0).
 * - `ssrc_<n>_recv` → `inbound-rtp` (same id): `bytesReceived`, `packetsReceived`, `packetsLost`, `framesDecoded`,
 *   `qpSum`, `totalAudioEnergy`, `totalSamplesDuration` as they are; `jitter` = `googJitterReceived` / 1000 (the
 *   same `jitter_ms`); `framesPerSecond` = `googFrameRateDecoded` (> 0; older standard collectors took
 *   `framerate_rcvd` (googFrameRateReceived), later ones `framerate_decoded`, the frames decoded in the last second
 *   the spec means); `frameWidth`/`frameHeight` = `googFrameWidthReceived`/`HeightReceived` (> 0); `audioLevel` =
 *   `audioOutputLevel` / 32767 (0…32767, scaled as the standard `audioLevel`); `pliCount`/`nackCount`/`firCount` =
 *   `googPlisSent`/`googNacksSent`/`googFirsSent`.
 * - `googCandidatePair` → `candidate-pair` (same id): `bytesSent`, `bytesReceived`, `responsesReceived`, … as they
 *   are; `selected` = `googActiveConnection` ("true": the transport's best connection, the pair its component's
 *   `selectedCandidatePairId` names: they agree in every poll of the corpus); `currentRoundTripTime` = `googRtt` /
 *   1000 once a STUN response came (`responsesReceived` > 0; before that `googRtt` is ICE's 3000 ms default, not a
 *   measurement: every pair of `24a93962-…` says 3000 while it has no response). `googRtt` is the connection's smoothed RTT, the standard field its latest sample: close, not equal.
 * - `VideoBwe` (`bweforvideo`) → `availableOutgoingBitrate` / `availableIncomingBitrate` (bit/s) of the selected
 *   pair(s) of the same sample: `googAvailableSendBandwidth` / `googAvailableReceiveBandwidth` are the call's
 *   bandwidth estimates, which the standard collector puts on the selected pair, and only when non-zero (every
 *   legacy corpus PC reports a receive estimate of 0 throughout: no estimator on that side).
 * - `localcandidate` / `remotecandidate` → `local-candidate` / `remote-candidate`: `candidateType` host,
 *   serverreflexive, peerreflexive, relayed → host, srflx, prflx, relay; `address` = `ipAddress`, `port` =
 *   `portNumber`, `protocol` = `transport`.
 * An RTP stream joins the view with its first packet, and a poll that did not update its report is no sample of it
 * (see {@link rtpPresence}). Every other field of a mapped object is kept, a numeric string as its number (`…Id`
 * fields stay strings), so a legacy field charted from the stats table is charted by its value. Numbers are parsed
 * strictly ({@link parseLegacyNumber}): an empty or non-numeric string is no value, never 0. Legacy objects without
 * a standard counterpart (`googComponent`, `googTrack`, `googLibjingleSession`, `googCertificate`, `VideoBwe`
 * itself) keep their type, with their numbers parsed likewise.
 *
 * {@link LegacyStatsView} is incremental, like the charts: rows appended to the same columns are converted in
 * O(new rows); a mapped field's column appears with its first value (as a standard field appears with the sample
 * that first reports it), padded with nulls before. Pure: no UI or browser API.
 */
import type { Json } from '../protocol/json';
import { ownEntry, type StatsColumns, type StatsObjectColumns } from './session';

type Fields = StatsColumns['objects'][string]['fields'];
type Column = (Json | null)[];

/** Types of Chrome's legacy (callback) getStats (the standard API's candidates are `local-candidate`, …). */
export const LEGACY_STATS_TYPES: ReadonlySet<string> = new Set([
  'ssrc', 'googCandidatePair', 'VideoBwe', 'googComponent', 'googLibjingleSession', 'googTrack', 'googCertificate',
  'localcandidate', 'remotecandidate',
]);

const hasOwn = Object.prototype.hasOwnProperty;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A legacy stats value as a number: a number as it is (timestamps), a string that is exactly a decimal number
 * ("12345", "-1", "4.27503e-09") as its value; anything else (an empty or non-numeric string, a boolean) is null.
 */
export function parseLegacyNumber(v: Json | null | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  // Most legacy values are short integers: read those digit by digit, without the regular expression and Number()
  // (the view parses every field of every stream in every poll).
  const length = v.length;
  if (length > 0 && length < 16) {
    let i = v.charCodeAt(0) === 45 /* - */ ? 1 : 0;
    let n = 0;
    for (; i < length; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === length && (length > 1 || v !== '-')) return v.charCodeAt(0) === 45 ? -n : n;
  }
  if (!NUMBER.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Whether `columns` hold any object of a legacy type. */
export function hasLegacyStats(columns: StatsColumns | undefined): boolean {
  if (!columns) return false;
  for (const id in columns.objects) if (LEGACY_STATS_TYPES.has(columns.objects[id].type)) return true;
  return false;
}

/** Assignment that keeps a "__proto__" key (ids come from the file) an own property. */
function defineOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The raw value of a field at a row (a field's column exists once it first had a value). */
type Reader = (row: number) => Json | null;

/** How one field of a derived object is computed from the raw columns at a row (null: no value there). */
type Rule = (row: number) => Json | null;

/** One derived object of the view: its columns and the rules that fill them. */
class Derived {
  readonly fields: Fields = {};
  private rules: [string, Rule][] = [];

  constructor(
    readonly id: string,
    readonly type: string,
    /** The raw object whose rows it lives in (its own, or the send object for a synthetic remote or source). */
    private readonly raw: Fields,
    /** Keeps the raw object's other fields, parsed. */
    private readonly passthrough: boolean,
  ) {}

  rule(name: string, rule: Rule): this {
    this.rules.push([name, rule]);
    return this;
  }

  /** Rows `from`… to `to` (exclusive); `present(row)` says in which rows the object exists. */
  extend(from: number, to: number, present: (row: number) => boolean): void {
    const rows: number[] = [];
    for (let row = from; row < to; row++) if (present(row)) rows.push(row);
    const type = this.type;
    this.fill('type', rows, () => type);
    const mapped = new Set(this.rules.map(([name]) => name));
    if (this.passthrough) {
      for (const name in this.raw) {
        if (name === 'type' || mapped.has(name)) continue;
        const column = this.raw[name];
        // Numeric strings as numbers; ids and other strings as they are ("VP8", "true"): a string never reads as a
        // number where the charts want one.
        const parse = !name.endsWith('Id');
        this.fill(name, rows, (row) => {
          const v = column[row];
          if (v === null || v === undefined) return null;
          return parse && typeof v === 'string' ? parseLegacyNumber(v) ?? v : v;
        });
      }
    }
    for (const [name, rule] of this.rules) this.fill(name, rows, rule);
    // Every column as long as the rows (absent rows and not-yet-seen fields are null).
    const fields = this.fields;
    for (const name in fields) {
      const column = fields[name];
      while (column.length < to) column.push(null);
    }
  }

  /**
   * Writes `value(row)` for each of `rows` (ascending, past the column's end). A column is created with its first
   * value, padded with nulls before it: until then the field is missing, as in a standard report.
   */
  private fill(name: string, rows: readonly number[], value: Rule): void {
    let column = hasOwn.call(this.fields, name) ? this.fields[name] : undefined;
    for (const row of rows) {
      const v = value(row);
      if (v === null && column === undefined) continue;
      if (column === undefined) {
        column = [];
        defineOwn(this.fields, name, column);
      }
      while (column.length < row) column.push(null);
      column.push(v);
    }
  }
}

/**
 * In which rows a legacy stream is in the view: where its report is, from the stream's first packet on, and only
 * in polls that updated it. Rows are asked in any order (each derived object asks its own); the answers are worked
 * out once, forward, as far as asked.
 * - Before its first packet the stream is left out: the legacy API reports every SSRC the SDP signalled, with zero
 *   counters until media flows (a plan-b SFU call signals many that never do: 22 of the 36 receive SSRCs of
 *   `24a93962-…`), where the standard stats have an RTP stream object only from its first packet on.
 * - A report whose `timestamp` did not advance since the stream's previous report was not updated by that poll: the
 *   legacy collector stamps every report it updates with the poll's time and keeps returning those it no longer
 *   updates, a stream gone from the call (`google-legacy-stats-multiple-pc`, whose writer removes whatever Chrome no
 *   longer returned, still has 546 such rows), and fippo-style files keep a stream that only changed its timestamp
 *   as it was. Such a row is no sample: no rate ends there, and a level (jitter, resolution) of a stream gone minutes
 *   ago is not drawn on as if still measured.
 */
function rtpPresence(fields: Fields, direction: 'Sent' | 'Received'): (row: number) => boolean {
  const type = reader(fields, 'type');
  const time = reader(fields, 'timestamp');
  const packets = reader(fields, `packets${direction}`);
  const bytes = reader(fields, `bytes${direction}`);
  const present: boolean[] = [];
  let started = false;
  let lastTime: number | null = null;
  return (row) => {
    for (let r = present.length; r <= row; r++) {
      if (type(r) === null) {
        present.push(false);
        continue;
      }
      started ||= (parseLegacyNumber(packets(r)) ?? 0) > 0 || (parseLegacyNumber(bytes(r)) ?? 0) > 0;
      const t = parseLegacyNumber(time(r));
      const updated = lastTime === null || t === null || t > lastTime;
      if (t !== null) lastTime = lastTime === null ? t : Math.max(lastTime, t);
      present.push(started && updated);
    }
    return present[row];
  };
}

/** Legacy `candidateType` values (pc/stats_collector.cc `STATSREPORT_*_PORT_TYPE`) → the standard ones. */
const CANDIDATE_TYPES: Readonly<Record<string, string>> = { host: 'host', serverreflexive: 'srflx', peerreflexive: 'prflx', relayed: 'relay' };

/** Reads a raw field (its column may appear later: looked up until it exists). */
function reader(fields: Fields, name: string): Reader {
  let column: Column | undefined;
  return (row) => {
    column ??= hasOwn.call(fields, name) ? fields[name] : undefined;
    const v = column?.[row];
    return v === undefined ? null : v;
  };
}

/** A value the standard collector reports only when > 0 (0 meant "none yet" there). */
const positive = (read: Reader): Rule => (row) => {
  const v = parseLegacyNumber(read(row));
  return v !== null && v > 0 ? v : null;
};
/** `scale` · value, for values ≥ 0 (the legacy API's -1 and below mean unknown). */
const scaled = (read: Reader, scale: number): Rule => (row) => {
  const v = parseLegacyNumber(read(row));
  return v !== null && v >= 0 ? v * scale : null;
};
const asString = (read: Reader): Rule => (row) => {
  const v = read(row);
  return typeof v === 'string' ? v : null;
};
const asNumber = (read: Reader): Rule => (row) => parseLegacyNumber(read(row));
/** "true"/"false" (legacy booleans are strings) as a boolean. */
const asBoolean = (read: Reader): Rule => (row) => {
  const v = read(row);
  return v === 'true' || v === true ? true : v === 'false' || v === false ? false : null;
};

/** A derived object in the view: `shown` once it has a row (until then the view has no such object). */
interface DerivedEntry {
  object: Derived;
  entry: StatsObjectColumns;
  present: (row: number) => boolean;
  shown: boolean;
}

/** Every view made, so that reading a view through another gives it back as it is. */
const VIEWS = new WeakSet<StatsColumns>();

/**
 * The standard-shaped view of a PC's columns (see the module comment), kept up to date as rows are appended:
 * `update(columns)` after each append gives the columns to read. Columns without legacy objects are given back as
 * they are (no copy, no cost beyond a look at the object types).
 */
export class LegacyStatsView {
  private raw: StatsColumns | undefined;
  private firstT: number | undefined;
  private view: StatsColumns | undefined;
  private rows = 0;
  /** The raw objects seen, in the raw columns' order, each as it is or as its derived objects. */
  private entries: { id: string; object: StatsObjectColumns; derived: DerivedEntry[] | null }[] = [];
  private known = new Set<string>();
  private derived: DerivedEntry[] = [];
  private bwe: { present: Reader; send: Rule; receive: Rule }[] = [];
  /** The bandwidth estimates of row {@link bweRow} (every selected pair of a row reads them). */
  private bweRow = -1;
  private bweSend: number | null = null;
  private bweReceive: number | null = null;

  /**
   * The columns to read `raw` through: `raw` itself without legacy objects (or when it is a view already), else the
   * view, extended to its rows.
   */
  update(raw: StatsColumns): StatsColumns {
    if (VIEWS.has(raw)) return raw;
    const rows = raw.t.length;
    if (raw !== this.raw || rows < this.rows || raw.t[0] !== this.firstT) this.reset(raw);
    if (!this.view) {
      if (!hasLegacyStats(raw)) return raw;
      this.view = { t: raw.t, objects: {}, cost: raw.cost };
      VIEWS.add(this.view);
    }
    let changed = this.discover();
    for (const d of this.derived) {
      d.object.extend(this.rows, rows, d.present);
      // A stream that never sent or received a packet has no rows: it joins the view with its first one.
      if (!d.shown && hasOwn.call(d.object.fields, 'type')) d.shown = changed = true;
    }
    if (changed) this.view.objects = this.objects();
    this.rows = rows;
    return this.view;
  }

  private reset(raw: StatsColumns): void {
    this.raw = raw;
    this.firstT = raw.t[0];
    this.view = undefined;
    this.rows = 0;
    this.entries = [];
    this.known = new Set();
    this.derived = [];
    this.bwe = [];
    this.bweRow = -1;
  }

  /**
   * The view's objects: the raw ones in their order, each mapped one replaced by its derived objects that have rows.
   * Made anew whenever that set changes, so a view grown poll by poll lists its objects (and so the charts their
   * series, health its streams) in the order a view of all the polls at once has. An id taken twice (a file's object
   * named as one of ours) goes to the first.
   */
  private objects(): StatsColumns['objects'] {
    const out: StatsColumns['objects'] = {};
    for (const entry of this.entries) {
      if (entry.derived === null) {
        if (!hasOwn.call(out, entry.id)) defineOwn(out, entry.id, entry.object);
        continue;
      }
      for (const d of entry.derived) if (d.shown && !hasOwn.call(out, d.object.id)) defineOwn(out, d.object.id, d.entry);
    }
    return out;
  }

  /** Takes in the raw objects that appeared since the last update; true when there were any. */
  private discover(): boolean {
    const raw = this.raw!;
    let changed = false;
    for (const id in raw.objects) {
      if (this.known.has(id)) continue;
      this.known.add(id);
      changed = true;
      const object = raw.objects[id];
      const made = this.derive(id, object.type, object.fields);
      if (object.type === 'VideoBwe') {
        const f = object.fields;
        this.bwe.push({ present: reader(f, 'type'), send: positive(reader(f, 'googAvailableSendBandwidth')), receive: positive(reader(f, 'googAvailableReceiveBandwidth')) });
      }
      if (made.length === 0) {
        this.entries.push({ id, object, derived: null });
        continue;
      }
      // Present where the raw object is (a synthetic remote or source: where its send object is); an RTP stream
      // only from its first packet on and in the polls that updated it (see rtpPresence).
      const type = hasOwn.call(object.fields, 'type') ? object.fields.type : undefined;
      const present = object.type === 'ssrc'
        ? rtpPresence(object.fields, /_send$/.test(id) ? 'Sent' : 'Received')
        : (row: number): boolean => type !== undefined && type[row] != null;
      const derived = made.map((d): DerivedEntry => ({ object: d, entry: { type: d.type, fields: d.fields }, present, shown: false }));
      this.entries.push({ id, object, derived });
      this.derived.push(...derived);
    }
    return changed;
  }

  private derive(id: string, type: string, f: Fields): Derived[] {
    const r = (name: string): Reader => reader(f, name);
    if (type === 'ssrc' && /_send$/.test(id)) return this.deriveSend(id, f, r);
    if (type === 'ssrc' && /_recv$/.test(id)) {
      return [
        new Derived(id, 'inbound-rtp', f, true)
          .rule('kind', asString(r('mediaType')))
          .rule('jitter', scaled(r('googJitterReceived'), 1 / 1000))
          .rule('framesPerSecond', positive(r('googFrameRateDecoded')))
          .rule('frameWidth', positive(r('googFrameWidthReceived')))
          .rule('frameHeight', positive(r('googFrameHeightReceived')))
          .rule('audioLevel', scaled(r('audioOutputLevel'), 1 / 32767))
          .rule('pliCount', asNumber(r('googPlisSent')))
          .rule('nackCount', asNumber(r('googNacksSent')))
          .rule('firCount', asNumber(r('googFirsSent'))),
      ];
    }
    if (type === 'localcandidate' || type === 'remotecandidate') {
      // The legacy collector names candidate types as an early draft of the spec did.
      const candidateType = r('candidateType');
      return [
        new Derived(id, type === 'localcandidate' ? 'local-candidate' : 'remote-candidate', f, true)
          .rule('candidateType', (row) => {
            const v = candidateType(row);
            return typeof v === 'string' ? (ownEntry(CANDIDATE_TYPES, v) ?? v) : null;
          })
          .rule('address', asString(r('ipAddress')))
          .rule('port', asNumber(r('portNumber')))
          .rule('protocol', asString(r('transport'))),
      ];
    }
    if (type === 'googCandidatePair') {
      const rtt = r('googRtt');
      const responses = r('responsesReceived');
      const selected = asBoolean(r('googActiveConnection'));
      return [
        new Derived(id, 'candidate-pair', f, true)
          .rule('selected', selected)
          .rule('transportId', asString(r('googChannelId')))
          .rule('currentRoundTripTime', (row) => {
            const answered = parseLegacyNumber(responses(row));
            const ms = parseLegacyNumber(rtt(row));
            return ms === null || ms < 0 || (answered !== null && answered <= 0) ? null : ms / 1000;
          })
          .rule('availableOutgoingBitrate', (row) => (selected(row) === true ? this.bweAt(row).send : null))
          .rule('availableIncomingBitrate', (row) => (selected(row) === true ? this.bweAt(row).receive : null)),
      ];
    }
    // No standard counterpart (VideoBwe, googComponent, …): its own type, its numbers parsed (a field charted from
    // the stats table), and an ssrc object of an unexpected id as it is.
    if (LEGACY_STATS_TYPES.has(type) && type !== 'ssrc') return [new Derived(id, type, f, true)];
    return [];
  }

  private deriveSend(id: string, f: Fields, r: (name: string) => Reader): Derived[] {
    const kind = asString(r('mediaType'));
    const ssrc = asNumber(r('ssrc'));
    const remoteId = this.freeId(id, 'remote');
    const sourceId = this.freeId(id, 'source');
    const cpu = r('googCpuLimitedResolution');
    const bandwidth = r('googBandwidthLimitedResolution');
    const outbound = new Derived(id, 'outbound-rtp', f, true)
      .rule('kind', kind)
      .rule('framesPerSecond', positive(r('googFrameRateSent')))
      .rule('frameWidth', positive(r('googFrameWidthSent')))
      .rule('frameHeight', positive(r('googFrameHeightSent')))
      .rule('pliCount', asNumber(r('googPlisReceived')))
      .rule('nackCount', asNumber(r('googNacksReceived')))
      .rule('firCount', asNumber(r('googFirsReceived')))
      .rule('qualityLimitationReason', (row) => {
        const c = cpu(row);
        const b = bandwidth(row);
        if (c === null && b === null) return null;
        return b === 'true' ? 'bandwidth' : c === 'true' ? 'cpu' : 'none';
      })
      .rule('mediaSourceId', () => sourceId);

    // The receiver reports: a new one when any value it brings changed (see the module comment).
    const lost = r('packetsLost');
    const rtt = r('googRtt');
    const jitter = r('googJitterReceived');
    const time = r('timestamp');
    // Called once per row the send object is present in, in row order.
    let last: [Json | null, Json | null, Json | null] | null = null;
    let reportTime: number | null = null;
    const reportTimeAt = (row: number): number | null => {
      const now: [Json | null, Json | null, Json | null] = [lost(row), rtt(row), jitter(row)];
      const t = parseLegacyNumber(time(row));
      if (last === null || now.some((v, i) => v !== last![i])) {
        if (t !== null && (reportTime === null || t > reportTime)) reportTime = t;
      }
      last = now;
      return reportTime;
    };
    const remote = new Derived(remoteId, 'remote-inbound-rtp', f, false)
      .rule('timestamp', reportTimeAt)
      .rule('kind', kind)
      .rule('ssrc', ssrc)
      .rule('localId', () => id)
      .rule('packetsLost', asNumber(lost))
      .rule('roundTripTime', (row) => {
        const ms = parseLegacyNumber(rtt(row));
        return ms !== null && ms > 0 ? ms / 1000 : null;
      })
      .rule('jitter', scaled(jitter, 1 / 1000));

    const source = new Derived(sourceId, 'media-source', f, false)
      .rule('timestamp', asNumber(time))
      .rule('kind', kind)
      .rule('trackIdentifier', asString(r('googTrackId')))
      .rule('audioLevel', scaled(r('audioInputLevel'), 1 / 32767))
      .rule('totalAudioEnergy', asNumber(r('totalAudioEnergy')))
      .rule('totalSamplesDuration', asNumber(r('totalSamplesDuration')))
      .rule('framesPerSecond', positive(r('googFrameRateInput')))
      .rule('width', positive(r('googFrameWidthInput')))
      .rule('height', positive(r('googFrameHeightInput')));
    return [outbound, remote, source];
  }

  /** The id for a synthetic object of `id`, taken by no raw object (nor by the view). */
  private freeId(id: string, suffix: string): string {
    let out = `${id}/${suffix}`;
    while (hasOwn.call(this.raw!.objects, out) || hasOwn.call(this.view!.objects, out) || this.derived.some((d) => d.object.id === out)) out += '_';
    return out;
  }

  /** The bandwidth estimates (bit/s, > 0) at a row, from the first VideoBwe object present there. */
  private bweAt(row: number): { send: number | null; receive: number | null } {
    if (row !== this.bweRow) {
      this.bweRow = row;
      this.bweSend = null;
      this.bweReceive = null;
      for (const bwe of this.bwe) {
        if (bwe.present(row) === null) continue;
        this.bweSend = bwe.send(row) as number | null;
        this.bweReceive = bwe.receive(row) as number | null;
        break;
      }
    }
    return { send: this.bweSend, receive: this.bweReceive };
  }
}

/** The view of each columns object read so far: asked again after rows were appended, it extends in O(new rows). */
const sharedViews = new WeakMap<StatsColumns, LegacyStatsView>();

/**
 * `columns` read as standard stats; `columns` themselves without legacy objects. One {@link LegacyStatsView} per
 * columns object, kept while the columns live: the header, the candidate-pair table and timeline and health all read
 * a PC through it on every render, and a new view each time rebuilt the whole recording (tens of ms per call).
 */
export function standardStatsView(columns: StatsColumns): StatsColumns {
  let view = sharedViews.get(columns);
  if (!view) sharedViews.set(columns, (view = new LegacyStatsView()));
  return view.update(columns);
}
