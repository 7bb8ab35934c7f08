/**
 * Redaction of a session before it leaves the machine: IP addresses, mDNS host names, ICE credentials, DTLS
 * fingerprints and certificates, and optionally the page's URL, origin and title. Returns new objects; the input is
 * never changed.
 *
 * Every value is replaced CONSISTENTLY: one redactor keeps one table per kind, so the same address becomes the
 * same placeholder in SDP, candidates, stats and config, across all sessions given to it (candidate-pair analysis,
 * the SDP view and the ICE table keep working on redacted data). Placeholders stay syntactically valid, so SDP and
 * candidate lines still parse and the exports stay importable:
 *
 * | kind | placeholder | why |
 * |---|---|---|
 * | IPv4 | private/CGNAT/link-local → `198.18.x.y`, other → `198.19.x.y` | RFC 2544 benchmark range: never in real calls, so a reader sees at once that it is redacted, yet private-vs-public (host vs srflx diagnosis) survives |
 * | IPv6 | ULA/link-local → `2001:db8:1::n`, other → `2001:db8:2::n` | RFC 3849 documentation prefix |
 * | mDNS | `00000000-0000-4000-8000-<n>.local` | keeps Chromium's UUID shape, which readers recognise as mDNS |
 * | ICE ufrag / pwd | `ufrag<n>` / `redactedpassword<nnnnnn>` | ICE grammar: 4+ / 22+ ice-chars |
 * | DTLS fingerprint | same number of bytes, `00:…:<n>` | a hash of the right length for its algorithm; Chromium's certificate stats ids `CF<fingerprint>` and their references change with it |
 * | certificate | base64 of `redacted certificate <n>` | valid base64 |
 * | TURN username / credential | `redacted-credential-<n>` | only imported configs hold them |
 * | URL / origin / title | `https://site-<k>.invalid/page-<n>`, `https://site-<k>.invalid`, `redacted page <n>` | `.invalid` can never resolve |
 *
 * Left as they are: `0.0.0.0`, `127.0.0.0/8`, `::` and `::1` (unspecified and loopback reveal nothing, and SDP's
 * `c=IN IP4 0.0.0.0` stays readable); `session.userAgent` (its version numbers look like IPv4 addresses); STUN/TURN
 * host names (they name a service, not a person); track and device labels.
 */
import type { Json } from '../protocol/json';
import { bytesToBase64 } from '../protocol/base64';
import type { FrameInfo, PcSummary, SessionSummary, StatsReportJson, TraceEvent, TraceRecord } from '../model/session';
import type { SessionBundle } from './session-bundle';
import { pcSamples, statsPcIds } from './bundle-stats';
import { setOwn } from './bundle-util';

export interface RedactOptions {
  /** Also replace the page URL, origin, title and frame URLs. */
  url?: boolean;
}

export type RedactionKind = 'ipv4' | 'ipv6' | 'mdns' | 'ufrag' | 'pwd' | 'fingerprint' | 'certificate' | 'credential' | 'url' | 'title';

/** For the export dialog: per kind, how many distinct values were replaced and how many times. */
export type RedactionSummary = Record<RedactionKind, { values: number; occurrences: number }>;

export interface RedactionResult {
  bundles: SessionBundle[];
  summary: RedactionSummary;
}

/** Redacts one bundle (new object, input untouched). */
export function redactBundle(bundle: SessionBundle, options: RedactOptions = {}): SessionBundle {
  return redactBundles([bundle], options).bundles[0];
}

/** Redacts several bundles with one shared set of placeholders, and says what was replaced. */
export function redactBundles(bundles: readonly SessionBundle[], options: RedactOptions = {}): RedactionResult {
  const redactor = new Redactor(options);
  return { bundles: bundles.map((b) => redactor.bundle(b)), summary: redactor.summary() };
}

// ───────────────────────────── patterns ─────────────────────────────

/**
 * ≥ 16 colon-separated hex bytes: SHA-1 (20) and SHA-2 (32–64) fingerprints; MAC addresses (6) are not matched.
 * Also right after the `CF` of Chromium's certificate stats ids (`CF74:23:A5:…`, M156).
 */
const FINGERPRINT = /(?:(?<=^CF)|(?<![0-9A-Fa-f:]))(?:[0-9A-Fa-f]{2}:){15,}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:])/g;
const SDP_UFRAG = /(a=ice-ufrag:)([^\s]+)/g;
const SDP_PWD = /(a=ice-pwd:)([^\s]+)/g;
/** `ufrag <value>` inside candidate lines (RFC 8839 extension attribute written by libwebrtc). */
const CANDIDATE_UFRAG = /(\bufrag )([^\s]+)/g;
const MDNS = /(?<![\w.-])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.local\b(?![\w-])/g;
/** A maximal run of hex digits and colons (with an optional dotted IPv4 tail), validated by {@link ipv6Groups} afterwards. */
const IPV6_RUN = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?::\d{1,3}(?:\.\d{1,3}){3})?(?![\w:.])/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])/g;

