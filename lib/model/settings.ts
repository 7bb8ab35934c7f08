import { DEFAULT_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS } from '../protocol/constants';
import { DEFAULT_HEALTH_THRESHOLDS, normalizeHealthThresholds, type HealthThresholds } from './health/thresholds';

/** User settings, kept in the extension's `storage.local` under {@link SETTINGS_KEY}. */
export interface Settings {
  /** getStats polling period in the page, ms ({@link MIN_POLL_INTERVAL_MS}…{@link MAX_POLL_INTERVAL_MS}). */
  pollIntervalMs: number;
  /** Stop capturing everywhere (nothing is posted, nothing polled). */
  paused: boolean;
  /** Host patterns not captured: `example.com` matches it and its subdomains; `*` matches everything. */
  excludedSites: string[];
  retention: {
    /** Sessions older than this (by their last activity) are deleted; 0 = keep forever. */
    maxAgeDays: number;
    /** Total stored size above which the oldest sessions are deleted; 0 = no limit. */
    maxTotalMB: number;
  };
  /** Issue thresholds of the health rules (lib/model/health/thresholds.ts). */
  health: HealthThresholds;
  /** Sites whose capture the user paused from the popup (same host matching as {@link excludedSites}). */
  pausedSites: string[];
}

export const SETTINGS_KEY = 'settings';

export const DEFAULT_SETTINGS: Settings = {
  pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
  paused: false,
  excludedSites: [],
  retention: { maxAgeDays: 30, maxTotalMB: 500 },
  health: DEFAULT_HEALTH_THRESHOLDS,
  pausedSites: [],
};

/** Settings from untrusted storage content: unknown keys dropped, every value checked, defaults filled in. */
export function normalizeSettings(raw: unknown): Settings {
  const input = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const retention = (input.retention && typeof input.retention === 'object' ? input.retention : {}) as Record<
    string,
    unknown
  >;
  const finiteWithin = (value: unknown, min: number, fallback: number, max = Infinity) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
  return {
    pollIntervalMs: finiteWithin(input.pollIntervalMs, MIN_POLL_INTERVAL_MS, DEFAULT_SETTINGS.pollIntervalMs, MAX_POLL_INTERVAL_MS),
    paused: typeof input.paused === 'boolean' ? input.paused : DEFAULT_SETTINGS.paused,
    excludedSites: hostList(input.excludedSites),
    retention: {
      maxAgeDays: finiteWithin(retention.maxAgeDays, 0, DEFAULT_SETTINGS.retention.maxAgeDays),
      maxTotalMB: finiteWithin(retention.maxTotalMB, 0, DEFAULT_SETTINGS.retention.maxTotalMB),
    },
    health: normalizeHealthThresholds(input.health),
    pausedSites: hostList(input.pausedSites),
  };
}

/** Stored site lists: read as the options page reads them, what is no site dropped. */
function hostList(value: unknown): string[] {
  return Array.isArray(value) ? sitePatternsOf(value.filter((item): item is string => typeof item === 'string')).patterns : [];
}

/** A host name (letters, digits, hyphens, in dot-separated labels), an IPv4 address, or an IPv6 one in brackets. */
const HOST_RE = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/;

/**
 * What a user wrote for a site, as the pattern {@link isSiteExcluded} matches: a URL is reduced to its host, a
 * leading `*.` and a trailing dot are dropped (a pattern covers the subdomains anyway), a port is ignored (sites are
 * hosts), letters are lower case; `*` stays. Null when what is left is no host name (`host!!`, `http://`).
 */
export function sitePattern(text: string): string | null {
  let s = text.trim().toLowerCase();
  if (s === '*') return s;
  if (s.includes('://')) {
    try {
      s = new URL(s).hostname;
    } catch {
      return null;
    }
  } else {
    // host:port and host/path as people paste them.
    s = s.replace(/[/?#].*$/, '');
    if (!s.startsWith('[')) s = s.replace(/:\d*$/, '');
  }
  s = s.replace(/^\*\./, '').replace(/\.$/, '');
  return s.length <= 253 && HOST_RE.test(s) ? s : null;
}

/** The site patterns of a text (one per line, or separated by spaces or commas), and what in it is no site. */
export function parseSitePatterns(text: string): { patterns: string[]; invalid: string[] } {
  return sitePatternsOf(text.split(/[\s,]+/));
}

/** Each item as a site pattern, once; the non-empty items that are no site in `invalid`. */
function sitePatternsOf(items: readonly string[]): { patterns: string[]; invalid: string[] } {
  const patterns: string[] = [];
  const invalid: string[] = [];
  for (const item of items) {
    if (item.trim() === '') continue;
    const pattern = sitePattern(item);
    if (pattern === null) invalid.push(item);
    else if (!patterns.includes(pattern)) patterns.push(pattern);
  }
  return { patterns, invalid };
}

/**
 * Whether capture is on for a frame, given the hosts it is judged by: its own and, where known, its tab's top-level
 * site's (pausing or excluding a site covers every frame of its pages, and the site wherever it is framed). An empty
 * host (a frame whose URL has none) decides nothing.
 */
export function captureAllowed(settings: Pick<Settings, 'paused' | 'excludedSites' | 'pausedSites'>, hosts: readonly string[]): boolean {
  if (settings.paused) return false;
  return hosts.every((host) => host === '' || (!isSiteExcluded(host, settings.excludedSites) && !isSiteExcluded(host, settings.pausedSites)));
}

/** The host of a URL, or '' when it has none (about:, data:, an invalid URL). */
export function hostOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** Whether `hostname` is excluded by `patterns` (exact host or any subdomain of it; `*` = all). */
export function isSiteExcluded(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return patterns.some((pattern) => pattern === '*' || host === pattern || host.endsWith('.' + pattern));
}
