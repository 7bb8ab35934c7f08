import { describe, expect, it } from 'vitest';
import { HELLO_LIMITS, MAX_STATS_INDEX, PROTOCOL_VERSION, SOURCE_TAG } from '../../../lib/protocol/constants';
import { checkPageRecord, checkRelayToBackground, checkViewToBackground, findJsonProblem, parsePageEnvelope } from '../../../lib/protocol/guards';

const envelope = (record: unknown, extra: object = {}) => JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record, ...extra });
const stats = { type: 'pc-stats', pc: 1, index: 0, t: 1, delta: { added: { A: { type: 'codec', timestamp: 1 } } }, reset: true, cost: { getStatsMs: 1, hookMs: 0.1 } };

describe('parsePageEnvelope', () => {
  it('accepts each record type in its documented shape', () => {
    const records = [
      { type: 'pc-created', pc: 1, t: 1, config: { iceServers: [] } },
      { type: 'pc-call', pc: 1, t: 2, call: 0, method: 'createOffer', args: [] },
      { type: 'pc-call', pc: 1, t: 2, call: 1, method: 'sender.replaceTrack', args: [null], target: { mid: null, index: 0 } },
      { type: 'pc-settled', pc: 1, t: 3, call: 0, method: 'createOffer', ok: true, value: { type: 'offer', sdp: 'v=0' } },
      { type: 'pc-settled', pc: 1, t: 3, call: 0, method: 'setRemoteDescription', ok: false, error: { name: 'InvalidStateError', message: 'x' } },
      { type: 'pc-event', pc: 1, t: 4, event: 'icecandidate', value: null },
      { type: 'channel-event', pc: 1, t: 4, channel: { id: 1, label: 'chat' }, event: 'open' },
      stats,
      { ...stats, reset: undefined, index: 1, delta: { changed: { A: { x: 1 } }, retime: [1, 2] } },
      { type: 'media-call', call: 2, t: 5, method: 'getUserMedia', args: [{ audio: true }] },
      { type: 'media-settled', call: 2, t: 6, method: 'getUserMedia', ok: false, error: { name: 'NotAllowedError', message: 'no' } },
      { type: 'media-settled', call: 3, t: 6, method: 'getUserMedia', ok: false, error: { name: 'OverconstrainedError', message: '', detail: { constraint: 'width' } } },
      { type: 'pc-settled', pc: 1, t: 3, call: 1, method: 'setRemoteDescription', ok: false, error: { name: 'OperationError', message: 'x', detail: { errorDetail: 'sdp-syntax-error', sdpLineNumber: 7 } } },
      { type: 'track-event', t: 7, track: { id: 'a', kind: 'audio', label: 'mic' }, event: 'ended' },
      { type: 'pc-create-failed', t: 8, args: [{ iceServers: [{ urls: 'stun:x y' }] }], error: { name: 'SyntaxError', message: 'bad' } },
    ];
    for (const record of records) expect(parsePageEnvelope(envelope(record), 1e6), record.type).toEqual({ ok: true, value: record });
  });

  it('refuses foreign tags, other versions, non-strings, oversize and broken JSON with a reason', () => {
    expect(parsePageEnvelope(JSON.stringify({ source: 'other', v: 1, record: stats }), 1e6)).toEqual({ ok: false, reason: 'not our tag' });
    expect(parsePageEnvelope(JSON.stringify({ source: SOURCE_TAG, v: 99, record: stats }), 1e6).ok).toBe(false);
    expect(parsePageEnvelope({ record: stats }, 1e6)).toEqual({ ok: false, reason: 'detail is not a string' });
    expect(parsePageEnvelope(envelope(stats), 10)).toEqual({ ok: false, reason: 'record too large' });
    expect(parsePageEnvelope('{"source":', 1e6)).toEqual({ ok: false, reason: 'detail is not valid JSON' });
  });

  it('refuses wrong field types, unknown types and methods', () => {
    const bad = [
      { ...stats, pc: 0 },
      { ...stats, pc: 1.5 },
      { ...stats, index: -1 },
      { ...stats, cost: { getStatsMs: 'x', hookMs: 0 } },
      { ...stats, delta: { added: { A: 5 } } },
      { ...stats, delta: { retime: [1] } },
      { ...stats, delta: { retime: [1, '2'] } },
      { ...stats, delta: { retime: [1, 2, 3] } },
      { ...stats, delta: { retime: { 0: 1, 1: 2 } } },
      { ...stats, delta: { whatever: {} } },
      { ...stats, reset: false },
      { type: 'pc-call', pc: 1, t: 2, call: 0, method: 'eval', args: [] },
      { type: 'pc-event', pc: 1, t: 2, event: 'message', value: null },
      { type: 'pc-settled', pc: 1, t: 3, call: 0, method: 'createOffer', ok: false },
      { type: 'nope', t: 1 },
      { type: 'pc-created', pc: 1, config: {} },
      { type: 'pc-create-failed', t: 1, args: [] },
      { type: 'pc-create-failed', t: 1, args: {}, error: { name: 'E', message: '' } },
      { type: 'media-settled', call: 2, t: 6, method: 'getUserMedia', ok: false, error: { name: 'E', message: '', detail: { constraint: 'x'.repeat(201) } } },
      { type: 'media-settled', call: 2, t: 6, method: 'getUserMedia', ok: false, error: { name: 'E', message: '', detail: { madeUp: 'x' } } },
      { type: 'media-settled', call: 2, t: 6, method: 'getUserMedia', ok: false, error: { name: 'E', message: '', detail: { sdpLineNumber: null } } },
      { type: 'media-settled', call: 2, t: 6, method: 'getUserMedia', ok: false, error: { name: 'E', message: '', detail: {} } },
      { type: 'media-settled', call: 2, t: 6, method: 'getUserMedia', ok: false, error: { name: 'E', message: '', detail: 'width' } },
    ];
    for (const record of bad) expect(checkPageRecord(record).ok, JSON.stringify(record)).toBe(false);
    // PC number 0: never from a page (the hook numbers from 1); in our own files, an imported rtcstats PC_0.
    const pcZero = { type: 'pc-created', pc: 0, t: 1, config: {} };
    expect(checkPageRecord(pcZero).ok).toBe(false);
    expect(checkPageRecord(pcZero, { fromFile: true }).ok).toBe(true);
    expect(checkPageRecord({ ...pcZero, pc: -1 }, { fromFile: true }).ok).toBe(false);
    // Entries of imported files that belong to no PC are not page records.
    expect(checkPageRecord({ type: 'file-entry', t: 1, value: { name: 'identity', text: '' } }).ok).toBe(false);
  });

  it('refuses record times no Date can hold (views format every record time as a date)', () => {
    const created = { type: 'pc-created', pc: 1, t: 1, config: {} };
    for (const t of [-1, 8.64e15 + 1, 1e16, 1e300, Number.MAX_VALUE]) {
      expect(checkPageRecord({ ...created, t })).toEqual({ ok: false, reason: 'pc-created: t is not a time in epoch ms (a finite number from 0 to 8640000000000000)' });
      expect(checkPageRecord({ ...stats, t }).ok).toBe(false);
    }
    expect(checkPageRecord({ ...created, t: 8.64e15 }).ok).toBe(true);
    expect(checkPageRecord({ ...created, t: 0 }).ok).toBe(true);
    const hello = { type: 'hello', v: PROTOCOL_VERSION, frameLoadId: 'f', isTop: true, url: 'https://a.test/', title: 't', timeOrigin: 1.7e12, userAgent: 'ua' };
    expect(checkRelayToBackground(hello).ok).toBe(true);
    expect(checkRelayToBackground({ ...hello, timeOrigin: 1e300 }).ok).toBe(false);
    expect(checkRelayToBackground({ type: 'unload', t: 1.7e12 }).ok).toBe(true);
    expect(checkRelayToBackground({ type: 'unload', t: -5 }).ok).toBe(false);
  });

  it('refuses __proto__ keys anywhere and hostile nesting without overflowing', () => {
    const proto = `{"source":"${SOURCE_TAG}","v":${PROTOCOL_VERSION},"record":{"type":"pc-created","pc":1,"t":1,"config":{"a":{"__proto__":{"polluted":1}}}}}`;
    const result = parsePageEnvelope(proto, 1e6);
    expect(result).toEqual({ ok: false, reason: 'pc-created: $.config.a: forbidden key "__proto__"' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(findJsonProblem(JSON.parse('['.repeat(50) + ']'.repeat(50)))).toMatch(/nested deeper/);
    expect(parsePageEnvelope(envelope({ type: 'pc-created', pc: 1, t: 1, config: { x: JSON.parse('['.repeat(1000) + ']'.repeat(1000)) } }), 1e7).ok).toBe(false);
    expect(() => parsePageEnvelope(`{"source":"${SOURCE_TAG}","v":1,"record":${deep}}`, 1e7)).not.toThrow();
  });
});

describe('checkRelayToBackground', () => {
  it('bounds a stats poll index (index differences must stay exact in the stats chunk codec)', () => {
    expect(checkPageRecord({ ...stats, index: MAX_STATS_INDEX }).ok).toBe(true);
    expect(checkPageRecord({ ...stats, index: MAX_STATS_INDEX + 1 }).ok).toBe(false);
    expect(checkPageRecord({ ...stats, index: Number.MAX_SAFE_INTEGER }).ok).toBe(false);
  });

  it('refuses a hello whose title, URL or user agent is longer than the relay sends them', () => {
    const hello = { type: 'hello', v: PROTOCOL_VERSION, frameLoadId: 'f', isTop: true, url: 'https://a.test/', title: 't', timeOrigin: 1.7e12, userAgent: 'ua' };
    const longest = { ...hello, url: 'u'.repeat(HELLO_LIMITS.maxUrlChars), title: 't'.repeat(HELLO_LIMITS.maxTitleChars), userAgent: 'a'.repeat(HELLO_LIMITS.maxUserAgentChars) };
    expect(checkRelayToBackground(longest).ok).toBe(true);
    expect(checkRelayToBackground({ ...hello, title: 'x'.repeat(5_000_000) })).toEqual({ ok: false, reason: 'bad hello' });
    expect(checkRelayToBackground({ ...hello, url: `${hello.url}${'x'.repeat(HELLO_LIMITS.maxUrlChars)}` }).ok).toBe(false);
    expect(checkRelayToBackground({ ...hello, userAgent: 'a'.repeat(HELLO_LIMITS.maxUserAgentChars + 1) }).ok).toBe(false);
  });

  it('re-checks every record of a batch', () => {
    expect(checkRelayToBackground({ type: 'batch', seq: 1, records: [stats] }).ok).toBe(true);
    const result = checkRelayToBackground({ type: 'batch', seq: 2, records: [stats, { ...stats, pc: 'x' }] });
    expect(result).toEqual({ ok: false, reason: 'batch 2: pc-stats: fields do not match the protocol' });
    expect(checkRelayToBackground({ type: 'batch', seq: 0, records: [] }).ok).toBe(false);
    expect(checkRelayToBackground({ type: 'hello', v: PROTOCOL_VERSION, frameLoadId: 'x'.repeat(65), isTop: true, url: '', title: '', timeOrigin: 0, userAgent: '' }).ok).toBe(false);
  });
});

describe('checkViewToBackground', () => {
  it('accepts the documented requests and refuses the rest', () => {
    expect(checkViewToBackground({ type: 'get-session', reqId: 1, sessionId: 's' }).ok).toBe(true);
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3 }).ok).toBe(true);
    expect(checkViewToBackground({ type: 'get-session', sessionId: 's' }).ok).toBe(false);
    expect(checkViewToBackground({ type: 'drop-database', reqId: 1 }).ok).toBe(false);
    expect(checkViewToBackground({ type: 'get-tab-health', reqId: 2, tabId: 4 }).ok).toBe(true);
    expect(checkViewToBackground({ type: 'get-tab-health', reqId: 2, tabId: -1 }).ok).toBe(false);
  });

  it('checks the stats filter of a subscription', () => {
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3, stats: { sessionId: 's', pcIds: ['0-1', '0-2'] } }).ok).toBe(true);
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3, stats: { sessionId: 's', pcIds: [] } }).ok).toBe(true);
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3, stats: { sessionId: 's', pcIds: [1] } })).toEqual({ ok: false, reason: 'bad stats filter' });
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3, stats: { pcIds: ['0-1'] } }).ok).toBe(false);
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3, stats: null }).ok).toBe(false);
    expect(checkViewToBackground({ type: 'subscribe-tab', tabId: 3, stats: { sessionId: 's', pcIds: Array(10_001).fill('x') } }).ok).toBe(false);
  });
});
