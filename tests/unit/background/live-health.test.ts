/**
 * Live health (lib/background/live-health.ts) over the real Recorder and SessionStore (fake-indexeddb): the badge
 * counts live PCs and takes the worst verdict's colour, clears when they are gone, survives a worker restart by
 * seeding from the store, and the popup's answer lists recent sessions with their assessed verdict.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { BADGE_COLORS, LiveHealth, WINDOW_MAX_ROWS, WINDOW_MIN_MS, WINDOW_ROWS, type Badge } from '../../../lib/background/live-health';
import { assessPc, pcGlance } from '../../../lib/model/health/assess';
import { Recorder } from '../../../lib/background/recorder';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/model/settings';
import type { PcSummary, StatsColumns, StatsReportJson, TraceEvent } from '../../../lib/model/session';
import { diffStatsReports } from '../../../lib/model/stats-delta';
import type { PageRecord, RelayHello } from '../../../lib/protocol/messages';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';

let dbCounter = 0;
const T0 = 1_763_776_000_000;

/** Inbound audio at poll i: 50 packets/s sent, `lost` of them lost in every poll. */
function report(i: number, lost = 0): StatsReportJson {
  const received = 1000 + i * (50 - lost);
  return {
    IA: { type: 'inbound-rtp', kind: 'audio', ssrc: 5, timestamp: T0 + i * 1000, packetsReceived: received, packetsLost: i * lost, bytesReceived: received * 120, jitter: 0.004 },
  } as StatsReportJson;
}

async function setup(settings: Settings = DEFAULT_SETTINGS) {
  const dbName = `live-health-${++dbCounter}`;
  const store = new SessionStore(await openScopeDb(dbName));
  const recorderNow = { t: T0 + 100_000 };
  const recorder = new Recorder({ store, askTopDocument: async () => null, now: () => recorderNow.t });
  const badges: (Badge | null)[] = [];
  const now = { t: T0 };
  const start = () =>
    new LiveHealth({ store, settings: async () => settings, now: () => now.t, setBadge: (_tab, b) => badges.push(b) });
  return { store, recorder, recorderNow, badges, now, start, dbName };
}

const hello = (frameLoadId: string): RelayHello => ({ type: 'hello', v: 1, frameLoadId, isTop: true, url: 'https://call.example/room', title: 'Room', timeOrigin: T0, userAgent: 'test' });

/** Page records of tab 7's top document (load-1) through the recorder, each batch's update applied to `health`. */
async function sender(env: Awaited<ReturnType<typeof setup>>, health: LiveHealth) {
  const ctx = await env.recorder.attachFrame(7, hello('load-1'));
  let seq = 0;
  const send = async (records: PageRecord[]) => {
    const result = await env.recorder.storeBatch(ctx, ++seq, records);
    if (result.update) await health.apply(7, result.update);
  };
  return { ctx, send };
}

