/** rtcstats legacy lines (fippo, jitsi) and RTCStatsDump format 3 (rtcstats-js, Chrome's export), formats.md §2–3. */
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { DumpError } from '../../../lib/dump/session-bundle';
import type { TraceEvent } from '../../../lib/model/session';
import { bytes, gz, legacyLines, v3Lines } from '../../fixtures/dumps/dump-fixtures';

const T0 = 1_600_000_000_000;
const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n';
const records = (events: TraceEvent[], pcId: string | null) => events.filter((e) => e.pcId === pcId).map((e) => e.record);
const read = (text: string, options = {}) => importDump('rtcstats.log', bytes(text), options);

describe('rtcstats legacy', () => {
  it('applies jitsi-style deltas: {timestamp: 0} stubs, absent objects removed', () => {
    const text = legacyLines([
      ['create', 'PC_0', { iceServers: [], browserType: 'webkit' }, T0],
      ['getstats', 'PC_0', { A: { timestamp: T0 + 10, type: 'inbound-rtp', bytesReceived: 1, kind: 'audio' }, B: { timestamp: T0 + 10, type: 'codec', mimeType: 'audio/opus' }, timestamp: T0 + 10 }, T0 + 11],
      // A changed (timestamp 0 = T), B unchanged (stub): both kept.
      ['getstats', 'PC_0', { A: { timestamp: 0, bytesReceived: 5 }, B: { timestamp: 0 }, timestamp: T0 + 1010 }, T0 + 1011],
      // B absent: gone (jitsi removes absent objects).
      ['getstats', 'PC_0', { A: { timestamp: 0, bytesReceived: 9 }, timestamp: T0 + 2010 }, T0 + 2011],
    ]);
    const r = read(text);
    const samples = r.bundles[0].samples['0-0'];
    expect(samples.map((s) => s.t)).toEqual([T0 + 11, T0 + 1011, T0 + 2011]);
    expect(samples[1].report).toEqual({
      A: { timestamp: T0 + 1010, type: 'inbound-rtp', bytesReceived: 5, kind: 'audio' },
      B: { timestamp: T0 + 1010, type: 'codec', mimeType: 'audio/opus' },
    });
    expect(Object.keys(samples[2].report)).toEqual(['A']);
    expect(samples[2].report.A.bytesReceived).toBe(9);
    // Earlier reports are not changed by later deltas.
    expect(samples[0].report.A.bytesReceived).toBe(1);
  });

  it('a remote RTP object keeps the time of its RTCP report while only stubs say it is there (pre-M117 poll stamps)', () => {
    const R = (ts: number, packetsLost: number) => ({ timestamp: ts, type: 'remote-inbound-rtp', kind: 'audio', ssrc: 1, packetsLost });
    const text = legacyLines([
      ['create', 'PC_0', { iceServers: [], browserType: 'webkit' }, T0],
      ['getstats', 'PC_0', { R: R(T0 + 10, 1), C: { timestamp: T0 + 10, type: 'codec', mimeType: 'audio/opus' }, timestamp: T0 + 10 }, T0 + 11],
      // Both stubs: the codec takes the poll time, the unchanged receiver report keeps its time.
      ['getstats', 'PC_0', { R: { timestamp: 0 }, C: { timestamp: 0 }, timestamp: T0 + 1010 }, T0 + 1011],
      // A new report (packetsLost changed) is stamped with the poll time.
      ['getstats', 'PC_0', { R: { timestamp: 0, packetsLost: 3 }, C: { timestamp: 0 }, timestamp: T0 + 2010 }, T0 + 2011],
      ['getstats', 'PC_0', { R: { timestamp: 0 }, C: { timestamp: 0 }, timestamp: T0 + 3010 }, T0 + 3011],
    ]);
    const samples = read(text).bundles[0].samples['0-0'];
    expect(samples.map((s) => s.report.R.timestamp)).toEqual([T0 + 10, T0 + 10, T0 + 2010, T0 + 2010]);
    expect(samples.map((s) => s.report.R.packetsLost)).toEqual([1, 1, 3, 3]);
    expect(samples.map((s) => s.report.C.timestamp)).toEqual([T0 + 10, T0 + 1010, T0 + 2010, T0 + 3010]);
  });

  it('applies fippo-style deltas: no stubs, absent objects unchanged; goog stats kept as strings', () => {
    const text = legacyLines([
      ['getstats', 'PC_0', { bweforvideo: { timestamp: T0, type: 'VideoBwe', googAvailableSendBandwidth: '100' }, 'Conn-audio-1-0': { timestamp: T0, type: 'googCandidatePair', googRtt: '20' }, timestamp: T0 }, T0],
      // Only Conn changed: bweforvideo keeps its last values and its timestamp.
      ['getstats', 'PC_0', { 'Conn-audio-1-0': { timestamp: 0, googRtt: '25' }, timestamp: T0 + 1000 }, T0 + 1000],
    ]);
    const samples = read(text).bundles[0].samples['0-0'];
    expect(samples[1].report).toEqual({
      bweforvideo: { timestamp: T0, type: 'VideoBwe', googAvailableSendBandwidth: '100' },
      'Conn-audio-1-0': { timestamp: T0 + 1000, type: 'googCandidatePair', googRtt: '25' },
    });
  });

  it('reads the jitsi connectionInfo header, 5-element lines and legacy value texts', () => {
    const text = legacyLines([
      ['connectionInfo', null, { path: '/room', origin: 'https://meet.test', url: 'https://meet.test/room', userAgent: 'UA/1', clientProtocol: '3.1_STANDARD' }, T0 + 99999],
      ['create', 'PC_3', { bundlePolicy: 'max-bundle', browserType: 'webkit' }, T0, 1],
      ['constraints', 'PC_3', { optional: [{ googCpuOveruseDetection: true }] }, T0, 2],
      ['addTrack', 'PC_3', 'audio:t1 stream:s1;stream:s2', T0 + 1, 3],
      ['ontrack', 'PC_3', 'video:t2 stream:s3', T0 + 2, 4],
      ['createDataChannel', 'PC_3', { 0: 'chat', 1: { ordered: false } }, T0 + 3, 5],
      ['ondatachannel', 'PC_3', [1, 'chat'], T0 + 4, 6],
      ['onicecandidate', 'PC_3', null, T0 + 5, 7],
      ['oniceconnectionstatechange', 'PC_3', 'completed', T0 + 6, 8],
      ['ondtlsstatechange', 'PC_3', 'connected', T0 + 7, 9],
      ['logs', null, ['x'], T0 + 8, 10],
      ['setRemoteDescription', 'PC_3', { type: 'offer', sdp: OFFER }, T0 + 9, 11],
      ['setRemoteDescriptionOnFailure', 'PC_3', 'OperationError: Failed to parse', T0 + 10, 12],
    ]);
    const b = read(text).bundles[0];
    expect(b.session).toMatchObject({ url: 'https://meet.test/room', origin: 'https://meet.test', userAgent: 'UA/1' });
    expect(b.pcs[0]).toMatchObject({ pcId: '0-3', config: { bundlePolicy: 'max-bundle', browserType: 'webkit' }, constraints: { optional: [{ googCpuOveruseDetection: true }] }, iceConnectionState: 'completed' });
    const recs = records(b.events, '0-3');
    expect(recs[1]).toMatchObject({ method: 'addTrack', args: [{ id: 't1', kind: 'audio' }, { id: 's1' }, { id: 's2' }] });
    expect(recs[3]).toMatchObject({ event: 'track', value: { track: { id: 't2', kind: 'video' }, streams: ['s3'] } });
    expect(recs[4]).toMatchObject({ method: 'createDataChannel', args: ['chat', { ordered: false }] });
    expect(recs[6]).toMatchObject({ event: 'datachannel', value: { id: 1, label: 'chat' } });
    expect(recs[7]).toMatchObject({ event: 'icecandidate', value: null });
    // ondtlsstatechange has no record type: a generic entry of the PC, its string value as it is.
    expect(recs[9]).toEqual({ type: 'pc-event', pc: 3, t: T0 + 7, event: 'dump-entry', value: { name: 'ondtlsstatechange', text: 'connected' } });
    expect(recs[10]).toMatchObject({ type: 'pc-call', method: 'setRemoteDescription', args: [{ type: 'offer', sdp: OFFER }] });
    expect(recs[11]).toMatchObject({ type: 'pc-settled', ok: false, error: { name: 'OperationError', message: 'Failed to parse' } });
    // Page-level app events (logs, null PC id) have no PC to go to: skipped (no stand-in PC is made for them).
    expect(recs).toHaveLength(12);
    expect(b.pcs.map((p) => p.pcId)).toEqual(['0-3']);
    expect(b.pcs[0].fileId).toBe('PC_3');
  });

  it('reads the legacy text forms of addTransceiver and removeTrack', () => {
    const text = legacyLines([
      ['addTransceiver', 'PC_0', 'audio', T0],
      ['addTransceiver', 'PC_0', 'video:t9 {"direction":"recvonly"}', T0 + 1],
      ['removeTrack', 'PC_0', 'video:t9', T0 + 2],
      ['removeTrack', 'PC_0', 'null', T0 + 3],
    ]);
    const calls = records(read(text).bundles[0].events, '0-0').filter((r) => r.type === 'pc-call');
    expect(calls.map((c) => (c.type === 'pc-call' ? c.args : null))).toEqual([
      ['audio'],
      [{ id: 't9', kind: 'video', label: '' }, { direction: 'recvonly' }],
      [{ track: { id: 't9', kind: 'video', label: '' } }],
      [null],
    ]);
  });

  it('reads the fippo/rtcstats-server header object and ignores its websocket close', () => {
    const text = [
      JSON.stringify({ path: '/x', origin: 'https://o.test', url: 'https://o.test/x', userAgent: 'UA/2', time: T0, fileFormat: 2 }),
      legacyLines([
        ['publicIP', null, ['192.0.2.1'], T0],
        ['create', 'PC_0', { nullConfig: true }, T0 + 1],
        ['close', null, null, T0 + 2],
      ]),
    ].join('\n');
    const r = read(text);
    expect(r.format).toBe('rtcstats-legacy');
    expect(r.bundles[0].session.userAgent).toBe('UA/2');
    expect(r.bundles[0].pcs[0]).toMatchObject({ config: {}, closedAt: null });
  });

  it('gives PC events without a PC id (jitsi pre-call test) a stand-in PC after the numbered ones', () => {
    const text = legacyLines([
      ['createDataChannel', null, { 0: 'precalltest' }, T0],
      ['close', null, {}, T0 + 1],
      ['navigator.mediaDevices.getUserMedia', null, { audio: true }, T0 + 2],
      ['navigator.mediaDevices.getUserMediaOnFailure', null, 'NotReadableError', T0 + 3],
      ['create', 'PC_0', {}, T0 + 4],
      ['create', 'PC_1', {}, T0 + 5],
    ]);
    const b = read(text).bundles[0];
    expect(b.pcs.map((p) => p.pcId)).toEqual(['0-2', '0-0', '0-1']);
    expect(b.pcs[0]).toMatchObject({ closedBy: 'close', closedAt: T0 + 1 });
    // Named for what it is (the tab and the header show a PC's id in its file).
    expect(b.pcs.map((p) => p.fileId)).toEqual(['entries without a PC id', 'PC_0', 'PC_1']);
    expect(records(b.events, null)).toEqual([
      { type: 'media-call', call: expect.any(Number), t: T0 + 2, method: 'getUserMedia', args: [{ audio: true }] },
      { type: 'media-settled', call: expect.any(Number), t: T0 + 3, method: 'getUserMedia', ok: false, error: { name: 'NotReadableError', message: '' } },
    ]);
  });

  it('sorts lines by time (a late-written state event), keeping file order among equal times', () => {
    const text = legacyLines([
      ['create', 'PC_0', {}, T0],
      ['onconnectionstatechange', 'PC_0', 'connected', T0 + 100],
      ['onconnectionstatechange', 'PC_0', 'failed', T0 + 50],
    ]);
    const b = read(text).bundles[0];
    expect(b.pcs[0].connectionState).toBe('connected');
    expect(b.events.map((e) => e.record.t)).toEqual([T0, T0 + 50, T0 + 100]);
  });
});

