/**
 * Reads Firefox's about:webrtc "Save Page" HTML (shared/docs/formats.md §4.1): one `div.peer-connection` per PC,
 * with its pcid (`{uuid} <µs since epoch> (id=<n> url=<url>)`), open/closed heading, configuration and timed SDP
 * history. The page is localised, so elements are chosen by `data-l10n-id`, `data-l10n-args` and ids, never by
 * their text.
 *
 * What becomes of it: a PC per section (created at the pcid's time; closed ones at the time of their last report,
 * the heading's `now`), and per SDP history entry a set*Description call with its `{type, sdp}` and a successful
 * settlement. There is no time series in this export (its RTP sections were empty in every sample), so no stats
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

/** Reads the saved page `html` (already decoded to text). */
export function importAboutWebrtc(ctx: ImportContext, html: string, inputBytes: number): SessionBundle {
  const builder = new ImportBuilder(ctx.fileName, 'firefox-about-webrtc', inputBytes, { problem: (where, reason) => ctx.problem(where, reason) });
  // Firefox's page does not say which browser it is beyond being Firefox; the saved page has no user agent.
  builder.meta.userAgent = 'Firefox';
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
  const urls = new Map<string, number>();
  sections.forEach((section, index) => {
    ctx.progress(0.5 + (0.5 * index) / sections.length);
    const where = `peer connection section ${index + 1}`;
    const heading = findFirst(section, (e) => e.tag === 'span' && /^about-webrtc-connection-(open|closed)$/.test(l10nId(e)));
    const headingDiv = findFirst(section, (e) => (e.attrs.get('id') ?? '').startsWith('pc-heading: '));
    const pcid = headingDiv ? headingDiv.attrs.get('id')!.slice('pc-heading: '.length) : null;
    if (!heading || pcid === null) {
      ctx.problem(where, 'no pc-heading with an about-webrtc-connection-open/closed title');
      return;
    }
    const args = l10nArgs(heading) ?? {};
    const now = typeof args.now === 'string' ? Date.parse(args.now) : NaN;
    if (!Number.isNaN(now) && !ctx.validTime(where, now, 'report time ("now")')) return;
    // pcid: `{uuid} <µs since the epoch> (id=<n> url=<url>)`.
    const idMatch = /^(\{[^}]*\})\s+(\d+)\s+\(id=(\d+)\s+url=(.*)\)$/.exec(pcid);
    const createdAt = idMatch ? Number(idMatch[2]) / 1000 : NaN;
    if (idMatch && !ctx.validTime(where, createdAt, 'creation time from the pcid')) return;
    const url = idMatch ? idMatch[4] : typeof args.url === 'string' ? args.url : '';
    const history = sdpHistory(ctx, section, where);
    const times = [createdAt, ...history.map((h) => h.t), now].filter(Number.isFinite);
    if (times.length === 0) {
      ctx.problem(where, 'no time for this peer connection (neither in its id nor in its heading)');
      return;
    }
    const start = Number.isFinite(createdAt) ? createdAt : times.reduce((a, b) => Math.min(a, b));
    const draft = builder.created(pcid, start, configOf(section));
    draft.url = url;
    urls.set(url, (urls.get(url) ?? 0) + 1);
    if (l10nId(heading) === 'about-webrtc-connection-closed') {
      draft.closedAt = Number.isFinite(now) ? now : times.reduce((a, b) => Math.max(a, b));
      draft.closedBy = 'close';
    }
    if (Number.isFinite(now)) builder.meta.extraTimes.push(now);

    // Which descriptions were offers: Firefox does not say; an offer proposes `a=setup:actpass` (RFC 8842), an
    // answer picks active or passive. Without a setup line, alternate from an offer.
    let lastType: string | null = null;
    for (const entry of history) {
      const setup = /^a=setup:(\w+)/m.exec(entry.sdp);
      const type: string = setup ? (setup[1] === 'actpass' ? 'offer' : 'answer') : lastType === 'offer' ? 'answer' : 'offer';
      lastType = type;
      const method = entry.side === 'local' ? 'setLocalDescription' : 'setRemoteDescription';
      const call = builder.newCall();
      const pc = draft.pc;
      builder.add(pcid, { type: 'pc-call', pc, t: entry.t, call, method, args: [{ type, sdp: entry.sdp }] });
      builder.add(pcid, { type: 'pc-settled', pc, t: entry.t, call, method, ok: true });
    }
  });
  // The session's page: the URL most of its PCs belong to.
  let best = '';
  let bestCount = 0;
  for (const [url, count] of urls) if (count > bestCount) [best, bestCount] = [url, count];
  builder.meta.url = best;
  return builder.build();
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
