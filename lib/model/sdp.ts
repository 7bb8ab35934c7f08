/**
 * Session descriptions made readable: an SDP split into its session-level lines and one section per m-line (with
 * the facts a WebRTC engineer looks for first: mid, direction, codecs, header extensions, SSRCs, candidates, DTLS
 * setup role), and a line diff of two descriptions section by section (sections matched by mid, else by index).
 *
 * The diff is a plain LCS over lines after trimming the common prefix and suffix: an SDP section is at most a few
 * hundred lines, so the quadratic table stays small (and a guard falls back to "all removed, all added" for
 * absurd input instead of allocating megabytes). No dependency needed for that.
 */

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpCodec {
  payloadType: number;
  /** Encoding name as written in the rtpmap (`opus`, `VP8`, `rtx`, …). */
  name: string;
  clockRate: number | null;
  channels: number | null;
  /** The `a=fmtp` parameters, or null. */
  fmtp: string | null;
  /** `a=rtcp-fb` values for this payload type (and for `*`). */
  rtcpFb: string[];
}

export interface SdpExtmap {
  id: number;
  /** Direction suffix (`a=extmap:3/sendonly uri`), or null. */
  direction: string | null;
  uri: string;
}

export interface SdpSsrc {
  ssrc: number;
  /** `a=ssrc:<ssrc> <name>:<value>` attributes in order (`cname`, `msid`, …). */
  attributes: { name: string; value: string }[];
}

export interface SdpMediaSection {
  /** Position of the m-line (0-based). */
  index: number;
  mid: string | null;
  /** The m-line media: `audio`, `video`, `application`, … */
  kind: string;
  port: number;
  protocol: string;
  /** Format list of the m-line (payload types, or `webrtc-datachannel`). */
  formats: string[];
  /** The explicit direction attribute; null when absent (which means sendrecv). */
  direction: SdpDirection | null;
  codecs: SdpCodec[];
  extmaps: SdpExtmap[];
  ssrcs: SdpSsrc[];
  ssrcGroups: { semantics: string; ssrcs: number[] }[];
  /** `a=msid` values. */
  msids: string[];
  /** `a=candidate` lines in this section. */
  candidates: number;
  endOfCandidates: boolean;
  /** The section (or, when the section has none, the session) carries `a=ice-ufrag`. */
  hasIceUfrag: boolean;
  /** `a=setup` (DTLS role: actpass, active, passive), from the section or the session. */
  setup: string | null;
  /** A rejected or stopped section (port 0 without bundle-only). */
  rejected: boolean;
  bundleOnly: boolean;
  rids: string[];
  simulcast: string | null;
  /** Every line of the section, the m-line first. */
  lines: string[];
}

export interface ParsedSdp {
  /** Lines before the first m-line. */
  sessionLines: string[];
  /** `a=group:<semantics> <mids…>` lines. */
  groups: { semantics: string; mids: string[] }[];
  /** Mids of the BUNDLE group, or null without one. */
  bundle: string[] | null;
  sections: SdpMediaSection[];
}

const DIRECTIONS: Record<string, SdpDirection> = { sendrecv: 'sendrecv', sendonly: 'sendonly', recvonly: 'recvonly', inactive: 'inactive' };

/** Splits an SDP into lines (CRLF or LF), dropping the empty tail after the final line break. */
export function sdpLines(sdp: string): string[] {
  const lines = sdp.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const int = (s: string | undefined): number | null => {
  if (s === undefined || !/^\d+$/.test(s)) return null;
  return Number(s);
};

/**
 * The ICE ufrags of a description (`a=ice-ufrag`, session or media level), each once, in order. Random per PC and per
 * ICE restart: they tell which PCs talk to each other, and when one restarts ICE.
 */
export function iceUfrags(sdp: string): string[] {
  const found = new Set<string>();
  for (const match of sdp.matchAll(/^a=ice-ufrag:(\S+)/gm)) found.add(match[1]);
  return [...found];
}

/** Parses an SDP. Never throws: unknown or malformed lines are kept as lines and otherwise ignored. */
export function parseSdp(sdp: string): ParsedSdp {
  const lines = sdpLines(sdp);
  const sessionLines: string[] = [];
  const groups: ParsedSdp['groups'] = [];
  const sectionLines: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) sectionLines.push([line]);
    else if (sectionLines.length > 0) sectionLines[sectionLines.length - 1].push(line);
    else sessionLines.push(line);
  }
  let sessionUfrag = false;
  let sessionSetup: string | null = null;
  for (const line of sessionLines) {
    if (line.startsWith('a=group:')) {
      const [semantics, ...mids] = line.slice(8).trim().split(/\s+/);
      groups.push({ semantics, mids });
    } else if (line.startsWith('a=ice-ufrag:')) sessionUfrag = true;
    else if (line.startsWith('a=setup:')) sessionSetup = line.slice(8).trim();
  }
  const bundleGroup = groups.find((g) => g.semantics === 'BUNDLE');
  const sections = sectionLines.map((section, index) => parseSection(section, index, sessionUfrag, sessionSetup));
  return { sessionLines, groups, bundle: bundleGroup ? bundleGroup.mids : null, sections };
}

