/**
 * Text formatting shared by the per-connection detail views (header, candidate pairs, event log, media requests,
 * stats table). Everything returns plain strings: the views render them as text, never as HTML.
 */

import { isEpochMs } from '../../lib/protocol/guards';
import { isLiveSession, type SessionData } from '../../lib/model/session';
const DASH = '—';

/**
 * ISO 8601 text of a time, for `dateTime` and `title` attributes; undefined (no attribute) for a time that is not epoch ms a Date can hold,
 * where `toISOString` would throw and take the whole view down.
 */
export function isoTime(epochMs: number): string | undefined {
  return isEpochMs(epochMs) ? new Date(epochMs).toISOString() : undefined;
}

/** "+12.345 s" (time since a PC's creation, or a session's start). */
export function formatSince(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

// Built once: Date#toLocaleString with options builds a new Intl.DateTimeFormat on every call, the bulk of a
// latest-value view's render. The options are what toLocaleString(undefined, { hour12: false }) defaults to.
let absoluteFormat: Intl.DateTimeFormat | null = null;

/** Absolute local time with milliseconds, for `title` attributes: "22/11/2026, 02:15:59.978". */
export function formatAbsolute(epochMs: number): string {
  const d = new Date(epochMs);
  if (Number.isNaN(d.getTime())) return String(epochMs);
  absoluteFormat ??= new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });
  return `${absoluteFormat.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Seconds (as stats report time) → "12.3 ms". */
export function formatSecondsAsMs(seconds: number | null): string {
  if (seconds === null) return DASH;
  const ms = seconds * 1000;
  // Trailing zeros dropped: browsers report RTTs in whole milliseconds, and "1.00 ms" claimed a precision they lack.
  return `${ms < 10 ? +ms.toFixed(2) : ms < 100 ? +ms.toFixed(1) : Math.round(ms)} ms`;
}

/** Milliseconds of a duration → "4.2 ms". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return DASH;
  return ms < 1000 ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Bytes → "1.03 MB" (decimal units, as network tools count). */
export function formatBytes(n: number | null): string {
  if (n === null) return DASH;
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** Bits per second → "4.09 Mbit/s". */
export function formatBitrate(bps: number | null): string {
  if (bps === null) return DASH;
  if (bps < 1000) return `${Math.round(bps)} bit/s`;
  if (bps < 1e6) return `${(bps / 1000).toFixed(bps < 1e4 ? 2 : 0)} kbit/s`;
  return `${(bps / 1e6).toFixed(2)} Mbit/s`;
}

export function formatCount(n: number | null): string {
  return n === null ? DASH : String(n);
}

export function orDash(s: string | null | undefined): string {
  return s === null || s === undefined || s === '' ? DASH : s;
}

/** Class for a state word, so failures read red and healthy states green (colours from the theme). */
export function stateClass(state: string | null): string {
  switch (state) {
    case 'connected':
    case 'completed':
    case 'succeeded':
    case 'complete':
    case 'stable':
    case 'open':
      return 'state-good';
    case 'failed':
    case 'closed':
      return 'state-bad';
    case 'disconnected':
    case 'checking':
    case 'connecting':
    case 'in-progress':
    case 'gathering':
    case 'have-local-offer':
    case 'have-remote-offer':
    case 'have-local-pranswer':
    case 'have-remote-pranswer':
    case 'new':
    case 'waiting':
    case 'frozen':
      return 'state-pending';
    default:
      return 'state-other';
  }
}

/** Elapsed time for people: "45 s", "3 min 04 s", "1 h 02 min". */
export function formatElapsed(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Why a connection has no stats samples to show, without a full stop: none yet (it is live), none in the imported
 * file (Firefox's about:webrtc page has no time series), or none recorded (it closed before its first poll).
 * "Yet" only where one may still come.
 */
export function noSamplesText(data: SessionData, pcId: string): { text: string; live: boolean } {
  const pc = data.pcs.find((p) => p.pcId === pcId);
  if (data.session.imported) return { text: 'The imported file has no stats samples for this connection', live: false };
  const live = pc !== undefined && pc.closedAt === null && isLiveSession(data.session);
  return { text: live ? 'No stats samples yet for this connection' : 'No stats samples were recorded for this connection', live };
}
