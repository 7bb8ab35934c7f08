import { describe, expect, it } from 'vitest';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import type { TraceEvent } from '../../../lib/model/session';
import { redactBundle, redactBundles, Redactor } from '../../../lib/dump/redact';
import { readScopeDump, writeScopeDump } from '../../../lib/dump/format-scope';
import { parseSdp } from '../../../lib/model/sdp';
import { callBundle } from '../../fixtures/bundles/call-bundle';

const HOST = '192.168.1.23';
const SRFLX = '85.12.34.56';
const STUN = '74.125.250.129';
const V6 = '2a02:8109:b6c0:1e00:1c2f:5aa:fe3a:91b2';
const V6_SERVER = '2001:4860:4860::8888';
const MDNS = '4b1e8c2a-7d3f-4e21-9c55-0f6a1b2c3d4e.local';

/**
 * The corpus call made realistic: its loopback host candidates moved to a LAN address (in SDP, events and stats),
 * plus a server-reflexive, an IPv6 and an mDNS candidate, a STUN error and ICE servers by IP.
 */
function realisticBundle(): SessionBundle {
  const bundle = JSON.parse(JSON.stringify(callBundle()).replaceAll('127.0.0.1', HOST)) as SessionBundle;
  const pc = bundle.pcs[0];
  pc.config = { iceServers: [{ urls: [`stun:${STUN}:19302`, `turn:[${V6_SERVER}]:3478?transport=udp`] }] };
  const t = bundle.events[bundle.events.length - 1].record.t;
  const extra: TraceEvent['record'][] = [
    { type: 'pc-event', pc: 1, t: t + 1, event: 'icecandidate', value: { candidate: `candidate:842163049 1 udp 1677729535 ${SRFLX} 61234 typ srflx raddr ${HOST} rport 35265 generation 0 ufrag /Y4e network-cost 999`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: '/Y4e', url: `stun:${STUN}:19302` } },
    { type: 'pc-event', pc: 1, t: t + 2, event: 'icecandidate', value: { candidate: `candidate:1 1 udp 2122262783 ${V6} 50001 typ host generation 0 ufrag /Y4e network-id 2`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: '/Y4e' } },
    { type: 'pc-event', pc: 2, t: t + 3, event: 'icecandidate', value: { candidate: `candidate:2 1 udp 2122260223 ${MDNS} 50002 typ host generation 0 ufrag jo1x`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'jo1x' } },
    { type: 'pc-event', pc: 1, t: t + 4, event: 'icecandidateerror', value: { address: SRFLX, port: 61234, url: `stun:${STUN}:19302`, errorCode: 701, errorText: 'STUN host lookup received error.' } },
  ];
  for (const record of extra) bundle.events.push({ seq: bundle.events.length, frame: 0, pcId: `0-${(record as { pc: number }).pc}`, record });
  // A remote srflx candidate in pc2's stats, with its related address.
  for (const sample of bundle.samples['0-2']) {
    sample.report.Iremote6 = { type: 'remote-candidate', timestamp: sample.t, address: V6, port: 50001, candidateType: 'host', foundation: '1', transportId: 'T01', usernameFragment: '/Y4e', relatedAddress: SRFLX };
  }
  return bundle;
}

const sdpsOf = (b: SessionBundle) =>
  b.events.flatMap((e) => {
    const r = e.record;
    const v = r.type === 'pc-settled' ? r.value : r.type === 'pc-call' ? r.args[0] : undefined;
    return v && typeof v === 'object' && !Array.isArray(v) && typeof v.sdp === 'string' ? [{ pcId: e.pcId!, sdp: v.sdp }] : [];
  });

