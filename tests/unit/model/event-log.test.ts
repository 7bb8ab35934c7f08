import { describe, expect, it } from 'vitest';
import { transceiverEntrySummary, buildEventLog, sessionTimeOrigin, candidateSummary, filterEventLog, LOG_KINDS, type LogKind } from '../../../lib/model/event-log';
import type { Json, JsonObject } from '../../../lib/protocol/json';
import { EventStream, internalsCallSession, internalsSdps, makePc, makeSession, renegotiatedOffer, XSS } from '../../fixtures/session-builders';

const { offer, answer } = internalsSdps();

describe('buildEventLog on the corpus call (converted from the webrtc-internals update log)', () => {
  const data = internalsCallSession();
  const log = buildEventLog(data, '0-1');

  it('lists the sender PC in trace order, with time since creation', () => {
    expect(log.slice(0, 8).map((e) => `${e.kind} ${e.name}`)).toEqual([
      'created RTCPeerConnection',
      'call createDataChannel',
      'call addTrack',
      'call addTrack',
      'call createOffer',
      'event negotiationneeded',
      'call setLocalDescription',
      'event signalingstatechange',
    ]);
    for (let i = 1; i < log.length; i++) expect(log[i].seq).toBeGreaterThan(log[i - 1].seq);
    const pc = data.pcs[0];
    expect(log[0].sinceMs).toBe(0);
    for (const e of log) expect(e.sinceMs).toBeCloseTo(e.t - pc.createdAt, 6);
    // Settlements are merged into their calls, never listed on their own.
    expect(log.some((e) => e.summary.includes('call not recorded'))).toBe(false);
    expect(log.every((e) => e.kind !== 'media' && e.kind !== 'track')).toBe(true);
  });

  it('merges createOffer with its result: outcome, duration, SDP as the first local description', () => {
    const createOffer = log.find((e) => e.name === 'createOffer')!;
    expect(createOffer.outcome).toBe('ok');
    expect(createOffer.durationMs).toBeGreaterThan(0);
    expect(createOffer.summary).toBe('createOffer({"voiceActivityDetection":true}) → offer, 3 m-section(s)');
    expect(createOffer.sdp).toMatchObject({ side: 'local', type: 'offer', sdp: offer, previous: null });
    expect(createOffer.sdp!.diff.sections.every((s) => s.change === 'added')).toBe(true);
  });

  it('diffs setLocalDescription against the offer (not munged: no change) and keeps remote descriptions apart', () => {
    const createOffer = log.find((e) => e.name === 'createOffer')!;
    const sld = log.find((e) => e.name === 'setLocalDescription')!;
    expect(sld.summary).toBe('setLocalDescription(offer, 3 m-section(s))');
    expect(sld.sdp!.previous).toEqual({ seq: createOffer.seq, name: 'createOffer' });
    expect(sld.sdp!.diff.changed).toBe(false);
    const srd = log.find((e) => e.name === 'setRemoteDescription')!;
    expect(srd.sdp).toMatchObject({ side: 'remote', type: 'answer', sdp: answer, previous: null });
  });

  it('summarises ICE candidates and state changes', () => {
    expect(log.find((e) => e.name === 'icecandidate')!.summary).toBe('icecandidate: host udp 127.0.0.1:35265 mid 0');
    expect(log.find((e) => e.name === 'addIceCandidate')!.summary).toBe('addIceCandidate(host udp 127.0.0.1:41822 mid 0)');
    expect(log.filter((e) => e.name === 'connectionstatechange').map((e) => e.summary)).toEqual([
      'connectionstatechange → connecting',
      'connectionstatechange → connected',
    ]);
    expect(log.filter((e) => e.failure)).toEqual([]);
  });

  it('the receiver: track events, answer created and applied', () => {
    const rx = buildEventLog(data, '0-2');
    expect(rx.find((e) => e.name === 'track')!.summary).toBe(
      'track audio "remote audio" 23083a4d-cd02-4adb-98e8-c691e37a0380 streams "5e9bf1f4-d41d-4990-b343-05be78f2a997"',
    );
    const createAnswer = rx.find((e) => e.name === 'createAnswer')!;
    const sld = rx.find((e) => e.name === 'setLocalDescription')!;
    expect(createAnswer.sdp!.side).toBe('local');
    expect(sld.sdp!.previous?.name).toBe('createAnswer');
    expect(rx.find((e) => e.name === 'datachannel')!.summary).toBe('datachannel "chat"');
  });

  it('session-level log (pcId null): the getUserMedia request and its tracks', () => {
    const media = buildEventLog(data, null);
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ kind: 'media', name: 'getUserMedia', outcome: 'ok' });
    expect(media[0].summary).toContain('→ audio "Fake Default Audio Input", video "fake_device_0"');
    expect(media[0].sinceMs).toBe(media[0].t - data.session.startedAt);
  });
});

