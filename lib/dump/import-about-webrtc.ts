/**
 * Reads Firefox's about:webrtc "Save Page" HTML (shared/docs/formats.md §4.1): one `div.peer-connection` per PC,
 * with its pcid (`{uuid} <µs since epoch> (id=<n> url=<url>)`), open/closed heading, configuration and timed SDP
 * history. The page is localised, so elements are chosen by `data-l10n-id`, `data-l10n-args` and ids, never by
 * their text.
 *
 * What becomes of it: a session per document (the pcid's inner window id: one per page load), a PC per section
 * (created at the pcid's time; closed ones at the time of their last report, the heading's `now`; open ones with
 * their ICE and connection states unknown), and per SDP history entry a set*Description call with its
 * `{type, sdp}` and a successful settlement. There is no time series in this export (its RTP sections were empty in every sample), so no stats
 * samples; the ICE pair table, raw candidates and the connection log have no time and are not imported.
 */
import type { JsonObject } from '../protocol/json';
import { ImportBuilder } from './import-builder';
import type { ImportContext } from './import-context';
import { findAll, findFirst, hasClass, parseHtml, textOf, type HtmlDocument, type HtmlElement } from './import-html';
import { isJsonObject, parseJson } from './safe-json';
import type { SessionBundle } from './session-bundle';

const l10nId = (e: HtmlElement) => e.attrs.get('data-l10n-id') ?? '';

function l10nArgs(e: HtmlElement): JsonObject | null {
  const text = e.attrs.get('data-l10n-args');
  if (text === undefined) return null;
  const parsed = parseJson(text, 8);
  return parsed.ok && isJsonObject(parsed.value) ? parsed.value : null;
}

/** One `div.peer-connection` of the page, read. */
interface PcSection {
  pcid: string;
  /** The document the PC belongs to: Firefox's inner window id (the pcid's `id=`), a new one per page load. */
  documentKey: string;
  url: string;
  createdAt: number;
  closed: boolean;
  /** The heading's report time ("now"), NaN when missing. */
  now: number;
  history: HistoryEntry[];
  config: JsonObject;
}

/**
 * Reads the saved page `html` (already decoded to text): one session per document (page load) that had PCs, as the
 * extension records them. The page lists every PC of every tab Firefox had since its start, and one session for all
 * of them had put PCs of other sites, opened days apart, under the URL most of them had.
 */
export function importAboutWebrtc(ctx: ImportContext, html: string, inputBytes: number): SessionBundle[] {
  let document: HtmlDocument;
  try {
    document = parseHtml(html);
  } catch (error) {
    throw ctx.error('document', error instanceof Error ? error.message : String(error));
  }
  const root = document.root;
  // A cut file (a download that stopped, a copy that ran out) keeps its complete sections; the cut one is left out.
  if (document.truncated !== null) ctx.problem('document', `truncated: ${document.truncated}`);
  ctx.progress(0.5);
  const sections = findAll(root, (e) => e.tag === 'div' && hasClass(e, 'peer-connection') && e.ended);
  if (sections.length === 0 && !findFirst(root, (e) => l10nId(e).startsWith('about-webrtc-'))) {
    throw ctx.error('document', 'no about:webrtc content (no element with an about-webrtc-… data-l10n-id)');
  }
  const byDocument = new Map<string, PcSection[]>();
  sections.forEach((section, index) => {
    ctx.progress(0.5 + (0.4 * index) / sections.length);
    const read = readSection(ctx, section, `peer connection section ${index + 1}`);
    if (read === null) return;
    const group = byDocument.get(read.documentKey);
    if (group) group.push(read);
    else byDocument.set(read.documentKey, [read]);
  });
  const groups = [...byDocument.values()];
  if (groups.length === 0) return [newBuilder(ctx, inputBytes).build()];
  const pcCount = groups.reduce((n, g) => n + g.length, 0);
  return groups.map((group, i) => {
    ctx.progress(0.9 + (0.1 * i) / groups.length);
    // The file's size shared out by PCs: a session's `bytes` is what it took in the file, roughly.
    const builder = newBuilder(ctx, Math.round((inputBytes * group.length) / pcCount));
    for (const pc of group) addPc(builder, pc);
    // The session's page: the document's first PC's URL (an app that navigates by history.pushState changes it).
    builder.meta.url = group[0].url;
    return builder.build();
  });
}