describe('redactBundle', () => {
  const original = realisticBundle();
  const before = structuredClone(original);
  const { bundles, summary } = redactBundles([original]);
  const redacted = bundles[0];
  const { userAgent: _ua, ...sessionWithoutUa } = redacted.session;
  // The user agent's version numbers look like IPv4 addresses and are deliberately left alone.
  const json = JSON.stringify({ ...redacted, session: sessionWithoutUa });

  it('leaves the input untouched', () => {
    expect(original).toStrictEqual(before);
  });

  it('leaves no address, ICE credential, fingerprint or certificate of the original', () => {
    const secrets = new Set([HOST, SRFLX, STUN, V6, V6_SERVER, MDNS]);
    for (const { sdp } of sdpsOf(original)) {
      for (const m of sdp.matchAll(/a=(?:ice-ufrag|ice-pwd|fingerprint:\S+) ?:?(\S+)/g)) secrets.add(m[1]);
    }
    for (const samples of Object.values(original.samples)) {
      for (const object of Object.values(samples[0].report)) {
        if (typeof object.base64Certificate === 'string') secrets.add(object.base64Certificate);
        if (typeof object.fingerprint === 'string') secrets.add(object.fingerprint);
      }
    }
    expect(secrets.size).toBeGreaterThan(12);
    for (const secret of secrets) expect(json.includes(secret), secret).toBe(false);
    // Pattern checks over the whole JSON.
    for (const m of json.matchAll(/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])/g)) expect(m[0]).toMatch(/^(198\.1[89]\.\d+\.\d+|0\.0\.0\.0)$/);
    for (const m of json.matchAll(/ice-ufrag:([^\s\\"]+)/g)) expect(m[1]).toMatch(/^ufrag\d+$/);
    for (const m of json.matchAll(/ice-pwd:([^\s\\"]+)/g)) expect(m[1]).toMatch(/^redactedpassword\d{6}$/);
    for (const m of json.matchAll(/ ufrag ([^\s\\"]+)/g)) expect(m[1]).toMatch(/^ufrag\d+$/);
    for (const m of json.matchAll(/UsernameFragment":"([^"]*)"/gi)) expect(m[1]).toMatch(/^ufrag\d+$/);
    for (const m of json.matchAll(/(?:[0-9A-F]{2}:){15,}[0-9A-F]{2}/gi)) expect(m[0]).toMatch(/^(00:)+[0-9A-F]{2}$/);
    for (const m of json.matchAll(/[\w-]+\.local\b/g)) expect(m[0]).toMatch(/^00000000-0000-4000-8000-[0-9a-f]{12}\.local$/);
    for (const m of json.matchAll(/[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}/gi)) {
      if (m[0].split(':').length <= 8 && m[0].includes('::')) expect(m[0]).toMatch(/^(2001:db8:[12]::[0-9a-f]+|::)$/);
    }
  });

  it('replaces the same value by the same placeholder in SDP, candidates, stats and config', () => {
    const placeholderOf = new Redactor();
    const again = placeholderOf.bundle(realisticBundle());
    expect(again).toStrictEqual(redacted); // deterministic

    const offer = sdpsOf(redacted).find((s) => s.sdp.includes('a=candidate') || s.pcId === '0-1')!.sdp;
    const ufrag = /a=ice-ufrag:(\S+)/.exec(offer)![1];
    const fingerprint = /a=fingerprint:sha-256 (\S+)/.exec(offer)![1];
    // pc1's host candidate: event, stats local candidate, and the srflx candidate's raddr all use one placeholder.
    const candidates = redacted.events.filter((e) => e.pcId === '0-1' && e.record.type === 'pc-event' && e.record.event === 'icecandidate').map((e) => ((e.record as unknown as { value: { candidate: string } }).value.candidate));
    const hostIp = candidates[0].split(' ')[4];
    expect(hostIp).toMatch(/^198\.18\./);
    const srflx = candidates.find((c) => c.includes('typ srflx'))!;
    expect(srflx).toContain(`raddr ${hostIp} rport`);
    expect(srflx.split(' ')[4]).toMatch(/^198\.19\./);
    expect(candidates.every((c) => c.includes(`ufrag ${ufrag}`))).toBe(true);
    const last = redacted.samples['0-1'][redacted.samples['0-1'].length - 1].report;
    const local = Object.values(last).find((o) => o.type === 'local-candidate')!;
    expect(local.address).toBe(hostIp);
    expect(local.usernameFragment).toBe(ufrag);
    // Certificate stats: fingerprint, the CF<fingerprint> id, and the transport's reference all follow the SDP's.
    const certIds = Object.keys(last).filter((id) => last[id].type === 'certificate');
    expect(certIds).toContain(`CF${fingerprint}`);
    expect(last[`CF${fingerprint}`].fingerprint).toBe(fingerprint);
    const transport = Object.values(last).find((o) => o.type === 'transport')!;
    expect(certIds).toContain(transport.localCertificateId);
    // pc2 sees pc1's credentials as remote ones: same placeholders there.
    const answerSide = sdpsOf(redacted).filter((s) => s.pcId === '0-2').map((s) => s.sdp).join('\n');
    expect(answerSide).toContain(`a=ice-ufrag:${ufrag}`);
    // Config and the error event use the STUN server's placeholder.
    const stunIp = /stun:([\d.]+):19302/.exec(JSON.stringify(redacted.pcs[0].config))![1];
    expect(JSON.stringify(redacted.events)).toContain(`stun:${stunIp}:19302`);
    expect(JSON.stringify(redacted.pcs[0].config)).toMatch(/turn:\[2001:db8:2::[0-9a-f]+\]:3478/);
  });

  it('keeps SDP parseable with the same structure', () => {
    const a = sdpsOf(original);
    const b = sdpsOf(redacted);
    expect(b).toHaveLength(a.length);
    b.forEach(({ sdp }, i) => {
      const x = parseSdp(a[i].sdp);
      const y = parseSdp(sdp);
      expect(y.sections.map((s) => [s.mid, s.kind, s.hasIceUfrag, s.setup])).toEqual(x.sections.map((s) => [s.mid, s.kind, s.hasIceUfrag, s.setup]));
      expect(sdp.split('\r\n').length).toBe(a[i].sdp.split('\r\n').length);
    });
  });

  it('counts what it replaced', () => {
    expect(summary.ipv4.values).toBe(3);
    expect(summary.ipv6.values).toBe(2);
    expect(summary.mdns.values).toBe(1);
    expect(summary.ufrag.values).toBe(2);
    expect(summary.pwd.values).toBe(2);
    expect(summary.fingerprint.values).toBe(2);
    expect(summary.certificate.values).toBe(2);
    expect(summary.url).toEqual({ values: 0, occurrences: 0 });
    expect(summary.credential).toEqual({ values: 0, occurrences: 0 });
    expect(summary.ipv4.occurrences).toBeGreaterThan(100);
  });

  it('keeps loopback, unspecified and look-alikes that are not addresses', () => {
    const r = new Redactor();
    for (const kept of ['c=IN IP4 0.0.0.0', 'o=- 1 2 IN IP4 127.0.0.1', '::1', '[::]:9', 'aa:bb:cc:dd:ee:ff', '10:58:45', '999.1.1.1', '1.2.3.4.5', 'urn:ietf:params:rtp-hdrext:sdes:mid', 'a=ssrc-group:FID 1 2']) {
      expect(r.text(kept)).toBe(kept);
    }
    expect(r.text('::ffff:192.0.2.1 and 192.0.2.1')).toMatch(/^2001:db8:2::1 and 198\.19\.0\.1$/);
    expect(r.text('fe80::1%en0 FD00::1')).toBe('2001:db8:1::1%en0 2001:db8:1::2');
    const imported = redactBundle({ ...callBundle(), pcs: [{ ...callBundle().pcs[0], config: { iceServers: [{ urls: 'turn:t.example:3478', username: '1795313758:alice', credential: 's3cret' }] } }] });
    expect(imported.pcs[0].config).toEqual({ iceServers: [{ urls: 'turn:t.example:3478', username: 'redacted-credential-1', credential: 'redacted-credential-2' }] });
  });

  it('redacts page URL, origin, title and frame URLs only when asked', () => {
    const plain = redactBundle(realisticBundle());
    expect(plain.session.url).toBe(original.session.url.replace(HOST, '198.18.0.1'));
    expect(plain.session.title).toBe(original.session.title);
    const withUrl = redactBundle(realisticBundle(), { url: true });
    expect(withUrl.session.url).toBe('https://site-1.invalid/page-1');
    expect(withUrl.session.origin).toBe('https://site-1.invalid');
    expect(withUrl.session.title).toBe('redacted page 1');
    expect(withUrl.session.frames[0].url).toBe(withUrl.session.url);
    expect(withUrl.pcs.every((pc) => pc.frameUrl === withUrl.session.url)).toBe(true);
    expect(JSON.stringify(withUrl)).not.toContain(':44231');
  });

  it('gives a bundle our own format still writes and reads', () => {
    expect(readScopeDump('r.gz', writeScopeDump([redacted], { extensionVersion: '0', exportedAt: 0, userAgent: '' }))).toStrictEqual([redacted]);
  });

  it("redacts addresses in an imported file's entries without a record type of ours (their value text)", () => {
    const bundle = structuredClone(original);
    const pc = bundle.pcs[0];
    const text = `{"candidate":"candidate:1 1 udp 2122260223 ${HOST} 5000 typ host","note":"${SRFLX}"}`;
    bundle.events.push({ seq: bundle.events.length, frame: pc.frame, pcId: pc.pcId, record: { type: 'pc-event', pc: Number(pc.pcId.split('-')[1]), t: pc.createdAt + 1, event: 'dump-entry', value: { name: 'someUnknownEntry', text } } });
    const out = redactBundle(bundle);
    const entry = out.events[out.events.length - 1].record;
    expect(entry).toMatchObject({ type: 'pc-event', event: 'dump-entry', value: { name: 'someUnknownEntry' } });
    const redactedText = (entry as unknown as { value: { text: string } }).value.text;
    expect(redactedText).not.toContain(HOST);
    expect(redactedText).not.toContain(SRFLX);
    expect(redactedText).toMatch(/^\{"candidate":"candidate:1 1 udp 2122260223 198\.1[89]\.\d+\.\d+ 5000 typ host"/);
  });
});