describe('buildEventLog: implicit setLocalDescription with the description the hook recorded', () => {
  it('shows that SDP, diffed against the offer before it, and diffs the next local description against it', () => {
    const pcId = '0-1';
    const reoffer = renegotiatedOffer(offer);
    const s = new EventStream().created(pcId, 1000, {});
    s.callOk(pcId, 1010, 'createOffer', [], { type: 'offer', sdp: offer });
    s.callOk(pcId, 1020, 'setLocalDescription', [], { type: 'offer', sdp: offer });
    s.callOk(pcId, 1030, 'setLocalDescription', [{ type: 'offer' }], { type: 'offer', sdp: reoffer });
    const log = buildEventLog(makeSession({ pcs: [makePc(pcId, 1000)], events: s.events }), pcId);
    const [first, second] = log.filter((e) => e.name === 'setLocalDescription');
    expect(first.summary).toBe('setLocalDescription() — implicit → offer, 3 m-section(s)');
    expect(first.sdp).toMatchObject({ side: 'local', type: 'offer', sdp: offer, previous: { name: 'createOffer' } });
    expect(first.sdp!.diff.changed).toBe(false);
    expect(second.summary).toBe('setLocalDescription(offer) → offer, 4 m-section(s)');
    expect(second.sdp).toMatchObject({ sdp: reoffer, previous: { seq: first.seq, name: 'setLocalDescription' } });
  });
});