function ipv4Octets(text: string): number[] | null {
  const parts = text.split('.').map(Number);
  return parts.length === 4 && parts.every((p, i) => p <= 255 && String(p) === text.split('.')[i]) ? parts : null;
}

/** The 8 groups of an IPv6 address (an IPv4 tail counts as two), or null when `text` is not one. */
function ipv6Groups(text: string): number[] | null {
  let body = text;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (dotted) {
    const octets = ipv4Octets(dotted[2]);
    if (!octets) return null;
    tail = [octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]];
    body = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const parse = (half: string) => (half === '' ? [] : half.split(':'));
  const [head, rest] = [parse(halves[0]), halves.length === 2 ? parse(halves[1]) : []];
  if (![...head, ...rest].every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = new Array<number>(8 - known).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...zeros, ...rest.map((g) => parseInt(g, 16)), ...tail];
}

function isPrivateIpv4([a, b]: number[]): boolean {
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
}

/** Loopback and unspecified addresses reveal nothing; they stay. */
const keepIpv4 = ([a, b, c, d]: number[]) => a === 127 || (a === 0 && b === 0 && c === 0 && d === 0);
const keepIpv6 = (groups: number[]) => groups.slice(0, 7).every((g) => g === 0) && (groups[7] === 0 || groups[7] === 1);

// ───────────────────────────── the redactor ─────────────────────────────

class Table {
  readonly map = new Map<string, string>();
  occurrences = 0;
  constructor(private readonly make: (n: number, original: string) => string) {}
  get(original: string, key = original): string {
    this.occurrences++;
    let value = this.map.get(key);
    if (value === undefined) {
      value = this.make(this.map.size + 1, original);
      this.map.set(key, value);
    }
    return value;
  }
}

const hex = (n: number) => n.toString(16);

/** Keeps one table per kind; every bundle redacted by it shares them. */
export class Redactor {
  // 65,535 distinct addresses per table before placeholders would repeat: far beyond any real session.
  private readonly ipv4Private = new Table((n) => `198.18.${(n >> 8) & 255}.${n & 255}`);
  private readonly ipv4Public = new Table((n) => `198.19.${(n >> 8) & 255}.${n & 255}`);
  private readonly ipv6Private = new Table((n) => `2001:db8:1::${hex(n)}`);
  private readonly ipv6Public = new Table((n) => `2001:db8:2::${hex(n)}`);
  private readonly mdns = new Table((n) => `00000000-0000-4000-8000-${hex(n).padStart(12, '0')}.local`);
  private readonly ufrag = new Table((n) => `ufrag${n}`);
  private readonly pwd = new Table((n) => `redactedpassword${String(n).padStart(6, '0')}`);
  private readonly fingerprint = new Table((n, original) => {
    const bytes = original.split(':').length;
    return Array.from({ length: bytes }, (_, i) => (i === bytes - 1 ? n & 255 : i === bytes - 2 ? (n >> 8) & 255 : 0).toString(16).padStart(2, '0').toUpperCase()).join(':');
  });
  private readonly certificate = new Table((n) => bytesToBase64(new TextEncoder().encode(`redacted certificate ${n}`)));
  private readonly credentials = new Table((n) => `redacted-credential-${n}`);
  private readonly origins = new Table((n) => `https://site-${n}.invalid`);
  private readonly urls = new Table((n, original) => `${this.originOf(original)}/page-${n}`);
  private readonly titles = new Table((n) => `redacted page ${n}`);

  constructor(private readonly options: RedactOptions = {}) {}

  /** A redacted copy of `bundle`. */
  bundle(bundle: SessionBundle): SessionBundle {
    const samples: SessionBundle['samples'] = {};
    for (const pcId of statsPcIds(bundle)) {
      setOwn(
        samples,
        this.text(pcId),
        pcSamples(bundle, pcId).map((sample) => ({ ...sample, report: this.value(sample.report) as StatsReportJson, ...(sample.cost ? { cost: { ...sample.cost } } : {}) })),
      );
    }
    return {
      session: this.session(bundle.session),
      pcs: bundle.pcs.map((pc) => this.pc(pc)),
      events: bundle.events.map((event): TraceEvent => ({ ...event, record: this.value(event.record as unknown as Json) as unknown as TraceRecord })),
      samples,
    };
  }

