/** Firefox about:webrtc "Save Page" HTML (formats.md §4.1), from a hand-made fragment with the same markup. */
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { parseHtml, textOf, findAll } from '../../../lib/dump/import-html';
import { aboutWebrtcPage, bytes } from '../../fixtures/dumps/dump-fixtures';
import { readFileSync } from 'node:fs';
import { DumpError } from '../../../lib/dump/session-bundle';
import { CORPUS_DIR } from '../model/corpus';

const OFFER = 'v=0\r\no=mozilla...THIS_IS_SDPARTA-99.0 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=setup:actpass\r\na=mid:0\r\n';
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=setup:active\r\na=mid:0\r\n';

describe('about:webrtc saved page', () => {
  const page = aboutWebrtcPage([
    {
      uuid: 'b679b76f-0fad-4bc7-a8fa-8f3fa52e3b49',
      createdUs: 1764839547943135,
      url: 'http://localhost:5173/',
      closed: true,
      now: '2025-12-04T09:17:05.710Z',
      history: [
        { side: 'remote', t: 1764839556025, sdp: ANSWER },
        { side: 'local', t: 1764839547936, sdp: OFFER },
      ],
    },
    {
      uuid: '2ece1eba-2917-43f2-b6d8-acf62e68a30b',
      createdUs: 1764720249350538,
      url: 'https://chat.test/?q=<b>&x=1',
      closed: false,
      now: '2025-12-04T08:34:33.774Z',
      bundlePolicy: 'max-bundle',
      iceServerUrls: ['stun:stun.test:19302', 'turn:<HOST>:3478?transport=udp'],
    },
  ]);

  it('makes a session per document and a PC per section with its creation time, configuration, open/closed state and SDP history', () => {
    const r = importDump('aboutWebrtc.html', bytes(page));
    expect(r.format).toBe('firefox-about-webrtc');
    // Two documents (window ids 1000 and 1001), two sessions, each under its own page's URL and time.
    expect(r.bundles.map((b) => b.session.url)).toEqual(['http://localhost:5173/', 'https://chat.test/?q=<b>&x=1']);
    const [closedSession, openSession] = r.bundles;
    expect(closedSession.session.startedAt).toBe(1764839547936);
    expect(openSession.session.startedAt).toBe(1764720249350.538);
    const [open] = openSession.pcs;
    const [closed] = closedSession.pcs;
    // Creation time: the pcid's microseconds since the epoch, or the first SDP of its history when that is earlier
    // (the closed one's offer is stamped 1764839547936, 7 ms before its pcid's time: Firefox's two clocks).
    expect([open.createdAt, closed.createdAt]).toEqual([1764720249350.538, 1764839547936]);
    expect(closedSession.events.filter((e) => e.pcId === closed.pcId).every((e) => e.record.t >= closed.createdAt)).toBe(true);
    expect(open).toMatchObject({
      closedAt: null,
      frameUrl: 'https://chat.test/?q=<b>&x=1',
      config: { bundlePolicy: 'max-bundle', iceTransportPolicy: 'all', iceServers: [{ urls: ['stun:stun.test:19302', 'turn:<HOST>:3478?transport=udp'] }] },
      // The page has no state changes: an open PC's ICE and connection states are unknown, not "new".
      signalingState: 'stable',
      iceConnectionState: 'unknown',
      iceGatheringState: 'unknown',
      connectionState: 'unknown',
    });
    // A closed PC ends at its last report (the heading's `now`).
    expect(closed).toMatchObject({ closedAt: Date.parse('2025-12-04T09:17:05.710Z'), closedBy: 'close', signalingState: 'closed', connectionState: 'closed' });
    const calls = closedSession.events.filter((e) => e.pcId === closed.pcId && e.record.type === 'pc-call').map((e) => e.record);
    expect(calls).toEqual([
      { type: 'pc-call', pc: expect.any(Number), t: 1764839547936, call: expect.any(Number), method: 'setLocalDescription', args: [{ type: 'offer', sdp: OFFER }] },
      { type: 'pc-call', pc: expect.any(Number), t: 1764839556025, call: expect.any(Number), method: 'setRemoteDescription', args: [{ type: 'answer', sdp: ANSWER }] },
    ]);
    expect(closedSession.events.filter((e) => e.record.type === 'pc-settled' && e.record.ok)).toHaveLength(2);
    for (const b of r.bundles) expect(b.session).toMatchObject({ title: '', sampleCount: 0, pcCount: 1, userAgent: 'Firefox' });
  });

  it('keeps the PCs of one document in one session, and gives an open PC the signaling state of its last description', () => {
    const r = importDump(
      'aboutWebrtc.html',
      bytes(
        aboutWebrtcPage([
          { uuid: 'a', createdUs: 1764839547943135, url: 'https://a.test/', closed: true, now: '2025-12-04T09:17:05.710Z', windowId: 7, history: [{ side: 'local', t: 1764839547950, sdp: OFFER }] },
          { uuid: 'b', createdUs: 1764839548943135, url: 'https://a.test/', closed: false, now: '2025-12-04T09:17:05.710Z', windowId: 7, history: [{ side: 'remote', t: 1764839549000, sdp: OFFER }] },
          { uuid: 'c', createdUs: 1764839549943135, url: 'https://a.test/', closed: false, now: '2025-12-04T09:17:05.710Z', windowId: 8, history: [{ side: 'local', t: 1764839550000, sdp: OFFER }] },
        ]),
      ),
    );
    expect(r.bundles.map((b) => b.pcs.length)).toEqual([2, 1]);
    expect(r.bundles[0].pcs.map((p) => p.signalingState)).toEqual(['closed', 'have-remote-offer']);
    expect(r.bundles[1].pcs[0].signalingState).toBe('have-local-offer');
    // The file's bytes shared out by PCs.
    expect(r.bundles[0].session.bytes + r.bundles[1].session.bytes).toBeGreaterThan(0);
    expect(r.bundles[0].session.bytes).toBeGreaterThan(r.bundles[1].session.bytes);
  });

  it('reads a page saved in a legacy 8-bit encoding (the corpus sample is not UTF-8)', () => {
    const latin = new Uint8Array([...bytes(page.slice(0, 30)), 0xb6, ...bytes(page.slice(30))]);
    expect(importDump('aboutWebrtc.html', latin).bundles.flatMap((b) => b.pcs)).toHaveLength(2);
  });

  it('keeps markup inside text as text', () => {
    const { root } = parseHtml('<div><pre>a=x:&lt;script&gt;alert(1)&lt;/script&gt;</pre><p>1 &amp; 2 &#x41; &#65; &bogus;</p></div>');
    const [pre, p] = findAll(root, (e) => e.tag === 'pre' || e.tag === 'p');
    expect(textOf(pre)).toBe('a=x:<script>alert(1)</script>');
    expect(findAll(pre, () => true)).toEqual([]);
    expect(textOf(p)).toBe('1 & 2 A A &bogus;');
  });

  it('refuses HTML that is not from about:webrtc, and deep nesting', () => {
    expect(() => importDump('x.html', bytes('<html><body>hello</body></html>'))).toThrow(/not a page saved from about:webrtc/);
    const deep = `<div id="content" class="peer-connection">${'<div>'.repeat(5000)}about-webrtc-</div>`;
    expect(() => importDump('x.html', bytes(deep))).toThrow(/looks like a firefox-about-webrtc dump; at document: elements nested deeper than 256/);
  });
});

