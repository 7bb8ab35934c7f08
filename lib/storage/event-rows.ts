/**
 * How trace events are stored. Most events are tiny, but descriptions carry whole SDPs (5–15 KB each, and the
 * same SDP shows up in createOffer's result, setLocalDescription's argument and the peer's
 * setRemoteDescription): uncompressed they were most of a short call's stored bytes. Events whose JSON is
 * at least {@link PACK_THRESHOLD_CHARS} long are stored deflated; reading accepts both row shapes.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import type { TraceEvent } from '../model/session';
import type { StoredEvent } from './schema';

export const PACK_THRESHOLD_CHARS = 512;

/** The row for an event, and the bytes it costs (UTF-16 code units of its JSON, or the deflated size). */
export function toEventRow(sessionId: string, event: TraceEvent): { row: StoredEvent; bytes: number } {
  const json = JSON.stringify(event);
  if (json.length < PACK_THRESHOLD_CHARS) return { row: { sessionId, seq: event.seq, event }, bytes: json.length };
  const packed = deflateSync(strToU8(json), { level: 6 });
  return { row: { sessionId, seq: event.seq, packed }, bytes: packed.byteLength };
}

export function fromEventRow(row: StoredEvent): TraceEvent {
  if (row.event) return row.event;
  if (row.packed) return JSON.parse(strFromU8(inflateSync(row.packed))) as TraceEvent;
  throw new Error(`event row ${row.sessionId}#${row.seq} has neither an event nor packed data`);
}