describe('LiveHealth', () => {
  it('a page whose getUserMedia failed, before any PC: the popup\'s answer names the failure; after a restart too', async () => {
    const env = await setup();
    const health = env.start();
    const { send } = await sender(env, health);
    await send([
      { type: 'media-call', t: T0, call: 1, method: 'getUserMedia', args: [{ video: true }] },
      { type: 'media-settled', t: T0 + 20, call: 1, method: 'getUserMedia', ok: false, error: { name: 'NotFoundError', message: 'Requested device not found' } },
    ] as PageRecord[]);
    const tab = await health.tabHealth(7);
    expect(tab.live).toEqual([]);
    expect(tab.mediaFailures.map((i) => [i.rule, i.subject, i.evidence.value])).toEqual([['getusermedia-failed', 'getUserMedia', 'NotFoundError: Requested device not found']]);
    expect((await env.start().tabHealth(7)).mediaFailures).toHaveLength(1);
  });

  it('badge = number of live PCs in the worst verdict\'s colour; cleared when the PCs close; restart seeds from the store', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const env = await setup();
      const health = env.start();
      const { ctx, send } = await sender(env, health);
      const prev: Record<number, StatsReportJson> = {};
      const poll = (pc: number, i: number, lost = 0): PageRecord => {
        const r = report(i, lost);
        const delta = diffStatsReports(prev[pc] ?? {}, r);
        prev[pc] = r;
        return { type: 'pc-stats', pc, index: i, t: T0 + i * 1000, delta, ...(i === 0 ? { reset: true as const } : {}), cost: { getStatsMs: 1, hookMs: 0.1 } };
      };
      await send([
        { type: 'pc-created', pc: 1, t: T0 - 500, config: {} },
        { type: 'pc-created', pc: 2, t: T0 - 400, config: {} },
        { type: 'pc-event', pc: 1, t: T0 - 100, event: 'connectionstatechange', value: 'connected' },
        { type: 'pc-event', pc: 2, t: T0 - 100, event: 'connectionstatechange', value: 'connected' },
      ]);
      for (let i = 0; i < 8; i++) await send([poll(1, i), poll(2, i, 4)]); // PC 2: 8 % loss from the start (E-model: MOS ≈ 3.4, low)
      await vi.runAllTimersAsync();
      expect(env.badges.at(-1)).toEqual({ text: '2', color: BADGE_COLORS.low });

      env.now.t = T0 + 8000;
      const tab = await health.tabHealth(7);
      expect(tab.live.map((p) => [p.pcId, p.verdict])).toEqual([['0-1', 'good'], ['0-2', 'low']]);
      expect(tab.live[1].topIssue?.rule).toBe('high-packet-loss');
      expect(tab.live[0].receiveBitrate).toBeCloseTo(50 * 120 * 8, 5);
      expect(tab.verdict).toBe('low');
      expect(tab.capture).toEqual({ site: 'call.example', sitePaused: false, excluded: false, pausedEverywhere: false });

      // A worker restart: a fresh LiveHealth over the same store knows the live PCs and their latest samples.
      const restarted = env.start();
      const seeded = await restarted.tabHealth(7);
      expect(seeded.live.map((p) => [p.pcId, p.verdict])).toEqual([['0-1', 'good'], ['0-2', 'low']]);

      await send([{ type: 'pc-call', pc: 2, t: T0 + 8500, call: 1, method: 'close', args: [] }]);
      await vi.runAllTimersAsync();
      expect(env.badges.at(-1)).toEqual({ text: '1', color: BADGE_COLORS.good });

      const ended = await env.recorder.frameUnloaded(ctx);
      await health.apply(7, ended!);
      await vi.runAllTimersAsync();
      expect(env.badges.at(-1)).toBeNull();
      expect((await health.tabHealth(7)).live).toEqual([]);
      // The page is gone: its session is no longer the tab's current one.
      expect((await health.tabHealth(7)).current).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("a PC that stops receiving because another PC of the tab paused its sender (replaceTrack(null)) says so, without lowering the verdict", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const env = await setup();
      const health = env.start();
      const { send } = await sender(env, health);
      let prev: StatsReportJson = {};
      // PC 2 receives SSRC 5, which PC 1's local description sends on mid 0; from poll 8 on nothing arrives.
      const poll = (i: number): PageRecord => {
        const r = report(Math.min(i, 8));
        (r.IA as Record<string, unknown>).timestamp = T0 + i * 1000;
        const delta = diffStatsReports(prev, r);
        prev = r;
        return { type: 'pc-stats', pc: 2, index: i, t: T0 + i * 1000, delta, ...(i === 0 ? { reset: true as const } : {}), cost: { getStatsMs: 1, hookMs: 0.1 } };
      };
      const sdp = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ssrc:5 cname:x\r\n';
      await send([
        { type: 'pc-created', pc: 1, t: T0 - 500, config: {} },
        { type: 'pc-created', pc: 2, t: T0 - 400, config: {} },
        { type: 'pc-call', pc: 1, t: T0 - 300, call: 1, method: 'setLocalDescription', args: [{ type: 'offer', sdp }] },
        { type: 'pc-settled', pc: 1, t: T0 - 299, call: 1, method: 'setLocalDescription', ok: true },
        { type: 'pc-event', pc: 2, t: T0 - 100, event: 'connectionstatechange', value: 'connected' },
      ]);
      for (let i = 0; i < 8; i++) await send([poll(i)]);
      await send([
        { type: 'pc-call', pc: 1, t: T0 + 7600, call: 2, method: 'sender.replaceTrack', args: [null], target: { mid: '0', index: 0 } },
        { type: 'pc-settled', pc: 1, t: T0 + 7601, call: 2, method: 'sender.replaceTrack', ok: true },
      ]);
      for (let i = 8; i < 20; i++) await send([poll(i)]);
      await vi.runAllTimersAsync();
      env.now.t = T0 + 20_000;
      const receiver = (await health.tabHealth(7)).live.find((p) => p.pcId === '0-2')!;
      expect(receiver.topIssue).toMatchObject({ rule: 'no-packets-received', severity: 'info' });
      expect(receiver.topIssue!.evidence.note).toMatch(/^Paused by this page: its connection 0-1 left the sender of this stream without a track \(replaceTrack\(null\)\) at \+8\.001 s\.$/);
      expect(receiver.verdict).toBe('good');
    } finally {
      vi.useRealTimers();
    }
  });

  it('recent sessions get their verdict from a full assessment, then from the cache; paused sites are reported', async () => {
    const env = await setup({ ...DEFAULT_SETTINGS, pausedSites: ['call.example'] });
    const health = env.start();
    const first = await env.recorder.attachFrame(7, hello('load-1'));
    await env.recorder.storeBatch(first, 1, [
      { type: 'media-call', call: 1, t: T0, method: 'getUserMedia', args: [{ audio: true }] },
      { type: 'media-settled', call: 1, t: T0 + 5, method: 'getUserMedia', ok: false, error: { name: 'NotAllowedError', message: 'denied' } },
    ]);
    await env.recorder.frameUnloaded(first);
    const second = await env.recorder.attachFrame(7, hello('load-2'));
    await env.recorder.storeBatch(second, 1, [{ type: 'pc-created', pc: 1, t: T0 + 2000, config: {} }]);

    const before = await health.tabHealth(7);
    expect(before.current?.id).toBe(second.sessionId);
    expect(before.recent.map((r) => [r.session.id, r.assessed])).toEqual([[first.sessionId, false]]);
    await vi.waitFor(async () => expect((await health.tabHealth(7)).recent[0].assessed).toBe(true));
    const after = await health.tabHealth(7);
    expect(after.recent[0]).toMatchObject({ verdict: 'low', topIssue: 'Camera or microphone request failed' });
    expect(after.capture).toMatchObject({ site: 'call.example', sitePaused: true });
  });

  it('a page the tab left is no longer its current session; the site comes from the tab then; a hung-up call gets its verdict over the call; paused capture shows no live figures', async () => {
    const env = await setup();
    let settings = DEFAULT_SETTINGS;
    const tabUrl = { url: 'https://call.example/room' };
    const health = new LiveHealth({ store: env.store, settings: async () => settings, now: () => env.now.t, setBadge: () => undefined, tabUrl: async () => tabUrl.url });
    const { ctx, send } = await sender(env, health);
    await send([
      { type: 'pc-created', pc: 1, t: T0 - 500, config: {} },
      { type: 'pc-event', pc: 1, t: T0 - 100, event: 'connectionstatechange', value: 'connected' },
      { type: 'pc-stats', pc: 1, index: 0, t: T0, delta: diffStatsReports({}, report(0)), reset: true, cost: { getStatsMs: 1, hookMs: 0.1 } },
    ]);
    expect((await health.tabHealth(7)).live).toHaveLength(1);
    // The site paused from the popup: no frozen figures for the PCs that keep running unrecorded.
    settings = { ...DEFAULT_SETTINGS, pausedSites: ['call.example'] };
    const paused = await health.tabHealth(7);
    expect([paused.live, paused.currentOverall, paused.capture.sitePaused]).toEqual([[], null, true]);
    settings = DEFAULT_SETTINGS;
    // Hung up: no live PC, and the call's verdict over the call (assessed in the background, then cached).
    await send([{ type: 'pc-call', pc: 1, t: T0 + 1000, call: 1, method: 'close', args: [] }]);
    const hungUp = await health.tabHealth(7);
    expect(hungUp.live).toEqual([]);
    expect(hungUp.currentOverall?.session.id).toBe(ctx.sessionId);
    await vi.waitFor(async () => expect((await health.tabHealth(7)).currentOverall?.assessed).toBe(true));
    // The tab goes to a page without WebRTC: the call is an earlier session, and the site is the new page's.
    await health.apply(7, (await env.recorder.frameUnloaded(ctx))!);
    tabUrl.url = 'https://quiet.example/';
    const left = await health.tabHealth(7);
    expect(left.current).toBeNull();
    expect(left.currentOverall).toBeNull();
    expect(left.recent.map((r) => r.session.id)).toEqual([ctx.sessionId]);
    expect(left.capture.site).toBe('quiet.example');
  });

  it('keeps only a window of samples per live PC, cut back in batches, and glances at it as a full assessment would', async () => {
    const env = await setup();
    const health = env.start();
    const ctx = await env.recorder.attachFrame(9, hello('load-1'));
    let prev: StatsReportJson = {};
    const polls = (from: number, to: number, lost = 0): PageRecord[] => {
      const out: PageRecord[] = [];
      for (let i = from; i < to; i++) {
        const r = report(i, lost);
        out.push({ type: 'pc-stats', pc: 1, index: i, t: T0 + i * 1000, delta: diffStatsReports(prev, r), ...(i === 0 ? { reset: true as const } : {}), cost: { getStatsMs: 1, hookMs: 0.1 } });
        prev = r;
      }
      return out;
    };
    let seq = 0;
    const send = async (records: PageRecord[]) => {
      const result = await env.recorder.storeBatch(ctx, ++seq, records);
      await health.apply(9, result.update!);
    };
    await send([{ type: 'pc-created', pc: 1, t: T0, config: {} }, ...polls(0, WINDOW_ROWS + 30)]);
    const internal = (health as unknown as { tabs: Map<number, { pcs: Map<string, { pc: PcSummary; columns: StatsColumns; events: TraceEvent[] }> }> }).tabs;
    const tracked = () => internal.get(9)!.pcs.get('0-1')!;
    // The first update of a session seeds from the store (last chunk + pending); later ones append and trim.
    expect(tracked().columns.t.length).toBeLessThanOrEqual(WINDOW_ROWS);
    expect(tracked().columns.t.at(-1)).toBe(T0 + (WINDOW_ROWS + 29) * 1000);
    // One poll at a time, losing packets from some point on: the window grows to WINDOW_MAX_ROWS, then is cut back.
    let longest = 0;
    for (let i = WINDOW_ROWS + 30; i < WINDOW_MAX_ROWS + WINDOW_ROWS + 60; i++) {
      await send(polls(i, i + 1, i > WINDOW_MAX_ROWS ? 10 : 0));
      longest = Math.max(longest, tracked().columns.t.length);
      expect(tracked().columns.t.at(-1)).toBe(T0 + i * 1000);
      if (i % 37 === 0 || i === WINDOW_MAX_ROWS + WINDOW_ROWS + 59) {
        // The popup's glance (from the resuming assessor) equals a full assessment of the same window.
        env.now.t = T0 + i * 1000 + 500;
        const [glance] = (await health.tabHealth(9)).live;
        const { pc, columns, events } = tracked();
        const full = assessPc({ pcId: '0-1', pc, columns, events, thresholds: DEFAULT_SETTINGS.health, now: env.now.t });
        expect(glance).toEqual({ ...pcGlance(full, columns, events, pc), createdAt: pc.createdAt, frameUrl: pc.frameUrl });
      }
    }
    expect(longest).toBe(WINDOW_MAX_ROWS);
    expect(tracked().columns.t.length).toBeLessThan(WINDOW_MAX_ROWS);
    const [glance] = (await health.tabHealth(9)).live;
    expect(glance.topIssue?.rule).toBe('high-packet-loss');
  });

  it('at 100 ms polls the window still holds a minute of samples (the 30 s rule windows fit)', async () => {
    const env = await setup();
    const health = env.start();
    const ctx = await env.recorder.attachFrame(9, hello('load-1'));
    let prev: StatsReportJson = {};
    let seq = 0;
    const send = async (from: number, to: number) => {
      const out: PageRecord[] = from === 0 ? [{ type: 'pc-created', pc: 1, t: T0, config: {} }] : [];
      for (let i = from; i < to; i++) {
        const r = report(i, 0);
        out.push({ type: 'pc-stats', pc: 1, index: i, t: T0 + i * 100, delta: diffStatsReports(prev, r), ...(i === 0 ? { reset: true as const } : {}), cost: { getStatsMs: 1, hookMs: 0.1 } });
        prev = r;
      }
      env.recorderNow.t = T0 + 100_000 + to * 100; // the background's clock moves with the polls (its per-second rate caps)
      await health.apply(9, (await env.recorder.storeBatch(ctx, ++seq, out)).update!);
    };
    const internal = (health as unknown as { tabs: Map<number, { pcs: Map<string, { columns: StatsColumns }> }> }).tabs;
    const t = () => internal.get(9)!.pcs.get('0-1')!.columns.t;
    await send(0, 10);
    let shortest = Infinity;
    for (let i = 10; i < 1500; i += 10) {
      await send(i, i + 10);
      const span = t().at(-1)! - t()[0];
      if (i >= 700) shortest = Math.min(shortest, span);
      expect(t().length).toBeLessThanOrEqual(2 * (WINDOW_MIN_MS / 100 + 1));
    }
    // Never less than a minute once a minute was seen (120 rows would be 12 s).
    expect(shortest).toBeGreaterThanOrEqual(WINDOW_MIN_MS);
    expect(t().at(-1)).toBe(T0 + 1499 * 100);
  });
});
