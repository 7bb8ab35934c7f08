// Garbage-collection check (tests/e2e/gc.e2e.mjs): WebRTC objects the page made, used and dropped must be collectable
// with the extension exactly as without it. The page runs a scenario, drops every reference to its objects and keeps
// only WeakRefs (and a FinalizationRegistry) to the PCs, senders, receivers, transceivers, tracks, streams and channels;
// the test forces garbage collections from outside and asks which are still alive.
//
//   await gcScope.run('close')   // resolves with the names watched
//   gcScope.alive()              // names whose WeakRef still derefs
//   gcScope.finalized()          // names whose finalizer ran
//
// Scenarios (SCENARIOS below):
//   close       loopback call (fake getUserMedia audio+video, a canvas and a WebAudio track, a data channel), stats
//               polled a few seconds; then channels closed, every track stopped, both PCs closed: a tidy page.
//   drop-media  the same call without data channel, dropped with everything still open (no close, no stop).
//   drop        the same call with its data channel, dropped with everything still open.
//   pcs         the call with its data channel; only the two PCs are closed (tracks stay live, not stopped).
//   probe       what IP-leak/fingerprinting scripts do: a PC, a data channel, an offer, ICE gathering; never closed.
(function () {
  'use strict';
  var K = window.LoopbackKit;
  var refs = []; // { name, ref }
  var finalizedNames = Object.create(null);
  var registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry(function (name) {
        finalizedNames[name] = true;
      })
    : null;

  var SCENARIOS = {
    close: { channel: true, teardown: 'close' },
    'drop-media': { channel: false, teardown: 'none' },
    drop: { channel: true, teardown: 'none' },
    pcs: { channel: true, teardown: 'pcs' },
  };

  function watch(name, obj) {
    if (!obj) return;
    refs.push({ name: name, ref: new WeakRef(obj) });
    if (registry) registry.register(obj, name);
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      setTimeout(resolve, ms);
    });
  }

  // Everything of the call lives in this function's frame and the closures it makes for its own objects' listeners;
  // nothing of it is reachable from a global once it has returned.
  async function call(options) {
    var stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 160, height: 120, frameRate: 10 } });
    var a = new RTCPeerConnection();
    var b = new RTCPeerConnection();
    watch('pcA', a);
    watch('pcB', b);
    watch('localStream', stream);
    var localTracks = stream.getTracks();
    localTracks.forEach(function (t) {
      watch('local.' + t.kind, t);
    });
    // Tracks that are not capture devices: a canvas capture and a WebAudio destination.
    var canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    canvas.getContext('2d').fillRect(0, 0, 10, 10);
    var canvasStream = canvas.captureStream(10);
    var audioContext = new AudioContext();
    var oscillator = audioContext.createOscillator();
    var destination = audioContext.createMediaStreamDestination();
    oscillator.connect(destination);
    oscillator.start();
    var synthStreams = [canvasStream, destination.stream];
    var synthTracks = canvasStream.getTracks().concat(destination.stream.getTracks());
    watch('canvasStream', canvasStream);
    watch('canvas.video', synthTracks[0]);
    watch('webaudioStream', destination.stream);
    watch('webaudio.audio', synthTracks[1]);
    localTracks = localTracks.concat(synthTracks);

    var remoteTracks = [];
    var remoteStreams = [];
    b.ontrack = function (e) {
      remoteTracks.push(e.track);
      var n = remoteTracks.length - 1;
      watch('remote' + n + '.' + e.track.kind, e.track);
      watch('remoteReceiver' + n + '.' + e.track.kind, e.receiver);
      watch('remoteTransceiver' + n + '.' + e.track.kind, e.transceiver);
      e.streams.forEach(function (s) {
        if (remoteStreams.indexOf(s) < 0) {
          remoteStreams.push(s);
          watch('remoteStream' + remoteStreams.length, s);
        }
      });
    };
    K.connectIce(a, b);
    localTracks.forEach(function (t, i) {
      var sender = a.addTrack(t, i < 2 ? stream : synthStreams[i - 2]);
      watch('sender' + i + '.' + t.kind, sender);
    });
    var channel = null;
    var remoteChannel = null;
    if (options.channel) {
      channel = a.createDataChannel('gc', { ordered: true });
      watch('channelA', channel);
      b.addEventListener('datachannel', function (e) {
        remoteChannel = e.channel;
        watch('channelB', remoteChannel);
        remoteChannel.onmessage = function (m) {
          remoteChannel.send('echo:' + m.data);
        };
      });
    }
    await K.negotiate(a, b);
    await K.waitConnected(a, b, 20000, 'gc call');
    if (channel) {
      await K.waitOpen(channel);
      await K.pingPong(channel, 3);
    }
    await K.waitFor(function () {
      return (!channel || (remoteChannel && remoteChannel.readyState === 'open')) && remoteTracks.length === localTracks.length;
    }, 10000, 'remote channel and tracks');
    // No listener of the page stays on the channels: a message/close/error/closing listener keeps an open channel alive
    // (webrtc-pc "Garbage collection"), and this one's closure would keep the whole call (this function's scope) alive
    // as long as the other end stays open: the page's own listeners would hide what the hook's do.
    if (remoteChannel) remoteChannel.onmessage = null;
    // The page asks for stats once, as pages do; the hook polls meanwhile.
    await a.getStats();
    await sleep(options.holdMs);
    if (options.teardown === 'close') {
      if (channel) {
        channel.close();
        remoteChannel.close();
      }
      localTracks.concat(remoteTracks).forEach(function (t) {
        t.stop();
      });
      a.close();
      b.close();
      audioContext.close();
      await sleep(300); // the channels' close events, the tracks' ended/mute
    } else if (options.teardown === 'pcs') {
      // Only the PCs are closed (their channels close with them); the tracks stay live, the audio context runs.
      a.close();
      b.close();
      await sleep(300);
    }
  }

  // An IP-leak / fingerprinting probe: one PC, a data channel so that there is something to offer, gathering; then
  // the page forgets it without close() (most such scripts do).
  async function probe(options) {
    var pc = new RTCPeerConnection();
    watch('probePc', pc);
    var candidates = 0;
    pc.onicecandidate = function (e) {
      if (e.candidate) candidates++;
    };
    watch('probeChannel', pc.createDataChannel(''));
    await pc.setLocalDescription(await pc.createOffer());
    await K.waitFor(function () {
      return pc.iceGatheringState === 'complete';
    }, 10000, 'probe gathering');
    await sleep(options.holdMs);
    return candidates;
  }

  window.gcScope = {
    run: async function (scenario, holdMs) {
      if (refs.length) throw new Error('gcScope.run: once per page');
      var hold = typeof holdMs === 'number' ? holdMs : 2500;
      if (scenario === 'probe') await probe({ holdMs: hold });
      else if (SCENARIOS[scenario]) await call({ channel: SCENARIOS[scenario].channel, teardown: SCENARIOS[scenario].teardown, holdMs: hold });
      else throw new Error('gcScope.run: unknown scenario ' + scenario);
      return refs.map(function (r) {
        return r.name;
      });
    },
    alive: function () {
      return refs
        .filter(function (r) {
          return r.ref.deref() !== undefined;
        })
        .map(function (r) {
          return r.name;
        });
    },
    finalized: function () {
      return Object.keys(finalizedNames);
    },
  };
})();
