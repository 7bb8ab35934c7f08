import { describe, expect, it, vi } from 'vitest';
import { envelopeJson, parseRelayConfig, startPageHook, stringifyEnvelope, stringifyValue } from '../../../lib/page/page-bridge';
import { statsRecordFromText } from '../../../lib/page/stats-poller';
import { ENVELOPE_PREFIX, PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, RELAY_TO_PAGE_EVENT } from '../../../lib/protocol/constants';
import { parsePageEnvelope } from '../../../lib/protocol/guards';
import type { PageEnvelope } from '../../../lib/protocol/messages';
import { createFakeRealm } from './fake-webrtc';

const config = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ source: 'webrtc-scope', v: 1, type: 'config', enabled: true, pollIntervalMs: 1000, ...extra });

describe('parseRelayConfig', () => {
  it('accepts exactly the RelayToPage shape', () => {
    expect(parseRelayConfig(config())).toEqual({ enabled: true, pollIntervalMs: 1000 });
    expect(parseRelayConfig(config({ enabled: false, resync: true }))).toEqual({ enabled: false, pollIntervalMs: 1000, resync: true });
    expect(parseRelayConfig(config({ resync: false }))).toEqual({ enabled: true, pollIntervalMs: 1000 });
  });

  it('refuses anything else', () => {
    for (const bad of [
      undefined,
      42,
      { source: 'webrtc-scope', v: 1, type: 'config', enabled: true, pollIntervalMs: 1000 }, // not a string
      'not json',
      '[]',
      'null',
      config({ source: 'other' }),
      config({ v: 2 }),
      config({ type: 'batch' }),
      config({ enabled: 'yes' }),
      config({ pollIntervalMs: 50 }),
      config({ pollIntervalMs: '1000' }),
      config({ resync: 1 }),
      config({ extra: true }),
      JSON.stringify({ source: 'webrtc-scope', v: 1, type: 'config', enabled: true }),
      config({ pad: 'x'.repeat(2000) }),
    ]) {
      expect(parseRelayConfig(bad), String(bad).slice(0, 80)).toBeNull();
    }
    expect(parseRelayConfig('{"source":"webrtc-scope","v":1,"type":"config","enabled":true,"pollIntervalMs":1000,"__proto__":{}}')).toBeNull();
  });
});

describe('stringifyEnvelope', () => {
  const envelope: PageEnvelope = {
    source: 'webrtc-scope',
    v: 1,
    record: { type: 'pc-call', pc: 1, t: 1.5, call: 0, method: 'createOffer', args: [{ a: [1, 'x', null, true] }] },
  };

  it('is JSON.stringify normally', () => {
    expect(stringifyEnvelope(envelope)).toBe(JSON.stringify(envelope));
  });

  it('ignores toJSON that a page defined on Object.prototype or Array.prototype', () => {
    const objectProto = { toJSON: () => 'hijacked' };
    expect(JSON.parse(stringifyEnvelope(envelope, objectProto, Array.prototype))).toEqual(envelope);
    (Array.prototype as unknown as Record<string, unknown>).toJSON = () => 'hijacked';
    try {
      expect(JSON.parse(stringifyEnvelope(envelope))).toEqual(envelope);
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>).toJSON;
    }
  });
});

describe('stringifyValue and envelopeJson (stats records whose delta is text already)', () => {
  const statsRecord = { type: 'pc-stats' as const, pc: 2, index: 4, t: 1763800000000.5, deltaJson: '{"added":{"A":{"type":"codec","q":[1,2]}}}', reset: true as const, cost: { getStatsMs: 1.5, hookMs: 0.25 } };

  it('writes the envelope JSON.stringify would write for the record with its delta parsed', () => {
    const text = envelopeJson(statsRecord);
    expect(text.startsWith(ENVELOPE_PREFIX)).toBe(true);
    expect(text).toBe(JSON.stringify({ source: 'webrtc-scope', v: PROTOCOL_VERSION, record: statsRecordFromText(statsRecord) }));
    expect(parsePageEnvelope(text, 1e6)).toMatchObject({ ok: true });
  });

  it('ignores toJSON that a page defined on Object.prototype or Array.prototype', () => {
    const value = { id: 'A', q: [1, 'x', { n: null }], s: 'a"b' };
    expect(stringifyValue(value, { toJSON: () => 'hijacked' }, { toJSON: () => 'hijacked' })).toBe(JSON.stringify(value));
    (Object.prototype as unknown as Record<string, unknown>).toJSON = () => 'hijacked';
    try {
      expect(stringifyValue(value)).toBe('{"id":"A","q":[1,"x",{"n":null}],"s":"a\\"b"}');
      expect(stringifyValue('plain')).toBe('"plain"');
      expect(stringifyValue(undefined)).toBe('null');
    } finally {
      delete (Object.prototype as unknown as Record<string, unknown>).toJSON;
    }
  });
});

