// A TURN server that refuses everyone: makes a browser's ICE agent fire `icecandidateerror`, fast and for real,
// without any traffic leaving the machine.
//
//   const turn = await startTurnReject();        // UDP, on the namespace's veth address (else 127.0.0.1)
//   page config: { iceServers: [{ urls: turn.url, username: 'x', credential: 'y' }] }   // turn:10.213.0.1:PORT?transport=udp
//   await turn.waitForRequests((r) => r.authenticated);   // the browser's retry came in
//   await turn.close();
//
// What it answers (RFC 5389 message format, RFC 5766 Allocate):
// - Allocate without MESSAGE-INTEGRITY → 401 Unauthorized with REALM and NONCE (the usual first challenge);
// - Allocate with MESSAGE-INTEGRITY (the browser's authenticated retry) → `rejectCode` (401 by default) again:
//   the client has no other credentials to try, so it gives up on the server and reports an ICE candidate error;
// - Binding → success with XOR-MAPPED-ADDRESS (the sender's own address; a client may use a TURN server as its
//   STUN server too);
// - anything else that parses as a STUN request → 400 Bad Request; whatever does not parse is ignored.
// Every request is kept in `requests` (for assertions and for waiting on a condition instead of sleeping).
// Only senders on loopback or on the namespace's own network are answered: this never sends a packet elsewhere.
//
// What the browsers do with it (observed here, in the test namespace, with a PC gathering for this server):
// - Chromium 156 first sends a Binding request from each host socket (it uses a TURN server as a STUN server too),
//   then Allocate, then the authenticated Allocate; ≈ 100 ms after createOffer it fires one icecandidateerror per
//   host socket (loopback and veth): { address: '127.0.0.x' / '10.213.0.x' (last byte hidden), port: the host
//   candidate's port, url: exactly the configured URL, errorCode: the second rejection's code, errorText:
//   'Unauthorized.' for 401, 'TURN allocate error.' for others such as 441 }.
// - Firefox 153 sends Allocate and the authenticated Allocate from its one host socket (veth) and ≈ 10 ms later
//   fires one icecandidateerror: { address: '10.213.0.1', port, url: the URL without '?transport=udp',
//   errorCode: 401, errorText: '' }. It reports the failure only for 401: a 441 (or any other code) to the
//   authenticated Allocate makes it retransmit that request and fire no icecandidateerror within 15 s. Hence the
//   default rejectCode of 401.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { NETNS_ADDRESS, inNetns } from './netns.mjs';

export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_BYTES = 20;
export const METHOD = Object.freeze({ BINDING: 0x001, ALLOCATE: 0x003, REFRESH: 0x004 });
export const CLASS = Object.freeze({ REQUEST: 0, INDICATION: 1, SUCCESS: 2, ERROR: 3 });
export const ATTR = Object.freeze({
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_MAPPED_ADDRESS: 0x0020,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
});
export const REASONS = Object.freeze({
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  437: 'Allocation Mismatch',
  441: 'Wrong Credentials',
  486: 'Allocation Quota Reached',
});

/** The 16-bit message type of a method and class (RFC 5389 §6: class bits C0/C1 interleaved with the method). */
export function messageType(method, cls) {
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7);
}

/** Method and class of a message type (inverse of messageType). */
export function splitMessageType(type) {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
  return { method, cls };
}

/**
 * Encode a STUN message. `attributes`: [{ type, value: Buffer }] in order; each value is padded to 4 bytes.
 * @param {{ method: number, cls: number, transactionId: Buffer, attributes?: { type: number, value: Buffer }[] }} message
 */