function parseSection(lines: string[], index: number, sessionUfrag: boolean, sessionSetup: string | null): SdpMediaSection {
  const [kind = '', portText = '', protocol = '', ...formats] = lines[0].slice(2).trim().split(/\s+/);
  const codecs = new Map<number, SdpCodec>();
  const codecFor = (pt: number): SdpCodec => {
    let codec = codecs.get(pt);
    if (!codec) {
      codec = { payloadType: pt, name: '', clockRate: null, channels: null, fmtp: null, rtcpFb: [] };
      codecs.set(pt, codec);
    }
    return codec;
  };
  // The m-line's order is the preference order: create codec entries in that order.
  for (const f of formats) {
    const pt = int(f);
    if (pt !== null) codecFor(pt);
  }
  const section: SdpMediaSection = {
    index,
    mid: null,
    kind,
    port: int(portText.split('/')[0]) ?? 0,
    protocol,
    formats,
    direction: null,
    codecs: [],
    extmaps: [],
    ssrcs: [],
    ssrcGroups: [],
    msids: [],
    candidates: 0,
    endOfCandidates: false,
    hasIceUfrag: sessionUfrag,
    setup: sessionSetup,
    rejected: false,
    bundleOnly: false,
    rids: [],
    simulcast: null,
    lines,
  };
  const wildcardFb: string[] = [];
  const ssrcs = new Map<number, SdpSsrc>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith('a=')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line.slice(2) : line.slice(2, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1);
    switch (name) {
      case 'mid':
        section.mid = value.trim();
        break;
      case 'sendrecv':
      case 'sendonly':
      case 'recvonly':
      case 'inactive':
        section.direction = DIRECTIONS[name];
        break;
      case 'rtpmap': {
        const m = /^(\d+)\s+([^/\s]+)(?:\/(\d+))?(?:\/(\d+))?/.exec(value);
        if (m) {
          const codec = codecFor(Number(m[1]));
          codec.name = m[2];
          codec.clockRate = int(m[3]);
          codec.channels = int(m[4]);
        }
        break;
      }
      case 'fmtp': {
        const m = /^(\d+)\s+(.*)$/.exec(value);
        if (m) codecFor(Number(m[1])).fmtp = m[2];
        break;
      }
      case 'rtcp-fb': {
        const m = /^(\d+|\*)\s+(.*)$/.exec(value);
        if (m) {
          if (m[1] === '*') wildcardFb.push(m[2]);
          else codecFor(Number(m[1])).rtcpFb.push(m[2]);
        }
        break;
      }
      case 'extmap': {
        const m = /^(\d+)(?:\/(\S+))?\s+(\S+)/.exec(value);
        if (m) section.extmaps.push({ id: Number(m[1]), direction: m[2] ?? null, uri: m[3] });
        break;
      }
      case 'ssrc': {
        const m = /^(\d+)\s+([^:\s]+)(?::(.*))?$/.exec(value);
        if (m) {
          const ssrc = Number(m[1]);
          let entry = ssrcs.get(ssrc);
          if (!entry) {
            entry = { ssrc, attributes: [] };
            ssrcs.set(ssrc, entry);
          }
          entry.attributes.push({ name: m[2], value: m[3] ?? '' });
        }
        break;
      }
      case 'ssrc-group': {
        const [semantics, ...list] = value.trim().split(/\s+/);
        section.ssrcGroups.push({ semantics, ssrcs: list.map(Number).filter((n) => Number.isFinite(n)) });
        break;
      }
      case 'msid':
        section.msids.push(value.trim());
        break;
      case 'candidate':
        section.candidates++;
        break;
      case 'end-of-candidates':
        section.endOfCandidates = true;
        break;
      case 'ice-ufrag':
        section.hasIceUfrag = true;
        break;
      case 'setup':
        section.setup = value.trim();
        break;
      case 'bundle-only':
        section.bundleOnly = true;
        break;
      case 'rid':
        section.rids.push(value.trim());
        break;
      case 'simulcast':
        section.simulcast = value.trim();
        break;
    }
  }
  for (const codec of codecs.values()) {
    for (const fb of wildcardFb) codec.rtcpFb.push(fb);
  }
  section.codecs = [...codecs.values()];
  section.ssrcs = [...ssrcs.values()];
  section.rejected = section.port === 0 && !section.bundleOnly;
  return section;
}

/** The direction that applies: the attribute, or sendrecv (RFC 3264) when absent. */
export const effectiveDirection = (section: SdpMediaSection): SdpDirection => section.direction ?? 'sendrecv';

/** "opus/48000/2", "VP8/90000". */
export function codecLabel(codec: SdpCodec): string {
  let out = codec.name || `PT ${codec.payloadType}`;
  if (codec.clockRate !== null) out += `/${codec.clockRate}`;
  if (codec.channels !== null) out += `/${codec.channels}`;
  return out;
}