describe('buildEventLog: renegotiation, failures, pending calls', () => {
  const pcId = '0-1';
  const reoffer = renegotiatedOffer(offer);
  const munged = offer.replace('a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n', '');
  const s = new EventStream().created(pcId, 1000, { iceServers: [{ urls: 'stun:stun.example.org' }], bundlePolicy: 'max-bundle' });
  s.callOk(pcId, 1010, 'createOffer', [], { type: 'offer', sdp: offer }, 5);
  s.callOk(pcId, 1020, 'setLocalDescription', [{ type: 'offer', sdp: munged }]);
  s.callOk(pcId, 1030, 'setRemoteDescription', [{ type: 'answer', sdp: answer }]);
  s.callFail(pcId, 1040, 'setRemoteDescription', [{ type: 'answer', sdp: offer }], { name: 'InvalidAccessError', message: `bad answer ${XSS}` });
  s.callOk(pcId, 1050, 'createOffer', [{ iceRestart: true }], { type: 'offer', sdp: reoffer });
  s.callOk(pcId, 1060, 'setLocalDescription', []);
  s.callOk(pcId, 1070, 'setRemoteDescription', [{ type: 'answer', sdp: answer.replace('a=recvonly', 'a=inactive') }]);
  s.event(pcId, 1080, 'icecandidate', null);
  s.event(pcId, 1090, 'icecandidateerror', { address: '10.0.0.1', port: 5000, url: 'turn:turn.example.org', errorCode: 701, errorText: 'TURN allocate failed' });
  s.event(pcId, 1100, 'iceconnectionstatechange', 'failed');
  s.channel(pcId, 1110, 'chat', 1, 'error');
  s.callStart(pcId, 1120, 'addIceCandidate', [{ candidate: 'candidate:1 1 UDP 1 192.0.2.1 3478 typ relay raddr 0.0.0.0 rport 0', sdpMid: '0', relayProtocol: 'tls' }]);
  const data = makeSession({ pcs: [makePc(pcId, 1000)], events: s.events });
  const log = buildEventLog(data, pcId);
  const named = (name: string) => log.filter((e) => e.name === name);

  it('summarises the configuration', () => {
    expect(log[0].summary).toBe('new RTCPeerConnection: 1 ICE server(s), bundlePolicy max-bundle');
    expect(log[0].args).toEqual([{ iceServers: [{ urls: 'stun:stun.example.org' }], bundlePolicy: 'max-bundle' }]);
  });

  it('shows a munged setLocalDescription as a diff against the offer', () => {
    const sld = named('setLocalDescription')[0];
    expect(sld.sdp!.diff.changed).toBe(true);
    const audio = sld.sdp!.diff.sections[0];
    expect(audio.change).toBe('changed');
    expect(audio.ops.filter((o) => o.op !== 'same')).toEqual([
      { op: 'removed', line: 'a=rtpmap:63 red/48000/2' },
      { op: 'removed', line: 'a=fmtp:63 111/111' },
    ]);
  });

  it('diffs the renegotiation offer against the last applied local description: video direction changed, mid 3 added', () => {
    const reOffer = named('createOffer')[1];
    expect(reOffer.sdp!.previous?.name).toBe('setLocalDescription');
    expect(reOffer.sdp!.diff.sections.map((x) => [x.after?.mid, x.change])).toEqual([
      ['0', 'changed'], // the munged red lines come back
      ['1', 'changed'],
      ['2', 'unchanged'],
      ['3', 'added'],
    ]);
    expect(reOffer.sdp!.diff.sections[1].ops.filter((o) => o.op !== 'same').map((o) => `${o.op} ${o.line}`)).toEqual(['removed a=sendrecv', 'added a=sendonly']);
    expect(reOffer.summary).toBe('createOffer({"iceRestart":true}) → offer, 4 m-section(s)');
  });

  it('a failed call is highlighted, carries its error, and is not the base of the next diff', () => {
    const [ok, failed, later] = named('setRemoteDescription');
    expect(failed).toMatchObject({ outcome: 'error', failure: true, error: { name: 'InvalidAccessError', message: `bad answer ${XSS}` } });
    expect(failed.summary).toBe(`setRemoteDescription(answer, 3 m-section(s)) → InvalidAccessError: bad answer ${XSS}`);
    expect(failed.sdp!.previous?.seq).toBe(ok.seq);
    expect(later.sdp!.previous?.seq).toBe(ok.seq);
    expect(later.sdp!.diff.sections.filter((x) => x.change === 'changed').map((x) => x.after?.mid)).toEqual(['0']);
  });

  it('an implicit setLocalDescription has no SDP; a call without settlement is pending', () => {
    const implicit = named('setLocalDescription')[1];
    expect(implicit.summary).toBe('setLocalDescription() — implicit');
    expect(implicit.sdp).toBeNull();
    const pending = named('addIceCandidate')[0];
    expect(pending).toMatchObject({ outcome: 'pending', durationMs: null, failure: false });
    expect(pending.summary).toBe('addIceCandidate(relay udp 192.0.2.1:3478 (relay tls) mid 0) (pending)');
  });

  it('marks ICE errors, failed states and channel errors as failures', () => {
    expect(log.filter((e) => e.failure).map((e) => e.name)).toEqual(['setRemoteDescription', 'icecandidateerror', 'iceconnectionstatechange', 'error']);
    expect(named('icecandidateerror')[0].summary).toBe('icecandidateerror 701 TURN allocate failed (turn:turn.example.org)');
    expect(named('icecandidate')[0].summary).toBe('icecandidate: end of candidates (gathering complete)');
    expect(named('error')[0]).toMatchObject({ kind: 'channel', summary: 'data channel "chat" (id 1) error' });
  });

  it('filters by text (name, summary, arguments incl. SDP, error), by kind, and failures only', () => {
    expect(filterEventLog(log, { text: 'a=sendonly' }).map((e) => e.name)).toEqual(['createOffer']);
    expect(filterEventLog(log, { text: 'invalidaccess' }).map((e) => e.seq)).toEqual([named('setRemoteDescription')[1].seq]);
    expect(filterEventLog(log, { text: 'TURN.EXAMPLE' }).map((e) => e.name)).toEqual(['icecandidateerror']);
    expect(filterEventLog(log, { kinds: new Set<LogKind>(['event']) }).every((e) => e.kind === 'event')).toBe(true);
    expect(filterEventLog(log, { kinds: new Set<LogKind>(['channel', 'created']) }).map((e) => e.kind)).toEqual(['created', 'channel']);
    expect(filterEventLog(log, { failuresOnly: true, kinds: new Set<LogKind>(['call']) }).map((e) => e.name)).toEqual(['setRemoteDescription']);
    expect(filterEventLog(log, { text: 'stun', failuresOnly: true })).toEqual([]);
    expect(filterEventLog(log, {})).toHaveLength(log.length);
    expect(filterEventLog(log, { kinds: new Set(LOG_KINDS) })).toHaveLength(log.length);
  });
});

