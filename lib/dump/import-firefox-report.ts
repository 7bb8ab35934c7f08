/**
 * Reads Firefox's about:webrtc "Copy Report" and "Copy Report History" JSON (shared/docs/formats.md §4.2), which
 * the page's per-connection buttons put on the clipboard (Firefox 153 ESR `aboutWebrtc.mjs`):
 * - Copy Report: `JSON.stringify({ ...report }, null, 2)` of one PC's `RTCStatsReportInternal`: `pcid`,
 *   `configuration`, `closed`, `timestamp`, `sdpHistory` and one array per stats type (`inboundRtpStreamStats`, …);
 * - Copy Report History (pref `media.aboutwebrtc.hist.enabled`): `{ reports: [report…], sdpHistories: [{ pcid,
 *   sdpHistory }] }`, the PC's reports of the last minute or so, four a second: the only Firefox export with a
 *   time series.
 *
 * What becomes of it: a session per document (the pcid's inner window id, as the about:webrtc page importer and the
 * recorder have it), a PC per pcid, one stats poll per report at its `timestamp` (every array member with a string
 * `id` and `type` is a stats object of it; `bandwidthEstimations`, `videoFrameHistories` and the raw candidate
 * strings have no stats id and are left out), and per SDP history entry a set*Description call with its settlement.
 * An open PC's ICE and connection states come from its last report's transport (`iceState`, `dtlsState`), which
 * Firefox's own page shows as the connection's state.
 */
import type { Json, JsonObject } from '../protocol/json';
import type { StatsReportJson } from '../model/session';
import { ImportBuilder } from './import-builder';
import type { ImportContext } from './import-context';
import { descriptionType, firefoxPcid } from './import-about-webrtc';
import { isJsonObject, ownValue, setOwnKey } from './safe-json';
import type { SessionBundle } from './session-bundle';
import { statsObjectProblem, timeProblem } from './time-range';

/** Members of a report that hold no stats objects (no `id`): kept out of the polls. */
const NOT_STATS = new Set(['bandwidthEstimations', 'videoFrameHistories', 'rawLocalCandidates', 'rawRemoteCandidates', 'sdpHistory', 'jsepSessionErrors']);

/** Whether a parsed JSON document is one of these (detect.ts): a report, or a history of reports. */
export function looksLikeFirefoxReport(doc: JsonObject): boolean {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(doc, key);
  if (has('reports') && has('sdpHistories')) return true;
  return has('pcid') && (has('sdpHistory') || Object.keys(doc).some((k) => k.endsWith('RtpStreamStats')));
}

interface ReportPc {
  pcid: string;
  where: string;
  documentKey: string;
  url: string;
  createdAt: number;
  /** Its reports, in time order, each with where it is in the file. */
  reports: { report: JsonObject; t: number; where: string }[];
  sdp: { isLocal: boolean; t: number; sdp: string; where: string }[];
}

