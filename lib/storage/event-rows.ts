/**
 * How trace events are stored. Most events are tiny, but descriptions carry whole SDPs (5–15 KB each, and the
 * same SDP shows up in createOffer's result, setLocalDescription's argument and the peer's
 * setRemoteDescription): uncompressed they were most of a short call's stored bytes. Events whose JSON is
 * at least {@link PACK_THRESHOLD_CHARS} long are stored deflated; reading accepts both row shapes.
 */
import { deflateSync, strFromU8, strToU8 } from 'fflate';
import { inflateReused } from '../model/inflate';
import type { TraceEvent } from '../model/session';
import { EVENT_DICTIONARY_V1 } from './event-dictionary-v1';
import type { StoredEvent } from './schema';

/** Below this, a row's JSON is smaller than what deflate would save. */
export const PACK_THRESHOLD_CHARS = 128;
/** Preset dictionaries by the version stored in `StoredEvent.dict`. */
const DICTIONARIES: Record<number, Uint8Array> = { 1: strToU8(EVENT_DICTIONARY_V1) };
const CURRENT_DICTIONARY = 1;

/** The row for an event, and the bytes it costs (UTF-16 code units of its JSON, or the deflated size). */
export function toEventRow(sessionId: string, event: TraceEvent): { row: StoredEvent; bytes: number } {
  const json = JSON.stringify(event);
  if (json.length < PACK_THRESHOLD_CHARS) return { row: { sessionId, seq: event.seq, event }, bytes: json.length };
  const packed = deflateSync(strToU8(json), { level: 9, dictionary: DICTIONARIES[CURRENT_DICTIONARY] });
  return { row: { sessionId, seq: event.seq, packed, dict: CURRENT_DICTIONARY }, bytes: packed.byteLength };
}

export function fromEventRow(row: StoredEvent): TraceEvent {
  if (row.event) return row.event;
  if (row.packed) {
    const dictionary = row.dict === undefined ? undefined : DICTIONARIES[row.dict];
    if (row.dict !== undefined && !dictionary) throw new Error(`event row ${row.sessionId}#${row.seq}: unknown dictionary ${row.dict}`);
    return JSON.parse(strFromU8(inflateReused(row.packed, dictionary))) as TraceEvent;
  }
  throw new Error(`event row ${row.sessionId}#${row.seq} has neither an event nor packed data`);
}