describe('buildEventLog: edge cases', () => {
  it('empty session and unknown PC give an empty log', () => {
    expect(buildEventLog(makeSession(), null)).toEqual([]);
    expect(buildEventLog(makeSession(), '0-9')).toEqual([]);
  });

  it('media failures, enumerateDevices, pending requests and track events at session level', () => {
    const s = new EventStream()
      .media(1_000_100, 'getUserMedia', [{ video: { width: 1280 } }], { error: { name: 'NotAllowedError', message: 'Permission denied' } })
      .media(1_000_200, 'enumerateDevices', [], { value: [{ deviceId: 'a', kind: 'audioinput', label: 'Mic', groupId: 'g' }] })
      .media(1_000_300, 'getDisplayMedia', [{ video: true }], null)
      .track(1_000_400, { id: 't1', kind: 'video', label: XSS }, 'ended');
    const log = buildEventLog(makeSession({ events: s.events }), null);
    expect(log.map((e) => [e.kind, e.name, e.outcome, e.failure])).toEqual([
      ['media', 'getUserMedia', 'error', true],
      ['media', 'enumerateDevices', 'ok', false],
      ['media', 'getDisplayMedia', 'pending', false],
      ['track', 'ended', null, false],
    ]);
    expect(log[0].summary).toBe('getUserMedia({"video":{"width":1280}}) → NotAllowedError: Permission denied');
    expect(log[1].summary).toBe('enumerateDevices() → 1 device(s)');
    expect(log[3].summary).toBe(`track video "${XSS}" t1 ended`);
    expect(log[0].sinceMs).toBe(100);
  });

  it("applyConstraints: the track and the constraints, then the track's settings after it or the error", () => {
    const cam = { id: 'cam-1', kind: 'video', label: 'Cam' };
    const s = new EventStream()
      .media(1_000_100, 'applyConstraints', [{ width: 320, height: 240 }], { value: { width: 320, height: 240, frameRate: 15 } }, 2, cam)
      .media(1_000_200, 'applyConstraints', [{ width: { exact: 99999 } }], { error: { name: 'OverconstrainedError', message: '', detail: { constraint: 'width' } } }, 2, cam)
      .media(1_000_300, 'applyConstraints', [], null, 2, cam);
    const log = buildEventLog(makeSession({ events: s.events }), null);
    expect(log.map((e) => [e.kind, e.name, e.outcome, e.failure, e.track])).toEqual([
      ['media', 'applyConstraints', 'ok', false, cam],
      ['media', 'applyConstraints', 'error', true, cam],
      ['media', 'applyConstraints', 'pending', false, cam],
    ]);
    expect(log[0].summary).toBe('track video "Cam" applyConstraints({"width":320,"height":240}) → 320×240 15 fps');
    expect(log[1].summary).toMatch(/^track video "Cam" applyConstraints\(\{"width":\{"exact":99999\}\}\) → OverconstrainedError/);
    expect(log[2].summary).toBe('track video "Cam" applyConstraints() (pending)');
    // Other entries name no track.
    expect(buildEventLog(internalsCallSession(), null).every((e) => e.track === null)).toBe(true);
  });

  it('an error with detail (an OverconstrainedError\'s constraint; Chromium gives it no message) shows it, and the filter finds it', () => {
    const s = new EventStream().media(1_000_100, 'getUserMedia', [{ video: { width: { exact: 99999 } } }], {
      error: { name: 'OverconstrainedError', message: '', detail: { constraint: 'width' } },
    });
    const log = buildEventLog(makeSession({ events: s.events }), null);
    expect(log[0].summary).toBe('getUserMedia({"video":{"width":{"exact":99999}}}) → OverconstrainedError (constraint: width)');
    expect(filterEventLog(log, { text: 'constraint: width' })).toHaveLength(1);
  });

  it('a constructor that threw is a failed session-level entry with its arguments', () => {
    const events = new EventStream().events;
    events.push({ seq: 0, frame: 0, pcId: null, record: { type: 'pc-create-failed', t: 1_000_050, args: [{ iceServers: [{ urls: 'stun:bad host' }] }], error: { name: 'SyntaxError', message: `bad URL ${XSS}` } } });
    const [entry] = buildEventLog(makeSession({ events }), null);
    expect(entry).toMatchObject({ kind: 'created', name: 'RTCPeerConnection', outcome: 'error', failure: true, sinceMs: 50 });
    expect(entry.summary).toBe(`new RTCPeerConnection({"iceServers":[{"urls":"stun:bad host"}]}) → SyntaxError: bad URL ${XSS}`);
  });

  it('session-level times count from the top document\'s time origin, never after the first record', () => {
    const s = new EventStream().media(1_000_100, 'getUserMedia', [{ audio: true }], { value: { id: 's', tracks: [] } });
    // The background's clock when the relay first spoke: after the page's first record.
    const late = makeSession({ events: s.events, summary: { startedAt: 1_000_400 } });
    late.session.frames = [{ index: 0, frameLoadId: 'a', url: 'https://x.test/', isTop: true, timeOrigin: 999_000, lastBatchSeq: 0 }];
    expect(sessionTimeOrigin(late)).toBe(999_000);
    expect(buildEventLog(late, null)[0].sinceMs).toBe(1_100);
    // No frame reported (an import): the first record.
    late.session.frames = [];
    expect(sessionTimeOrigin(late)).toBe(1_000_100);
    expect(buildEventLog(late, null)[0].sinceMs).toBe(0);
  });

  it('a settlement whose call is missing still shows, and calls pair by frame + call number', () => {
    const events = new EventStream().created('0-1', 10).events;
    events.push({ seq: 1, frame: 0, pcId: '0-1', record: { type: 'pc-settled', pc: 1, t: 20, call: 99, method: 'createOffer', ok: false, error: { name: 'OperationError', message: 'x' } } });
    events.push({ seq: 2, frame: 1, pcId: '1-1', record: { type: 'pc-call', pc: 1, t: 30, call: 5, method: 'close', args: [] } });
    events.push({ seq: 3, frame: 0, pcId: '0-1', record: { type: 'pc-call', pc: 1, t: 31, call: 5, method: 'close', args: [] } });
    events.push({ seq: 4, frame: 0, pcId: '0-1', record: { type: 'pc-settled', pc: 1, t: 33, call: 5, method: 'close', ok: true } });
    const log = buildEventLog(makeSession({ events }), '0-1');
    expect(log.map((e) => [e.name, e.outcome, e.summary])).toEqual([
      ['RTCPeerConnection', null, 'new RTCPeerConnection: 0 ICE server(s)'],
      ['createOffer', 'error', 'createOffer (call not recorded) → OperationError: x'],
      ['close', 'ok', 'close()'],
    ]);
    expect(log[2].durationMs).toBe(2);
    expect(buildEventLog(makeSession({ events }), '1-1')[0].outcome).toBe('pending');
  });

  it('an imported call settled at its own time has no duration ("0.0 ms" would read as measured); a recorded one keeps 0', () => {
    const s = new EventStream().created('0-1', 10).callOk('0-1', 20, 'addTrack', [], undefined, 0).callOk('0-1', 30, 'createOffer', [], undefined, 4);
    const recorded = buildEventLog(makeSession({ events: s.events }), '0-1');
    expect(recorded.filter((e) => e.kind === 'call').map((e) => e.durationMs)).toEqual([0, 4]);
    const imported = buildEventLog(makeSession({ events: s.events, summary: { imported: { fileName: 'dump.json', format: 'webrtc-internals' } } }), '0-1');
    expect(imported.filter((e) => e.kind === 'call').map((e) => e.durationMs)).toEqual([null, 4]);
  });

  it('summarises removeTrack by the sender\'s track and transceiver', () => {
    const s = new EventStream().created('0-1', 1000);
    s.settle('0-1', 1011, s.callStart('0-1', 1010, 'removeTrack', [{ track: { id: 't', kind: 'video', label: 'cam' } }], { index: 2, mid: '2' }), 'removeTrack', {});
    s.callOk('0-1', 1020, 'removeTrack', [{ track: null }]);
    const entries = buildEventLog(makeSession({ pcs: [makePc('0-1', 1000)], events: s.events }), '0-1').filter((e) => e.name === 'removeTrack');
    expect(entries.map((e) => e.summary)).toEqual(['removeTrack(sender of video "cam") (transceiver 2, mid 2)', 'removeTrack(sender of no track)']);
  });

  it('summarises sender.setParameters by its encodings and degradationPreference, not by its codecs', () => {
    const codecs: Json[] = [{ clockRate: 90000, mimeType: 'video/VP8', payloadType: 96 }, { clockRate: 90000, mimeType: 'video/rtx', payloadType: 97, sdpFmtpLine: 'apt=96' }];
    const params = (encodings: Json[], extra: JsonObject = {}): JsonObject => ({ transactionId: 'x1', codecs, headerExtensions: [], rtcp: { cname: 'c', reducedSize: true }, encodings, ...extra });
    const target = { index: 1, mid: '1' };
    const s = new EventStream().created('0-1', 1000);
    s.settle('0-1', 1011, s.callStart('0-1', 1010, 'sender.setParameters', [params([{ active: true, maxBitrate: 100000, scaleResolutionDownBy: 1 }])], target), 'sender.setParameters', {});
    s.settle('0-1', 1021, s.callStart('0-1', 1020, 'sender.setParameters', [params([{ active: true, maxBitrate: 300000 }])], target), 'sender.setParameters', {});
    s.settle(
      '0-1',
      1031,
      s.callStart('0-1', 1030, 'sender.setParameters', [
        params(
          [
            { rid: 'h', active: true, maxBitrate: 1_234_567, maxFramerate: 30, scaleResolutionDownBy: 1, scalabilityMode: 'L1T3' },
            { rid: 'l', active: false, scaleResolutionDownBy: 4, codec: { mimeType: 'video/VP9', clockRate: 90000 } },
          ],
          { degradationPreference: 'maintain-resolution' },
        ),
      ], target),
      'sender.setParameters',
      { error: { name: 'InvalidModificationError', message: 'bad' } },
    );
    s.callOk('0-1', 1040, 'sender.setParameters', [{ foo: 1 }]);
    const entries = buildEventLog(makeSession({ pcs: [makePc('0-1', 1000)], events: s.events }), '0-1').filter((e) => e.name === 'sender.setParameters');
    expect(entries.map((e) => e.summary)).toEqual([
      'sender.setParameters(1 encoding [active, maxBitrate 100 kbit/s, scaleResolutionDownBy 1]) (transceiver 1, mid 1)',
      // A change of maxBitrate shows.
      'sender.setParameters(1 encoding [active, maxBitrate 300 kbit/s]) (transceiver 1, mid 1)',
      'sender.setParameters(2 encodings [rid h: active, maxBitrate 1234567 bit/s, maxFramerate 30, scaleResolutionDownBy 1, scalabilityMode L1T3; ' +
        'rid l: inactive, scaleResolutionDownBy 4, codec video/VP9], degradationPreference maintain-resolution) (transceiver 1, mid 1) → InvalidModificationError: bad',
      // Not send parameters: as any other call.
      'sender.setParameters({"foo":1})',
    ]);
    for (const e of entries) expect(e.summary).not.toContain('clockRate');
  });

  it('candidateSummary reads candidate lines with or without the a= prefix', () => {
    expect(candidateSummary({ candidate: 'a=candidate:1 1 TCP 1 2001:db8::1 9 typ host tcptype active', sdpMid: '1' })).toBe('host tcp 2001:db8::1:9 mid 1');
    expect(candidateSummary({ candidate: '' })).toBe('end of candidates');
    // Firefox: one per m-line, then the PC's.
    expect(candidateSummary({ candidate: '', sdpMid: '0', sdpMLineIndex: 0 })).toBe('end of candidates for mid 0');
    expect(candidateSummary(null)).toBe('end of candidates (gathering complete)');
  });

  it("summarises Chromium's transceiverAdded/Modified entries of the corpus dump (webrtc-internals) in words", () => {
    // jq '.PeerConnections["10-2"].updateLog[] | select(.type=="transceiverAdded") | .value' on the corpus file.
    const text = '{"mid":"0","kind":"audio","sender":{"track":null,"streams":[],"encodings":[]},"receiver":{"track":"23083a4d","streams":["5e9b"]},"direction":"recvonly","currentDirection":null,"reason":"setRemoteDescription","transceiverIndex":0}';
    expect(transceiverEntrySummary('transceiverAdded', text)).toBe('transceiverAdded #0 audio, mid 0, recvonly (by setRemoteDescription)');
    expect(transceiverEntrySummary('transceiverModified', '{"mid":"1","kind":"video","direction":"sendonly","currentDirection":"sendonly","transceiverIndex":1}')).toBe(
      'transceiverModified #1 video, mid 1, sendonly, current sendonly',
    );
    // Anything else keeps the file's text.
    expect(transceiverEntrySummary('transceiverAdded', 'not json')).toBeNull();
    expect(transceiverEntrySummary('onaddstream', '{}')).toBeNull();
  });
});

