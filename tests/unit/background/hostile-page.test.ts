/**
 * What a hostile page can make the recorder do, over the real Recorder and SessionStore (fake-indexeddb) with the
 * background's clock under the test's control: session times, retention fairness, write amplification, stats
 * indexes, the top-frame question, and the per-session caps.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MAX_FRAMES_PER_SESSION, MAX_PC_CONFIG_CHARS, Recorder, SESSION_RATE_LIMITS, type TopDocument } from '../../../lib/background/recorder';
import type { StatsReportJson } from '../../../lib/model/session';
import type { PageRecord, RelayHello } from '../../../lib/protocol/messages';
import { openScopeDb } from '../../../lib/storage/open-db';
import type { ScopeDb } from '../../../lib/storage/schema';
import { BYTES_PER_MB, maxSessionBytes, SessionStore, type BatchWrite } from '../../../lib/storage/session-store';

const T0 = 1_763_776_000_000;
const DAY = 24 * 60 * 60 * 1000;
let dbCounter = 0;

async function setup(options: { askTopDocument?: (tabId: number) => Promise<TopDocument | null>; sessionByteLimit?: number; dbName?: string } = {}) {
  const dbName = options.dbName ?? `hostile-${process.pid}-${++dbCounter}`;
  const db = await openScopeDb(dbName);
  const store = new SessionStore(db);
  const clock = { t: T0 };
  const recorder = new Recorder({
    store,
    askTopDocument: options.askTopDocument ?? (async () => null),
    now: () => clock.t,
    ...(options.sessionByteLimit !== undefined ? { sessionByteLimit: () => options.sessionByteLimit! } : {}),
  });
  /** Every write the store is asked to commit. */
  const writes: BatchWrite[] = [];
  const commit = store.commit.bind(store);
  store.commit = (write) => {
    writes.push(structuredClone(write));
    return commit(write);
  };
  return { db, dbName, store, recorder, clock, writes };
}

const hello = (frameLoadId: string, isTop = true, over: Partial<RelayHello> = {}): RelayHello => ({
  type: 'hello',
  v: 1,
  frameLoadId,
  isTop,
  url: 'https://call.example/room',
  title: 'Room',
  timeOrigin: T0,
  userAgent: 'test',
  ...over,
});

const cost = { getStatsMs: 1, hookMs: 0.1 };
const snapshot = (pc: number, index: number, report: StatsReportJson): PageRecord => ({ type: 'pc-stats', pc, index, t: T0 + index, reset: true, delta: { added: report }, cost });
const emptyDelta = (pc: number, index: number): PageRecord => ({ type: 'pc-stats', pc, index, t: T0 + index, delta: {}, cost });

/** Text that deflate cannot shrink much (a page's way to make stored events large). */
function noise(chars: number, seed: number): string {
  let x = seed;
  let out = '';
  while (out.length < chars) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += x.toString(36);
  }
  return out.slice(0, chars);
}

/** A report of `objects` inbound streams with some padding each (about `objects` × 1 KB as JSON). */
function bigReport(objects: number): StatsReportJson {
  const report: StatsReportJson = {};
  for (let i = 0; i < objects; i++) report[`IT${i}`] = { type: 'inbound-rtp', timestamp: T0, kind: 'video', ssrc: i, packetsReceived: i * 7, note: noise(900, i + 1) };
  return report;
}

async function storedChars(db: ScopeDb, store: 'pendingSamples' | 'pcs' | 'sessions'): Promise<number> {
  return (await db.getAll(store)).reduce((n, row) => n + JSON.stringify(row).length, 0);
}

describe('session times', () => {
  it('come from the background clock: a page stamping its records far in the future is still aged out by retention', async () => {
    const { store, recorder, clock } = await setup();
    const ctx = await recorder.attachFrame(7, hello('top'));
    const future = 8.64e15; // the latest time the guards let through
    clock.t = T0 + 5000;
    await recorder.storeBatch(ctx, 1, [
      { type: 'pc-created', pc: 1, t: future, config: {} },
      { type: 'pc-event', pc: 1, t: future, event: 'negotiationneeded', value: null },
    ]);
    expect((await store.getSession('7:top'))!.lastActivityAt).toBe(T0 + 5000);
    clock.t = T0 + 9000;
    await recorder.frameUnloaded(ctx);
    const ended = (await store.getSession('7:top'))!;
    expect([ended.lastActivityAt, ended.endedAt]).toEqual([T0 + 5000, T0 + 9000]);
    expect((await store.prune({ maxAgeDays: 30, maxTotalMB: 0 }, T0 + 31 * DAY)).map((s) => s.id)).toEqual(['7:top']);
  });
});

