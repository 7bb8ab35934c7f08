// Helpers shared by the end-to-end test pages (plain script, no build step): loopback peer connections in one page.
// Defines one global, `LoopbackKit`.
(function () {
  'use strict';

  /** Resolves when cond() is truthy; rejects after timeoutMs with `what`. Polls every 20 ms. */
  function waitFor(cond, timeoutMs, what) {
    return new Promise(function (resolve, reject) {
      var started = Date.now();
      (function check() {
        var value;
        try {
          value = cond();
        } catch (err) {
          reject(err);
          return;
        }
        if (value) resolve(value);
        else if (Date.now() - started > timeoutMs) reject(new Error('timeout waiting for ' + what));
        else setTimeout(check, 20);
      })();
    });
  }

  /** Trickles ICE candidates between a and b (a through `onicecandidate`, b through addEventListener). */
  function connectIce(a, b) {
    a.onicecandidate = function (e) {
      if (e.candidate) b.addIceCandidate(e.candidate).catch(function () {});
    };
    b.addEventListener('icecandidate', function (e) {
      if (e.candidate) a.addIceCandidate(e.candidate).catch(function () {});
    });
  }

  /** One offer/answer round with the promise API (a offers). */
  async function negotiate(a, b, offerOptions) {
    var offer = await a.createOffer(offerOptions);
    await a.setLocalDescription(offer);
    await b.setRemoteDescription(offer);
    var answer = await b.createAnswer();
    await b.setLocalDescription(answer);
    await a.setRemoteDescription(answer);
  }

  /** One round with the argument-less setLocalDescription (perfect-negotiation style): the browsers make the SDP. */
  async function negotiateImplicit(a, b) {
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
  }

  function connected(pc) {
    var state = pc.connectionState !== undefined ? pc.connectionState : pc.iceConnectionState;
    return state === 'connected' || state === 'completed';
  }

  function waitConnected(a, b, timeoutMs, what) {
    return waitFor(function () {
      return connected(a) && connected(b);
    }, timeoutMs || 15000, what || 'connection');
  }

  /** Opens a data channel from a to b and echoes every message b receives. Resolves with the channel when open. */
  function echoChannel(a, b, label) {
    var channel = a.createDataChannel(label || 'chat', { ordered: true });
    b.addEventListener('datachannel', function (e) {
      var remote = e.channel;
      remote.onmessage = function (m) {
        remote.send('echo:' + m.data);
      };
    });
    return channel;
  }

  function waitOpen(channel, timeoutMs) {
    return waitFor(function () {
      return channel.readyState === 'open';
    }, timeoutMs || 15000, 'data channel ' + channel.label + ' open');
  }

  /** Sends n messages and waits for their echoes. */
  async function pingPong(channel, n) {
    var got = 0;
    var handler = function () {
      got++;
    };
    channel.addEventListener('message', handler);
    for (var i = 0; i < n; i++) channel.send('ping ' + i);
    await waitFor(function () {
      return got >= n;
    }, 10000, 'echoes on ' + channel.label);
    channel.removeEventListener('message', handler);
    return got;
  }

  /**
   * A complete data-channel loopback between two PCs made by the given constructors (e.g. another frame's).
   * `register(pc)` is called for each PC right after construction.
   */
  async function dataLoopback(PcA, PcB, label, register) {
    var a = new PcA();
    var b = new PcB();
    if (register) {
      register(a);
      register(b);
    }
    connectIce(a, b);
    var channel = echoChannel(a, b, label);
    await negotiate(a, b);
    await waitConnected(a, b, 15000, label + ' connection');
    await waitOpen(channel);
    await pingPong(channel, 2);
    return { a: a, b: b, channel: channel };
  }

  window.LoopbackKit = {
    waitFor: waitFor,
    connectIce: connectIce,
    negotiate: negotiate,
    negotiateImplicit: negotiateImplicit,
    waitConnected: waitConnected,
    echoChannel: echoChannel,
    waitOpen: waitOpen,
    pingPong: pingPong,
    dataLoopback: dataLoopback,
    connected: connected,
  };
})();