function newBuilder(ctx: ImportContext, bytes: number): ImportBuilder {
  const builder = new ImportBuilder(ctx.fileName, 'firefox-about-webrtc', bytes, { problem: (where, reason) => ctx.problem(where, reason) });
  // Firefox's page does not say which browser it is beyond being Firefox; the saved page has no user agent.
  builder.meta.userAgent = 'Firefox';
  return builder;
}

function readSection(ctx: ImportContext, section: HtmlElement, where: string): PcSection | null {
  const heading = findFirst(section, (e) => e.tag === 'span' && /^about-webrtc-connection-(open|closed)$/.test(l10nId(e)));
  const headingDiv = findFirst(section, (e) => (e.attrs.get('id') ?? '').startsWith('pc-heading: '));
  const pcid = headingDiv ? headingDiv.attrs.get('id')!.slice('pc-heading: '.length) : null;
  if (!heading || pcid === null) {
    ctx.problem(where, 'no pc-heading with an about-webrtc-connection-open/closed title');
    return null;
  }
  const args = l10nArgs(heading) ?? {};
  const now = typeof args.now === 'string' ? Date.parse(args.now) : NaN;
  if (!Number.isNaN(now) && !ctx.validTime(where, now, 'report time ("now")')) return null;
  const parsed = firefoxPcid(pcid);
  const createdAt = parsed ? parsed.createdAt : NaN;
  if (parsed && !ctx.validTime(where, createdAt, 'creation time from the pcid')) return null;
  const url = parsed ? parsed.url : typeof args.url === 'string' ? args.url : '';
  // The heading's `id` is the same window id; without either, PCs of one URL are taken as one page.
  const windowId = parsed ? parsed.windowId : typeof args.id === 'string' ? args.id : null;
  const history = sdpHistory(ctx, section, where);
  const times = [createdAt, ...history.map((h) => h.t), now].filter(Number.isFinite);
  if (times.length === 0) {
    ctx.problem(where, 'no time for this peer connection (neither in its id nor in its heading)');
    return null;
  }
  return {
    pcid,
    documentKey: windowId !== null ? `window ${windowId}` : `url ${url}`,
    url,
    // The pcid's time, unless a description of the PC came before it: Firefox stamps the SDP history on another clock,
    // tens of ms apart (QA: a setLocalDescription at −0.030 s, before "created"), and a PC is made before it is used.
    createdAt: Number.isFinite(createdAt) ? Math.min(createdAt, ...history.map((h) => h.t)) : times.reduce((a, b) => Math.min(a, b)),
    closed: l10nId(heading) === 'about-webrtc-connection-closed',
    now,
    history,
    config: configOf(section),
  };
}

function addPc(builder: ImportBuilder, section: PcSection): void {
  const { pcid, history, now } = section;
  const draft = builder.created(pcid, section.createdAt, section.config);
  draft.url = section.url;
  if (section.closed) {
    draft.closedAt = Number.isFinite(now) ? now : Math.max(section.createdAt, ...history.map((h) => h.t));
    draft.closedBy = 'close';
  }
  if (Number.isFinite(now)) builder.meta.extraTimes.push(now);

  let lastType: string | null = null;
  let lastSide: HistoryEntry['side'] | null = null;
  for (const entry of history) {
    const type = descriptionType(entry.sdp, lastType);
    lastType = type;
    lastSide = entry.side;
    const method = entry.side === 'local' ? 'setLocalDescription' : 'setRemoteDescription';
    const call = builder.newCall();
    const pc = draft.pc;
    builder.add(pcid, { type: 'pc-call', pc, t: entry.t, call, method, args: [{ type, sdp: entry.sdp }] });
    builder.add(pcid, { type: 'pc-settled', pc, t: entry.t, call, method, ok: true });
  }
  // The page has no state changes. An open PC's signaling state follows from its last description; its ICE and
  // connection states are not in the file (the ICE table's pairs have no time), so they are unknown, not "new".
  draft.openStates = {
    signalingState: lastType === 'offer' ? (lastSide === 'local' ? 'have-local-offer' : 'have-remote-offer') : 'stable',
    iceConnectionState: 'unknown',
    iceGatheringState: 'unknown',
    connectionState: 'unknown',
  };
}

