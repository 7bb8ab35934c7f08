import { describe, expect, it } from 'vitest';
import { codecLabel, diffLines, diffSdp, effectiveDirection, parseSdp, sdpLines } from '../../../lib/model/sdp';
import { internalsSdps, renegotiatedOffer } from '../../fixtures/session-builders';

const { offer, answer } = internalsSdps();

describe('parseSdp on the corpus offer (Chromium 156)', () => {
  const parsed = parseSdp(offer);

  it('splits session lines and one section per m-line, with mids, kinds and BUNDLE', () => {
    expect(parsed.sessionLines[0]).toBe('v=0');
    expect(parsed.sessionLines).toContain('a=group:BUNDLE 0 1 2');
    expect(parsed.bundle).toEqual(['0', '1', '2']);
    expect(parsed.sections.map((s) => [s.index, s.mid, s.kind, s.port, s.protocol])).toEqual([
      [0, '0', 'audio', 9, 'UDP/TLS/RTP/SAVPF'],
      [1, '1', 'video', 9, 'UDP/TLS/RTP/SAVPF'],
      [2, '2', 'application', 9, 'UDP/DTLS/SCTP'],
    ]);
    // Every line lands in exactly one place.
    expect(parsed.sessionLines.length + parsed.sections.reduce((n, s) => n + s.lines.length, 0)).toBe(sdpLines(offer).length);
  });

  it('reads codecs in m-line order with rtpmap, fmtp and rtcp-fb', () => {
    const audio = parsed.sections[0];
    expect(audio.codecs.map((c) => c.payloadType)).toEqual([111, 63, 9, 0, 8, 13, 110, 126]);
    expect(audio.codecs[0]).toEqual({ payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', rtcpFb: ['transport-cc'] });
    expect(codecLabel(audio.codecs[0])).toBe('opus/48000/2');
    const vp8 = parsed.sections[1].codecs[0];
    expect(vp8).toMatchObject({ payloadType: 96, name: 'VP8', clockRate: 90000, channels: null, fmtp: null });
    expect(vp8.rtcpFb).toEqual(['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
    expect(parsed.sections[1].codecs.find((c) => c.payloadType === 97)).toMatchObject({ name: 'rtx', fmtp: 'apt=96' });
  });

  it('reads direction, setup, ufrag, extmaps, msid, ssrcs and ssrc groups', () => {
    const [audio, video, data] = parsed.sections;
    expect(audio.direction).toBe('sendrecv');
    expect(audio.setup).toBe('actpass');
    expect(audio.hasIceUfrag).toBe(true);
    expect(audio.extmaps[0]).toEqual({ id: 1, direction: null, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' });
    expect(audio.extmaps).toHaveLength(4);
    expect(audio.msids).toEqual(['5e9bf1f4-d41d-4990-b343-05be78f2a997 23083a4d-cd02-4adb-98e8-c691e37a0380']);
    expect(audio.ssrcs).toEqual([
      {
        ssrc: 3015589555,
        attributes: [
          { name: 'cname', value: 'DNg4rCyb8ab2bGsK' },
          { name: 'msid', value: '5e9bf1f4-d41d-4990-b343-05be78f2a997 23083a4d-cd02-4adb-98e8-c691e37a0380' },
        ],
      },
    ]);
    expect(video.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: [535634639, 2245832796] }]);
    expect(video.ssrcs.map((s) => s.ssrc)).toEqual([535634639, 2245832796]);
    expect(data.direction).toBeNull();
    expect(effectiveDirection(data)).toBe('sendrecv');
    expect(data.codecs).toEqual([]);
    expect(data.formats).toEqual(['webrtc-datachannel']);
    expect(audio.candidates).toBe(0);
    expect(audio.rejected).toBe(false);
  });

  it('reads the answer: recvonly, setup active, no ssrcs', () => {
    const a = parseSdp(answer);
    expect(a.sections.map((s) => s.direction)).toEqual(['recvonly', 'recvonly', null]);
    expect(a.sections.every((s) => s.setup === 'active')).toBe(true);
    expect(a.sections[0].ssrcs).toEqual([]);
  });

  it('handles LF-only text, candidates, session-level ufrag/setup, rejected sections and garbage without throwing', () => {
    const sdp = [
      'v=0',
      'a=ice-ufrag:abcd',
      'a=setup:passive',
      'm=audio 0 UDP/TLS/RTP/SAVPF 0',
      'a=mid:a',
      'a=candidate:1 1 udp 1 10.0.0.1 5000 typ host',
      'a=candidate:2 1 udp 1 10.0.0.1 5001 typ host',
      'a=end-of-candidates',
      'a=extmap:3/sendonly urn:x',
      'a=rtcp-fb:* nack',
      'a=rtpmap:0 PCMU/8000',
      'garbage line',
      'm=video',
      '',
    ].join('\n');
    const p = parseSdp(sdp);
    expect(p.sections[0]).toMatchObject({ mid: 'a', candidates: 2, endOfCandidates: true, hasIceUfrag: true, setup: 'passive', rejected: true });
    expect(p.sections[0].extmaps).toEqual([{ id: 3, direction: 'sendonly', uri: 'urn:x' }]);
    expect(p.sections[0].codecs[0].rtcpFb).toEqual(['nack']);
    expect(p.sections[1]).toMatchObject({ kind: 'video', port: 0, mid: null, codecs: [] });
    expect(p.bundle).toBeNull();
    expect(parseSdp('').sections).toEqual([]);
  });
});

describe('diffLines', () => {
  it('keeps common lines and lists removals before additions at a change', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual([
      { op: 'same', line: 'a' },
      { op: 'removed', line: 'b' },
      { op: 'added', line: 'x' },
      { op: 'same', line: 'c' },
    ]);
  });

  it('is minimal (LCS) for interleaved insertions and deletions', () => {
    const ops = diffLines(['a', 'b', 'c', 'd', 'e'], ['b', 'c', 'x', 'e', 'f']);
    expect(ops.filter((o) => o.op === 'same').map((o) => o.line)).toEqual(['b', 'c', 'e']);
    expect(ops.filter((o) => o.op === 'removed').map((o) => o.line)).toEqual(['a', 'd']);
    expect(ops.filter((o) => o.op === 'added').map((o) => o.line)).toEqual(['x', 'f']);
    // Reconstructs both sides in order.
    expect(ops.filter((o) => o.op !== 'added').map((o) => o.line)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(ops.filter((o) => o.op !== 'removed').map((o) => o.line)).toEqual(['b', 'c', 'x', 'e', 'f']);
  });

  it('handles empty sides', () => {
    expect(diffLines([], ['a'])).toEqual([{ op: 'added', line: 'a' }]);
    expect(diffLines(['a'], [])).toEqual([{ op: 'removed', line: 'a' }]);
    expect(diffLines([], [])).toEqual([]);
  });
});

describe('diffSdp', () => {
  it('a renegotiation adding a section and changing a direction', () => {
    const next = renegotiatedOffer(offer);
    const d = diffSdp(offer, next);
    expect(d.changed).toBe(true);
    expect(d.session.change).toBe('changed');
    expect(d.session.ops.filter((o) => o.op !== 'same').map((o) => `${o.op} ${o.line}`)).toEqual([
      'removed o=- 2667359632726474634 2 IN IP4 127.0.0.1',
      'added o=- 2667359632726474634 3 IN IP4 127.0.0.1',
      'removed a=group:BUNDLE 0 1 2',
      'added a=group:BUNDLE 0 1 2 3',
    ]);
    expect(d.sections.map((s) => [s.after?.mid, s.change])).toEqual([
      ['0', 'unchanged'],
      ['1', 'changed'],
      ['2', 'unchanged'],
      ['3', 'added'],
    ]);
    const video = d.sections[1];
    expect(video.ops.filter((o) => o.op !== 'same')).toEqual([
      { op: 'removed', line: 'a=sendrecv' },
      { op: 'added', line: 'a=sendonly' },
    ]);
    expect(video.before?.direction).toBe('sendrecv');
    expect(video.after?.direction).toBe('sendonly');
    const added = d.sections[3];
    expect(added.before).toBeNull();
    expect(added.ops.every((o) => o.op === 'added')).toBe(true);
    expect(added.ops[0].line).toMatch(/^m=audio /);
  });

  it('the same description diffs as unchanged; null previous makes everything added', () => {
    expect(diffSdp(offer, offer).changed).toBe(false);
    const first = diffSdp(null, offer);
    expect(first.sections.every((s) => s.change === 'added')).toBe(true);
    expect(first.session.ops.every((o) => o.op === 'added')).toBe(true);
  });

  it('matches by mid even when sections move, and lists removed sections last', () => {
    const prev = 'v=0\r\nm=audio 9 X 0\r\na=mid:a\r\nm=video 9 X 96\r\na=mid:v\r\nm=application 9 Y z\r\na=mid:d\r\n';
    const next = 'v=0\r\nm=video 9 X 96\r\na=mid:v\r\nm=audio 9 X 0\r\na=mid:a\r\na=inactive\r\n';
    const d = diffSdp(prev, next);
    expect(d.sections.map((s) => [s.after?.mid ?? null, s.before?.mid ?? null, s.change])).toEqual([
      ['v', 'v', 'unchanged'],
      ['a', 'a', 'changed'],
      [null, 'd', 'removed'],
    ]);
    expect(d.sections[2].ops.every((o) => o.op === 'removed')).toBe(true);
  });

  it('falls back to the index for sections without a mid, and for a recycled m-line', () => {
    const d = diffSdp('v=0\r\nm=audio 9 X 0\r\nm=video 9 X 96\r\n', 'v=0\r\nm=audio 9 X 0\r\nm=video 0 X 96\r\n');
    expect(d.sections.map((s) => s.change)).toEqual(['unchanged', 'changed']);
    const recycled = diffSdp('v=0\r\nm=audio 0 X 0\r\na=mid:0\r\n', 'v=0\r\nm=audio 9 X 0\r\na=mid:3\r\n');
    expect(recycled.sections).toHaveLength(1);
    expect(recycled.sections[0]).toMatchObject({ change: 'changed' });
  });

  it('offer vs answer of the corpus call: every section changed, directions and setup differ', () => {
    const d = diffSdp(offer, answer);
    expect(d.sections.map((s) => s.change)).toEqual(['changed', 'changed', 'changed']);
    const audioOps = d.sections[0].ops;
    expect(audioOps).toContainEqual({ op: 'removed', line: 'a=setup:actpass' });
    expect(audioOps).toContainEqual({ op: 'added', line: 'a=setup:active' });
    expect(audioOps).toContainEqual({ op: 'added', line: 'a=recvonly' });
  });
});