describe('startPageHook', () => {
  it('posts each record as a CustomEvent with a JSON envelope the relay accepts, and applies config events', async () => {
    const realm = createFakeRealm();
    const win = realm.win as unknown as Record<string, unknown>;
    const CustomEventCtor = win.CustomEvent as typeof CustomEvent;
    // The realm's EventTarget methods, applied to its global (as on a real window).
    const et = (win.EventTarget as typeof EventTarget).prototype;
    const on = (type: string, fn: (e: Event) => void) => et.addEventListener.call(win, type, fn);
    const send = (detail: string) => et.dispatchEvent.call(win, new CustomEventCtor(RELAY_TO_PAGE_EVENT, { detail }));
    const details: unknown[] = [];
    on(PAGE_TO_RELAY_EVENT, (event) => details.push((event as CustomEvent).detail));
    let messages = 0;
    on('message', () => messages++);
    const controller = startPageHook(realm.win);
    realm.run('globalThis.pc = new RTCPeerConnection(); pc.createDataChannel("x");');
    expect(details).toHaveLength(3);
    for (const detail of details) expect(parsePageEnvelope(detail, 1e6)).toMatchObject({ ok: true });
    expect(messages).toBe(0);
    // A config event from the relay switches capture off; a malformed one is ignored.
    send(config({ enabled: 'no' }));
    realm.run('pc.createDataChannel("y")');
    expect(details).toHaveLength(5);
    send(config({ enabled: false }));
    realm.run('pc.createDataChannel("z")');
    expect(details).toHaveLength(5);
    expect(startPageHook(realm.win)).toBe(controller);
    realm.run('pc.close()');
  });

  it('re-initialises one event object for every post; a post made inside that dispatch gets an event of its own', () => {
    const realm = createFakeRealm();
    const win = realm.win as unknown as Record<string, unknown>;
    const et = (win.EventTarget as typeof EventTarget).prototype;
    const seen: { event: Event; detail: string; nested: boolean }[] = [];
    let depth = 0;
    let nestedOnce = false;
    et.addEventListener.call(win, PAGE_TO_RELAY_EVENT, (event: Event) => {
      const detail = (event as CustomEvent).detail as string;
      seen.push({ event, detail, nested: depth > 0 });
      // A page listener of our event type that calls WebRTC from inside it: the hook posts again, re-entrantly.
      if (!nestedOnce && detail.includes('"outer"')) {
        nestedOnce = true;
        depth++;
        realm.run('pc.createDataChannel("inner")');
        depth--;
        // The outer event still carries its own text after the nested posts.
        expect((event as CustomEvent).detail).toBe(detail);
      }
    });
    startPageHook(realm.win);
    realm.run('globalThis.pc = new RTCPeerConnection(); pc.createDataChannel("first"); pc.createDataChannel("outer");');
    const details = seen.map((s) => s.detail);
    // Every record arrived once, each with its own text.
    expect(new Set(details).size).toBe(details.length);
    for (const detail of details) expect(parsePageEnvelope(detail, 1e6)).toMatchObject({ ok: true });
    expect(details.some((d) => d.includes('"outer"'))).toBe(true);
    const nested = seen.filter((s) => s.nested);
    expect(nested.some((s) => s.detail.includes('"inner"'))).toBe(true);
    // Outside the nested posts one object served every post; inside them, others.
    const outer = seen[0].event;
    expect(seen.filter((s) => !s.nested).every((s) => s.event === outer)).toBe(true);
    expect(nested.every((s) => s.event !== outer)).toBe(true);
    expect(realm.run('__counters.initCustomEvent') as number).toBe(seen.length - nested.length);
    realm.run('pc.close()');
  });

  it('makes a new event for every post where initCustomEvent is missing', () => {
    const realm = createFakeRealm();
    realm.run('delete CustomEvent.prototype.initCustomEvent');
    const win = realm.win as unknown as Record<string, unknown>;
    const et = (win.EventTarget as typeof EventTarget).prototype;
    const events: Event[] = [];
    et.addEventListener.call(win, PAGE_TO_RELAY_EVENT, (event: Event) => events.push(event));
    startPageHook(realm.win);
    realm.run('globalThis.pc = new RTCPeerConnection(); pc.createDataChannel("x"); pc.close();');
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(new Set(events).size).toBe(events.length);
    for (const event of events) expect(parsePageEnvelope((event as CustomEvent).detail, 1e6)).toMatchObject({ ok: true });
  });

  it('posts the stats records of one polling tick in one event, one envelope per line, each accepted by the relay guard', async () => {
    vi.useFakeTimers();
    try {
      const realm = createFakeRealm();
      const win = realm.win as unknown as Record<string, unknown>;
      const et = (win.EventTarget as typeof EventTarget).prototype;
      const details: string[] = [];
      et.addEventListener.call(win, PAGE_TO_RELAY_EVENT, (event: Event) => details.push((event as CustomEvent).detail));
      startPageHook(realm.win, { pollIntervalMs: 500 });
      realm.run('globalThis.a = new RTCPeerConnection(); globalThis.b = new RTCPeerConnection();');
      await vi.advanceTimersByTimeAsync(500);
      await vi.advanceTimersByTimeAsync(500);
      const statsEvents = details.filter((detail) => detail.includes('"pc-stats"'));
      expect(statsEvents).toHaveLength(2); // two ticks
      for (const detail of statsEvents) {
        const lines = detail.split('\n');
        expect(lines).toHaveLength(2);
        const parsed = lines.map((line) => parsePageEnvelope(line, 1e6));
        expect(parsed.map((r) => (r.ok ? [r.value.type, (r.value as { pc: number }).pc] : r))).toEqual([
          ['pc-stats', 1],
          ['pc-stats', 2],
        ]);
      }
      // Every other record still has an event of its own.
      for (const detail of details.filter((d) => !d.includes('"pc-stats"'))) expect(detail.includes('\n')).toBe(false);
      realm.run('a.close(); b.close();');
    } finally {
      vi.useRealTimers();
    }
  });
});