describe('about:webrtc saved page cut short', () => {
  const corpus = new Uint8Array(readFileSync(`${CORPUS_DIR}/dumps/firefox-about-webrtc/aboutWebrtc.html`));

  it('the corpus page imports whole without a problem, and cut anywhere it is refused', () => {
    expect(importDump('aboutWebrtc.html', corpus).problems).toEqual([]);
    // Cuts inside tags, attribute values, SDP text, the log; never silently accepted.
    for (let k = 1; k < 12; k++) {
      const cut = Math.floor((corpus.length * k) / 12) + k * 7;
      let caught: unknown;
      try {
        importDump('cut.html', corpus.subarray(0, cut));
      } catch (error) {
        caught = error;
      }
      expect(caught, `cut at ${cut}`).toBeInstanceOf(DumpError);
      expect((caught as DumpError).where, `cut at ${cut}`).toBe('document');
    }
  });

  it('says where it ends, and keeps only complete sections when the valid part is asked for', () => {
    const page = aboutWebrtcPage([
      { uuid: 'a', createdUs: 1764839547943135, url: 'https://a.test/', closed: true, now: '2025-12-04T09:17:05.710Z' },
      { uuid: 'b', createdUs: 1764839548943135, url: 'https://b.test/', closed: false, now: '2025-12-04T09:17:05.710Z', history: [{ side: 'local', t: 1764839549000, sdp: OFFER }] },
    ]);
    const inSdp = page.indexOf('a=setup:actpass');
    expect(() => importDump('p.html', bytes(page.slice(0, inSdp)))).toThrow(/at document: truncated: the file ends before the end tag of <div id="content">/);
    const inTag = page.indexOf('data-l10n-args', page.indexOf('<h5')) + 20;
    expect(() => importDump('p.html', bytes(page.slice(0, inTag)))).toThrow(/at document: truncated: the file ends inside the tag <h5 at character \d+/);
    const partial = importDump('p.html', bytes(page.slice(0, inSdp)), { allowPartial: true });
    expect(partial.problems).toHaveLength(1);
    // The cut section (its SDP half there) is left out; the one before it is whole.
    expect(partial.bundles[0].pcs.map((p) => p.frameUrl)).toEqual(['https://a.test/']);
  });
});