// ───────────────────────────── diff ─────────────────────────────

export type DiffOpKind = 'same' | 'added' | 'removed';
export interface DiffOp {
  op: DiffOpKind;
  line: string;
}

/** Above this many cells (middle part after trimming), the LCS table is not built. */
const MAX_LCS_CELLS = 4_000_000;

/**
 * Line diff of `a` → `b` as a sequence of same/removed/added operations (removals before additions at each change),
 * minimal in the number of changed lines (LCS).
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffOp[] = [];
  for (let i = 0; i < start; i++) out.push({ op: 'same', line: a[i] });
  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0 && n * m <= MAX_LCS_CELLS) {
    // lcs[i][j] = LCS length of a[start+i..endA) and b[start+j..endB), row-major in one typed array.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          a[start + i] === b[start + j]
            ? lcs[(i + 1) * width + j + 1] + 1
            : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    const removed: DiffOp[] = [];
    const added: DiffOp[] = [];
    const flush = () => {
      out.push(...removed, ...added);
      removed.length = 0;
      added.length = 0;
    };
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        flush();
        out.push({ op: 'same', line: a[start + i] });
        i++;
        j++;
      } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
        removed.push({ op: 'removed', line: a[start + i] });
        i++;
      } else {
        added.push({ op: 'added', line: b[start + j] });
        j++;
      }
    }
    for (; i < n; i++) removed.push({ op: 'removed', line: a[start + i] });
    for (; j < m; j++) added.push({ op: 'added', line: b[start + j] });
    flush();
  } else {
    for (let i = start; i < endA; i++) out.push({ op: 'removed', line: a[i] });
    for (let j = start; j < endB; j++) out.push({ op: 'added', line: b[j] });
  }
  for (let i = endA; i < a.length; i++) out.push({ op: 'same', line: a[i] });
  return out;
}

export type SectionChange = 'unchanged' | 'changed' | 'added' | 'removed';

export interface SectionDiff {
  /** The section as it is now (null when removed). */
  after: SdpMediaSection | null;
  /** The section it was matched with in the previous description (null when added). */
  before: SdpMediaSection | null;
  change: SectionChange;
  ops: DiffOp[];
}

export interface SdpDiff {
  session: { change: 'unchanged' | 'changed'; ops: DiffOp[] };
  sections: SectionDiff[];
  /** Anything differs at all. */
  changed: boolean;
}

const hasChange = (ops: DiffOp[]) => ops.some((o) => o.op !== 'same');

/**
 * Diff of two descriptions. Sections are matched by mid when both have one (JSEP keeps a mid for the life of its
 * transceiver), otherwise by m-line index; a section of `next` with no match is `added`, one of `prev` with no
 * match is `removed` (listed after the others, in their old order). `prev` null: everything is added.
 */
export function diffSdp(prev: ParsedSdp | string | null, next: ParsedSdp | string): SdpDiff {
  const before = prev === null ? null : typeof prev === 'string' ? parseSdp(prev) : prev;
  const after = typeof next === 'string' ? parseSdp(next) : next;
  const sessionOps = diffLines(before ? before.sessionLines : [], after.sessionLines);
  const oldSections = before ? before.sections : [];
  const used = new Set<SdpMediaSection>();
  const byMid = new Map<string, SdpMediaSection>();
  for (const s of oldSections) if (s.mid !== null && !byMid.has(s.mid)) byMid.set(s.mid, s);
  const newMids = new Set(after.sections.map((s) => s.mid).filter((m): m is string => m !== null));
  // First pass by mid, so that an index fallback never steals a section another one matches by mid.
  const matches = new Map<SdpMediaSection, SdpMediaSection>();
  for (const s of after.sections) {
    const old = s.mid !== null ? byMid.get(s.mid) : undefined;
    if (old && !used.has(old)) {
      matches.set(s, old);
      used.add(old);
    }
  }
  for (const s of after.sections) {
    if (matches.has(s)) continue;
    const old = oldSections[s.index];
    // Index fallback only for sections a mid could not have matched (no mid on one side, or an old mid that
    // the new description no longer has: a recycled m-line).
    if (old && !used.has(old) && (old.mid === null || s.mid === null || !newMids.has(old.mid))) {
      matches.set(s, old);
      used.add(old);
    }
  }
  const sections: SectionDiff[] = after.sections.map((s) => {
    const old = matches.get(s) ?? null;
    const ops = diffLines(old ? old.lines : [], s.lines);
    return { after: s, before: old, change: !old ? 'added' : hasChange(ops) ? 'changed' : 'unchanged', ops };
  });
  for (const old of oldSections) {
    if (used.has(old)) continue;
    sections.push({ after: null, before: old, change: 'removed', ops: old.lines.map((line) => ({ op: 'removed', line })) });
  }
  const sessionChanged = hasChange(sessionOps);
  return {
    session: { change: sessionChanged ? 'changed' : 'unchanged', ops: sessionOps },
    sections,
    changed: sessionChanged || sections.some((s) => s.change !== 'unchanged'),
  };
}