export function importFirefoxReport(ctx: ImportContext, doc: JsonObject, inputBytes: number): SessionBundle[] {
  const reports: { report: JsonObject; where: string }[] = [];
  const histories: { entry: JsonObject; where: string }[] = [];
  const list = ownValue(doc, 'reports');
  if (list !== undefined) {
    if (!Array.isArray(list)) throw ctx.error('reports', 'not an array');
    list.forEach((report, i) => {
      if (isJsonObject(report)) reports.push({ report, where: `reports[${i}]` });
      else ctx.problem(`reports[${i}]`, 'not an object');
    });
    const sdpHistories = ownValue(doc, 'sdpHistories');
    if (Array.isArray(sdpHistories)) {
      sdpHistories.forEach((h, i) => {
        if (isJsonObject(h)) histories.push({ entry: h, where: `sdpHistories[${i}]` });
        else ctx.problem(`sdpHistories[${i}]`, 'not an object');
      });
    } else if (sdpHistories !== undefined) ctx.problem('sdpHistories', 'not an array');
  } else {
    reports.push({ report: doc, where: 'report' });
  }

  const pcs = new Map<string, ReportPc>();
  /** pcids whose creation time is no valid time: reported once, their reports left out. */
  const refused = new Set<string>();
  /** A report's or an SDP history's `pcid`, or null (reported) when it is none. */
  const pcidOf = (owner: JsonObject, where: string): string | null => {
    const pcid = ownValue(owner, 'pcid');
    if (typeof pcid === 'string' && pcid !== '') return pcid;
    ctx.problem(`${where}.pcid`, 'missing or not a string');
    return null;
  };
  const pcOf = (pcid: string, where: string): ReportPc | null => {
    const known = pcs.get(pcid);
    if (known) return known;
    if (refused.has(pcid)) return null;
    const parsed = firefoxPcid(pcid);
    const timeIssue = parsed ? timeProblem(parsed.createdAt, 'creation time from the pcid') : null;
    if (timeIssue !== null) {
      refused.add(pcid);
      ctx.problem(`${where}.pcid`, `${timeIssue}; this peer connection is left out`);
      return null;
    }
    const pc: ReportPc = {
      pcid,
      where,
      documentKey: parsed ? `window ${parsed.windowId}` : `pcid ${pcid}`,
      url: parsed?.url ?? '',
      createdAt: parsed?.createdAt ?? NaN,
      reports: [],
      sdp: [],
    };
    pcs.set(pcid, pc);
    return pc;
  };

  reports.forEach(({ report, where }, i) => {
    ctx.progress((0.8 * i) / Math.max(1, reports.length));
    const pcid = pcidOf(report, where);
    if (pcid === null) return;
    const t = ownValue(report, 'timestamp');
    if (!ctx.validTime(`${where}.timestamp`, t, 'report time')) return;
    const pc = pcOf(pcid, where);
    if (!pc) return;
    pc.reports.push({ report, t, where });
    const history = ownValue(report, 'sdpHistory');
    if (history !== undefined) addSdp(ctx, pc, history, `${where}.sdpHistory`);
  });
  for (const { entry, where } of histories) {
    const pcid = pcidOf(entry, where);
    const pc = pcid === null ? null : pcOf(pcid, where);
    if (pc) addSdp(ctx, pc, ownValue(entry, 'sdpHistory'), `${where}.sdpHistory`);
  }
  // A PC is placed by its pcid's time, a report or a description; one with none of them (an empty SDP history
  // under a pcid of another shape) is left out.
  const placed: ReportPc[] = [];
  for (const pc of pcs.values()) {
    if (Number.isFinite(pc.createdAt) || pc.reports.length > 0 || pc.sdp.length > 0) placed.push(pc);
    else ctx.problem(pc.where, 'no time for this peer connection (neither in its pcid nor in a report or description)');
  }
  if (placed.length === 0) {
    // Nothing to import: the first problem met says why, else there were no reports at all.
    const first = ctx.problems[0];
    throw first ? ctx.error(first.where, first.reason) : ctx.error(list !== undefined ? 'reports' : 'report', 'no peer connection report');
  }

  const byDocument = new Map<string, ReportPc[]>();
  for (const pc of placed) {
    pc.reports.sort((a, b) => a.t - b.t);
    pc.sdp.sort((a, b) => a.t - b.t);
    const group = byDocument.get(pc.documentKey);
    if (group) group.push(pc);
    else byDocument.set(pc.documentKey, [pc]);
  }
  const groups = [...byDocument.values()];
  return groups.map((group, i) => {
    ctx.progress(0.8 + (0.2 * i) / groups.length);
    const builder = new ImportBuilder(ctx.fileName, 'firefox-about-webrtc', Math.round((inputBytes * group.length) / placed.length), { problem: (where, reason) => ctx.problem(where, reason) });
    builder.meta.userAgent = 'Firefox';
    for (const pc of group) addPc(ctx, builder, pc);
    builder.meta.url = group[0].url;
    return builder.build();
  });
}

/** Entries of an `sdpHistory` array not seen yet (a history's reports and its `sdpHistories` repeat them). */
function addSdp(ctx: ImportContext, pc: ReportPc, history: Json | undefined, where: string): void {
  if (!Array.isArray(history)) {
    ctx.problem(where, 'not an array');
    return;
  }
  history.forEach((entry, i) => {
    const at = `${where}[${i}]`;
    if (!isJsonObject(entry)) return ctx.problem(at, 'not an object');
    const sdp = ownValue(entry, 'sdp');
    const t = ownValue(entry, 'timestamp');
    const isLocal = ownValue(entry, 'isLocal');
    if (typeof sdp !== 'string' || typeof isLocal !== 'boolean') return ctx.problem(at, 'no sdp text or no isLocal flag');
    if (!ctx.validTime(`${at}.timestamp`, t, 'SDP time')) return;
    if (pc.sdp.some((s) => s.t === t && s.isLocal === isLocal && s.sdp === sdp)) return;
    pc.sdp.push({ isLocal, t, sdp, where: at });
  });
}

