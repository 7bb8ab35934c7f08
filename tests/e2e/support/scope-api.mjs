// Reading what WebRTC Scope stored, through its own view protocol (the API the panel, viewer and popup use),
// from any extension page: works the same in Chromium (Playwright page) and Firefox (puppeteer page).
import assert from 'node:assert/strict';

/** Sends one view request on a fresh port from an extension page and resolves to the response value. */
export async function viewRequest(extensionPage, request) {
  return extensionPage.evaluate(async (req) => {
    const api = globalThis.browser ?? globalThis.chrome;
    const port = api.runtime.connect({ name: 'webrtc-scope/view' });
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${req.type}`)), 10_000);
        port.onMessage.addListener((m) => {
          if (m.type !== 'response' || m.reqId !== 1) return;
          clearTimeout(timer);
          if (m.ok) resolve(m.value);
          else reject(new Error(m.error));
        });
        port.postMessage({ ...req, reqId: 1 });
      });
    } finally {
      port.disconnect();
    }
  }, request);
}

/** The newest session of a tab, as full SessionData. */
export async function latestSessionOfTab(extensionPage, tabId) {
  const sessions = await viewRequest(extensionPage, { type: 'list-sessions', tabId });
  if (!sessions.length) return null;
  return viewRequest(extensionPage, { type: 'get-session', sessionId: sessions[0].id });
}

/** Every API method the call page exercises (tests/e2e/pages/call.js), as the hook names them. */
export const CALL_PAGE_METHODS = [
  'createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate', 'addTrack',
  'removeTrack', 'addTransceiver', 'createDataChannel', 'restartIce', 'setConfiguration', 'sender.replaceTrack',
  'sender.setParameters', 'transceiver.setCodecPreferences', 'transceiver.direction', 'transceiver.stop',
];
/** Every PC event a loopback call must produce (icecandidateerror needs an unreachable server: checked apart). */
export const CALL_PAGE_EVENTS = [
  'icecandidate', 'track', 'negotiationneeded', 'signalingstatechange', 'iceconnectionstatechange',
  'icegatheringstatechange', 'connectionstatechange', 'datachannel',
];

/**
 * Checks a captured call page session: every PC, every method with its settlement, every event, media calls,
 * channel events, credentials kept out, and ≥ 1 stats sample per second per PC without gaps.
 * @returns a short summary for the log
 */
export function checkCallSession(data, { expectedPcs, browserName, overconstrained, applied }) {
  const { pcs, events, stats, session } = data;
  assert.equal(pcs.length, expectedPcs, `${browserName}: PCs recorded (${pcs.map((p) => `${p.pcId} ${p.frameUrl}`).join(', ')})`);
  assert.ok(new Set(pcs.map((p) => p.frame)).size >= 3, `${browserName}: PCs from ≥ 3 frames (main, iframe, srcdoc)`);

  const calls = events.filter((e) => e.record.type === 'pc-call');
  const settled = new Map(events.filter((e) => e.record.type === 'pc-settled').map((e) => [`${e.pcId}/${e.record.call}`, e.record]));
  const methods = new Set(calls.map((e) => e.record.method));
  for (const method of CALL_PAGE_METHODS) assert.ok(methods.has(method), `${browserName}: ${method} traced`);
  for (const call of calls) {
    assert.ok(settled.has(`${call.pcId}/${call.record.call}`), `${browserName}: ${call.record.method} (call ${call.record.call}) settled`);
  }
  const failed = [...settled.values()].filter((s) => !s.ok).map((s) => s.method);
  assert.ok(failed.includes('setRemoteDescription'), `${browserName}: failing setRemoteDescription recorded as failed`);
  assert.ok(failed.includes('addIceCandidate'), `${browserName}: failing addIceCandidate recorded as failed`);
  for (const s of settled.values()) if (!s.ok) assert.ok(s.error?.name && typeof s.error.message === 'string', 'error name and message');

  // The renegotiation calls setLocalDescription() without an SDP on both sides: the settlement carries what was set.
  const implicit = calls.filter((e) => e.record.method === 'setLocalDescription' && e.record.args.length === 0);
  assert.ok(implicit.length >= 2, `${browserName}: argument-less setLocalDescription traced (${implicit.length})`);
  const implicitTypes = implicit.map((e) => settled.get(`${e.pcId}/${e.record.call}`)?.value).map((v) => (typeof v?.sdp === 'string' && v.sdp.startsWith('v=0') ? v.type : null));
  assert.deepEqual(implicitTypes.slice(0, 2).sort(), ['answer', 'offer'], `${browserName}: implicit setLocalDescription settled with the SDP set`);
  const sdpCalls = calls.filter((e) => e.record.method === 'setRemoteDescription' && JSON.stringify(e.record.args).includes('v=0'));
  assert.ok(sdpCalls.length >= 3, `${browserName}: full SDP kept in setRemoteDescription calls`);

  const eventNames = new Set(events.filter((e) => e.record.type === 'pc-event').map((e) => e.record.event));
  for (const name of CALL_PAGE_EVENTS) assert.ok(eventNames.has(name), `${browserName}: ${name} event traced`);

  const media = events.filter((e) => e.record.type === 'media-call').map((e) => e.record.method);
  assert.ok(media.includes('getUserMedia') && media.includes('enumerateDevices'), `${browserName}: media calls traced`);
  // getDisplayMedia without a user gesture: traced, and settled as the page saw it (call.js, state.displayMedia).
  assert.ok(media.includes('getDisplayMedia'), `${browserName}: getDisplayMedia traced`);
  const gdm = events.find((e) => e.record.type === 'media-settled' && e.record.method === 'getDisplayMedia');
  assert.ok(gdm && (gdm.record.ok || typeof gdm.record.error?.name === 'string'), `${browserName}: getDisplayMedia outcome recorded (${JSON.stringify(gdm?.record.error ?? gdm?.record.ok)})`);
  // A constructor that threw: recorded for the session with its error.
  const badPc = events.find((e) => e.record.type === 'pc-create-failed');
  assert.ok(badPc && badPc.pcId === null && typeof badPc.record.error?.name === 'string', `${browserName}: failed new RTCPeerConnection recorded (${JSON.stringify(badPc?.record.error)})`);
  const gum = events.find((e) => e.record.type === 'media-settled' && e.record.method === 'getUserMedia');
  assert.ok(gum?.record.ok, `${browserName}: getUserMedia result recorded`);
  assert.ok(JSON.stringify(gum.record.value).includes('"kind":"video"'), `${browserName}: getUserMedia tracks recorded`);
  // The overconstrained getUserMedia (call.js): stored as the page saw it, with the constraint the error names.
  assert.ok(overconstrained && !overconstrained.resolved, `${browserName}: the page saw the overconstrained getUserMedia fail (${JSON.stringify(overconstrained)})`);
  const over = events.filter((e) => e.record.type === 'media-settled' && e.record.method === 'getUserMedia' && !e.record.ok).map((e) => e.record.error);
  assert.equal(over.length, 1, `${browserName}: one failed getUserMedia stored`);
  assert.deepEqual(
    { name: over[0].name, message: over[0].message, constraint: over[0].detail?.constraint ?? null },
    { name: overconstrained.name, message: overconstrained.message, constraint: overconstrained.constraint },
    `${browserName}: the failed getUserMedia's error stored with its constraint`,
  );
  // The page's two applyConstraints on its camera track (call.js): the track named, the constraints as given, and
  // each outcome as the page saw it (the track's settings after the one that resolved, the other's error).
  const applyCalls = events.filter((e) => e.record.type === 'media-call' && e.record.method === 'applyConstraints');
  assert.equal(applyCalls.length, 2, `${browserName}: two applyConstraints calls traced`);
  for (const e of applyCalls) assert.equal(e.record.track?.kind, 'video', `${browserName}: applyConstraints names its track (${JSON.stringify(e.record.track)})`);
  assert.deepEqual(applyCalls.map((e) => e.record.args[0]), [{ width: 320, height: 240, frameRate: 15 }, { width: { exact: 99999 } }], `${browserName}: applyConstraints arguments`);
  const applySettled = applyCalls.map((c) => events.find((e) => e.record.type === 'media-settled' && e.record.method === 'applyConstraints' && e.record.call === c.record.call && e.frame === c.frame)?.record);
  assert.ok(applied?.[0]?.resolved, `${browserName}: the page's first applyConstraints resolved`);
  // Each stored as the page saw it: resolved with the track's settings after it, or rejected with the error. (An
  // exact width no camera has: Chromium rejects it with OverconstrainedError; Firefox 153's fake camera resolves it
  // and stays at 320×240.)
  applied.forEach((seen, i) => {
    const stored = applySettled[i];
    assert.ok(stored, `${browserName}: applyConstraints ${i} settled in the store`);
    assert.deepEqual(
      stored.ok ? { resolved: true, width: stored.value?.width, height: stored.value?.height } : { name: stored.error?.name, constraint: stored.error?.detail?.constraint ?? null },
      seen,
      `${browserName}: applyConstraints ${i} stored as the page saw it`,
    );
  });
  assert.ok(events.some((e) => e.record.type === 'channel-event' && e.record.event === 'open'), `${browserName}: data channel open`);
  // Stopping a transceiver and removing a track end / mute the remote side's tracks.
  const trackEvents = new Set(events.filter((e) => e.record.type === 'track-event').map((e) => e.record.event));
  // Remote tracks unmute when their first packets arrive, and removeTrack mutes the remote side's (an `ended` comes
  // only with the hang-up, after this check).
  for (const name of ['mute', 'unmute']) assert.ok(trackEvents.has(name), `${browserName}: track ${name} event (seen: ${[...trackEvents]})`);
  assert.ok(!JSON.stringify(data).includes('secret-credential'), `${browserName}: TURN credential not stored`);

  // Stats: every PC polled about once a second from creation until close (or now), no sample missing.
  const perPc = [];
  for (const pc of pcs) {
    const columns = stats[pc.pcId];
    const t = columns?.t ?? [];
    assert.equal(t.length, pc.sampleCount, `${browserName}: ${pc.pcId} columns hold every sample`);
    const end = pc.closedAt ?? session.lastActivityAt;
    const span = (end - pc.createdAt) / 1000;
    assert.ok(t.length >= Math.floor(span) - 1, `${browserName}: ${pc.pcId} has ${t.length} samples over ${span.toFixed(1)} s`);
    let maxGap = 0;
    for (let i = 1; i < t.length; i++) maxGap = Math.max(maxGap, t[i] - t[i - 1]);
    assert.ok(maxGap < 2000, `${browserName}: ${pc.pcId} largest gap between samples ${maxGap} ms`);
    perPc.push(`${pc.pcId}:${t.length}`);
  }
  return `${pcs.length} PCs, ${events.length} events, samples ${perPc.join(" ")}; applyConstraints: ${applied.map((a) => (a.resolved ? `${a.width}×${a.height}` : a.name)).join(", ")}`;
}
