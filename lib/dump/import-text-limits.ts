/**
 * The text caps of a recorded call, applied to every imported session before it is stored: page URL, title and
 * user agent as the background caps a page's hello ({@link HELLO_LIMITS}), and every string of an event record as
 * the hook caps what it serialises (1 MiB each, 2 MiB per record in all, about the relay's per-record cap).
 *
 * Without them a file could store anything: one dump with a 60 MB `UserAgent` went whole into the session's
 * summary, and with two of them stored the viewer could no longer list any session (the background took longer to
 * answer `list-sessions` than a view waits). Real dumps never come near these sizes (user agents are ~300
 * characters, SDPs tens of KB), so a cut marks a broken or hostile file; the cut text says how much was left out.
 * Stats need nothing here: a poll whose report passes the recorder's size cap already stops the PC's stats
 * (import-stats-limits.ts).
 */
import { HELLO_LIMITS } from '../protocol/constants';
import { DUMP_ENTRY_EVENT } from '../protocol/messages';
import type { Json, JsonObject } from '../protocol/json';
import { truncateText } from '../protocol/text';
import type { SessionBundle } from './session-bundle';

/** Longest string kept in an imported record (the hook's own cap on a serialised string). */
export const MAX_IMPORTED_STRING_CHARS = 1024 * 1024;
/** Characters of strings kept per imported record; what comes after is "[truncated]". */
export const MAX_IMPORTED_RECORD_CHARS = 2 * 1024 * 1024;

/**
 * Cuts what passes the caps, in place; returns how many strings were cut. `onCut` hears where each cut (or each
 * record with cuts) was and why, for the import's result: a cut is not a problem that stops an import (a real page
 * can have a long URL), but the user is told.
 */
export function limitBundleText(bundle: SessionBundle, onCut?: (where: string, reason: string) => void): number {
  let cuts = 0;
  const cap = (text: string, max: number, where: string) => {
    if (text.length <= max) return text;
    cuts++;
    onCut?.(where, `${text.length} characters, cut to the ${max} a recorded call keeps`);
    return truncateText(text, max);
  };
  const s = bundle.session;
  s.url = cap(s.url, HELLO_LIMITS.maxUrlChars, 'page URL');
  s.origin = cap(s.origin, HELLO_LIMITS.maxUrlChars, 'page origin');
  s.title = cap(s.title, HELLO_LIMITS.maxTitleChars, 'page title');
  s.userAgent = cap(s.userAgent, HELLO_LIMITS.maxUserAgentChars, 'user agent');
  for (const frame of s.frames) frame.url = cap(frame.url, HELLO_LIMITS.maxUrlChars, `frame ${frame.index} URL`);
  const recordCuts = (budget: Budget, where: string) => {
    if (budget.cuts === 0) return;
    cuts += budget.cuts;
    const longest = budget.longest;
    onCut?.(where, `${budget.cuts === 1 ? 'a string' : `${budget.cuts} strings`} too long (the longest ${longest} characters), cut to fit the ${MAX_IMPORTED_STRING_CHARS} per string and ${MAX_IMPORTED_RECORD_CHARS} per record a recorded call keeps`);
  };
  for (const pc of bundle.pcs) {
    pc.frameUrl = cap(pc.frameUrl, HELLO_LIMITS.maxUrlChars, `peer connection ${pc.fileId ?? pc.pcId}: frame URL`);
    const budget: Budget = { left: MAX_IMPORTED_RECORD_CHARS, cuts: 0, longest: 0 };
    pc.config = limitJson(pc.config, budget) as JsonObject;
    if (pc.constraints !== undefined) pc.constraints = limitJson(pc.constraints, budget);
    recordCuts(budget, `peer connection ${pc.fileId ?? pc.pcId}: configuration`);
  }
  const fileIds = new Map(bundle.pcs.map((pc) => [pc.pcId, pc.fileId ?? pc.pcId]));
  for (const event of bundle.events) {
    const budget: Budget = { left: MAX_IMPORTED_RECORD_CHARS, cuts: 0, longest: 0 };
    const limited = limitJson(event.record as unknown as Json, budget);
    if (budget.cuts > 0) {
      event.record = limited as unknown as typeof event.record;
      recordCuts(budget, `${event.pcId !== null ? `peer connection ${fileIds.get(event.pcId) ?? event.pcId}: ` : ''}${recordName(event.record)}`);
    }
  }
  return cuts;
}

/** "setRemoteDescription", "icecandidate event", "file entry logs": what a record is, for a cut's place. */
function recordName(record: SessionBundle['events'][number]['record']): string {
  const r = record as { type: string; method?: unknown; event?: unknown; value?: { name?: unknown } };
  if (typeof r.method === 'string') return r.method;
  // An imported entry of the file (of no PC, or of a PC but of no API we know): by its name in the file.
  if ((r.type === 'file-entry' || r.event === DUMP_ENTRY_EVENT) && typeof r.value?.name === 'string') return `file entry ${r.value.name}`;
  if (typeof r.event === 'string') return `${r.event} event`;
  return r.type;
}

interface Budget {
  left: number;
  cuts: number;
  /** Length of the longest string cut. */
  longest: number;
}

/** `value` with every string (and key) within the caps; the same object where nothing had to be cut. */
function limitJson(value: Json, budget: Budget): Json {
  if (typeof value === 'string') return limitString(value, budget);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: Json[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = limitJson(value[i], budget);
      if (item !== value[i]) (out ??= value.slice())[i] = item;
    }
    return out ?? value;
  }
  let out: JsonObject | null = null;
  for (const key of Object.keys(value)) {
    const limitedKey = limitString(key, budget);
    const item = limitJson(value[key], budget);
    if (limitedKey === key && item === value[key] && out === null) continue;
    if (out === null) {
      // Rebuild in order from here on (a cut key must keep its place among the others).
      out = {};
      for (const earlier of Object.keys(value)) {
        if (earlier === key) break;
        Object.defineProperty(out, earlier, { value: value[earlier], enumerable: true, writable: true, configurable: true });
      }
    }
    // Defined, not assigned: a key "__proto__" stays a key.
    Object.defineProperty(out, limitedKey, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out ?? value;
}

function limitString(text: string, budget: Budget): string {
  const max = Math.min(MAX_IMPORTED_STRING_CHARS, Math.max(0, budget.left));
  if (text.length <= max) {
    budget.left -= text.length;
    return text;
  }
  budget.cuts++;
  if (text.length > budget.longest) budget.longest = text.length;
  if (max < 64) {
    budget.left = 0;
    return '[truncated]';
  }
  const kept = truncateText(text, max - 32).slice(0, -1); // without its "…": the note says how much went
  const cut = `${kept}…[+${text.length - kept.length} chars]`;
  budget.left -= cut.length;
  return cut;
}