export function encodeMessage({ method, cls, transactionId, attributes = [] }) {
  if (transactionId.length !== 12) throw new Error('a transaction id has 12 bytes');
  const parts = [];
  for (const { type, value } of attributes) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(type, 0);
    head.writeUInt16BE(value.length, 2);
    parts.push(head, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(messageType(method, cls), 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  return Buffer.concat([header, body]);
}

/**
 * Decode a STUN message, or null when `buf` is not one (too short, top bits set, no magic cookie, length not a
 * multiple of 4 or beyond the datagram, an attribute running past the end).
 * @returns {{ type: number, method: number, cls: number, transactionId: Buffer,
 *   attributes: { type: number, value: Buffer }[] } | null}
 */
export function decodeMessage(buf) {
  if (buf.length < HEADER_BYTES || (buf[0] & 0xc0) !== 0) return null;
  const type = buf.readUInt16BE(0);
  const length = buf.readUInt16BE(2);
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE || length % 4 !== 0 || HEADER_BYTES + length > buf.length) return null;
  const attributes = [];
  let at = HEADER_BYTES;
  const end = HEADER_BYTES + length;
  while (at < end) {
    if (at + 4 > end) return null;
    const attrType = buf.readUInt16BE(at);
    const attrLength = buf.readUInt16BE(at + 2);
    if (at + 4 + attrLength > end) return null;
    attributes.push({ type: attrType, value: buf.subarray(at + 4, at + 4 + attrLength) });
    at += 4 + attrLength + ((4 - (attrLength % 4)) % 4);
  }
  return { type, ...splitMessageType(type), transactionId: Buffer.from(buf.subarray(8, 20)), attributes };
}

/** ERROR-CODE value: 2 reserved bytes, class (hundreds), number (0–99), UTF-8 reason phrase. */
export function errorCodeValue(code, reason = REASONS[code] ?? 'Error') {
  if (!Number.isInteger(code) || code < 300 || code > 699) throw new Error(`ERROR-CODE must be 300–699, got ${code}`);
  return Buffer.concat([Buffer.from([0, 0, Math.floor(code / 100), code % 100]), Buffer.from(reason, 'utf8')]);
}

/** { code, reason } of an ERROR-CODE value. */
export function parseErrorCode(value) {
  return { code: (value[2] & 0x07) * 100 + value[3], reason: value.subarray(4).toString('utf8') };
}

/** XOR-MAPPED-ADDRESS value of an IPv4 or IPv6 address and port (RFC 5389 §15.2). */
export function xorMappedAddressValue(address, port, transactionId) {
  const family = isIP(address);
  if (!family) throw new Error(`not an IP address: ${address}`);
  const raw = family === 4 ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
  const key = Buffer.alloc(16);
  key.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(key, 4);
  const head = Buffer.alloc(4);
  head[1] = family === 4 ? 0x01 : 0x02;
  head.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  return Buffer.concat([head, Buffer.from(raw.map((b, i) => b ^ key[i]))]);
}

/** { address, port } of an XOR-MAPPED-ADDRESS value (IPv4 only; enough for the tests). */
export function parseXorMappedAddress(value, transactionId) {
  if (value[1] !== 0x01) throw new Error('only IPv4 is decoded here');
  const key = Buffer.alloc(16);
  key.writeUInt32BE(MAGIC_COOKIE, 0);
  transactionId.copy(key, 4);
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  return { address: [...value.subarray(4, 8)].map((b, i) => b ^ key[i]).join('.'), port };
}

function ipv6Bytes(address) {
  const [head, tail = ''] = address.split('::');
  const groups = (s) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Loopback, or the namespace's own /24: the only senders this server answers. */
export function isLocalSender(address) {
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || a.startsWith('127.') || a.startsWith(NETNS_ADDRESS.replace(/\.\d+$/, '.'));
}

const text = (attrs, type) => attrs.find((a) => a.type === type)?.value.toString('utf8');

/**
 * Start the server.
 * @param {object} [options]
 * @param {string} [options.host] address to bind: the namespace's veth address inside the test namespace, else
 *   127.0.0.1 (a browser reaches both; Firefox gathers only on the veth address).
 * @param {number} [options.port=0] 0 = ephemeral.
 * @param {number} [options.rejectCode=401] error code for the authenticated retry (401, or 441 Wrong Credentials…).
 * @param {string} [options.realm='webrtc-scope-test']
 * @returns {Promise<{ host: string, port: number, url: string, realm: string,
 *   requests: { method: number, cls: number, from: string, username?: string, authenticated: boolean, answer: string }[],
 *   waitForRequests: (predicate: (r: any) => boolean, options?: { timeout?: number, count?: number }) => Promise<void>,
 *   close: () => Promise<void> }>}
 */
export async function startTurnReject(options = {}) {
  if (options.host === undefined && inNetns()) {
    // The veth address when the namespace got one (netns.mjs only warns when its veth setup fails).
    try {
      return await startTurnReject({ ...options, host: NETNS_ADDRESS });
    } catch (err) {
      if (err?.code !== 'EADDRNOTAVAIL') throw err;
    }
  }
  const { host = '127.0.0.1', port = 0, rejectCode = 401, realm = 'webrtc-scope-test' } = options;
  const nonce = randomBytes(12).toString('hex');
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  const requests = [];
  const waiters = new Set();

  const answer = (req, rinfo) => {
    const { method, transactionId } = req;
    const error = (code, extra = []) =>
      encodeMessage({ method, cls: CLASS.ERROR, transactionId, attributes: [{ type: ATTR.ERROR_CODE, value: errorCodeValue(code) }, ...extra] });
    if (method === METHOD.BINDING) {
      return ['binding success', encodeMessage({
        method,
        cls: CLASS.SUCCESS,
        transactionId,
        attributes: [{ type: ATTR.XOR_MAPPED_ADDRESS, value: xorMappedAddressValue(rinfo.address.replace(/^::ffff:/, ''), rinfo.port, transactionId) }],
      })];
    }
    if (method === METHOD.ALLOCATE) {
      const authenticated = req.attributes.some((a) => a.type === ATTR.MESSAGE_INTEGRITY);
      const challenge = [{ type: ATTR.REALM, value: Buffer.from(realm) }, { type: ATTR.NONCE, value: Buffer.from(nonce) }];
      if (!authenticated) return ['401 challenge', error(401, challenge)];
      return [`${rejectCode} reject`, error(rejectCode, rejectCode === 401 ? challenge : [])];
    }
    return ['400', error(400)];
  };

  socket.on('message', (buf, rinfo) => {
    if (!isLocalSender(rinfo.address)) return;
    const req = decodeMessage(buf);
    if (!req || req.cls !== CLASS.REQUEST) return;
    const [what, reply] = answer(req, rinfo);
    requests.push({
      method: req.method,
      cls: req.cls,
      from: `${rinfo.address}:${rinfo.port}`,
      username: text(req.attributes, ATTR.USERNAME),
      authenticated: req.attributes.some((a) => a.type === ATTR.MESSAGE_INTEGRITY),
      answer: what,
    });
    socket.send(reply, rinfo.port, rinfo.address);
    for (const w of [...waiters]) w();
  });

  await new Promise((ok, fail) => {
    socket.once('error', (err) => {
      try {
        socket.close();
      } catch {}
      fail(err);
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      ok();
    });
  });
  socket.on('error', () => {}); // e.g. ICMP port unreachable for a reply after the browser closed its socket
  const actualPort = socket.address().port;
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  let closed;
  return {
    host,
    port: actualPort,
    url: `turn:${urlHost}:${actualPort}?transport=udp`,
    realm,
    rejectCode,
    requests,
    /** Resolves once `count` (default 1) requests match `predicate`; rejects after `timeout` ms. */
    waitForRequests(predicate, { timeout = 15_000, count = 1 } = {}) {
      return new Promise((ok, fail) => {
        const check = () => {
          if (requests.filter(predicate).length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          ok();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`TURN server: timed out after ${timeout} ms waiting for requests (got ${JSON.stringify(requests)})`));
        }, timeout);
        waiters.add(check);
        check();
      });
    },
    close() {
      closed ??= new Promise((ok) => socket.close(() => ok()));
      return closed;
    },
  };
}