describe('buildEventLog: ICE restarts', () => {
  const T = 1_000_000;
  const offer = (ufrag: string) => ({ type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:${ufrag}\r\na=ice-pwd:pppppppppppppppppppppppp\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n` });
  it('an offer with new ICE credentials says it restarts ICE, ours or the other side\'s; a renegotiation with the same ones does not', () => {
    const s = new EventStream().created('0-1', T);
    s.callOk('0-1', T + 10, 'createOffer', [], offer('aaaa'));
    s.callOk('0-1', T + 20, 'setLocalDescription', [offer('aaaa')]);
    s.callOk('0-1', T + 30, 'createOffer', [], offer('aaaa')); // renegotiation
    s.callOk('0-1', T + 40, 'restartIce', []);
    s.callOk('0-1', T + 50, 'createOffer', [], offer('bbbb'));
    s.callOk('0-1', T + 60, 'setLocalDescription', [offer('bbbb')]);
    s.callOk('0-1', T + 70, 'setRemoteDescription', [offer('xxxx')]);
    s.callOk('0-1', T + 80, 'setRemoteDescription', [offer('yyyy')]);
    const log = buildEventLog(makeSession({ pcs: [makePc('0-1', T)], events: s.events }), '0-1');
    const restarts = log.filter((e) => e.summary.includes('ICE restart')).map((e) => [e.name, e.t - T, e.summary.replace(/^.* · /, '')]);
    expect(restarts).toEqual([
      ['createOffer', 50, 'ICE restart (new ICE credentials)'],
      ['setRemoteDescription', 80, 'ICE restart by the other side (new ICE credentials)'],
    ]);
  });
});
