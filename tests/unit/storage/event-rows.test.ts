import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../../lib/model/session';
import { fromEventRow, PACK_THRESHOLD_CHARS, toEventRow } from '../../../lib/storage/event-rows';

const sdp = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2']
  .concat(Array.from({ length: 120 }, (_, i) => `a=rtpmap:${96 + (i % 30)} VP8/90000 x-google-${i}`))
  .join('\r\n');
const big: TraceEvent = { seq: 4, frame: 0, pcId: '0-1', record: { type: 'pc-call', pc: 1, t: 1.5, call: 3, method: 'setLocalDescription', args: [{ type: 'offer', sdp }] } };
const small: TraceEvent = { seq: 5, frame: 0, pcId: '0-1', record: { type: 'pc-event', pc: 1, t: 2, event: 'signalingstatechange', value: 'have-local-offer' } };

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