/** Whether an icecandidateerror's url names this server (Firefox drops the `?transport=udp` of the configured URL). */
export function namesServer(url, turn) {
  return typeof url === 'string' && url.replace(/\?.*$/, '') === turn.url.replace(/\?.*$/, '');
}

/**
 * Checks what WebRTC Scope stored of tests/e2e/pages/call.html?turn=<turn.url> (throws an AssertionError; pure):
 * - the PC configured with the server: its recorded configuration keeps the server's urls and username and has no
 *   `credential`, and the credential is nowhere in the stored session;
 * - every icecandidateerror that PC fired for the server, as the page saw it (`pageErrors`: the fields the hook
 *   records), is stored as a `pc-event` of that PC with the same value, and no other for the server; there is at
 *   least one, its errorCode is the server's rejectCode and its url `expectedUrl` (what the browser reports).
 * @param {object} data SessionData (scope-api.mjs latestSessionOfTab)
 * @param {{ turn: { url: string, rejectCode: number }, turnServer: { urls: string, username: string, credential: string },
 *   pageErrors: object[], expectedUrl: string, browserName: string }} expected
 * @returns {string} a summary for the log
 */
export function checkTurnRejectRecorded(data, { turn, turnServer, pageErrors, expectedUrl, browserName }) {
  const pc = data.pcs.find((p) => (p.config?.iceServers ?? []).some((s) => [].concat(s.urls).includes(turn.url)));
  assert.ok(pc, `${browserName}: a PC whose recorded configuration names ${turn.url}`);
  const server = pc.config.iceServers.find((s) => [].concat(s.urls).includes(turn.url));
  assert.equal(server.username, turnServer.username, `${browserName}: TURN username recorded`);
  assert.ok(!('credential' in server), `${browserName}: no credential key in the recorded configuration`);
  assert.ok(!JSON.stringify(data).includes(turnServer.credential), `${browserName}: TURN credential stored nowhere`);

  const seen = pageErrors.filter((e) => namesServer(e.url, turn));
  assert.ok(seen.length > 0, `${browserName}: the page saw icecandidateerror for ${turn.url} (saw ${JSON.stringify(pageErrors)})`);
  for (const e of seen) {
    assert.equal(e.errorCode, turn.rejectCode, `${browserName}: errorCode is the server's answer (${JSON.stringify(e)})`);
    assert.equal(e.url, expectedUrl, `${browserName}: url as the browser reports it`);
    assert.ok(Number.isInteger(e.port) && e.port > 0 && typeof e.address === 'string', `${browserName}: host address and port (${JSON.stringify(e)})`);
  }
  const records = data.events
    .filter((e) => e.pcId === pc.pcId && e.record.type === 'pc-event' && e.record.event === 'icecandidateerror')
    .map((e) => e.record)
    .filter((r) => namesServer(r.value?.url, turn));
  const stored = records.map((r) => r.value);
  const sorted = (list) => list.map((v) => JSON.stringify(v, Object.keys(v).sort())).sort();
  assert.deepEqual(sorted(stored), sorted(seen), `${browserName}: every icecandidateerror of ${pc.pcId} stored as the page saw it`);
  const after = Math.max(...records.map((r) => r.t)) - pc.createdAt;
  const list = stored.map((v) => `${v.errorCode} ${JSON.stringify(v.errorText)} ${v.address}:${v.port} ${v.url}`).join(', ');
  return `${pc.pcId}: ${stored.length} icecandidateerror (last ${Math.round(after)} ms after the PC was created): ${list}`;
}
