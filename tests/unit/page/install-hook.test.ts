import { applyStatsDelta } from '../../../lib/model/stats-delta';
import type { StatsReportJson } from '../../../lib/model/session';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installHook, findInstalled, toPageRecord, type HookController } from '../../../lib/page/install-hook';
import { FULL_READ_EVERY } from '../../../lib/page/stats-poller';
import { envelopeJson } from '../../../lib/page/page-bridge';
import { checkPageRecord } from '../../../lib/protocol/guards';
import type { PageRecord } from '../../../lib/protocol/messages';
import { createFakeRealm, flush, type FakeRealm } from './fake-webrtc';

function setup(options?: { pollIntervalMs?: number; enabled?: boolean }) {
  const realm = createFakeRealm();
  const records: PageRecord[] = [];
  const controller = installHook(realm.win, (r) => records.push(JSON.parse(envelopeJson(r)).record), options); // as the relay reads it
  const of = <T extends PageRecord['type']>(type: T) => records.filter((r): r is Extract<PageRecord, { type: T }> => r.type === type);
  return { realm, records, controller, of, run: realm.run };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('installHook: transparency of the wrapped constructor and methods', () => {
  it('keeps name, length, statics, prototype, instanceof, constructor identity and native toString', () => {
    const realm = createFakeRealm();
    const before = realm.run<Record<string, unknown>>(`({
      text: Function.prototype.toString.call(RTCPeerConnection),
      method: Function.prototype.toString.call(RTCPeerConnection.prototype.createOffer),
      setter: Function.prototype.toString.call(Object.getOwnPropertyDescriptor(RTCRtpTransceiver.prototype, 'direction').set),
      toStringText: Function.prototype.toString.call(Function.prototype.toString),
      desc: JSON.stringify(Object.getOwnPropertyDescriptor(globalThis, 'RTCPeerConnection'), (k, v) => (typeof v === 'function' ? 'fn' : v)),
      protoDesc: JSON.stringify(Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'createOffer'), (k, v) => (typeof v === 'function' ? 'fn' : v)),
      names: Object.getOwnPropertyNames(RTCPeerConnection.prototype).join(),
      noNew: (() => { try { RTCPeerConnection(); } catch (e) { return e.constructor.name + ': ' + e.message; } })(),
    })`);
    installHook(realm.win, () => {});
    const after = realm.run<Record<string, unknown>>(`({
      text: Function.prototype.toString.call(RTCPeerConnection),
      method: Function.prototype.toString.call(RTCPeerConnection.prototype.createOffer),
      setter: Function.prototype.toString.call(Object.getOwnPropertyDescriptor(RTCRtpTransceiver.prototype, 'direction').set),
      toStringText: Function.prototype.toString.call(Function.prototype.toString),
      desc: JSON.stringify(Object.getOwnPropertyDescriptor(globalThis, 'RTCPeerConnection'), (k, v) => (typeof v === 'function' ? 'fn' : v)),
      protoDesc: JSON.stringify(Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'createOffer'), (k, v) => (typeof v === 'function' ? 'fn' : v)),
      names: Object.getOwnPropertyNames(RTCPeerConnection.prototype).join(),
      noNew: (() => { try { RTCPeerConnection(); } catch (e) { return e.constructor.name + ': ' + e.message; } })(),
    })`);
    expect(after).toEqual(before);
    const shape = realm.run<Record<string, unknown>>(`(() => {
      const pc = new RTCPeerConnection();
      class Sub extends RTCPeerConnection { field = 1; own() { return 'own'; } }
      const sub = new Sub();
      return {
        name: RTCPeerConnection.name,
        length: RTCPeerConnection.length,
        instanceOf: pc instanceof RTCPeerConnection,
        ctor: pc.constructor === RTCPeerConnection,
        proto: Object.getPrototypeOf(pc) === RTCPeerConnection.prototype,
        keys: Object.keys(pc).length,
        webkitAlias: webkitRTCPeerConnection === RTCPeerConnection,
        generateCertificate: typeof RTCPeerConnection.generateCertificate,
        sub: [sub instanceof Sub, sub instanceof RTCPeerConnection, Object.getPrototypeOf(sub) === Sub.prototype, sub.field, sub.own()],
      };
    })()`);
    expect(shape).toEqual({
      name: 'RTCPeerConnection',
      length: 0,
      instanceOf: true,
      ctor: true,
      proto: true,
      keys: 0,
      webkitAlias: true,
      generateCertificate: 'function',
      sub: [true, true, true, 1, 'own'],
    });
  });

  it('is idempotent per realm: a second install returns the first controller and wraps nothing twice', () => {
    const { realm, records, controller, run } = setup();
    const again = installHook(realm.win, () => {
      throw new Error('second emit must never be used');
    });
    expect(again).toBe(controller);
    expect(findInstalled(realm.win)).toBeDefined();
    run('new RTCPeerConnection().createDataChannel("x")');
    expect(records.filter((r) => r.type === 'pc-created')).toHaveLength(1);
    expect(records.filter((r) => r.type === 'pc-call')).toHaveLength(1);
    // The guard is not a property anyone can enumerate.
    expect(run('Reflect.ownKeys(RTCPeerConnection).map(String).join()')).toBe(run('Reflect.ownKeys(RTCPeerConnection.prototype.constructor).map(String).join()'));
    expect(run('Object.getOwnPropertySymbols(globalThis).length')).toBe(0);
  });
});

describe('installHook: records', () => {
  it('records construction with a sanitised configuration and the legacy constraints argument', () => {
    const { of, run } = setup();
    run(`new RTCPeerConnection({ iceServers: [{ urls: 'turn:t.example.org', username: 'u', credential: 'secret' }] }, { optional: [{ googIPv6: true }] })`);
    const [created] = of('pc-created');
    expect(created.pc).toBe(1);
    expect(created.config).toEqual({
      iceServers: [{ urls: 'turn:t.example.org', username: 'u' }],
      bundlePolicy: 'balanced',
      certificates: [{ expires: 1e12, fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] }],
    });
    expect(created.constraints).toEqual({ optional: [{ googIPv6: true }] });
  });

  it('traces promise methods with call/settled pairs and returns the same values and rejections', async () => {
    const { of, run } = setup();
    run(`globalThis.pc = new RTCPeerConnection();
      globalThis.out = {};
      pc.createOffer().then((o) => { out.offer = o; });
      globalThis.rejection = pc.setRemoteDescription({ type: 'bogus' });
      rejection.catch((e) => { out.error = e; });`);
    await flush();
    const out = run<{ offer: { sdp: string }; error: Error }>('out');
    expect(out.offer.sdp).toMatch(/^v=0/);
    expect(out.error).toBeInstanceOf(run<typeof TypeError>('TypeError'));
    expect(out.error.message).toBe("The provided value 'bogus' is not a valid enum value of type RTCSdpType.");
    const calls = of('pc-call');
    const settled = of('pc-settled');
    expect(calls.map((c) => c.method)).toEqual(['createOffer', 'setRemoteDescription']);
    expect(settled.find((s) => s.method === 'createOffer')).toMatchObject({ ok: true, value: { type: 'offer', sdp: out.offer.sdp } });
    expect(settled.find((s) => s.method === 'setRemoteDescription')).toMatchObject({
      ok: false,
      error: { name: 'TypeError', message: out.error.message },
    });
    expect(calls[1].args).toEqual([{ type: 'bogus' }]);
    // Promise results are promises of the page's realm.
    expect(run('pc.createOffer() instanceof Promise')).toBe(true);
  });

  it('keeps legacy callback forms working and traces them', async () => {
    const { of, run } = setup();
    run(`globalThis.pc = new RTCPeerConnection(); globalThis.log = [];
      pc.createOffer(function (d) { 'use strict'; log.push(['success', d.type, this === undefined, arguments.length]); }, function (e) { log.push(['failure', e.name]); });
      pc.setRemoteDescription({ type: 'offer', sdp: 'garbage' }, () => log.push(['srd ok']), (e) => log.push(['srd failed', e.name]));
      pc.createOffer(() => {}).catch((e) => log.push(['missing failure', e.name]));`);
    await flush();
    expect(run('log')).toEqual([
      ['success', 'offer', true, 1],
      ['srd failed', 'OperationError'],
      ['missing failure', 'TypeError'],
    ]);
    const settled = of('pc-settled');
    expect(of('pc-call')[0].args).toEqual(['[function]', '[function]']);
    expect(settled[0]).toMatchObject({ method: 'createOffer', ok: true, value: { type: 'offer', sdp: 'v=0\r\no=legacy\r\n' } });
    expect(settled.find((s) => s.method === 'setRemoteDescription')).toMatchObject({ ok: false, error: { name: 'OperationError' } });
    expect(settled.filter((s) => s.method === 'createOffer' && !s.ok)[0]).toMatchObject({ error: { name: 'TypeError' } });
    // Exactly one settlement per call.
    expect(new Set(settled.map((s) => s.call)).size).toBe(settled.length);
  });

  it('settles sync methods at once, rethrowing the very same error object', () => {
    const { of, run } = setup();
    const result = run<{ same: boolean; name: string; label: string }>(`(() => {
      const pc = new RTCPeerConnection();
      const dc = pc.createDataChannel('chat');
      let thrown;
      try { pc.createDataChannel('x', { maxRetransmits: 1, maxPacketLifeTime: 1 }); } catch (e) { thrown = e; }
      globalThis.kept = thrown;
      return { same: thrown === globalThis.kept, name: thrown.constructor.name, label: dc.label };
    })()`);
    expect(result).toEqual({ same: true, name: 'TypeError', label: 'chat' });
    const settled = of('pc-settled');
    expect(settled[0]).toMatchObject({ method: 'createDataChannel', ok: true, value: { id: 0, label: 'chat', ordered: true, readyState: 'connecting' } });
    expect(settled[1]).toMatchObject({ method: 'createDataChannel', ok: false, error: { name: 'TypeError', message: 'Both maxRetransmits and maxPacketLifeTime' } });
  });

  it('an unhandled rejection stays unhandled, with the native reason', async () => {
    const { run } = setup();
    const reasons: unknown[] = [];
    const onUnhandled = (reason: unknown) => reasons.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      run(`globalThis.pc = new RTCPeerConnection(); pc.close(); pc.createOffer();`);
      await flush(10);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as Error).name).toBe('InvalidStateError');
  });

  it('does not trace calls whose this is not a PC, and passes the native error through', async () => {
    const { records, run } = setup();
    run(`globalThis.r = RTCPeerConnection.prototype.createOffer.call({}); r.catch((e) => { globalThis.err = e.message; });
      try { RTCPeerConnection.prototype.createDataChannel.call({}, 'x'); } catch (e) { globalThis.syncErr = e.message; }`);
    await flush();
    expect(run('err')).toBe('Illegal invocation');
    expect(run('syncErr')).toBe('Illegal invocation');
    expect(records).toHaveLength(0);
  });

  it('registers a PC first met in a method call (constructed through a constructor captured before install)', () => {
    const realm = createFakeRealm();
    realm.run('globalThis.Captured = RTCPeerConnection; globalThis.early = new Captured();');
    const records: PageRecord[] = [];
    installHook(realm.win, (r) => records.push(toPageRecord(r)));
    realm.run('early.createDataChannel("late")');
    expect(records.map((r) => r.type)).toEqual(['pc-created', 'pc-call', 'pc-settled']);
  });

  it('records a constructor that threw, and rethrows the native error itself', () => {
    const { of, run } = setup();
    run(`try { new RTCPeerConnection({ bundlePolicy: 'bogus', iceServers: [{ urls: 'turn:t.example', username: 'u', credential: 'secret' }] }); }
      catch (e) { globalThis.err = e; }`);
    expect(run('err instanceof TypeError && err.message')).toBe("Failed to construct 'RTCPeerConnection': bad bundlePolicy");
    const [failed] = of('pc-create-failed');
    expect(failed).toMatchObject({
      args: [{ bundlePolicy: 'bogus', iceServers: [{ urls: 'turn:t.example', username: 'u' }] }],
      error: { name: 'TypeError', message: "Failed to construct 'RTCPeerConnection': bad bundlePolicy" },
    });
    expect(JSON.stringify(failed)).not.toContain('secret');
    expect(of('pc-created')).toEqual([]);
    expect(checkPageRecord(JSON.parse(JSON.stringify(failed))).ok).toBe(true);
  });

  it('records the description an argument-less setLocalDescription set, through native getters only', async () => {
    const { of, run } = setup();
    run(`globalThis.reads = 0;
      const sdpGetter = Object.getOwnPropertyDescriptor(RTCSessionDescription.prototype, 'sdp').get;
      Object.defineProperty(RTCSessionDescription.prototype, 'sdp', { get() { reads++; return sdpGetter.call(this); }, configurable: true });
      const ldGetter = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'localDescription').get;
      Object.defineProperty(RTCPeerConnection.prototype, 'localDescription', { get() { reads++; return ldGetter.call(this); }, configurable: true });
      globalThis.a = new RTCPeerConnection();
      globalThis.b = new RTCPeerConnection();
      a.setLocalDescription().then(() => b.setRemoteDescription({ type: 'offer', sdp: 'v=0\\r\\no=remote\\r\\n' }))
        .then(() => b.setLocalDescription({ type: 'answer' }))
        .then(() => a.setLocalDescription({ type: 'offer', sdp: 'v=0\\r\\no=explicit\\r\\n' }))
        .then(() => b.setLocalDescription({ type: 'offer', sdp: 'v=0\\r\\no=explicit\\r\\n' }))
        .then(() => b.setLocalDescription({ type: 'rollback' }));`);
    await flush();
    const sld = of('pc-settled').filter((s) => s.method === 'setLocalDescription');
    expect(sld.map((s) => [s.pc, s.value])).toEqual([
      [1, { type: 'offer', sdp: 'v=0\r\no=implicit\r\n' }],
      [2, { type: 'answer', sdp: 'v=0\r\no=implicit\r\n' }],
      // The explicit form: its SDP is in the call's arguments already.
      [1, undefined],
      [2, undefined],
      // A rollback sets no description (localDescription is the answer from before).
      [2, undefined],
    ]);
    expect(of('pc-settled').find((s) => s.method === 'setRemoteDescription')!.value).toBeUndefined();
    expect(run('reads')).toBe(0);
  });

  it('a remote description whose SDP the serialiser cannot see (inherited) is recorded as the browser set it', async () => {
    const { of, run } = setup();
    run(`globalThis.c = new RTCPeerConnection();
      c.setRemoteDescription(Object.create({ type: 'offer', sdp: 'v=0\\r\\no=inherited\\r\\n' }));`);
    await flush();
    const [call] = of('pc-call').filter((r) => r.method === 'setRemoteDescription');
    expect(call.args).toEqual([{}]);
    expect(of('pc-settled').find((s) => s.method === 'setRemoteDescription')!.value).toEqual({ type: 'offer', sdp: 'v=0\r\no=inherited\r\n' });
  });

  it('traces sender and transceiver calls with their target, and the direction setter', async () => {
    const { of, run } = setup();
    run(`globalThis.pc = new RTCPeerConnection();
      const track = new MediaStreamTrack('video', 'cam');
      globalThis.sender = pc.addTrack(track, new MediaStream([track]));
      globalThis.t = pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.setLocalDescription({ type: 'offer', sdp: 'v=0' }).then(() => {
        sender.replaceTrack(track.clone());
        sender.setParameters({}).catch(() => {});
        t.direction = 'inactive';
        t.setCodecPreferences([{ mimeType: 'audio/opus', clockRate: 48000 }]);
        try { t.setCodecPreferences([{ mimeType: 'audio/bogus' }]); } catch (e) { globalThis.codecErr = e.name; }
        t.stop();
        pc.removeTrack(sender);
        try { pc.removeTrack(new RTCPeerConnection().addTrack(track.clone())); } catch (e) { globalThis.removeErr = e.name; }
      });`);
    await flush();
    // removeTrack names the sender's transceiver; a sender of another PC (refused by the browser) names none.
    expect(of('pc-call').filter((c) => c.method === 'removeTrack').map((c) => c.target)).toEqual([{ mid: '0', index: 0 }, undefined]);
    expect(run('removeErr')).toBe('InvalidAccessError');
    const calls = of('pc-call').filter((c) => c.method.includes('.'));
    expect(calls.map((c) => [c.method, c.target])).toEqual([
      ['sender.replaceTrack', { mid: '0', index: 0 }],
      ['sender.setParameters', { mid: '0', index: 0 }],
      ['transceiver.direction', { mid: '1', index: 1 }],
      ['transceiver.setCodecPreferences', { mid: '1', index: 1 }],
      ['transceiver.setCodecPreferences', { mid: '1', index: 1 }],
      ['transceiver.stop', { mid: '1', index: 1 }],
    ]);
    expect(run('codecErr')).toBe('InvalidModificationError');
    expect(run('t.direction')).toBe('inactive');
    const settled = of('pc-settled');
    expect(settled.find((s) => s.method === 'sender.setParameters')).toMatchObject({ ok: false, error: { name: 'InvalidStateError' } });
    const addTrack = settled.find((s) => s.method === 'addTrack')!;
    expect(addTrack.value).toMatchObject({ track: { kind: 'video', label: 'cam' }, target: { mid: null, index: 0 } });
    const addTrackCall = of('pc-call').find((c) => c.method === 'addTrack')!;
    expect((addTrackCall.args[1] as { tracks: unknown[] }).tracks).toHaveLength(1);
  });

  it('observes events with addEventListener only, leaving on… handlers to the page', () => {
    const { of, run } = setup();
    run(`globalThis.pc = new RTCPeerConnection(); globalThis.seen = 0;
      globalThis.handler = () => {};
      pc.onconnectionstatechange = handler;
      pc.addEventListener('connectionstatechange', () => { seen++; });
      pc._setConnection('connected');
      pc._fire('icecandidate', { candidate: new RTCIceCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0', sdpMLineIndex: 0 }) });
      pc._fire('icecandidate', { candidate: null });
      const dc = new RTCDataChannel('remote', 3);
      pc._fire('datachannel', { channel: dc });
      dc._open();
      dc.close();
      pc._fire('negotiationneeded');`);
    expect(run('seen')).toBe(1);
    expect(run('pc.onconnectionstatechange === handler')).toBe(true);
    const events = of('pc-event');
    expect(events.map((e) => [e.event, e.value])).toEqual([
      ['connectionstatechange', 'connected'],
      ['icecandidate', { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null, url: 'stun:stun.example.org' }],
      ['icecandidate', null],
      ['datachannel', { id: 3, label: 'remote', ordered: true, readyState: 'connecting' }],
      ['negotiationneeded', null],
    ]);
    expect(of('channel-event').map((e) => [e.event, e.channel])).toEqual([
      ['open', { id: 3, label: 'remote' }],
      ['closing', { id: 3, label: 'remote' }],
      ['close', { id: 3, label: 'remote' }],
    ]);
  });

  it('traces getUserMedia, enumerateDevices and the legacy navigator.getUserMedia, and watches the tracks', async () => {
    const { of, run } = setup();
    run(`navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640 } }).then((s) => { globalThis.stream = s; });
      navigator.mediaDevices.getUserMedia({}).catch((e) => { globalThis.gumErr = e.message; });
      navigator.mediaDevices.enumerateDevices();
      navigator.getUserMedia({ audio: true }, (s) => { globalThis.legacy = s.getTracks().length; }, () => {});
      try { navigator.getUserMedia({ audio: true }); } catch (e) { globalThis.legacyErr = e.message; }`);
    await flush();
    expect(run('legacy')).toBe(1);
    expect(run('legacyErr')).toBe('callbacks required');
    expect(run('gumErr')).toBe('At least one of audio and video must be requested');
    const calls = of('media-call');
    expect(calls.map((c) => c.method)).toEqual(['getUserMedia', 'getUserMedia', 'enumerateDevices', 'getUserMedia', 'getUserMedia']);
    const settled = of('media-settled');
    const first = settled.find((s) => s.call === calls[0].call)!;
    expect(first.value).toMatchObject({
      tracks: [
        { kind: 'audio', label: 'Fake Mic', settings: { deviceId: 'mic', channelCount: 1 } },
        { kind: 'video', label: 'Fake Cam', settings: { width: 640, height: 480, deviceId: 'cam' } },
      ],
    });
    expect(settled.find((s) => s.method === 'enumerateDevices')!.value).toEqual([{ deviceId: 'mic', kind: 'audioinput', label: 'Fake Mic', groupId: 'g' }]);
    expect(settled.filter((s) => !s.ok).map((s) => s.error!.name)).toEqual(['TypeError', 'TypeError']);
    run(`stream.getTracks()[0].dispatchEvent(new Event('mute')); stream.getTracks()[0].dispatchEvent(new Event('ended'));`);
    expect(of('track-event').map((e) => [e.event, e.track.label])).toEqual([
      ['mute', 'Fake Mic'],
      ['ended', 'Fake Mic'],
    ]);
  });

  it("records the page's own track.stop() on a live observed track once (it fires no event), and stops it", async () => {
    const { of, run } = setup();
    run(`navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then((s) => { globalThis.stream = s; });`);
    await flush();
    run(`const [mic, cam] = stream.getTracks();
      mic.stop(); mic.stop();
      globalThis.micState = mic.readyState;
      globalThis.other = new MediaStreamTrack('video', 'never observed'); other.stop();`);
    expect(run('micState')).toBe('ended');
    expect(run('other.readyState')).toBe('ended');
    // Once: the second stop() met an ended track; a track the hook never saw is not the session's.
    expect(of('track-event').map((e) => [e.event, e.track.label])).toEqual([['stop', 'Fake Mic']]);
    for (const record of of('track-event')) expect(checkPageRecord(JSON.parse(JSON.stringify(record)))).toMatchObject({ ok: true });
  });

  it("traces a track's applyConstraints: the track, the constraints, the settings after it or the error; a non-track is left to the native", async () => {
    const { of, run } = setup();
    run(`navigator.mediaDevices.getUserMedia({ video: true }).then((s) => { globalThis.cam = s.getTracks()[0]; });`);
    await flush();
    run(`globalThis.seen = [];
      const keep = (i, p) => p.then(() => { seen[i] = 'ok'; }, (e) => { seen[i] = e.name + ':' + e.constraint; });
      keep(0, cam.applyConstraints({ width: 320, height: 240 }));
      keep(1, cam.applyConstraints({ width: { exact: 99999 } }));
      keep(2, MediaStreamTrack.prototype.applyConstraints.call({}, {}));`);
    await flush();
    // What the page sees is the native's: resolved, rejected with the constraint, rejected for a wrong this.
    expect(run('seen')).toEqual(['ok', 'OverconstrainedError:width', 'TypeError:undefined']);
    const calls = of('media-call').filter((r) => r.method === 'applyConstraints');
    expect(calls.map((r) => [r.track?.kind, r.track?.label, r.args])).toEqual([
      ['video', 'Fake Cam', [{ width: 320, height: 240 }]],
      ['video', 'Fake Cam', [{ width: { exact: 99999 } }]],
    ]);
    const settled = of('media-settled').filter((r) => r.method === 'applyConstraints');
    expect(settled.map((r) => [r.call, r.ok])).toEqual([
      [calls[0].call, true],
      [calls[1].call, false],
    ]);
    expect(settled[0].value).toEqual({ width: 320, height: 240, deviceId: 'cam' });
    expect(settled[1].error).toMatchObject({ name: 'OverconstrainedError' });
    for (const record of [...calls, ...settled]) expect(checkPageRecord(JSON.parse(JSON.stringify(record)))).toMatchObject({ ok: true });
  });

  it('every record passes the relay guard', async () => {
    const { records, run } = setup();
    run(`globalThis.pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:x', __proto__: { polluted: 1 } }] });
      const weird = { a: NaN, b: Infinity, c: 10n, d: Symbol('s'), e: () => 1, f: new Date(0), g: new Uint8Array(4) };
      weird.self = weird;
      pc.setConfiguration(Object.assign(weird, { iceServers: [] }));
      pc.createDataChannel('x', JSON.parse('{"__proto__": {"evil": true}, "ordered": true}'));`);
    await flush();
    expect(records.length).toBeGreaterThan(3);
    for (const record of records) expect(checkPageRecord(JSON.parse(JSON.stringify(record)))).toMatchObject({ ok: true });
  });

  it('a throwing emit never reaches the page', async () => {
    const realm = createFakeRealm();
    installHook(realm.win, () => {
      throw new Error('sink broken');
    });
    expect(realm.run(`(() => { const pc = new RTCPeerConnection(); pc.createDataChannel('x'); pc.close(); return pc.signalingState; })()`)).toBe('closed');
    await flush();
  });
});