describe('retention fairness', () => {
  it('a live session stops storing at its share of the limit, with a notice, so retention keeps the other sessions', async () => {
    const policy = { maxAgeDays: 30, maxTotalMB: 4 };
    const { store, recorder, clock } = await setup({ sessionByteLimit: maxSessionBytes(policy) });
    expect(maxSessionBytes(policy)).toBe(1 * BYTES_PER_MB);
    // The user's earlier call, ended.
    const earlier = await recorder.attachFrame(1, hello('earlier'));
    await recorder.storeBatch(earlier, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    await recorder.frameUnloaded(earlier);

    // A page in another tab posts 8 MB of hardly compressible events (over 5 MB stored), one 100 KB event per second.
    const hostile = await recorder.attachFrame(2, hello('hostile'));
    await recorder.storeBatch(hostile, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    for (let i = 0; i < 80; i++) {
      clock.t += 1000;
      await recorder.storeBatch(hostile, i + 2, [{ type: 'pc-event', pc: 1, t: T0, event: 'icecandidate', value: noise(100_000, i + 7) }]);
    }
    clock.t += 1000;
    await recorder.storeBatch(hostile, 100, [{ type: 'pc-event', pc: 1, t: T0, event: 'connectionstatechange', value: 'failed' }]);

    const live = (await store.getSession('2:hostile'))!;
    expect(live.endedAt).toBeNull();
    expect(live.bytes).toBeGreaterThan(1 * BYTES_PER_MB);
    expect(live.bytes).toBeLessThan(1.2 * BYTES_PER_MB);
    expect(live.refused['session-full']).toBeGreaterThan(60);
    // Its PCs' states are still followed.
    expect((await store.getPcs('2:hostile'))[0].connectionState).toBe('failed');
    const notices = await store.getNotices();
    expect(notices.map((n) => [n.kind, n.sessionIds])).toEqual([['capped', ['2:hostile']]]);
    expect(notices[0].message).toMatch(/Stopped recording "Room" at 1 MB/);

    expect(await store.prune(policy, clock.t)).toEqual([]);
    expect((await store.listSessions()).map((s) => s.id).sort()).toEqual(['1:earlier', '2:hostile']);
  });
});

describe('write amplification', () => {
  it('an empty delta against a large report stores a few bytes, and every report still reads back exactly, across a restart', async () => {
    const env = await setup();
    const report = bigReport(500);
    const reportChars = JSON.stringify(report).length;
    expect(reportChars).toBeGreaterThan(450_000);
    const ctx = await env.recorder.attachFrame(7, hello('top'));
    await env.recorder.storeBatch(ctx, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }, snapshot(1, 0, report)]);
    for (let i = 1; i <= 40; i++) {
      env.clock.t += 1000;
      await env.recorder.storeBatch(ctx, i + 1, [emptyDelta(1, i)]);
    }
    expect(await storedChars(env.db, 'pendingSamples')).toBeLessThan(reportChars * 1.1);
    expect((await env.store.getSession('7:top'))!.bytes).toBeLessThan(reportChars * 1.1);

    // A restarted worker continues the chain from the stored deltas.
    const restarted = await setup({ dbName: env.dbName });
    const again = await restarted.recorder.attachFrame(7, hello('top'));
    for (let i = 41; i <= 70; i++) await restarted.recorder.storeBatch(again, i + 1, [emptyDelta(1, i)]);
    const samples = await restarted.store.readStats('7:top', '0-1');
    expect(samples.map((s) => s.index)).toEqual(Array.from({ length: 71 }, (_, i) => i));
    for (const sample of samples) expect(sample.report).toEqual(report);
    // Packed into a chunk at 60 samples: the pending rows left are the 11 after it.
    expect((await restarted.db.getAll('pendingSamples')).map((r) => r.index)).toEqual(Array.from({ length: 11 }, (_, i) => 60 + i));
  });

  it('a large configuration is stored once, capped with a marker, and not rewritten with the PC summary', async () => {
    const { db, store, recorder, writes } = await setup();
    const config = { iceServers: [{ urls: 'turn:turn.example', username: 'u'.repeat(1_000_000) }] };
    const ctx = await recorder.attachFrame(7, hello('top'));
    await recorder.storeBatch(ctx, 1, [{ type: 'pc-created', pc: 1, t: T0, config }]);
    for (let i = 0; i < 20; i++) {
      await recorder.storeBatch(ctx, i + 2, [{ type: 'pc-event', pc: 1, t: T0 + i, event: 'signalingstatechange', value: i % 2 ? 'stable' : 'have-local-offer' }]);
    }
    const marker = { truncated: { chars: JSON.stringify(config).length, maxChars: MAX_PC_CONFIG_CHARS } };
    expect((await store.getPcs('7:top'))[0].config).toEqual(marker);
    // The pc-created record in the trace keeps it whole.
    expect((await store.getEvents('7:top'))[0].record).toMatchObject({ type: 'pc-created', config });
    const pcChars = writes.reduce((n, w) => n + JSON.stringify(w.pcs).length, 0);
    expect(pcChars).toBeLessThan(21 * 1000);
    expect(await storedChars(db, 'pcs')).toBeLessThan(1000);
  });

  it('counts the session and PC summaries in the session’s bytes', async () => {
    const { store, recorder } = await setup();
    const ctx = await recorder.attachFrame(7, hello('top', true, { title: 't'.repeat(1000) }));
    await recorder.storeBatch(ctx, 1, [{ type: 'pc-created', pc: 1, t: T0, config: { iceServers: [{ urls: 'x'.repeat(5000) }] } }]);
    const session = (await store.getSession('7:top'))!;
    expect(session.bytes).toBeGreaterThan(JSON.stringify(session).length + 5000);
  });
});

