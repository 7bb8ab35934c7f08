import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../../lib/model/session';
import { fromEventRow, PACK_THRESHOLD_CHARS, toEventRow } from '../../../lib/storage/event-rows';

const sdp = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2']
  .concat(Array.from({ length: 120 }, (_, i) => `a=rtpmap:${96 + (i % 30)} VP8/90000 x-google-${i}`))
  .join('\r\n');
const big: TraceEvent = { seq: 4, frame: 0, pcId: '0-1', record: { type: 'pc-call', pc: 1, t: 1.5, call: 3, method: 'setLocalDescription', args: [{ type: 'offer', sdp }] } };
const small: TraceEvent = { seq: 5, frame: 0, pcId: "0-1", record: { type: "pc-event", pc: 1, t: 2, event: "negotiationneeded", value: null } };

describe('event rows', () => {
  it('stores small events as they are and large ones deflated, and reads both back exactly', () => {
    const a = toEventRow('s', small);
    expect(a.row).toEqual({ sessionId: 's', seq: 5, event: small });
    expect(a.bytes).toBe(JSON.stringify(small).length);
    const b = toEventRow('s', big);
    expect(JSON.stringify(big).length).toBeGreaterThan(PACK_THRESHOLD_CHARS);
    expect(b.row.event).toBeUndefined();
    expect(b.row.packed).toBeInstanceOf(Uint8Array);
    expect(b.bytes).toBeLessThan(JSON.stringify(big).length / 3);
    expect(fromEventRow(a.row)).toEqual(small);
    expect(fromEventRow(b.row)).toEqual(big);
  });

  it('refuses a row with nothing in it', () => {
    expect(() => fromEventRow({ sessionId: 's', seq: 1 })).toThrow(/neither an event nor packed data/);
  });
});

describe('event rows with the preset dictionary', () => {
  it('packs a typical ICE candidate event to well under its JSON size', () => {
    const candidate: TraceEvent = {
      seq: 12, frame: 0, pcId: '0-2',
      record: { type: 'pc-event', pc: 2, t: 1763776563123.456, event: 'icecandidate', value: { candidate: 'candidate:3049697979 1 udp 2122260223 127.0.0.1 35265 typ host generation 0 ufrag /Y4e network-id 1 network-cost 50', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: '/Y4e' } },
    };
    const { row, bytes } = toEventRow('s', candidate);
    expect(row.dict).toBe(1);
    expect(bytes).toBeLessThan(JSON.stringify(candidate).length / 2);
    expect(fromEventRow(row)).toEqual(candidate);
  });

  it('refuses a row packed with an unknown dictionary instead of returning garbage', () => {
    const { row } = toEventRow('s', big);
    expect(() => fromEventRow({ ...row, dict: 99 })).toThrow(/unknown dictionary 99/);
  });
});