describe('installHook: stats polling and settings', () => {
  it('polls every PC on one timer, stops at close, and never calls getStats on a closed PC', async () => {
    vi.useFakeTimers();
    const { of, run } = setup({ pollIntervalMs: 500 });
    run('globalThis.a = new RTCPeerConnection(); globalThis.b = new RTCPeerConnection();');
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(500);
    }
    const stats = of('pc-stats');
    expect(stats.filter((s) => s.pc === 1).map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(stats.filter((s) => s.pc === 2)).toHaveLength(4);
    expect(stats[0].reset).toBe(true);
    expect(stats[0].delta.added?.OT).toEqual({ type: 'outbound-rtp', timestamp: 1000, bytesSent: 100, qualityLimitationDurations: { none: 1 }, codecId: 'CO' });
    const second = stats.filter((s) => s.pc === 1)[1];
    expect(second.reset).toBeUndefined();
    // The report time moves every object stamped with it (one pair instead of a timestamp per object); the codec
    // is not read again until the next full read.
    expect(second.delta.changed?.OT).toEqual({ bytesSent: 200, qualityLimitationDurations: { none: 2 } });
    expect(second.delta.changed?.CO).toBeUndefined();
    expect(second.delta.retime).toEqual([1000, 2000]);
    expect(second.cost.getStatsMs).toBeGreaterThanOrEqual(0);
    run('a.close()');
    const before = of('pc-stats').length;
    await vi.advanceTimersByTimeAsync(2000);
    expect(of('pc-stats').filter((s) => s.pc === 1)).toHaveLength(4);
    expect(of('pc-stats').length - before).toBe(4);
    expect(run('__counters.getStatsOnClosed')).toBeUndefined();
    run('b.close()');
    await vi.advanceTimersByTimeAsync(2000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a tick\'s stats records wait for its slowest poll, but never behind another record: they leave first (order kept)', async () => {
    vi.useFakeTimers();
    const { records, run } = setup({ pollIntervalMs: 500 });
    run('globalThis.a = new RTCPeerConnection(); globalThis.b = new RTCPeerConnection(); globalThis.__holdStats = b;');
    await vi.advanceTimersByTimeAsync(500);
    const statsOfA = () => records.filter((r) => r.type === 'pc-stats' && r.pc === 1).length;
    expect(statsOfA()).toBe(0); // waiting for b's poll of the same tick
    run('a.createDataChannel("x")');
    const kinds = records.filter((r) => 'pc' in r && r.pc === 1).map((r) => (r.type === 'pc-call' ? `call:${r.method}` : r.type));
    expect(kinds.slice(-3)).toEqual(['pc-stats', 'call:createDataChannel', 'pc-settled']);
    run('a.close(); globalThis.__holdStats = null; b.close();');
  });

  it('reads reports with the natives captured at install, and the deltas rebuild every report across full and planned reads', async () => {
    vi.useFakeTimers();
    const { of, run } = setup({ pollIntervalMs: 500 });
    run(`globalThis.touched = 0;
      const P = RTCStatsReport.prototype;
      Object.defineProperty(P, 'get', { value() { touched++; return undefined; }, configurable: true });
      Object.defineProperty(P, 'size', { get() { touched++; return 0; }, configurable: true });
      Object.defineProperty(P, 'forEach', { value() { touched++; }, configurable: true });
      globalThis.a = new RTCPeerConnection();`);
    const polls = 2 * FULL_READ_EVERY + 5;
    for (let i = 0; i < polls; i++) await vi.advanceTimersByTimeAsync(500);
    expect(run('touched')).toBe(0);
    // Read whole on polls 1, 1 + FULL_READ_EVERY and 1 + 2 × FULL_READ_EVERY, planned reads in between.
    expect(run('__counters.codecReads')).toBe(3);
    const stats = of('pc-stats').filter((s) => s.pc === 1);
    expect(stats.length).toBe(polls);
    let report: StatsReportJson | null = null;
    stats.forEach((s, i) => {
      report = applyStatsDelta(s.reset ? null : report, s.delta);
      const n = i + 1;
      expect(report).toEqual({
        P: { type: 'peer-connection', timestamp: n * 1000, dataChannelsOpened: 0 },
        OT: { type: 'outbound-rtp', timestamp: n * 1000, bytesSent: n * 100, qualityLimitationDurations: { none: n }, codecId: 'CO' },
        CO: { type: 'codec', timestamp: n * 1000, mimeType: 'audio/opus', payloadType: 111 },
      });
    });
  });

  it('setConfig: capture that resumes sends the state changes it missed (a call that connected while it was off)', () => {
    const { controller, of, records, run } = setup({ pollIntervalMs: 1000 });
    run('globalThis.a = new RTCPeerConnection(); a._setConnection("connecting");');
    controller.setConfig({ enabled: false, pollIntervalMs: 1000 });
    run('a._setConnection("connected"); globalThis.b = new RTCPeerConnection(); b._setConnection("connected");');
    expect(of('pc-event').map((r) => [r.pc, r.event, r.value])).toEqual([[1, 'connectionstatechange', 'connecting']]);
    controller.setConfig({ enabled: true, pollIntervalMs: 1000 });
    // Only what differs from what the background was told: a's and b's connection (b's others are still the initial ones).
    expect(of('pc-event').map((r) => [r.pc, r.event, r.value])).toEqual([
      [1, 'connectionstatechange', 'connecting'],
      [1, 'connectionstatechange', 'connected'],
      [2, 'connectionstatechange', 'connected'],
    ]);
    // b (created while capture was off) is announced before its first event.
    const at = (type: string) => records.findIndex((r) => r.type === type && 'pc' in r && r.pc === 2);
    expect(at('pc-created')).toBeGreaterThan(-1);
    expect(at('pc-created')).toBeLessThan(at('pc-event'));
    // Nothing more to catch up on a second resume.
    controller.setConfig({ enabled: true, pollIntervalMs: 1000, resync: true });
    expect(of('pc-event')).toHaveLength(3);
    run('a.close(); b.close();');
  });

  it('setConfig: off stops records and polling; on announces PCs created meanwhile and resumes with a snapshot', async () => {
    vi.useFakeTimers();
    const { controller, of, records, run } = setup({ pollIntervalMs: 1000 });
    run('globalThis.a = new RTCPeerConnection();');
    await vi.advanceTimersByTimeAsync(1000);
    controller.setConfig({ enabled: false, pollIntervalMs: 1000 });
    const count = records.length;
    run('globalThis.b = new RTCPeerConnection(); b.createDataChannel("quiet");');
    await vi.advanceTimersByTimeAsync(3000);
    expect(records.length).toBe(count);
    expect(run('__counters.getStatsCalls')).toBe(1);
    controller.setConfig({ enabled: true, pollIntervalMs: 200 });
    // Both are announced (again for a: the relay may have dropped its first announcement while capture was off).
    expect(of('pc-created').map((r) => r.pc)).toEqual([1, 1, 2]);
    await vi.advanceTimersByTimeAsync(200);
    const resumed = of('pc-stats').slice(1);
    expect(resumed.map((s) => [s.pc, s.index, s.reset])).toEqual([
      [1, 1, true],
      [2, 0, true],
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(of('pc-stats').filter((s) => s.pc === 1).length).toBe(7);
    controller.setConfig({ enabled: true, pollIntervalMs: 200, resync: true });
    // A resync (records were lost) announces every live PC again before the full snapshots.
    expect(of('pc-created').map((r) => r.pc)).toEqual([1, 1, 2, 1, 2]);
    await vi.advanceTimersByTimeAsync(200);
    expect(of('pc-stats').slice(-2).every((s) => s.reset === true)).toBe(true);
    // Ill-formed configs are ignored.
    controller.setConfig({ enabled: 'no' } as unknown as { enabled: boolean; pollIntervalMs: number });
    await vi.advanceTimersByTimeAsync(200);
    expect(of('pc-stats').slice(-2).every((s) => s.reset === undefined)).toBe(true);
    run('a.close(); b.close();');
  });
});

describe('installHook: frames', () => {
  function withChild() {
    const parent = createFakeRealm();
    const child = createFakeRealm();
    parent.win.childWindow = child.win;
    const records: PageRecord[] = [];
    const controller = installHook(parent.win, (r) => records.push(toPageRecord(r)));
    parent.run('globalThis.frame = new HTMLIFrameElement(childWindow, true); globalThis.foreign = new HTMLIFrameElement(childWindow, false);');
    return { parent, child, records, controller };
  }

  it('patches a same-origin child realm when the page reaches it through contentWindow', () => {
    const { parent, child, records } = withChild();
    parent.run('new RTCPeerConnection()');
    parent.run('const C = frame.contentWindow.RTCPeerConnection; new C().createDataChannel("in-child");');
    expect(records.filter((r) => r.type === 'pc-created').map((r) => r.pc)).toEqual([1, 2]);
    expect(records.find((r) => r.type === 'pc-call')).toMatchObject({ pc: 2, method: 'createDataChannel', args: ['in-child'] });
    // The child realm prints its wrapped functions natively, in its own realm and in the parent's.
    expect(child.run('Function.prototype.toString.call(RTCPeerConnection)')).toMatch(/^class RTCPeerConnection extends EventTarget/);
    expect(parent.run('Function.prototype.toString.call(frame.contentWindow.RTCPeerConnection)')).toMatch(/^class RTCPeerConnection/);
  });

  it('leaves cross-origin frames alone', () => {
    const { parent, child } = withChild();
    parent.run('foreign.contentWindow');
    expect(findInstalled(child.win)).toBeUndefined();
  });

  it('an adopted realm stays with the parent\'s hook while its document lives; a new document in it gets its own', () => {
    const { parent, child, records } = withChild();
    parent.run('frame.contentWindow');
    expect(findInstalled(child.win)).toBeDefined();
    // The child document's own hook, running later in the same document, cannot be told from a page script: it
    // changes nothing, and the realm's PCs keep reporting through the parent.
    const childRecords: PageRecord[] = [];
    const childHandle: HookController = installHook(child.win, (r) => childRecords.push(toPageRecord(r)));
    child.run('new RTCPeerConnection().createDataChannel("own")');
    expect(childRecords).toHaveLength(0);
    expect(records.map((r) => r.type)).toEqual(['pc-created', 'pc-call', 'pc-settled']);
    childHandle.setConfig({ enabled: false, pollIntervalMs: 1000 }); // drives the parent's recorder at most: still on
    // The iframe's initial about:blank Window is reused by the same-origin document it navigates to: that document's
    // hook takes the realm over.
    child.run('__navigate()');
    const next: PageRecord[] = [];
    installHook(child.win, (r) => next.push(toPageRecord(r)));
    child.run('new RTCPeerConnection()');
    expect(next.map((r) => [r.type, 'pc' in r ? r.pc : null])).toEqual([['pc-created', 1]]);
    expect(records.filter((r) => r.type === 'pc-created')).toHaveLength(1);
  });

  it('a realm whose document changed (Window reused by a navigation) is taken over by the new document', () => {
    const realm: FakeRealm = createFakeRealm();
    const first: PageRecord[] = [];
    installHook(realm.win, (r) => first.push(toPageRecord(r)));
    realm.run('__navigate()');
    const second: PageRecord[] = [];
    installHook(realm.win, (r) => second.push(toPageRecord(r)));
    realm.run('new RTCPeerConnection()');
    expect(first).toHaveLength(0);
    expect(second.map((r) => r.type)).toEqual(['pc-created']);
  });
});