describe('RTCStatsDump format 3', () => {
  it('reads rtcstats-js lines: method codes, time deltas, correlation ids', () => {
    const text = v3Lines({ url: 'https://app.test/call', origin: 'https://app.test', userAgent: 'UA/3', clientProtocol: 'rtcstats#4.0', startTime: T0 }, [
      [39, null, { hardwareConcurrency: 4 }, T0],
      [39, 'PC_0', { iceServers: [{ urls: 'stun:s.test' }] }, 5],
      [60, null, { audio: true }, '60-0', 1],
      [2, 'PC_0', null, '2-0', 1],
      [61, null, [['audio', 't1', 'Mic', 's1']], '60-0', 1],
      [3, 'PC_0', { type: 'offer', sdp: OFFER }, '2-0', 1],
      [23, 'PC_0', 'have-local-offer', 1],
      [10, 'PC_0', { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0' }, '10-0', 1],
      [16, 'PC_0', 'OperationError: bad candidate', '10-0', 1],
      [72, null, ['audio', 't1', 'Mic'], 't1', 1],
      [36, 'PC_0', null, 1],
      ['close', null, 1001, 1],
    ]);
    const b = read(text).bundles[0];
    expect(b.session).toMatchObject({ url: 'https://app.test/call', userAgent: 'UA/3', startedAt: T0 });
    expect(b.pcs[0]).toMatchObject({ pcId: '0-0', createdAt: T0 + 5, config: { iceServers: [{ urls: 'stun:s.test' }] }, closedAt: T0 + 14, signalingState: 'closed' });
    const page = records(b.events, null);
    expect(page[0]).toMatchObject({ type: 'media-call', t: T0 + 6, method: 'getUserMedia', args: [{ audio: true }] });
    expect(page[1]).toMatchObject({ type: 'media-settled', ok: true, call: (page[0] as { call: number }).call, value: { id: 's1', tracks: [{ id: 't1', kind: 'audio', label: 'Mic' }] } });
    expect(page[2]).toMatchObject({ type: 'track-event', event: 'ended', track: { id: 't1', kind: 'audio', label: 'Mic' } });
    const recs = records(b.events, '0-0');
    expect(recs[1]).toMatchObject({ type: 'pc-call', method: 'createOffer', args: [] });
    expect(recs[2]).toMatchObject({ type: 'pc-settled', method: 'createOffer', call: (recs[1] as { call: number }).call, value: { type: 'offer', sdp: OFFER } });
    expect(recs[3]).toMatchObject({ type: 'pc-event', event: 'signalingstatechange', value: 'have-local-offer' });
    expect(recs[5]).toMatchObject({ type: 'pc-settled', method: 'addIceCandidate', ok: false, error: { name: 'OperationError' } });
  });

  it('decompresses rtcstats-js getStats (codes, null removal, carried objects) and SDP placeholders', () => {
    const text = v3Lines({ clientProtocol: 'rtcstats#4.0' }, [
      [39, 'PC_0', {}, T0],
      ['g', 'PC_0', { 0: { type: 10, t: 5, dataChannelsOpened: 0 }, 1: { type: 1, 10: 1234, 11: 'audio', 14: 7 }, t: T0 + 1000 }, 'connected-0', 1000],
      ['g', 'PC_0', { 1: { 14: 9 }, t: T0 + 2000 }, 1000],
      ['g', 'PC_0', { 1: null, 0: { dataChannelsOpened: 1 }, t: T0 + 3000 }, 1000],
      [3, 'PC_0', { type: 'offer', sdp: OFFER }, 1],
      // The renegotiated offer repeats section 0 and the audio section: sent as placeholders.
      [3, 'PC_0', { type: 'offer', sdp: 'v=\r\nm=\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:1\r\n' }, 1],
    ]);
    const b = read(text).bundles[0];
    const s = b.samples['0-0'];
    expect(s[0].report).toEqual({
      0: { type: 'peer-connection', timestamp: 5, dataChannelsOpened: 0 },
      1: { type: 'inbound-rtp', timestamp: T0 + 1000, ssrc: 1234, kind: 'audio', packetsReceived: 7 },
    });
    expect(s[1].report['1']).toMatchObject({ packetsReceived: 9, ssrc: 1234, timestamp: T0 + 2000 });
    expect(s[1].report['0']).toMatchObject({ timestamp: T0 + 2000, dataChannelsOpened: 0 });
    expect(Object.keys(s[2].report)).toEqual(['0']);
    const offers = records(b.events, '0-0').filter((r) => r.type === 'pc-settled');
    expect(offers[1]).toMatchObject({
      value: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:1\r\n' },
    });
  });

  it('a compressed line without a remote RTP object keeps that object\'s report time; other absent objects take t', () => {
    const text = v3Lines({ clientProtocol: 'rtcstats#4.0' }, [
      [39, 'PC_0', {}, T0],
      // type 3 = remote-inbound-rtp, 1 = inbound-rtp; 15 = packetsLost, 14 = packetsReceived.
      ['g', 'PC_0', { 0: { type: 3, t: T0 + 500, 10: 1, 11: 'audio', 15: 1 }, 1: { type: 1, 10: 2, 11: 'audio', 14: 7 }, t: T0 + 1000 }, 'connected-0', 1000],
      ['g', 'PC_0', { t: T0 + 2000 }, 1000],
      ['g', 'PC_0', { 0: { t: T0 + 2500, 15: 2 }, 1: { 14: 9 }, t: T0 + 3000 }, 1000],
    ]);
    const s = read(text).bundles[0].samples['0-0'];
    expect(s.map((x) => x.report['0'].timestamp)).toEqual([T0 + 500, T0 + 500, T0 + 2500]);
    expect(s.map((x) => x.report['1'].timestamp)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
  });

  it('restores SDP placeholders of setLocalDescription (vs the created offer) and setRemoteDescription (vs the remote one)', () => {
    const remote1 = 'v=0\r\no=- 9 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';
    const remote2 = 'v=\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=mid:0\r\n';
    const text = v3Lines({ clientProtocol: 'rtcstats#4.0' }, [
      [39, 'PC_0', {}, T0],
      [3, 'PC_0', { type: 'offer', sdp: OFFER }, 1],
      [6, 'PC_0', { type: 'offer', sdp: 'v=\r\nm=\r\nm=\r\n' }, 1],
      [8, 'PC_0', { type: 'offer', sdp: remote1 }, 1],
      [8, 'PC_0', { type: 'offer', sdp: remote2 }, 1],
    ]);
    const calls = records(read(text).bundles[0].events, '0-0').filter((r) => r.type === 'pc-call');
    const sdps = calls.map((c) => (c.type === 'pc-call' && c.args[0] && typeof c.args[0] === 'object' && !Array.isArray(c.args[0]) ? c.args[0].sdp : null));
    expect(sdps[0]).toBe(OFFER);
    expect(sdps[1]).toBe(remote1);
    expect(sdps[2]).toBe('v=0\r\no=- 9 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=mid:0\r\n');
  });

  it("reads Chrome's export: plain names, quoted states, full reports with […] fields, <rid>-0 media, remove", () => {
    const text = v3Lines({}, [
      ['create', null, { userAgentData: { brands: [{ brand: 'Not:A-Brand', version: '8' }, { brand: 'Chromium', version: '156' }], platform: 'Linux' } }, T0],
      ['navigator.mediaDevices.getUserMedia', '10-0', { audio: true }, 'getUserMedia-10-1-0', 'https://c.test/', 1],
      ['navigator.mediaDevices.getUserMediaOnSuccess', '10-0', [['audio', 'a1', 'Mic', 's1']], 'getUserMedia-10-1-0', 1],
      ['create', '10-1', { bundlePolicy: 'max-bundle' }, 'https://c.test/', 1],
      ['addTrack', '10-1', ['audio', 'a1', 's1'], 1],
      ['onsignalingstatechange', '10-1', '"have-local-offer"', 1],
      ['addIceCandidate', '10-1', { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' }, 1],
      ['getStats', '10-1', { P: { id: 'P', type: 'peer-connection', timestamp: T0 + 6, dataChannelsOpened: 0 }, T01: { id: 'T01', type: 'transport', timestamp: T0 + 6, bytesSent: 5, '[bytesSent_in_bits/s]': 40 } }, 'x', 1],
      ['getStats', '10-1', { P: { id: 'P', type: 'peer-connection', timestamp: T0 + 7, dataChannelsOpened: 1 } }, 1],
      ['remove', '10-1', null, 1],
    ]);
    const r = importDump('rtcstats_dump.gz', gz(text));
    const b = r.bundles[0];
    expect(r.format).toBe('rtcstats-v3');
    expect(b.session.userAgent).toBe('Chromium 156 (Linux)');
    expect(b.session.url).toBe('https://c.test/');
    expect(b.pcs.map((p) => p.pcId)).toEqual(['0-1']);
    expect(b.pcs[0]).toMatchObject({ closedBy: 'unload', closedAt: T0 + 9, signalingState: 'closed', frameUrl: 'https://c.test/' });
    const recs = records(b.events, '0-1');
    expect(recs[1]).toMatchObject({ method: 'addTrack', args: [{ id: 'a1', kind: 'audio', label: '' }, { id: 's1' }] });
    expect(recs[3]).toMatchObject({ event: 'signalingstatechange', value: 'have-local-offer' });
    expect(recs[4]).toMatchObject({ type: 'pc-call', method: 'addIceCandidate' });
    expect(recs[5]).toMatchObject({ type: 'pc-settled', method: 'addIceCandidate', ok: true });
    const s = b.samples['0-1'];
    expect(s[0].report.T01).toEqual({ type: 'transport', timestamp: T0 + 6, bytesSent: 5 });
    // Full reports are snapshots: T01 is gone from the second poll.
    expect(Object.keys(s[1].report)).toEqual(['P']);
    expect(records(b.events, null).map((x) => x.type)).toEqual(['media-call', 'media-settled']);
  });

  it('keeps app events (`:<name>`) as entries of that name, of the session or of their PC, never as a method', () => {
    const text = v3Lines({ clientProtocol: 'rtcstats#4.0' }, [
      [39, 'PC_0', {}, T0],
      [':dominantSpeaker', null, { id: 'a' }, 1],
      // A name that is also a method code stays an entry (our exporter escapes such names this way).
      [':39', 'PC_0', 'as text', 1],
    ]);
    const b = read(text).bundles[0];
    expect(records(b.events, null)).toEqual([{ type: 'file-entry', t: T0 + 1, value: { name: 'dominantSpeaker', text: '{"id":"a"}' } }]);
    expect(records(b.events, '0-0')[1]).toEqual({ type: 'pc-event', pc: 0, t: T0 + 2, event: 'dump-entry', value: { name: '39', text: 'as text' } });
  });

  it('refuses other file formats and a missing metadata line', () => {
    expect(() => read('RTCStatsDump\n{"fileFormat":2}\n')).toThrow(/looks like an rtcstats-v3 dump; at line 2: fileFormat 2 is not supported/);
    expect(() => read('RTCStatsDump\n')).toThrow(DumpError);
    expect(() => read('RTCStatsDump\r\n{"fileFormat":3}\r\n["create","PC_0",{},1]\r\n')).not.toThrow();
  });
});