describe('stats indexes', () => {
  it('refuses old and repeated indexes, and a chunk over a forward jump leaves no pending row behind', async () => {
    const { db, store, recorder } = await setup();
    const report = { A: { type: 'codec', timestamp: T0, payloadType: 111 } };
    const ctx = await recorder.attachFrame(7, hello('top'));
    await recorder.storeBatch(ctx, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    const records: PageRecord[] = [snapshot(1, 0, report)];
    for (let i = 1; i < 30; i++) records.push(emptyDelta(1, i));
    // A resync moves on to the page's current poll; an old or repeated index after it is refused.
    records.push(snapshot(1, 1000, report), snapshot(1, 5, report), snapshot(1, 1000, report));
    for (let i = 1001; i < 1030; i++) records.push(emptyDelta(1, i));
    await recorder.storeBatch(ctx, 2, records);

    const session = (await store.getSession('7:top'))!;
    expect(session.refused['stats-index']).toBe(2);
    expect(session.sampleCount).toBe(60);
    expect(await db.count('pendingSamples')).toBe(0);
    expect((await store.readStats('7:top', '0-1')).map((s) => s.index)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => i),
      ...Array.from({ length: 30 }, (_, i) => 1000 + i),
    ]);
  });
});

describe('the top frame question', () => {
  it('is asked outside the storage chain, once per tab at a time, and not again for a subframe it answered', async () => {
    const asked: number[] = [];
    const { store, recorder } = await setup({
      askTopDocument: (tabId) => {
        asked.push(tabId);
        // Tab 2's top frame never answers: the background's timeout gives up after a second.
        return new Promise((resolve) => setTimeout(resolve, tabId === 2 ? 1000 : 0, tabId === 2 ? null : { frameLoadId: 'top-1', url: 'https://a.example/', title: 'A' }));
      },
    });
    const legit = await recorder.attachFrame(1, hello('top-1'));
    const hellos = Array.from({ length: 5 }, (_, i) => recorder.attachFrame(2, hello(`hostile-sub-${i}`, false)));
    const started = Date.now();
    await recorder.storeBatch(legit, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(await store.getSession('1:top-1')).toBeDefined();
    await Promise.all(hellos);
    expect(asked).toEqual([2]);

    const sub = await recorder.attachFrame(1, hello('sub-a', false));
    expect(sub.sessionId).toBe('1:top-1');
    // A reconnect of the same subframe (its port dropped) is placed without asking.
    await recorder.attachFrame(1, hello('sub-a', false));
    expect(asked).toEqual([2, 1]);
  });
});

describe('per-session caps', () => {
  it('caps a session’s records per second over all its frames, counts the drops and asks for full snapshots', async () => {
    const { store, recorder, clock } = await setup({ askTopDocument: async () => ({ frameLoadId: 'top', url: 'https://call.example/', title: 'Call' }) });
    const frames = [await recorder.attachFrame(7, hello('top'))];
    for (let i = 0; i < 2; i++) frames.push(await recorder.attachFrame(7, hello(`sub-${i}`, false)));
    // Each frame sends as much as its relay lets through in a second.
    const perFrame = 490;
    const burst = (pcFrom: number): PageRecord[] => Array.from({ length: perFrame }, (_, i) => ({ type: 'pc-created', pc: pcFrom + i, t: T0, config: {} }));
    const results = [];
    for (const frame of frames.slice(0, 2)) results.push(await recorder.storeBatch(frame, 1, burst(1)));
    // Over the cap in the same second: dropped whole; the stats record among them breaks its PC's delta chain,
    // so the page is asked for full snapshots.
    const stats = snapshot(1, 0, { A: { type: 'codec', timestamp: T0 } });
    results.push(await recorder.storeBatch(frames[2], 1, [...burst(1), stats]));
    results.push(await recorder.storeBatch(frames[0], 2, burst(500)));
    expect(results.map((r) => r.needResync)).toEqual([false, false, true, false]);
    let session = (await store.getSession('7:top'))!;
    expect(2 * perFrame).toBeLessThanOrEqual(SESSION_RATE_LIMITS.maxRecordsPerSecond);
    expect(session.pcCount).toBe(2 * perFrame);
    // The first drop of a second is stored at once; later ones of the same second with the next write.
    expect(session.refused['session-rate-limit']).toBe(perFrame + 1);

    // The next second takes records again.
    clock.t += 1000;
    await recorder.storeBatch(frames[2], 2, burst(1000));
    session = (await store.getSession('7:top'))!;
    expect(session.pcCount).toBe(3 * perFrame);
    expect(session.refused['session-rate-limit']).toBe(2 * perFrame + 1);
  });

  it('takes on at most MAX_FRAMES_PER_SESSION frames; the batches of the others are counted, not stored', async () => {
    const { store, recorder } = await setup({ askTopDocument: async () => ({ frameLoadId: 'top', url: 'https://call.example/', title: 'Call' }) });
    const top = await recorder.attachFrame(7, hello('top'));
    await recorder.storeBatch(top, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    const subs = [];
    for (let i = 0; i < MAX_FRAMES_PER_SESSION; i++) subs.push(await recorder.attachFrame(7, hello(`sub-${i}`, false, { url: `https://ads${i}.example/` })));
    const result = await recorder.storeBatch(subs.at(-1)!, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    expect(result).toMatchObject({ stored: true, update: null });
    await recorder.storeBatch(subs[0], 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    const session = (await store.getSession('7:top'))!;
    expect(session.frames).toHaveLength(MAX_FRAMES_PER_SESSION);
    expect(session.pcCount).toBe(2);
    expect(session.refused['too-many-frames']).toBe(2);
  });
});

describe('a failed write', () => {
  it('loses nothing: the resent batch is stored once, with the counts and PC rows it brings', async () => {
    const { store, recorder, db } = await setup();
    const commit = store.commit.bind(store);
    let failNext = false;
    store.commit = (write) => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('QuotaExceededError'));
      }
      return commit(write);
    };
    const ctx = await recorder.attachFrame(1, hello('load-1'));
    await recorder.storeBatch(ctx, 1, [{ type: 'media-call', call: 1, t: T0, method: 'getUserMedia', args: [{ audio: true }] }]);
    const batch: PageRecord[] = [
      { type: 'pc-created', pc: 1, t: T0 + 1, config: { bundlePolicy: 'max-bundle' } },
      { type: 'pc-event', pc: 1, t: T0 + 2, event: 'signalingstatechange', value: 'have-local-offer' },
    ];
    failNext = true;
    await expect(recorder.storeBatch(ctx, 2, batch)).rejects.toThrow('QuotaExceededError');
    // The router hangs up; the relay reconnects (hello) and resends what was not acknowledged.
    const again = await recorder.attachFrame(1, hello('load-1'));
    const result = await recorder.storeBatch(again, 2, batch);
    expect(result.stored).toBe(true);
    const events = await store.getEvents(again.sessionId);
    expect(events.map((e) => [e.seq, e.record.type])).toEqual([[0, 'media-call'], [1, 'pc-created'], [2, 'pc-event']]);
    expect(await store.getSession(again.sessionId)).toMatchObject({ pcCount: 1, eventCount: 3 });
    const [pc] = await store.getPcs(again.sessionId);
    expect(pc).toMatchObject({ pcId: '0-1', signalingState: 'have-local-offer' });
    expect((await db.getAll('pcConfigs')).length).toBe(1);
  });
});

describe('a worker restart', () => {
  it('a known subframe reconnects to its stored session even when the top frame does not answer', async () => {
    const { dbName, recorder } = await setup({ askTopDocument: async () => ({ frameLoadId: 'top-1', url: 'https://call.example/', title: 'Call' }) });
    const ctx = await recorder.attachFrame(2, hello('sub-1', false));
    expect(ctx.sessionId).toBe('2:top-1');
    await recorder.storeBatch(ctx, 1, [{ type: 'pc-created', pc: 1, t: T0, config: {} }]);
    // A new worker over the same database; the busy top frame gives no answer this time.
    const restarted = await setup({ dbName, askTopDocument: async () => null });
    const again = await restarted.recorder.attachFrame(2, hello('sub-1', false));
    expect(again.sessionId).toBe('2:top-1');
    await restarted.recorder.storeBatch(again, 2, [{ type: 'pc-event', pc: 1, t: T0 + 1, event: 'signalingstatechange', value: 'have-local-offer' }]);
    expect((await restarted.store.getPcs('2:top-1'))[0]).toMatchObject({ signalingState: 'have-local-offer' });
    expect((await restarted.store.listSessions({ tabId: 2 })).map((s) => s.id)).toEqual(['2:top-1']);
  });
});