  summary(): RedactionSummary {
    const pair = (...tables: Table[]) => ({ values: tables.reduce((s, t) => s + t.map.size, 0), occurrences: tables.reduce((s, t) => s + t.occurrences, 0) });
    return {
      ipv4: pair(this.ipv4Private, this.ipv4Public),
      ipv6: pair(this.ipv6Private, this.ipv6Public),
      mdns: pair(this.mdns),
      ufrag: pair(this.ufrag),
      pwd: pair(this.pwd),
      fingerprint: pair(this.fingerprint),
      certificate: pair(this.certificate),
      credential: pair(this.credentials),
      url: pair(this.urls, this.origins),
      title: pair(this.titles),
    };
  }

  private session(session: SessionSummary): SessionSummary {
    const out: SessionSummary = {
      ...session,
      frames: session.frames.map((frame): FrameInfo => ({ ...frame, url: this.pageUrl(frame.url) })),
      refused: { ...session.refused },
    };
    if (session.imported) out.imported = { ...session.imported };
    out.url = this.pageUrl(session.url);
    out.origin = this.options.url ? this.origin(session.origin) : this.text(session.origin);
    if (this.options.url) out.title = session.title === '' ? '' : this.titles.get(session.title);
    return out;
  }

  private pc(pc: PcSummary): PcSummary {
    const out: PcSummary = { ...pc, pcId: this.text(pc.pcId), frameUrl: this.pageUrl(pc.frameUrl), config: this.value(pc.config) as PcSummary['config'] };
    if (pc.constraints !== undefined) out.constraints = this.value(pc.constraints);
    return out;
  }

  private originOf(url: string): string {
    try {
      return this.origins.get(new URL(url).origin);
    } catch {
      return this.origins.get(url);
    }
  }

  private origin(origin: string): string {
    return origin === '' || origin === 'null' ? origin : this.origins.get(origin);
  }

  /** A page or frame URL: replaced whole with the `url` option, else only the addresses in it. */
  private pageUrl(url: string): string {
    if (!this.options.url) return this.text(url);
    if (url === '' || url === 'about:blank') return url;
    return this.urls.get(url);
  }

  /** Deep copy with every key and string redacted; a few fields by name (ICE ufrag, certificates). */
  private value(value: Json, key?: string): Json {
    if (typeof value === 'string') {
      // Candidates' `usernameFragment`, transport's `iceLocalUsernameFragment` (Chromium M156 stats).
      if (key !== undefined && /usernameFragment$/i.test(key) && value !== '') return this.ufrag.get(value);
      if (key === 'base64Certificate' && value !== '') return this.certificate.get(value);
      // TURN `username`/`credential` of ICE servers: our recorder never stores them, imported rtcstats configs may.
      if ((key === 'username' || key === 'credential') && value !== '') return this.credentials.get(value);
      return this.text(value);
    }
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.value(item));
    const out: Record<string, Json> = {};
    for (const k of Object.keys(value)) setOwn(out, this.text(k), this.value(value[k], k));
    return out;
  }

  /** Redacts the patterns inside one string. */
  text(input: string): string {
    // Cheap exits: most strings (states, ids, field names, numbers) hold none of the patterns.
    if (!/[.:]|ufrag/.test(input)) return input;
    let s = input;
    s = s.replace(FINGERPRINT, (m) => this.fingerprint.get(m, m.toUpperCase()));
    s = s.replace(SDP_UFRAG, (_, prefix: string, v: string) => prefix + this.ufrag.get(v));
    s = s.replace(SDP_PWD, (_, prefix: string, v: string) => prefix + this.pwd.get(v));
    s = s.replace(CANDIDATE_UFRAG, (_, prefix: string, v: string) => prefix + this.ufrag.get(v));
    s = s.replace(MDNS, (m) => this.mdns.get(m, m.toLowerCase()));
    s = s.replace(IPV6_RUN, (m) => {
      const groups = ipv6Groups(m);
      if (!groups || keepIpv6(groups)) return m;
      // Unique local fc00::/7 and link-local fe80::/10 count as private. The key is the canonical form.
      const isPrivate = (groups[0] & 0xfe00) === 0xfc00 || (groups[0] & 0xffc0) === 0xfe80;
      return (isPrivate ? this.ipv6Private : this.ipv6Public).get(m, groups.map(hex).join(':'));
    });
    s = s.replace(IPV4, (m) => {
      const octets = ipv4Octets(m);
      if (!octets || keepIpv4(octets)) return m;
      return (isPrivateIpv4(octets) ? this.ipv4Private : this.ipv4Public).get(m);
    });
    return s;
  }
}
