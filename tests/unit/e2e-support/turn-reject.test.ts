// The STUN/TURN message encoding of the end-to-end tests' refusing TURN server (tests/e2e/support/turn-reject.mjs),
// and the server itself over UDP on 127.0.0.1.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTR,
  CLASS,
  METHOD,
  decodeMessage,
  encodeMessage,
  errorCodeValue,
  isLocalSender,
  messageType,
  namesServer,
  parseErrorCode,
  parseXorMappedAddress,
  splitMessageType,
  startTurnReject,
  xorMappedAddressValue,
} from '../../e2e/support/turn-reject.mjs';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// RFC 5769 §2.2 (sample IPv4 response): transaction id and XOR-MAPPED-ADDRESS of 192.0.2.1:32853.
const RFC5769_TID = hex('b7 e7 a7 01 bc 34 d6 86 fa 87 df ae');

describe('message types', () => {
  it('interleaves the class bits with the method (RFC 5389 §6)', () => {
    expect(messageType(METHOD.BINDING, CLASS.REQUEST)).toBe(0x0001);
    expect(messageType(METHOD.BINDING, CLASS.SUCCESS)).toBe(0x0101);
    expect(messageType(METHOD.ALLOCATE, CLASS.REQUEST)).toBe(0x0003);
    expect(messageType(METHOD.ALLOCATE, CLASS.SUCCESS)).toBe(0x0103);
    expect(messageType(METHOD.ALLOCATE, CLASS.ERROR)).toBe(0x0113);
    expect(messageType(METHOD.REFRESH, CLASS.ERROR)).toBe(0x0114);
  });
  it('splits every type back into method and class', () => {
    for (let method = 0; method < 0x1000; method += 7) {
      for (const cls of [0, 1, 2, 3]) expect(splitMessageType(messageType(method, cls))).toEqual({ method, cls });
    }
  });
});

describe('encodeMessage / decodeMessage', () => {
  const tid = Buffer.from('0123456789ab');
  it('writes the header, the attributes padded to 4 bytes, and reads them back', () => {
    const buf = encodeMessage({
      method: METHOD.ALLOCATE,
      cls: CLASS.ERROR,
      transactionId: tid,
      attributes: [
        { type: ATTR.ERROR_CODE, value: errorCodeValue(401) },
        { type: ATTR.REALM, value: Buffer.from('realm') },
        { type: ATTR.NONCE, value: Buffer.from('nonce123') },
      ],
    });
    expect(buf.readUInt16BE(0)).toBe(0x0113);
    expect(buf.readUInt32BE(4)).toBe(0x2112a442);
    expect(buf.subarray(8, 20)).toEqual(tid);
    // ERROR-CODE 4 + 4 + 12 ("Unauthorized") = 20; REALM 4 + 5 + 3 padding = 12; NONCE 4 + 8 = 12.
    expect(buf.readUInt16BE(2)).toBe(44);
    expect(buf.length).toBe(64);
    expect(buf.subarray(20, 28)).toEqual(hex('0009 0010 0000 0401'));
    expect(buf.subarray(40, 52)).toEqual(Buffer.concat([hex('0014 0005'), Buffer.from('realm'), Buffer.alloc(3)]));

    const msg = decodeMessage(buf)!;
    expect(msg).toMatchObject({ type: 0x0113, method: METHOD.ALLOCATE, cls: CLASS.ERROR });
    expect(msg.transactionId).toEqual(tid);
    expect(msg.attributes.map((a) => a.type)).toEqual([ATTR.ERROR_CODE, ATTR.REALM, ATTR.NONCE]);
    expect(parseErrorCode(msg.attributes[0].value)).toEqual({ code: 401, reason: 'Unauthorized' });
    expect(msg.attributes[1].value.toString()).toBe('realm');
    expect(msg.attributes[2].value.toString()).toBe('nonce123');
  });
  it('encodes error codes as class and number', () => {
    expect(errorCodeValue(441)).toEqual(Buffer.concat([hex('0000 0429'), Buffer.from('Wrong Credentials')]));
    expect(parseErrorCode(errorCodeValue(599, 'x'))).toEqual({ code: 599, reason: 'x' });
    expect(() => errorCodeValue(200)).toThrow();
  });
  it('refuses what is not a STUN message', () => {
    const ok = encodeMessage({ method: METHOD.BINDING, cls: CLASS.REQUEST, transactionId: tid, attributes: [{ type: ATTR.SOFTWARE, value: Buffer.from('x') }] });
    expect(decodeMessage(ok)).not.toBeNull();
    expect(decodeMessage(ok.subarray(0, 19))).toBeNull(); // shorter than a header
    const noCookie = Buffer.from(ok);
    noCookie.writeUInt32BE(0, 4);
    expect(decodeMessage(noCookie)).toBeNull();
    const topBits = Buffer.from(ok);
    topBits[0] |= 0x80; // e.g. RTP or a ChannelData message
    expect(decodeMessage(topBits)).toBeNull();
    expect(decodeMessage(ok.subarray(0, ok.length - 4))).toBeNull(); // length beyond the datagram
    const overrun = Buffer.from(ok);
    overrun.writeUInt16BE(9, 22); // the attribute claims more than the message holds
    expect(decodeMessage(overrun)).toBeNull();
  });
  it('XOR-MAPPED-ADDRESS matches RFC 5769 §2.2', () => {
    expect(xorMappedAddressValue('192.0.2.1', 32853, RFC5769_TID)).toEqual(hex('0001 a147 e112a643'));
    expect(parseXorMappedAddress(hex('0001 a147 e112a643'), RFC5769_TID)).toEqual({ address: '192.0.2.1', port: 32853 });
    // IPv6 (RFC 5769 §2.3): 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
    expect(xorMappedAddressValue('2001:db8:1234:5678:11:2233:4455:6677', 32853, RFC5769_TID)).toEqual(
      hex('0002 a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9'),
    );
  });
});