/** A report's stats objects as one poll: every array member with a string `id` and `type`, by id. */
function pollOf(ctx: ImportContext, report: JsonObject, where: string): StatsReportJson {
  const out: StatsReportJson = {};
  for (const key of Object.keys(report)) {
    const list = report[key];
    if (NOT_STATS.has(key) || !Array.isArray(list)) continue;
    list.forEach((object, i) => {
      if (!isJsonObject(object)) return;
      const id = ownValue(object, 'id');
      if (typeof id !== 'string' || typeof ownValue(object, 'type') !== 'string') return;
      const problem = statsObjectProblem(id, object);
      if (problem !== null) return ctx.problem(`${where}.${key}[${i}]`, problem);
      const copy: JsonObject = {};
      for (const field of Object.keys(object)) if (field !== 'id') setOwnKey(copy, field, object[field]);
      // A candidate is both in `iceCandidateStats` and `trickledIceCandidateStats`: one object.
      setOwnKey(out, id, Object.prototype.hasOwnProperty.call(out, id) ? { ...(out[id] as JsonObject), ...copy } : copy);
    });
  }
  return out;
}

function addPc(ctx: ImportContext, builder: ImportBuilder, pc: ReportPc): void {
  const first = pc.reports[0]?.report;
  const last = pc.reports[pc.reports.length - 1];
  const times = [pc.createdAt, ...pc.sdp.map((s) => s.t), ...pc.reports.map((r) => r.t)].filter(Number.isFinite);
  // The pcid's time, unless a description came before it (Firefox stamps the SDP history on another clock).
  const createdAt = times.reduce((a, b) => Math.min(a, b), Infinity);
  const config = first ? configOf(ownValue(first, 'configuration')) : {};
  const draft = builder.created(pc.pcid, createdAt, config);
  draft.url = pc.url;

  let lastType: string | null = null;
  let lastSide: 'local' | 'remote' | null = null;
  for (const entry of pc.sdp) {
    const type = descriptionType(entry.sdp, lastType);
    lastType = type;
    lastSide = entry.isLocal ? 'local' : 'remote';
    const method = entry.isLocal ? 'setLocalDescription' : 'setRemoteDescription';
    const call = builder.newCall();
    builder.add(pc.pcid, { type: 'pc-call', pc: draft.pc, t: entry.t, call, method, args: [{ type, sdp: entry.sdp }] });
    builder.add(pc.pcid, { type: 'pc-settled', pc: draft.pc, t: entry.t, call, method, ok: true });
  }
  for (const { report, t, where } of pc.reports) {
    ctx.checkAbort();
    builder.addSample(pc.pcid, t, pollOf(ctx, report, where), where);
  }
  if (last && ownValue(last.report, 'closed') === true) {
    draft.closedAt = last.t;
    draft.closedBy = 'close';
    return;
  }
  // Open: the last report's transport says how ICE and DTLS stand (what about:webrtc shows); nothing says how
  // gathering went.
  const transport = last ? transportOf(last.report) : null;
  const iceState = transport ? ownValue(transport, 'iceState') : undefined;
  const dtlsState = transport ? ownValue(transport, 'dtlsState') : undefined;
  const ice = typeof iceState === 'string' && /^(new|checking|connected|completed|disconnected|failed|closed)$/.test(iceState) ? iceState : 'unknown';
  draft.openStates = {
    signalingState: lastType === 'offer' ? (lastSide === 'local' ? 'have-local-offer' : 'have-remote-offer') : 'stable',
    iceConnectionState: ice,
    iceGatheringState: 'unknown',
    connectionState: dtlsState === 'failed' || ice === 'failed' ? 'failed' : dtlsState === 'connected' && (ice === 'connected' || ice === 'completed') ? 'connected' : 'unknown',
  };
}

function transportOf(report: JsonObject): JsonObject | null {
  const list = ownValue(report, 'transportStats');
  if (!Array.isArray(list)) return null;
  const found = list.find((t) => isJsonObject(t));
  return isJsonObject(found) ? found : null;
}

/** `configuration`: policies as given, servers as their URLs (Firefox says only whether credentials were provided). */
function configOf(value: Json | undefined): JsonObject {
  if (!isJsonObject(value)) return {};
  const config: JsonObject = {};
  for (const key of ['bundlePolicy', 'iceTransportPolicy', 'rtcpMuxPolicy']) {
    const v = ownValue(value, key);
    if (typeof v === 'string') config[key] = v;
  }
  const servers = ownValue(value, 'iceServers');
  if (Array.isArray(servers)) {
    const list = servers.filter(isJsonObject).map((s) => {
      const urls = ownValue(s, 'urls');
      return { urls: Array.isArray(urls) ? urls.filter((u) => typeof u === 'string') : typeof urls === 'string' ? [urls] : [] };
    });
    if (list.length > 0) config.iceServers = list;
  }
  return config;
}
