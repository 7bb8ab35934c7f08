import { describe, expect, it } from 'vitest';
import { createSerializer, DEFAULT_SERIALIZE_LIMITS } from '../../../lib/page/serialize';
import { findJsonProblem } from '../../../lib/protocol/guards';
import { RELAY_LIMITS } from '../../../lib/protocol/constants';

const tagged = (name: string, props: Record<string, unknown>) => {
  const proto = { [Symbol.toStringTag]: name };
  return Object.assign(Object.create(proto), props);
};

describe('createSerializer().value', () => {
  const ser = createSerializer();

  it('keeps plain JSON as it is', () => {
    const input = { a: 1, b: 'x', c: [true, null, { d: 2.5 }], e: {} };
    expect(ser.value(input)).toEqual(input);
  });

  it('turns what JSON cannot hold into strings', () => {
    expect(
      ser.value({ nan: NaN, inf: -Infinity, big: 10n, sym: Symbol('s'), fn() {}, arrow: () => 1, undef: undefined, date: new Date(0) }),
    ).toEqual({ nan: 'NaN', inf: '-Infinity', big: '10n', sym: 'Symbol(s)', fn: '[function]', arrow: '[function]', date: '1970-01-01T00:00:00.000Z' });
    expect(ser.value([undefined, () => 1])).toEqual([null, '[function]']);
    expect(ser.value(undefined)).toBeNull();
    expect(ser.value(new Uint8Array(16))).toBe('Uint8Array(16)');
    expect(ser.value(new ArrayBuffer(8))).toBe('ArrayBuffer(8)');
  });

  it('survives cycles, depth, size and hostile objects without throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    cyclic.list = [cyclic];
    expect(ser.value(cyclic)).toEqual({ name: 'loop', self: '[cycle]', list: ['[cycle]'] });
    // The same object twice (not a cycle) is serialised twice.
    const shared = { x: 1 };
    expect(ser.value({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });

    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) deep = (deep.next = {}) as Record<string, unknown>;
    expect(JSON.stringify(ser.value(root))).toContain('[too deep]');

    const hostile = {
      get boom() {
        throw new Error('getter');
      },
      ok: 1,
    };
    expect(ser.value(hostile)).toEqual({ boom: '[unreadable]', ok: 1 });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(ser.value(proxy)).toBe('[unreadable]');
    expect(ser.value({ p: proxy })).toEqual({ p: '[unreadable]' });
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('ownKeys'); } });
    expect(ser.value(trap)).toBe('[unreadable]');
  });

  it('caps strings, arrays, keys and the total size', () => {
    const small = createSerializer({}, { ...DEFAULT_SERIALIZE_LIMITS, maxStringChars: 10, maxArrayItems: 3, maxObjectKeys: 2, maxTotalChars: 50 });
    expect(small.value('x'.repeat(25))).toBe('xxxxxxxxxx…[+15 chars]');
    expect(small.value([1, 2, 3, 4, 5])).toEqual([1, 2, 3, '[+2 items]']);
    expect(small.value({ a: 1, b: 2, c: 3, d: 4 })).toEqual({ a: 1, b: 2, '[more keys]': 2 });
    const ten = '0123456789';
    const out = JSON.stringify(small.value([[ten, ten, ten], [ten, ten, ten]]));
    expect(out).toContain('[truncated]');
    // A full-size SDP passes untouched.
    const sdp = 'v=0\r\n' + 'a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n'.repeat(2000);
    expect(ser.value({ type: 'offer', sdp })).toEqual({ type: 'offer', sdp });
    // So does an SFU offer of 120 m-sections (~360 KB, past the old 256 KB cut), and its record fits the relay's cap.
    const section = 'm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n' + 'a=rtcp-fb:96 nack pli\r\n'.repeat(120);
    const big = 'v=0\r\n' + section.repeat(120);
    expect(big.length).toBeGreaterThan(300 * 1024);
    expect(ser.value({ type: 'offer', sdp: big })).toEqual({ type: 'offer', sdp: big });
    expect(JSON.stringify({ type: 'pc-call', args: [ser.value({ type: 'offer', sdp: big })] }).length).toBeLessThan(RELAY_LIMITS.maxRecordChars);
  });

  it('drops __proto__ keys and credentials, and the result passes the relay guard', () => {
    const input = JSON.parse('{"__proto__": {"evil": 1}, "iceServers": [{"urls": "turn:x", "username": "u", "credential": "pw"}]}');
    const out = ser.value(input);
    expect(out).toEqual({ iceServers: [{ urls: 'turn:x', username: 'u' }] });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    const messy: Record<string, unknown> = { nan: NaN, nested: { deeper: [1, { x: Infinity }] }, __proto__: null };
    messy.cycle = messy;
    expect(findJsonProblem(ser.value(messy))).toBeNull();
  });

  it('does not call setters the page put on Object.prototype', () => {
    let called = 0;
    Object.defineProperty(Object.prototype, 'sdp', {
      configurable: true,
      set() {
        called++;
      },
      get() {
        return undefined;
      },
    });
    try {
      expect(ser.value({ type: 'offer', sdp: 'v=0' })).toHaveProperty('sdp', 'v=0');
      expect(called).toBe(0);
    } finally {
      delete (Object.prototype as Record<string, unknown>).sdp;
    }
  });

  it('describes WebRTC objects by their tag', () => {
    const track = tagged('MediaStreamTrack', { id: 't1', kind: 'audio', label: 'Mic', enabled: true });
    const stream = tagged('MediaStream', { id: 's1', getTracks: () => [track] });
    expect(ser.value(track)).toEqual({ id: 't1', kind: 'audio', label: 'Mic' });
    expect(ser.value(stream)).toEqual({ id: 's1', tracks: [{ id: 't1', kind: 'audio', label: 'Mic' }] });
    expect(ser.value(tagged('RTCSessionDescription', { type: 'answer', sdp: 'v=0' }))).toEqual({ type: 'answer', sdp: 'v=0' });
    expect(
      ser.value(
        tagged('RTCIceCandidate', {
          toJSON: () => ({ candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' }),
          url: 'turn:t',
          relayProtocol: 'tls',
        }),
      ),
    ).toEqual({ candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u', url: 'turn:t', relayProtocol: 'tls' });
    expect(ser.value(tagged('RTCCertificate', { expires: 5, getFingerprints: () => [{ algorithm: 'sha-256', value: 'AA' }] }))).toEqual({
      expires: 5,
      fingerprints: [{ algorithm: 'sha-256', value: 'AA' }],
    });
    expect(ser.value(tagged('RTCRtpSender', { track }))).toEqual({ track: { id: 't1', kind: 'audio', label: 'Mic' } });
    expect(
      ser.value(
        tagged('RTCRtpTransceiver', {
          mid: '0',
          direction: 'sendrecv',
          currentDirection: null,
          sender: { track: null },
          receiver: { track },
        }),
      ),
    ).toEqual({ mid: '0', direction: 'sendrecv', currentDirection: null, sender: { track: null }, receiver: { track: { id: 't1', kind: 'audio', label: 'Mic' } } });
    expect(ser.value(tagged('RTCDataChannel', { id: 1, label: 'chat', ordered: true, readyState: 'open', maxRetransmits: null }))).toEqual({
      id: 1,
      label: 'chat',
      ordered: true,
      readyState: 'open',
      maxRetransmits: null,
    });
    expect(ser.value(tagged('RTCPeerConnection', {}))).toBe('[RTCPeerConnection]');
    expect(ser.value(new DOMException('closed', 'InvalidStateError'))).toEqual({ name: 'InvalidStateError', message: 'closed' });
    expect(ser.value(tagged('HTMLVideoElement', {}))).toBe('[object HTMLVideoElement]');
  });

  it('prefers natives captured at install over the page-reachable methods', () => {
    const nativeSer = createSerializer({ streamGetTracks: () => [], candidateToJSON: () => ({ candidate: 'native' }) });
    const stream = tagged('MediaStream', { id: 's', getTracks: () => { throw new Error('page replaced me'); } });
    expect(nativeSer.value(stream)).toEqual({ id: 's', tracks: [] });
    expect(nativeSer.value(tagged('RTCIceCandidate', { toJSON: () => ({ candidate: 'page' }) }))).toEqual({ candidate: 'native' });
  });
});

describe('createSerializer: args, error, tracks', () => {
  const ser = createSerializer();

  it('args keeps the list length, undefined as null', () => {
    expect(ser.args([undefined, 1, () => 0])).toEqual([null, 1, '[function]']);
    expect(ser.args([])).toEqual([]);
  });

  it('error gives name and message of anything thrown', () => {
    expect(ser.error(new TypeError('bad'))).toEqual({ name: 'TypeError', message: 'bad' });
    expect(ser.error(new DOMException('m', 'OperationError'))).toEqual({ name: 'OperationError', message: 'm' });
    expect(ser.error('just a string')).toEqual({ name: 'string', message: 'just a string' });
    expect(ser.error(undefined)).toEqual({ name: 'undefined', message: 'undefined' });
    expect(
      ser.error({
        get name() {
          throw new Error('x');
        },
      }),
    ).toEqual({ name: '[object Object]', message: '' });
  });

  it('error keeps what an OverconstrainedError or RTCError says beyond its message, through the native getters only', () => {
    // Stand-ins for the browser's interfaces: getters that throw on anything but their own instances, as natives do.
    const own = new WeakSet<object>();
    const getter = (value: (e: object) => unknown) =>
      function (this: unknown) {
        if (typeof this !== 'object' || this === null || !own.has(this)) throw new TypeError('Illegal invocation');
        return value(this);
      };
    class FakeOverconstrained extends Error {
      constructor(readonly c: string) {
        super('');
        this.name = 'OverconstrainedError';
        own.add(this);
      }
    }
    class FakeRtcError extends Error {
      constructor(readonly line: number | null) {
        super('Failed to parse SessionDescription.');
        this.name = 'OperationError';
        own.add(this);
      }
    }
    const withDetail = createSerializer({
      errorDetailGetters: [
        ['constraint', getter((e) => (e as FakeOverconstrained).c)],
        ['errorDetail', getter(() => 'sdp-syntax-error')],
        ['sdpLineNumber', getter((e) => (e as FakeRtcError).line)],
        ['httpRequestStatusCode', getter(() => NaN)],
      ],
    });
    // Each stand-in answers to every getter here; what counts is that values are kept, null/NaN/'' dropped.
    expect(withDetail.error(new FakeOverconstrained('width'))).toEqual({
      name: 'OverconstrainedError',
      message: '',
      detail: { constraint: 'width', errorDetail: 'sdp-syntax-error' },
    });
    expect(withDetail.error(new FakeRtcError(7)).detail).toEqual({ errorDetail: 'sdp-syntax-error', sdpLineNumber: 7 });
    expect(withDetail.error(new FakeOverconstrained('x'.repeat(500))).detail?.constraint).toHaveLength(200);
    // A page's own error with a `constraint` getter: the native getters refuse it, and its getter never runs.
    let ran = false;
    const pageError = {
      name: 'OverconstrainedError',
      message: 'm',
      get constraint() {
        ran = true;
        return 'width';
      },
    };
    expect(withDetail.error(pageError)).toEqual({ name: 'OverconstrainedError', message: 'm' });
    expect(ran).toBe(false);
    // Firefox's MediaStreamError (no global interface to capture a getter from): its constraint is read directly.
    const firefoxError = { [Symbol.toStringTag]: 'MediaStreamError', name: 'OverconstrainedError', message: 'Constraints could not be satisfied.', constraint: 'width' };
    expect(withDetail.error(firefoxError).detail).toEqual({ constraint: 'width' });
    expect(createSerializer().error({ ...firefoxError, constraint: '' }).detail).toBeUndefined();
  });

  it('trackWithSettings and streamWithSettings add getSettings()', () => {
    const track = tagged('MediaStreamTrack', { id: 't', kind: 'video', label: 'Cam', getSettings: () => ({ width: 640, height: 480 }) });
    expect(ser.trackWithSettings(track)).toEqual({ id: 't', kind: 'video', label: 'Cam', settings: { width: 640, height: 480 } });
    const stream = tagged('MediaStream', { id: 's', getTracks: () => [track] });
    expect(ser.streamWithSettings(stream)).toEqual({ id: 's', tracks: [{ id: 't', kind: 'video', label: 'Cam', settings: { width: 640, height: 480 } }] });
    expect(ser.streamWithSettings(null)).toEqual({ id: '', tracks: [] });
  });
});
