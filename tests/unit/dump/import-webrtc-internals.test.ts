/** webrtc-internals dumps of every generation (shared/docs/formats.md §1.7), from small hand-made fixtures. */
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { DumpError } from '../../../lib/dump/session-bundle';
import type { TraceEvent } from '../../../lib/model/session';
import { bytes, gz, internalsDump, objectSeries, series } from '../../fixtures/dumps/dump-fixtures';
import { pcSamples } from '../../../lib/dump/bundle-stats';
import { readFileSync } from 'node:fs';
import { buildDefaultCharts } from '../../../lib/model/chart-series';
import { connectionMetrics } from '../../../lib/model/health/metrics';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { INTERNALS_DUMP_CALL } from '../model/corpus';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n';

const read = (text: string, options = {}) => importDump('dump.txt', bytes(text), options);
const records = (events: TraceEvent[], pcId: string | null) => events.filter((e) => e.pcId === pcId).map((e) => e.record);

describe('webrtc-internals: update log', () => {
  it('maps the current format (M142+: timestamp, JSON values, quoted states) to our records', () => {
    const log = [
      { type: 'createOffer', value: '{"offerToReceiveAudio":true}', timestamp: T0 },
      { type: 'createOfferOnSuccess', value: JSON.stringify({ type: 'offer', sdp: SDP }), timestamp: T0 + 1 },
      { type: 'setLocalDescription', value: JSON.stringify({ type: 'offer', sdp: SDP }), timestamp: T0 + 2 },
      { type: 'onsignalingstatechange', value: '"have-local-offer"', timestamp: T0 + 3 },
      { type: 'setLocalDescriptionOnSuccess', value: '', timestamp: T0 + 4 },
      { type: 'onicecandidate', value: '{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host"}', timestamp: T0 + 5 },
      { type: 'addIceCandidate', value: '{"sdpMid":"0","sdpMLineIndex":0,"candidate":"candidate:2 1 udp 1 127.0.0.1 6000 typ host"}', timestamp: T0 + 6 },
      { type: 'addIceCandidateFailed', value: '{"sdpMid":"9","candidate":"candidate:3 1 udp 1 10.0.0.1 7 typ host"}', timestamp: T0 + 7 },
      { type: 'onconnectionstatechange', value: '"connected"', timestamp: T0 + 8 },
      { type: 'onicecandidateerror', value: '{"url":"stun:s","address":"[0:0:0:x:x:x:x:x]","port":"0","host_candidate":"h","error_text":"timeout","error_code":701}', timestamp: T0 + 9 },
      { type: 'close', value: '', timestamp: T0 + 10 },
    ];
    const r = read(internalsDump({ '10-1': { updateLog: log } }));
    const recs = records(r.bundles[0].events, '0-1');
    expect(recs[0]).toMatchObject({ type: 'pc-created', t: T0 });
    expect(recs[1]).toMatchObject({ type: 'pc-call', method: 'createOffer', args: [{ offerToReceiveAudio: true }] });
    expect(recs[2]).toMatchObject({ type: 'pc-settled', method: 'createOffer', ok: true, value: { type: 'offer', sdp: SDP } });
    expect(recs[3]).toMatchObject({ type: 'pc-call', method: 'setLocalDescription', args: [{ type: 'offer', sdp: SDP }] });
    expect(recs[4]).toEqual({ type: 'pc-event', pc: 1, t: T0 + 3, event: 'signalingstatechange', value: 'have-local-offer' });
    expect(recs[5]).toMatchObject({ type: 'pc-settled', method: 'setLocalDescription', ok: true });
    expect(recs[6]).toMatchObject({ type: 'pc-event', event: 'icecandidate', value: { sdpMid: '0', candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host' } });
    // Chrome logs addIceCandidate once it completed: call and outcome at once.
    expect(recs[7]).toMatchObject({ type: 'pc-call', method: 'addIceCandidate', args: [{ candidate: 'candidate:2 1 udp 1 127.0.0.1 6000 typ host' }] });
    expect(recs[8]).toMatchObject({ type: 'pc-settled', method: 'addIceCandidate', ok: true });
    expect(recs[9]).toMatchObject({ type: 'pc-call', method: 'addIceCandidate' });
    expect(recs[10]).toMatchObject({ type: 'pc-settled', method: 'addIceCandidate', ok: false });
    expect(recs[11]).toMatchObject({ type: 'pc-event', event: 'connectionstatechange', value: 'connected' });
    expect(recs[12]).toMatchObject({ type: 'pc-event', event: 'icecandidateerror', value: { errorCode: 701, errorText: 'timeout', hostCandidate: 'h', url: 'stun:s' } });
    expect(recs[13]).toMatchObject({ type: 'pc-call', method: 'close', args: [] });
    const pc = r.bundles[0].pcs[0];
    expect(pc).toMatchObject({ pcId: '0-1', createdAt: T0, closedAt: T0 + 10, closedBy: 'close', frameUrl: 'https://example.test/call' });
  });

  it('reads the M86 generation: `time` locale text, camelCase names, text values, bare states', () => {
    const log = [
      { time: '11/5/2020, 9:34:11 PM', type: 'createOffer', value: 'options: {offerToReceiveVideo: 0, offerToReceiveAudio: 1}' },
      { time: '11/5/2020, 9:34:11 PM', type: 'setLocalDescription', value: `type: offer, sdp: ${SDP}` },
      { time: '11/5/2020, 9:34:12 PM', type: 'signalingStateChange', value: 'have-local-offer' },
      { time: 'not a date', type: 'onIceCandidate', value: 'sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:9 1 udp 5 192.0.2.1 4 typ host' },
      { time: '11/5/2020, 9:34:13 PM', type: 'iceConnectionStateChange', value: 'ICEConnectionStateConnected' },
      { time: '11/5/2020, 9:34:13 PM', type: 'legacyIceConnectionStateChange', value: 'connected' },
      { time: '11/5/2020, 9:34:14 PM', type: 'onRenegotiationNeeded', value: '' },
      { time: '11/5/2020, 9:34:15 PM', type: 'icecandidateerror', value: 'url: stun:stun.test:3478\naddress: 192.0.2.1\nerror_code: 701' },
    ];
    const doc = internalsDump(
      { '4242-1': { updateLog: log, rtcConfiguration: '{ iceServers: [stun:stun.test:3478], iceTransportPolicy: all }', constraints: '' } },
      { UserAgent: 'Chrome/86' },
    );
    const r = read(doc);
    const recs = records(r.bundles[0].events, '0-1');
    const t0 = Date.parse('11/5/2020, 9:34:11 PM');
    expect(recs[0]).toMatchObject({ type: 'pc-created', t: t0, config: { rtcConfiguration: '{ iceServers: [stun:stun.test:3478], iceTransportPolicy: all }' } });
    expect(recs[1]).toMatchObject({ type: 'pc-call', method: 'createOffer', args: ['{offerToReceiveVideo: 0, offerToReceiveAudio: 1}'] });
    expect(recs[2]).toMatchObject({ type: 'pc-call', method: 'setLocalDescription', args: [{ type: 'offer', sdp: SDP }] });
    expect(recs[3]).toMatchObject({ event: 'signalingstatechange', value: 'have-local-offer' });
    // An unparseable time keeps the order: it takes the previous entry's time.
    expect(recs[4]).toMatchObject({ event: 'icecandidate', t: t0 + 1000, value: { sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:9 1 udp 5 192.0.2.1 4 typ host' } });
    expect(recs[5]).toMatchObject({ event: 'iceconnectionstatechange', value: 'connected' });
    // legacyIceConnectionStateChange has no counterpart: kept as a generic entry, its value text as in the file.
    expect(recs[6]).toMatchObject({ type: 'pc-event', event: 'dump-entry', value: { name: 'legacyIceConnectionStateChange', text: 'connected' } });
    expect(recs[7]).toMatchObject({ event: 'negotiationneeded', value: null });
    expect(recs[8]).toMatchObject({ event: 'icecandidateerror', value: { url: 'stun:stun.test:3478', address: '192.0.2.1', errorCode: 701 } });
    expect(r.bundles[0].pcs[0].iceConnectionState).toBe('connected');
    expect(r.bundles[0].pcs[0].constraints).toBeUndefined();
  });

  it('reads the intermediate bare lowercase names (chromium 5eabb08)', () => {
    const log = [
      { type: 'icecandidate', value: '{"candidate":"candidate:1 1 udp 1 127.0.0.1 1 typ host","sdpMid":"0"}', timestamp: T0 },
      { type: 'iceconnectionstatechange', value: 'checking', timestamp: T0 + 1 },
      { type: 'connectionstatechange', value: 'connecting', timestamp: T0 + 2 },
    ];
    const recs = records(read(internalsDump({ '1-1': { updateLog: log } })).bundles[0].events, '0-1');
    expect(recs.slice(1).map((r) => (r.type === 'pc-event' ? [r.event, r.value] : r.type))).toEqual([
      ['icecandidate', { candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host', sdpMid: '0' }],
      ['iceconnectionstatechange', 'checking'],
      ['connectionstatechange', 'connecting'],
    ]);
  });

  it('maps M156 addTrack/ontrack/createDataChannel/ondatachannel values to our argument shapes', () => {
    const log = [
      { type: 'addTrack', value: '{"kind":"audio","id":"a1","streams":["s1"]}', timestamp: T0 },
      { type: 'createDataChannel', value: '{"label":"chat","ordered":false,"maxRetransmits":0}', timestamp: T0 + 1 },
      { type: 'ontrack', value: '{"kind":"video","id":"v1","label":"cam","streams":["s2"]}', timestamp: T0 + 2 },
      { type: 'ondatachannel', value: '{"label":"chat","ordered":true}', timestamp: T0 + 3 },
      { type: 'transceiverAdded', value: '{"mid":null,"kind":"audio"}', timestamp: T0 + 4 },
    ];
    const recs = records(read(internalsDump({ '1-1': { updateLog: log } })).bundles[0].events, '0-1');
    expect(recs[1]).toMatchObject({ type: 'pc-call', method: 'addTrack', args: [{ id: 'a1', kind: 'audio', label: '' }, { id: 's1' }] });
    expect(recs[3]).toMatchObject({ type: 'pc-call', method: 'createDataChannel', args: ['chat', { ordered: false, maxRetransmits: 0 }] });
    expect(recs[5]).toMatchObject({ type: 'pc-event', event: 'track', value: { track: { id: 'v1', kind: 'video', label: 'cam' }, streams: ['s2'] } });
    expect(recs[6]).toMatchObject({ type: 'pc-event', event: 'datachannel', value: { label: 'chat', ordered: true } });
    // transceiverAdded has no record type of ours: a generic entry with the file's value string, not a problem.
    expect(recs[7]).toEqual({ type: 'pc-event', pc: 1, t: T0 + 4, event: 'dump-entry', value: { name: 'transceiverAdded', text: '{"mid":null,"kind":"audio"}' } });
    expect(recs).toHaveLength(8);
  });

  it('pairs getUserMedia requests with their success or failure and keeps the page URL', () => {
    const gum = [
      { rid: 1, pid: 2, request_id: 0, request_type: 'getUserMedia', origin: 'https://a.test', url: 'https://a.test/x', audio: '', video: '{"width": {"ideal": 640}}', timestamp: T0 },
      { rid: 1, pid: 2, request_id: 1, request_type: 'getDisplayMedia', origin: 'https://a.test', video: '{deviceId: {ideal: ["x"]}}', timestamp: T0 + 1 },
      { rid: 1, pid: 2, request_id: 1, request_type: 'getDisplayMedia', error: 'NotAllowedError', error_message: 'Permission denied', timestamp: T0 + 2 },
      { rid: 1, pid: 2, request_id: 0, request_type: 'getUserMedia', stream_id: 's', audio_track_info: '{"id":"a","label":"Mic"}', video_track_info: 'null', timestamp: T0 + 3 },
    ];
    const r = read(internalsDump({}, { getUserMedia: gum }));
    const recs = records(r.bundles[0].events, null);
    expect(recs[0]).toMatchObject({ type: 'media-call', method: 'getUserMedia', args: [{ audio: true, video: { width: { ideal: 640 } } }] });
    // M86 constraints are not JSON: kept as text.
    expect(recs[1]).toMatchObject({ type: 'media-call', method: 'getDisplayMedia', args: [{ video: '{deviceId: {ideal: ["x"]}}' }] });
    expect(recs[2]).toMatchObject({ type: 'media-settled', call: (recs[1] as { call: number }).call, ok: false, error: { name: 'NotAllowedError', message: 'Permission denied' } });
    expect(recs[3]).toMatchObject({ type: 'media-settled', call: (recs[0] as { call: number }).call, ok: true, value: { id: 's', tracks: [{ id: 'a', kind: 'audio', label: 'Mic' }] } });
    expect(r.bundles[0].session).toMatchObject({ url: 'https://a.test/x', origin: 'https://a.test', mediaCallCount: 2 });
  });

  it('accepts UserAgentData as an array (M138–M142) or an object (M144+), gzipped or not', () => {
    const log = [{ type: 'onsignalingstatechange', value: '"closed"', timestamp: T0 }];
    const a = internalsDump({ '1-1': { updateLog: log } }, { UserAgentData: [{ brand: 'Chromium', version: '142' }] });
    const b = internalsDump({ '1-1': { updateLog: log } }, { UserAgentData: { brands: [], mobile: false, platform: 'Linux' }, timestamp: T0 + 5000 });
    const ra = importDump('a.gz', gz(a));
    const rb = read(b);
    expect(ra.format).toBe('webrtc-internals');
    expect(ra.bundles[0].pcs[0].signalingState).toBe('closed');
    // The download time (M147+) is when the file was saved, not a time of the session: the log's time bounds it.
    expect(rb.bundles[0].session.startedAt).toBe(T0);
    expect(rb.bundles[0].session.endedAt).toBe(T0);
    expect(rb.bundles[0].session.userAgent).toBe('Mozilla/5.0 Test');
  });

  it('takes the download time for the session only when nothing else in the file has a time', () => {
    // A getUserMedia request whose time cannot be read and a PC without log or stats: nothing dated but the file.
    const c = internalsDump({ '1-1': { updateLog: [] } }, { timestamp: T0 + 5000 });
    const rc = read(c);
    expect(rc.bundles[0].session.startedAt).toBe(T0 + 5000);
    expect(rc.bundles[0].session.endedAt).toBe(T0 + 5000);
  });
});

describe('webrtc-internals: stats series → full reports per poll', () => {
  const times = [0, 1000, 2000, 3000].map((d) => T0 + d + 0.25);

  it('rebuilds each poll with every raw field, skipping calculated […] series', () => {
    const stats = {
      ...objectSeries('P', 'peer-connection', times, { dataChannelsOpened: [0, 1, 1, 1] }),
      // A codec id with `-` and `;` (fmtp) and a property that appears at the second poll (contiguous tail).
      ...objectSeries('CIT01_96_level-asymmetry-allowed=1;profile-level-id=42e01f', 'codec', times, { payloadType: [96, 96, 96, 96] }),
      ...objectSeries('IT01V1', 'inbound-rtp', times, { bytesReceived: [10, 20, 30, 40], qualityLimitationDurations: [{ none: 1 }, { none: 2 }, { none: 3 }, { none: 4 }] }),
      'IT01V1-remoteId': series(['ROV1', 'ROV1', 'ROV1'], times[1], times[3], 'inbound-rtp'),
      'IT01V1-[bytesReceived_in_bits/s]': series([80, 80, 80], times[1], times[3], 'inbound-rtp'),
      'IT01V1-[framesReceived-framesDecoded-framesDropped]': series([1, 2, 3], times[1], times[3], 'inbound-rtp'),
    };
    const r = read(internalsDump({ '1-1': { stats } }));
    const samples = pcSamples(r.bundles[0], '0-1');
    expect(samples.map((s) => s.t)).toEqual(times);
    expect(samples.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(samples[0].report.IT01V1).toEqual({ type: 'inbound-rtp', timestamp: times[0], bytesReceived: 10, qualityLimitationDurations: { none: 1 } });
    expect(samples[1].report.IT01V1).toEqual({ type: 'inbound-rtp', timestamp: times[1], bytesReceived: 20, qualityLimitationDurations: { none: 2 }, remoteId: 'ROV1' });
    expect(samples[3].report['CIT01_96_level-asymmetry-allowed=1;profile-level-id=42e01f']).toMatchObject({ type: 'codec', payloadType: 96 });
    expect(r.bundles[0].pcs[0]).toMatchObject({ sampleCount: 4, lastSampleAt: times[3] });
    // The PC's creation is unknown without an update log: its first poll stands in.
    expect(r.bundles[0].pcs[0].createdAt).toBe(times[0]);
  });

  it('places remote RTP objects (RTCP-timed, repeating timestamps) in the polls after their time', () => {
    const rtcp = [times[0] - 600, times[0] - 600, times[2] - 300];
    const stats = {
      ...objectSeries('P', 'peer-connection', times, {}),
      'RIA1-timestamp': series(rtcp, rtcp[0], rtcp[2], 'remote-inbound-rtp'),
      'RIA1-type': series(['remote-inbound-rtp', 'remote-inbound-rtp', 'remote-inbound-rtp'], rtcp[0], rtcp[2], 'remote-inbound-rtp'),
      'RIA1-packetsLost': series([1, 2, 3], rtcp[0], rtcp[2], 'remote-inbound-rtp'),
      // Present in 2 of the 3 points (a hole cannot be placed exactly): right-aligned to its end time.
      'RIA1-roundTripTime': series([0.1, 0.3], rtcp[0], rtcp[2], 'remote-inbound-rtp'),
    };
    const samples = pcSamples(read(internalsDump({ '1-1': { stats } })).bundles[0], '0-1');
    expect(samples).toHaveLength(4);
    expect(samples.map((s) => s.report.RIA1?.packetsLost)).toEqual([1, 2, 3, undefined]);
    expect(samples.map((s) => s.report.RIA1?.timestamp)).toEqual([rtcp[0], rtcp[1], rtcp[2], undefined]);
    expect(samples.map((s) => s.report.RIA1?.roundTripTime)).toEqual([undefined, 0.1, 0.3, undefined]);
  });

  it('reads pre-M117 series (no -timestamp, no statsType) at 1 s steps from startTime', () => {
    const start = T0;
    const stats = {
      'RTCPeerConnection-type': series(['peer-connection', 'peer-connection', 'peer-connection'], start, start + 2000),
      'RTCPeerConnection-dataChannelsOpened': series([0, 0, 1], start, start + 2000),
      'RTCOutboundRTPVideoStream_1-bytesSent': series([5, 6], start + 1000, start + 2000),
    };
    const samples = pcSamples(read(internalsDump({ '1-1': { stats } })).bundles[0], '0-1');
    expect(samples.map((s) => s.t)).toEqual([start, start + 1000, start + 2000]);
    expect(samples[2].report.RTCPeerConnection).toEqual({ type: 'peer-connection', timestamp: start + 2000, dataChannelsOpened: 1 });
    expect(samples[1].report['RTCOutboundRTPVideoStream_1']).toMatchObject({ bytesSent: 5 });
  });

  it('keeps legacy goog stats as given: their own types, string values', () => {
    const stats = {
      'Conn-audio-1-0-googRtt': series(['12', '14'], T0, T0 + 1000, 'googCandidatePair'),
      'Conn-audio-1-0-googActiveConnection': series(['true', 'true'], T0, T0 + 1000, 'googCandidatePair'),
      'bweforvideo-googAvailableSendBandwidth': series(['300000', '310000'], T0, T0 + 1000, 'VideoBwe'),
    };
    const samples = pcSamples(read(internalsDump({ '1-1': { stats } })).bundles[0], '0-1');
    expect(samples).toHaveLength(2);
    expect(samples[1].report['Conn-audio-1-0']).toEqual({ type: 'googCandidatePair', timestamp: T0 + 1000, googRtt: '14', googActiveConnection: 'true' });
    expect(samples[0].report.bweforvideo).toMatchObject({ type: 'VideoBwe', googAvailableSendBandwidth: '300000' });
  });

  it('treats null values (our exporter pads absent polls with null) as absent fields', () => {
    const stats = objectSeries('P', 'peer-connection', times.slice(0, 2), { dataChannelsOpened: [null, 1] });
    const samples = pcSamples(read(internalsDump({ '1-1': { stats } })).bundles[0], '0-1');
    expect(samples[0].report.P).toEqual({ type: 'peer-connection', timestamp: times[0] });
    expect(samples[1].report.P.dataChannelsOpened).toBe(1);
  });

  it('reports a broken series as a problem and keeps the rest with allowPartial', () => {
    const stats = {
      ...objectSeries('P', 'peer-connection', times, {}),
      'P-bad': { startTime: 'x', endTime: 'y', values: '[1, 2' },
    };
    const doc = internalsDump({ '1-1': { stats } });
    expect(() => read(doc)).toThrow(DumpError);
    expect(() => read(doc)).toThrow(/dump\.txt: looks like a webrtc-internals dump; at PeerConnections\["1-1"\]\.stats\["P-bad"\]\.values: not valid JSON/);
    const r = read(doc, { allowPartial: true });
    expect(r.problems).toHaveLength(1);
    expect(pcSamples(r.bundles[0], '0-1')).toHaveLength(4);
  });
});

describe('webrtc-internals before M117 (no -timestamp series): remote RTP objects keep their report\'s time', () => {
  /** Rows at which an object's timestamp moved on (a new receiver report, for a remote-inbound-rtp). */
  const advances = (stamps: unknown[]) => stamps.flatMap((v, row) => (row > 0 && v !== undefined && v !== stamps[row - 1] ? [row] : []));

  it('the corpus call without its -timestamp series: the audio report times move on at the same polls as in the M117 dump', () => {
    const text = readFileSync(INTERNALS_DUMP_CALL, 'utf8');
    const doc = JSON.parse(text) as { PeerConnections: Record<string, { stats: Record<string, unknown> }> };
    for (const pc of Object.values(doc.PeerConnections)) for (const key of Object.keys(pc.stats)) if (key.endsWith('-timestamp')) delete pc.stats[key];
    const stamps = (dump: string) => pcSamples(read(dump).bundles[0], '0-1').map((s) => s.report.RIA3015589555?.timestamp);
    const reports = advances(stamps(text));
    // Chromium's audio receiver reports: about every 5 s, not every poll.
    expect(reports.length).toBeGreaterThan(8);
    expect(reports.length).toBeLessThan(20);
    expect(advances(stamps(JSON.stringify(doc)))).toEqual(reports);
  });

  it('sender-side loss spans the interval between two reports: 10 % on every report, no 0 % / 50 % spikes', () => {
    // Audio reports every 5 polls, each saying 25 more of the 250 packets sent since the last one were lost.
    const start = T0;
    const n = 16;
    const end = start + (n - 1) * 1000;
    const polls = [...Array(n).keys()];
    const stats = {
      'RTCOutboundRTPAudioStream_1-type': series(polls.map(() => 'outbound-rtp'), start, end),
      'RTCOutboundRTPAudioStream_1-kind': series(polls.map(() => 'audio'), start, end),
      'RTCOutboundRTPAudioStream_1-ssrc': series(polls.map(() => 1), start, end),
      'RTCOutboundRTPAudioStream_1-packetsSent': series(polls.map((i) => 50 * i), start, end),
      'RTCOutboundRTPAudioStream_1-bytesSent': series(polls.map((i) => 4000 * i), start, end),
      'RTCOutboundRTPAudioStream_1-remoteId': series(polls.map(() => 'RTCRemoteInboundRtpAudioStream_1'), start, end),
      'RTCRemoteInboundRtpAudioStream_1-type': series(polls.map(() => 'remote-inbound-rtp'), start, end),
      'RTCRemoteInboundRtpAudioStream_1-localId': series(polls.map(() => 'RTCOutboundRTPAudioStream_1'), start, end),
      'RTCRemoteInboundRtpAudioStream_1-packetsLost': series(polls.map((i) => 25 * Math.floor(i / 5)), start, end),
    };
    const samples = pcSamples(read(internalsDump({ '1-1': { stats } })).bundles[0], '0-1');
    const remote = samples.map((s) => s.report.RTCRemoteInboundRtpAudioStream_1.timestamp);
    expect(advances(remote)).toEqual([5, 10, 15]);
    // The report's time is that of the poll that first showed it.
    expect(remote[7]).toBe(samples[5].t);
    const columns = samplesToColumns(samples);
    expect(connectionMetrics(columns).streams[0].series.lossFraction!.flatMap((v, row) => (v === null ? [] : [[row, v]]))).toEqual([[5, 0.1], [10, 0.1], [15, 0.1]]);
    const chart = buildDefaultCharts(columns).charts.find((c) => c.id === 'packet-loss')!.series[0].values;
    expect(chart.slice(5).every((v) => v !== null && Math.abs(v - 10) < 1e-9)).toBe(true);
  });

  it('objects of other types keep a time per poll', () => {
    const stats = {
      'RTCOutboundRTPAudioStream_1-type': series(['outbound-rtp', 'outbound-rtp', 'outbound-rtp'], T0, T0 + 2000),
      'RTCOutboundRTPAudioStream_1-packetsSent': series([5, 5, 5], T0, T0 + 2000),
    };
    const samples = pcSamples(read(internalsDump({ '1-1': { stats } })).bundles[0], '0-1');
    expect(samples.map((s) => s.report.RTCOutboundRTPAudioStream_1.timestamp)).toEqual([T0, T0 + 1000, T0 + 2000]);
  });
});

describe('webrtc-internals: malformed stats series are refused with where and why', () => {
  const times = [0, 1000, 2000, 3000, 4000, 5000].map((d) => T0 + d);
  const at = (key: string) => `PeerConnections["1-1"].stats[${JSON.stringify(key)}]`;
  const refusal = (doc: string): DumpError => {
    try {
      read(doc);
    } catch (error) {
      expect(error).toBeInstanceOf(DumpError);
      return error as DumpError;
    }
    throw new Error('imported without an error');
  };

  it('a -timestamp series that goes back: the point is left out, no value moves to another poll', () => {
    // A clock step back at point 3: before the fix its values went to the next poll and every later one shifted.
    const stepped = [times[0], times[1], times[2], times[1] + 500, times[3], times[4]];
    const stats = {
      ...objectSeries('X', 'inbound-rtp', stepped, { bytesReceived: [10, 20, 30, 40, 50, 60] }),
      ...objectSeries('P', 'peer-connection', times.slice(0, 5), { dataChannelsOpened: [1, 2, 3, 4, 5] }),
    };
    const doc = internalsDump({ '1-1': { stats } });
    expect(refusal(doc)).toMatchObject({ where: `${at('X-timestamp')}.values[3]`, reason: 'time goes backwards' });
    const r = read(doc, { allowPartial: true });
    expect(r.problems).toEqual([{ where: `${at('X-timestamp')}.values[3]`, reason: 'time goes backwards' }]);
    const samples = pcSamples(r.bundles[0], '0-1');
    expect(samples.map((s) => s.t)).toEqual(times.slice(0, 5));
    expect(samples.map((s) => s.report.X?.bytesReceived)).toEqual([10, 20, 30, 50, 60]);
    expect(samples.map((s) => s.report.X?.timestamp)).toEqual([times[0], times[1], times[2], times[3], times[4]]);
    expect(samples.map((s) => s.report.P.dataChannelsOpened)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a repeated time is no problem: an object stamped once and carried unchanged has a point per poll', () => {
    // As our export writes a legacy goog object that rtcstats carried from poll to poll with its first timestamp.
    const stats = { ...objectSeries('P', 'peer-connection', times.slice(0, 3), {}), ...objectSeries('googTrack_1', 'googTrack', [times[0], times[0], times[0]], { googFrameRate: ['1', '2', '3'] }) };
    const r = read(internalsDump({ '1-1': { stats } }));
    expect(r.problems).toEqual([]);
    expect(pcSamples(r.bundles[0], '0-1').map((s) => s.report.googTrack_1.googFrameRate)).toEqual(['1', '2', '3']);
  });

  it('±Infinity (a number too large for a double) in a flat series, as in a nested one: "not a finite number"', () => {
    // The flat fast path parses `[1,1e400,-1e999]` as numbers and skipped the record check the nested path does.
    const stats = {
      ...objectSeries('X', 'inbound-rtp', times.slice(0, 3), {}),
      'X-jitter': { ...series([], times[0], times[2], 'inbound-rtp'), values: '[0.5,1e400,-1e999]' },
      'X-q': { ...series([], times[0], times[2], 'inbound-rtp'), values: '[{"a":1},{"a":1e400},2e400]' },
    };
    const doc = internalsDump({ '1-1': { stats } });
    expect(refusal(doc)).toMatchObject({ where: `${at('X-jitter')}.values[1]`, reason: expect.stringMatching(/^refused: \$: not a finite number \(and 3 more problems/) });
    const r = read(doc, { allowPartial: true });
    expect(r.problems.map((p) => p.where)).toEqual([`${at('X-jitter')}.values[1]`, `${at('X-jitter')}.values[2]`, `${at('X-q')}.values[2]`, `${at('X-q')}.values[1]`]);
    expect(r.problems.every((p) => /not a finite number/.test(p.reason))).toBe(true);
    const samples = pcSamples(r.bundles[0], '0-1');
    expect(samples.map((s) => s.report.X.jitter)).toEqual([0.5, undefined, undefined]);
    expect(samples.map((s) => s.report.X.q)).toEqual([{ a: 1 }, undefined, undefined]);
  });

  it('more values than the object has points: a problem, the series left out', () => {
    const stats = { ...objectSeries('X', 'inbound-rtp', times.slice(0, 3), {}), 'X-bytesReceived': series([1, 2, 3, 4, 5], times[0], times[2], 'inbound-rtp') };
    const doc = internalsDump({ '1-1': { stats } });
    expect(refusal(doc)).toMatchObject({ where: `${at('X-bytesReceived')}.values`, reason: expect.stringMatching(/^5 values, but its object has only 3 points/) });
    const samples = pcSamples(read(doc, { allowPartial: true }).bundles[0], '0-1');
    expect(samples.map((s) => s.report.X.bytesReceived)).toEqual([undefined, undefined, undefined]);
  });

  it('a series whose endTime is no point of its object: right-aligned (formats.md §1.6) and reported, having no approximate flag', () => {
    const stats = { ...objectSeries('X', 'inbound-rtp', times.slice(0, 3), {}), 'X-bytesReceived': series([7], times[0] + 99_999, times[0] + 99_999, 'inbound-rtp') };
    const doc = internalsDump({ '1-1': { stats } });
    expect(refusal(doc)).toMatchObject({ where: `${at('X-bytesReceived')}.endTime`, reason: expect.stringMatching(/^2026-01-02T03:05:44\.999Z: no point of its object .* right-aligned to the last point/) });
    const samples = pcSamples(read(doc, { allowPartial: true }).bundles[0], '0-1');
    expect(samples.map((s) => s.report.X.bytesReceived)).toEqual([undefined, undefined, 7]);
    // Holes inside a matching start and end (Chromium drops them) stay silent: every real dump has some.
    const holes = { ...objectSeries('X', 'inbound-rtp', times.slice(0, 3), {}), 'X-bytesReceived': series([1, 3], times[0], times[2], 'inbound-rtp') };
    expect(read(internalsDump({ '1-1': { stats: holes } })).problems).toEqual([]);
  });
});
