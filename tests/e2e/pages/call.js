// The end-to-end test call: one page, a two-PC loopback with fake audio + video and a data channel, then every API
// the hook traces, then PCs in a same-origin iframe, an about:blank iframe (through its contentWindow's
// RTCPeerConnection) and a srcdoc iframe. Plain script, no build step.
//
// window.callState: { phase, steps[], connected, done, pcs, frames: {...}, failures: {...}, error }
//   connected: the main pair is connected; done: every step ran (the call keeps running until hangUp()).
// window.hangUp(): closes every PC of the page and of its frames.
//
// Query parameters: ?adapter=1 (webrtc-adapter loaded first, see call.html), ?frames=0 (skip the iframes),
// ?media=0 (no getUserMedia: data channel only), ?turn=<turn: URL> (a TURN server that refuses every Allocate,
// tests/e2e/support/turn-reject.mjs: added to the first PC's ICE servers so that its gathering fires
// icecandidateerror; callState.turnServer holds the server as configured, callState.iceCandidateErrors every
// icecandidateerror that PC fired, with the fields the hook records).
(function () {
  'use strict';
  var K = window.LoopbackKit;
  var params = new URLSearchParams(location.search);
  var withFrames = params.get('frames') !== '0';
  var withMedia = params.get('media') !== '0';
  var turnUrl = params.get('turn');

  var state = (window.callState = {
    phase: 'starting',
    steps: [],
    connected: false,
    done: false,
    pcs: 0,
    frames: {},
    failures: {},
    messages: 0,
    turnServer: null,
    iceCandidateErrors: [],
    error: null,
  });
  var pcs = [];
  var frameWindows = [];

  function step(name) {
    state.steps.push(name);
    state.phase = name;
    document.getElementById('status').textContent = name;
  }
  function register(pc) {
    pcs.push(pc);
    state.pcs = pcs.length;
    return pc;
  }
  /** Records how an expected failure failed (its name), or 'resolved' when it did not. */
  function expectFailure(name, promise) {
    return promise.then(
      function () {
        state.failures[name] = 'resolved';
      },
      function (err) {
        state.failures[name] = err && err.name;
      },
    );
  }

  /** The camera and microphone of the call: a hang-up stops them, as an app turns its camera off (track.stop()). */
  var localTracks = [];
  window.hangUp = function () {
    pcs.forEach(function (pc) {
      try {
        pc.close();
      } catch (e) {}
    });
    localTracks.forEach(function (t) {
      t.stop();
    });
    frameWindows.forEach(function (w) {
      try {
        if (typeof w.hangUp === 'function') w.hangUp();
      } catch (e) {}
    });
    state.hungUp = true;
  };

  async function main() {
    // A PC whose STUN server cannot answer: icecandidateerror (when the browser reports it), no effect on the call.
    // (Firefox refuses well-known blocked ports such as 9 with a SyntaxError; nothing listens on 3478 here.)
    // It also gets the legacy second constructor argument (constraints), which browsers ignore today.
    // With ?turn=, also a TURN server that answers the authenticated Allocate with 401 again: the browser gives up
    // on it at once and fires icecandidateerror (errorCode 401). Its credential must never reach the store.
    var iceServers = [{ urls: 'stun:127.0.0.1:3478' }];
    if (turnUrl) {
      state.turnServer = { urls: turnUrl, username: 'scope-turn-user', credential: 'turn-reject-credential' };
      iceServers.push({ urls: turnUrl, username: state.turnServer.username, credential: state.turnServer.credential });
    }
    var gatherer = register(new RTCPeerConnection({ iceServers: iceServers }, { optional: [{ googIPv6: true }] }));
    gatherer.addEventListener('icecandidateerror', function (e) {
      // The fields lib/page/install-hook.ts records (ICE_ERROR_FIELDS), left out when undefined as there.
      var seen = {};
      ['address', 'port', 'url', 'errorCode', 'errorText'].forEach(function (key) {
        if (e[key] !== undefined) seen[key] = e[key];
      });
      state.iceCandidateErrors.push(seen);
    });
    gatherer.createDataChannel('gather');
    gatherer.createOffer().then(function (offer) {
      return gatherer.setLocalDescription(offer);
    });

    var stream = null;
    if (withMedia) {
      step('enumerateDevices');
      await navigator.mediaDevices.enumerateDevices();
      step('getUserMedia');
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } });
      localTracks = stream.getTracks();
      document.getElementById('local').srcObject = stream;
      if (typeof navigator.mediaDevices.getDisplayMedia === 'function') {
        step('getDisplayMedia');
        // Without a user gesture the browser refuses; whatever it answers (within 3 s) is recorded like getUserMedia.
        state.displayMedia = await Promise.race([
          navigator.mediaDevices.getDisplayMedia({ video: true }).then(
            function (s) {
              s.getTracks().forEach(function (t) { t.stop(); });
              return 'resolved';
            },
            function (e) { return e.name; },
          ),
          new Promise(function (r) { setTimeout(function () { r('pending'); }, 3000); }),
        ]);
      }
      step('getUserMedia overconstrained');
      // No device is 99999 px wide: an OverconstrainedError, whose `constraint` (empty message in Chromium) must be
      // stored with it. What the page saw is kept for the test to compare.
      state.overconstrained = await navigator.mediaDevices.getUserMedia({ video: { width: { exact: 99999 } } }).then(
        function (s) {
          s.getTracks().forEach(function (t) { t.stop(); });
          return { resolved: true };
        },
        function (e) { return { name: e.name, message: e.message, constraint: typeof e.constraint === 'string' ? e.constraint : null }; },
      );
      step('applyConstraints');
      // The camera's own constraints again (the call is unchanged), then an impossible width: a resolved and a
      // rejected applyConstraints, each with what the page saw for the test to compare.
      var camera = stream.getVideoTracks()[0];
      var seen = function (p) {
        return p.then(
          function () { var s = camera.getSettings(); return { resolved: true, width: s.width, height: s.height }; },
          function (e) { return { name: e.name, constraint: typeof e.constraint === 'string' ? e.constraint : null }; },
        );
      };
      state.applied = [
        await seen(camera.applyConstraints({ width: 320, height: 240, frameRate: 15 })),
        await seen(camera.applyConstraints({ width: { exact: 99999 } })),
      ];
    }

    step('create');
    var pc1 = register(new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' }));
    var pc2 = register(new RTCPeerConnection());
    K.connectIce(pc1, pc2);
    pc2.ontrack = function (e) {
      if (e.track.kind === 'video') document.getElementById('remote').srcObject = e.streams[0] || new MediaStream([e.track]);
    };
    var audioSender = null;
    var videoSender = null;
    var video = null;
    if (stream) {
      audioSender = pc1.addTrack(stream.getAudioTracks()[0], stream);
      video = stream.getVideoTracks()[0];
      videoSender = pc1.addTrack(video, stream);
    }
    var channel = K.echoChannel(pc1, pc2, 'chat');

    step('legacy-offer');
    // Legacy callback forms: createOffer(success, failure, options) and setRemoteDescription(desc, success, failure).
    var offer = await new Promise(function (resolve, reject) {
      pc1.createOffer(resolve, reject, {});
    });
    await pc1.setLocalDescription(offer);
    await new Promise(function (resolve, reject) {
      pc2.setRemoteDescription(offer, resolve, reject);
    });
    var answer = await pc2.createAnswer();
    await pc2.setLocalDescription(answer);
    await pc1.setRemoteDescription(answer);

    step('connecting');
    await K.waitConnected(pc1, pc2, 20000, 'main call');
    await K.waitOpen(channel);
    state.messages += await K.pingPong(channel, 3);
    state.connected = true;

    step('renegotiate');
    // Renegotiation driven by the negotiationneeded event (Firefox skips it when an offer follows at once).
    var needed = new Promise(function (resolve) {
      pc1.addEventListener('negotiationneeded', resolve, { once: true });
    });
    var extra = pc1.addTransceiver('video', { direction: 'recvonly' });
    await Promise.race([needed, new Promise(function (r) { setTimeout(r, 5000); })]);
    // With setLocalDescription() and no SDP: the hook records the description the browser set.
    await K.negotiateImplicit(pc1, pc2);

    if (videoSender) {
      step('replaceTrack');
      await videoSender.replaceTrack(video.clone());

      step('setParameters');
      var parameters = videoSender.getParameters();
      if (parameters.encodings && parameters.encodings[0]) parameters.encodings[0].maxBitrate = 250000;
      await videoSender.setParameters(parameters);

      step('setCodecPreferences');
      var videoTransceiver = pc1.getTransceivers().filter(function (t) {
        return t.sender === videoSender;
      })[0];
      if (videoTransceiver && typeof videoTransceiver.setCodecPreferences === 'function' && window.RTCRtpReceiver.getCapabilities) {
        var codecs = RTCRtpReceiver.getCapabilities('video').codecs.slice();
        codecs.sort(function (a, b) {
          return (b.mimeType === 'video/VP8' ? 1 : 0) - (a.mimeType === 'video/VP8' ? 1 : 0);
        });
        videoTransceiver.setCodecPreferences(codecs);
        await K.negotiate(pc1, pc2);
      }
    }

    step('direction');
    extra.direction = 'inactive';
    await K.negotiate(pc1, pc2);

    step('restartIce');
    pc1.restartIce();
    await K.negotiate(pc1, pc2);
    await K.waitConnected(pc1, pc2, 20000, 'after ICE restart');

    step('setConfiguration');
    pc1.setConfiguration({
      iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'user', credential: 'secret-credential' }],
      bundlePolicy: 'max-bundle',
    });

    step('failures');
    // A constructor that throws (an ICE server URL that does not parse): no PC, a recorded failure.
    try {
      new RTCPeerConnection({ iceServers: [{ urls: 'stun:bad host name' }] });
      state.badConstructor = 'constructed';
    } catch (e) {
      state.badConstructor = e.name;
    }
    // Chromium rejects a garbage candidate, Firefox ignores it; an unknown mid fails in both.
    await expectFailure('addIceCandidate', pc1.addIceCandidate({ candidate: 'candidate:garbage', sdpMid: '0', sdpMLineIndex: 0 }));
    await expectFailure(
      'addIceCandidateUnknownMid',
      pc1.addIceCandidate({ candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host', sdpMid: 'no-such-mid', sdpMLineIndex: 99 }),
    );
    await expectFailure('setRemoteDescription', pc2.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\nbogus\r\n' }));

    step('stop-transceiver');
    extra.stop();
    await K.negotiate(pc1, pc2);

    if (audioSender) {
      step('removeTrack');
      pc1.removeTrack(audioSender);
      await K.negotiate(pc1, pc2);
    }
    state.messages += await K.pingPong(channel, 2);

    if (withFrames) {
      step('frame-same-origin');
      var frame = document.createElement('iframe');
      frame.src = 'frame.html';
      document.getElementById('frames').appendChild(frame);
      await K.waitFor(function () {
        var s = frame.contentWindow && frame.contentWindow.frameState;
        if (s && s.error) throw new Error('frame.html: ' + s.error);
        return s && s.connected;
      }, 20000, 'frame.html connected');
      frameWindows.push(frame.contentWindow);
      state.frames.sameOrigin = true;

      step('frame-about-blank');
      // The about:blank frame's constructor is taken right after insertion, before any script could run there.
      var blank = document.createElement('iframe');
      document.getElementById('frames').appendChild(blank);
      var BlankPC = blank.contentWindow.RTCPeerConnection;
      await K.dataLoopback(BlankPC, RTCPeerConnection, 'blank', register);
      state.frames.aboutBlank = true;

      step('frame-srcdoc');
      var srcdoc = document.createElement('iframe');
      var loaded = new Promise(function (resolve) {
        srcdoc.onload = resolve;
      });
      srcdoc.srcdoc = '<!doctype html><title>srcdoc</title><p>srcdoc frame</p>';
      document.getElementById('frames').appendChild(srcdoc);
      await loaded;
      var SrcdocPC = srcdoc.contentWindow.RTCPeerConnection;
      await K.dataLoopback(SrcdocPC, SrcdocPC, 'srcdoc', register);
      state.frames.srcdoc = true;
    }

    step('done');
    state.done = true;
  }

  main().catch(function (err) {
    state.error = String(err && err.name ? err.name + ': ' + err.message + '\n' + err.stack : err);
    state.phase = 'error';
    document.getElementById('status').textContent = 'error: ' + state.error;
  });
})();