describe('senders and URLs', () => {
  it('answers only loopback and the test namespace', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '10.213.0.1', '10.213.0.77']) expect(isLocalSender(a)).toBe(true);
    for (const a of ['10.0.0.1', '10.213.1.1', '192.0.2.1', '8.8.8.8', '2001:db8::1']) expect(isLocalSender(a)).toBe(false);
  });
  it('matches a reported url with or without its transport', () => {
    const turn = { url: 'turn:10.213.0.1:4000?transport=udp' };
    expect(namesServer('turn:10.213.0.1:4000?transport=udp', turn)).toBe(true);
    expect(namesServer('turn:10.213.0.1:4000', turn)).toBe(true);
    expect(namesServer('turn:10.213.0.1:4001', turn)).toBe(false);
    expect(namesServer('stun:127.0.0.1:3478', turn)).toBe(false);
    expect(namesServer(undefined, turn)).toBe(false);
  });
});

describe('startTurnReject', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0)) await f();
  });

  async function client() {
    const socket = createSocket('udp4');
    await new Promise<void>((ok) => socket.bind(0, '127.0.0.1', () => ok()));
    cleanup.push(() => new Promise<void>((ok) => socket.close(() => ok())));
    return {
      port: socket.address().port,
      ask(port: number, msg: Buffer, timeout = 2000) {
        return new Promise<NonNullable<ReturnType<typeof decodeMessage>>>((ok, fail) => {
          const timer = setTimeout(() => {
            socket.removeAllListeners('message');
            fail(new Error('no answer'));
          }, timeout);
          socket.once('message', (buf) => {
            clearTimeout(timer);
            ok(decodeMessage(buf)!);
          });
          socket.send(msg, port, '127.0.0.1');
        });
      },
    };
  }
  const request = (method: number, attributes: { type: number; value: Buffer }[] = []) =>
    encodeMessage({ method, cls: CLASS.REQUEST, transactionId: Buffer.from(Math.random().toString(16).slice(2, 14).padEnd(12, '0')), attributes });

  it('challenges an Allocate, rejects the authenticated retry with 401 again, answers Binding', async () => {
    const turn = await startTurnReject({ host: '127.0.0.1' });
    cleanup.push(() => turn.close());
    expect(turn.url).toBe(`turn:127.0.0.1:${turn.port}?transport=udp`);
    const c = await client();

    const first = request(METHOD.ALLOCATE);
    const challenge = await c.ask(turn.port, first);
    expect(challenge.type).toBe(0x0113);
    expect(challenge.transactionId).toEqual(first.subarray(8, 20));
    const attr = (m: typeof challenge, type: number) => m.attributes.find((a) => a.type === type)?.value;
    expect(parseErrorCode(attr(challenge, ATTR.ERROR_CODE)!).code).toBe(401);
    expect(attr(challenge, ATTR.REALM)!.toString()).toBe(turn.realm);
    const nonce = attr(challenge, ATTR.NONCE)!.toString();
    expect(nonce.length).toBeGreaterThan(0);

    const retry = await c.ask(
      turn.port,
      request(METHOD.ALLOCATE, [
        { type: ATTR.USERNAME, value: Buffer.from('x') },
        { type: ATTR.REALM, value: Buffer.from(turn.realm) },
        { type: ATTR.NONCE, value: Buffer.from(nonce) },
        { type: ATTR.MESSAGE_INTEGRITY, value: Buffer.alloc(20) },
      ]),
    );
    expect(retry.type).toBe(0x0113);
    expect(parseErrorCode(attr(retry, ATTR.ERROR_CODE)!).code).toBe(401);

    const binding = request(METHOD.BINDING);
    const mapped = await c.ask(turn.port, binding);
    expect(mapped.type).toBe(0x0101);
    expect(parseXorMappedAddress(attr(mapped, ATTR.XOR_MAPPED_ADDRESS)!, binding.subarray(8, 20))).toEqual({ address: '127.0.0.1', port: c.port });

    const refresh = await c.ask(turn.port, request(METHOD.REFRESH));
    expect(parseErrorCode(attr(refresh, ATTR.ERROR_CODE)!).code).toBe(400);

    await turn.waitForRequests((r) => r.authenticated, { timeout: 100 });
    expect(turn.requests.map((r) => [r.method, r.authenticated, r.answer, r.username])).toEqual([
      [METHOD.ALLOCATE, false, '401 challenge', undefined],
      [METHOD.ALLOCATE, true, '401 reject', 'x'],
      [METHOD.BINDING, false, 'binding success', undefined],
      [METHOD.REFRESH, false, '400', undefined],
    ]);
    await expect(turn.waitForRequests((r) => r.method === 0x999, { timeout: 50 })).rejects.toThrow(/timed out/);
  });

  it('rejects the retry with another code when asked', async () => {
    const turn = await startTurnReject({ host: '127.0.0.1', rejectCode: 441 });
    cleanup.push(() => turn.close());
    const c = await client();
    const retry = await c.ask(turn.port, request(METHOD.ALLOCATE, [{ type: ATTR.MESSAGE_INTEGRITY, value: Buffer.alloc(20) }]));
    expect(parseErrorCode(retry.attributes.find((a) => a.type === ATTR.ERROR_CODE)!.value)).toEqual({ code: 441, reason: 'Wrong Credentials' });
    expect(retry.attributes.some((a) => a.type === ATTR.REALM)).toBe(false);
  });

  it('ignores datagrams that are not STUN requests', async () => {
    const turn = await startTurnReject({ host: '127.0.0.1' });
    cleanup.push(() => turn.close());
    const c = await client();
    const response = encodeMessage({ method: METHOD.BINDING, cls: CLASS.SUCCESS, transactionId: Buffer.alloc(12) });
    await expect(c.ask(turn.port, Buffer.from('hello, not stun'), 300)).rejects.toThrow('no answer');
    await expect(c.ask(turn.port, response, 300)).rejects.toThrow('no answer');
    expect(turn.requests).toEqual([]);
    // A request after them is still answered.
    expect((await c.ask(turn.port, request(METHOD.ALLOCATE))).type).toBe(0x0113);
  });
});