/** A Firefox pcid, `{uuid} <µs since the epoch> (id=<inner window id> url=<url>)`, read; null when not that shape. */
export function firefoxPcid(pcid: string): { createdAt: number; windowId: string; url: string } | null {
  const m = /^(\{[^}]*\})\s+(\d+)\s+\(id=(\d+)\s+url=(.*)\)$/.exec(pcid);
  return m ? { createdAt: Number(m[2]) / 1000, windowId: m[3], url: m[4] } : null;
}

/**
 * Whether a description of Firefox's SDP history was an offer or an answer: Firefox does not say; an offer
 * proposes `a=setup:actpass` (RFC 8842), an answer picks active or passive. Without a setup line, alternate from
 * an offer (`previous`: the type of the PC's description before it).
 */
export function descriptionType(sdp: string, previous: string | null): 'offer' | 'answer' {
  const setup = /^a=setup:(\w+)/m.exec(sdp);
  return setup ? (setup[1] === 'actpass' ? 'offer' : 'answer') : previous === 'offer' ? 'answer' : 'offer';
}

interface HistoryEntry {
  side: 'local' | 'remote';
  t: number;
  sdp: string;
}

/**
 * The SDP history of a PC section, in time order: each `h5[data-l10n-id=about-webrtc-sdp-set-timestamp]` (time in
 * its l10n args) and the `<pre>` after it; local or remote from its column's `h4` heading.
 */
function sdpHistory(ctx: ImportContext, section: HtmlElement, where: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const box of findAll(section, (e) => hasClass(e, 'sdp-history'))) {
    for (const column of box.children) {
      if (typeof column === 'string') continue;
      const heading = findFirst(column, (e) => e.tag === 'h4');
      const id = heading ? l10nId(heading) : '';
      const side = id.includes('remote') ? 'remote' : id.includes('local') ? 'local' : null;
      if (side === null) continue;
      let pendingT: number | null = null;
      for (const e of findAll(column, (x) => x.tag === 'h5' || x.tag === 'pre')) {
        if (e.tag === 'h5' && l10nId(e) === 'about-webrtc-sdp-set-timestamp') {
          const t = l10nArgs(e)?.timestamp;
          pendingT = typeof t === 'number' && ctx.validTime(`${where} ${side} SDP history`, t, 'SDP time') ? t : null;
        } else if (e.tag === 'pre' && pendingT !== null) {
          // The page shows SDP with `\n` line ends; SDP itself uses CRLF.
          out.push({ side, t: pendingT, sdp: textOf(e).replace(/\r?\n/g, '\r\n') });
          pendingT = null;
        }
      }
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * The configuration block: `bundlePolicy: …<br>iceTransportPolicy: …<br>…iceServers: <div>urls: [...]<br>…</div>`.
 * Credentials are only ever shown as "Provided"/"Not Provided", so none can leak in.
 */
function configOf(section: HtmlElement): JsonObject {
  const block = findFirst(section, (e) => hasClass(e, 'peer-connection-config'));
  if (!block) return {};
  const config: JsonObject = {};
  for (const line of textOf(block).split('\n')) {
    const m = /^(bundlePolicy|iceTransportPolicy|rtcpMuxPolicy):\s*([\w-]+)\s*$/.exec(line.trim());
    if (m) config[m[1]] = m[2];
  }
  const servers: JsonObject[] = [];
  for (const server of block.children) {
    if (typeof server === 'string' || server.tag !== 'div') continue;
    const m = /urls:\s*(\[[^\]]*\])/.exec(textOf(server));
    const urls = m ? parseJson(m[1], 4) : null;
    if (urls && urls.ok && Array.isArray(urls.value)) servers.push({ urls: urls.value.filter((u) => typeof u === 'string') });
  }
  if (servers.length > 0) config.iceServers = servers;
  return config;
}
