/**
 * The capture pipeline after the page, in Node: real relays, real router and recorder, real SessionStore over
 * fake-indexeddb, connected by in-memory ports. Covers grouping into sessions, exactly-once storage across a
 * worker restart, and session ends.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, RELAY_TO_PAGE_EVENT, SOURCE_TAG } from '../../../lib/protocol/constants';
import type { BackgroundToRelay, BackgroundToView, PageRecord, RelayToBackground, ViewToBackground } from '../../../lib/protocol/messages';
import { createPortPair } from '../../../lib/protocol/port';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/model/settings';
import { diffStatsReports } from '../../../lib/model/stats-delta';
import type { StatsReportJson } from '../../../lib/model/session';
import { startRelay } from '../../../lib/relay/relay';
import { Recorder, SAMPLES_PER_CHUNK } from '../../../lib/background/recorder';
import { createRouter, type RelayPortIn, type ViewPortIn } from '../../../lib/background/router';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';

let dbCounter = 0;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** One background "worker instance" over a database; `stop()` drops every port like a killed worker. */
async function startWorker(dbName: string, topDocs: Map<number, string>, settings: Settings = DEFAULT_SETTINGS) {
  const db = await openScopeDb(dbName);
  const store = new SessionStore(db);
  const recorder = new Recorder({
    store,
    askTopDocument: async (tabId) => (topDocs.has(tabId) ? { frameLoadId: topDocs.get(tabId)!, url: 'https://top.example/', title: 'Top' } : null),
    now: () => Date.now(),
  });
  const router = createRouter({ recorder, store, settings: { get: async () => settings, set: async () => settings }, now: () => Date.now() });
  const bgPorts: RelayPortIn[] = [];
  return {
    store,
    router,
    connect(tabId: number) {
      const [relaySide, bgSide] = createPortPair<RelayToBackground, BackgroundToRelay>('relay', { tab: { id: tabId, url: 'https://top.example/' }, frameId: 0 });
      bgPorts.push(bgSide as unknown as RelayPortIn);
      router.acceptRelayPort(bgSide as unknown as RelayPortIn);
      return relaySide;
    },
    stop() {
      bgPorts.forEach((p) => p.disconnect());
      db.close();
    },
  };
}

type Worker = Awaited<ReturnType<typeof startWorker>>;

/** A frame: a window with a relay whose port goes to whichever worker is current. */
function startFrame(opts: { tabId: number; frameLoadId: string; isTop: boolean; url: string; worker: () => Worker; settings?: Partial<Settings> }) {
  const win = Object.assign(new EventTarget(), {
    location: { href: opts.url },
    document: { title: opts.isTop ? 'Top' : 'Frame' },
    performance: { timeOrigin: 0 },
    navigator: { userAgent: 'test' },
  }) as unknown as Window & { top: unknown };
  win.top = (opts.isTop ? win : {}) as never;
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  startRelay({
    win,
    frameLoadId: opts.frameLoadId,
    connect: () => opts.worker().connect(opts.tabId),
    loadSettings: async () => ({ ...DEFAULT_SETTINGS, ...opts.settings }),
    watchSettings: () => () => undefined,
    signal: controller.signal,
    limits: { flushIntervalMs: 5 },
  });
  const post = (record: PageRecord) =>
    win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record }) }));
  return { win, post };
}

/** Stats reports whose counters grow per poll, with one object appearing later and fractional timestamps. */
function reportAt(i: number): StatsReportJson {
  const ts = 1_763_776_000_000.123 + i * 1000.001;
  const report: StatsReportJson = {
    OT01V1: { type: 'outbound-rtp', timestamp: ts, kind: 'video', ssrc: 1, bytesSent: 1000 * i * i, packetsSent: 90 * i, framesPerSecond: 30, qualityLimitationDurations: { none: i * 0.9, cpu: 0.1 * i } },
    CP1: { type: 'candidate-pair', timestamp: ts, state: i < 3 ? 'in-progress' : 'succeeded', currentRoundTripTime: 0.001 * (i % 7), priority: 9115038255631187000 },
  };
  if (i >= 10) report.RI1 = { type: 'remote-inbound-rtp', timestamp: ts - 17.5, roundTripTime: 0.002, jitter: 0.0001 * i };
  return report;
}

function statsRecorder(pc: number) {
  let prev: StatsReportJson | null = null;
  let index = 0;
  return (i: number): PageRecord => {
    const next = reportAt(i);
    const delta = diffStatsReports(prev, next);
    prev = next;
    return { type: 'pc-stats', pc, index: index++, t: 1_763_776_000_000 + i * 1000, delta, ...(index === 1 ? { reset: true as const } : {}), cost: { getStatsMs: 1, hookMs: 0.05 } };
  };
}

describe('capture flow', () => {
  it('a view that went away before its answer was read gets none, and the router does not throw (an unhandled rejection in the worker)', async () => {
    const worker = await startWorker(`flow-${++dbCounter}`, new Map());
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const [viewSide, bgSide] = createPortPair<ViewToBackground, BackgroundToView>('webrtc-scope/view', {});
      const answers: unknown[] = [];
      viewSide.onMessage.addListener((m) => answers.push(m));
      worker.router.acceptViewPort(bgSide as unknown as ViewPortIn);
      viewSide.postMessage({ type: 'get-notices', reqId: 1 });
      // Delivered (a microtask), then gone while the store is read (fake-indexeddb answers in a later task).
      await Promise.resolve();
      await Promise.resolve();
      viewSide.disconnect();
      await new Promise((r) => setTimeout(r, 100));
      expect(answers).toEqual([]);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      worker.stop();
    }
  });

  it('stores nothing from the subframes of a tab whose top-level site is excluded, whatever their own host', async () => {
    const settings: Settings = { ...DEFAULT_SETTINGS, excludedSites: ['top.example'] };
    const worker = await startWorker(`flow-${++dbCounter}`, new Map([[7, 'top-x']]), settings);
    cleanups.push(() => worker.stop());
    // A cross-site widget: its relay cannot see the top-level site (as in Firefox, no ancestorOrigins).
    const frame = startFrame({ tabId: 7, frameLoadId: 'widget', isTop: false, url: 'https://widget.other/call', worker: () => worker, settings });
    const toPage: { enabled: boolean }[] = [];
    frame.win.addEventListener(RELAY_TO_PAGE_EVENT, (e) => toPage.push(JSON.parse((e as CustomEvent).detail)));
    frame.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    // The relay starts enabled (its own host is not excluded); the background's answer to its hello turns it off.
    await vi.waitFor(() => expect(toPage.map((m) => m.enabled)).toEqual([true, false]));
    frame.post({ type: 'pc-call', pc: 1, t: 2, call: 1, method: 'createOffer', args: [] });
    await new Promise((r) => setTimeout(r, 50));
    expect(await worker.store.listSessions()).toEqual([]);
  });

  it('stores every record of a call exactly once across a worker restart, stats columnar and exact', async () => {
    const dbName = `flow-${++dbCounter}`;
    const topDocs = new Map<number, string>();
    let worker = await startWorker(dbName, topDocs);
    const frame = startFrame({ tabId: 4, frameLoadId: 'top-a', isTop: true, url: 'https://top.example/', worker: () => worker });
    const stats = statsRecorder(1);
    frame.post({ type: 'pc-created', pc: 1, t: 1, config: { iceServers: [] } });
    frame.post({ type: 'pc-call', pc: 1, t: 2, call: 1, method: 'createOffer', args: [] });
    for (let i = 0; i < 70; i++) frame.post(stats(i));

    const sessionId = '4:top-a';
    await vi.waitFor(async () => expect((await worker.store.getSession(sessionId))?.sampleCount).toBe(70), { timeout: 5000 });
    // Samples are packed into a chunk once 60 are pending; pending ones are stored and counted as their deltas
    // meanwhile; the rest is the session's and the PC's summaries and the events.
    const chunk = (await worker.store.readPcStats(sessionId, '0-1')).chunks.at(-1)!;
    const { pendingBytes } = await worker.store.readPcTail(sessionId, '0-1');
    const midCall = (await worker.store.getSession(sessionId))!.bytes;
    expect(midCall).toBeGreaterThan(chunk.data.byteLength + pendingBytes + 500);
    expect(midCall).toBeLessThan(chunk.data.byteLength + pendingBytes + 3000);

    // The worker is killed mid-call; records keep coming while it is away.
    worker.stop();
    for (let i = 70; i < 100; i++) frame.post(stats(i));
    await new Promise((r) => setTimeout(r, 30));
    worker = await startWorker(dbName, topDocs);
    for (let i = 100; i < 130; i++) frame.post(stats(i));
    frame.post({ type: 'pc-call', pc: 1, t: 3, call: 2, method: 'close', args: [] });

    await vi.waitFor(async () => expect((await worker.store.getSession(sessionId))?.sampleCount).toBe(130), { timeout: 8000 });
    const samples = await worker.store.readStats(sessionId, '0-1');
    expect(samples.map((s) => s.index)).toEqual(Array.from({ length: 130 }, (_, i) => i));
    for (const sample of samples) expect(sample.report).toEqual(reportAt(sample.index));

    const data = (await worker.store.readSessionData(sessionId))!;
    expect(data.pcs).toHaveLength(1);
    expect(data.pcs[0]).toMatchObject({ pcId: '0-1', closedBy: 'close', sampleCount: 130 });
    expect(data.events.map((e) => e.record.type)).toEqual(['pc-created', 'pc-call', 'pc-call']);
    const columns = data.stats['0-1'];
    expect(columns.t).toHaveLength(130);
    expect(columns.objects.OT01V1.fields.bytesSent[129]).toBe(1000 * 129 * 129);
    expect(columns.objects.RI1.fields.jitter.slice(0, 11)).toEqual([...Array(10).fill(null), 0.0001 * 10]);
    // Closed PC: everything is packed into chunks; no pending rows remain.
    expect((await worker.store.readPcTail(sessionId, '0-1')).pending).toEqual([]);
    expect(SAMPLES_PER_CHUNK).toBe(60);
    worker.stop();
  });

  it('groups a subframe with its top document, and ends the session when the top unloads', async () => {
    const dbName = `flow-${++dbCounter}`;
    const topDocs = new Map([[9, 'top-b']]);
    const worker = await startWorker(dbName, topDocs);
    const top = startFrame({ tabId: 9, frameLoadId: 'top-b', isTop: true, url: 'https://top.example/', worker: () => worker });
    const sub = startFrame({ tabId: 9, frameLoadId: 'sub-1', isTop: false, url: 'https://frame.example/x', worker: () => worker });
    top.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect((await worker.store.getSession('9:top-b'))?.pcCount).toBe(1));
    sub.post({ type: 'pc-created', pc: 1, t: 2, config: {} });
    await vi.waitFor(async () => expect((await worker.store.getSession('9:top-b'))?.pcCount).toBe(2));
    const pcs = await worker.store.getPcs('9:top-b');
    expect(pcs.map((p) => [p.pcId, p.frameUrl]).sort()).toEqual([['0-1', 'https://top.example/'], ['1-1', 'https://frame.example/x']]);

    top.win.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
    await vi.waitFor(async () => expect((await worker.store.getSession('9:top-b'))?.endedAt).not.toBeNull());
    expect((await worker.store.getPcs('9:top-b')).every((p) => p.closedAt !== null)).toBe(true);
    worker.stop();
  });

  it('a page whose only WebRTC is in an iframe: its reload ends the session (the top frame never says hello)', async () => {
    const topDocs = new Map([[5, 'top-1']]);
    const worker = await startWorker(`flow-${++dbCounter}`, topDocs);
    const widget = startFrame({ tabId: 5, frameLoadId: 'sub-1', isTop: false, url: 'https://widget.example/', worker: () => worker });
    widget.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect((await worker.store.getSession('5:top-1'))?.pcCount).toBe(1));
    // Reloaded: a new top document (silent again) and a new widget document; the old widget's unload never came.
    topDocs.set(5, 'top-2');
    const again = startFrame({ tabId: 5, frameLoadId: 'sub-2', isTop: false, url: 'https://widget.example/', worker: () => worker });
    again.post({ type: 'pc-created', pc: 1, t: 2, config: {} });
    await vi.waitFor(async () => expect((await worker.store.getSession('5:top-2'))?.pcCount).toBe(1));
    await vi.waitFor(async () => expect((await worker.store.getSession('5:top-1'))?.endedAt).not.toBeNull());
    expect((await worker.store.getSession('5:top-2'))?.endedAt).toBeNull();
    // A second frame of the same page ends nothing.
    const other = startFrame({ tabId: 5, frameLoadId: 'sub-3', isTop: false, url: 'https://widget.example/2', worker: () => worker });
    other.post({ type: 'pc-created', pc: 1, t: 3, config: {} });
    await vi.waitFor(async () => expect((await worker.store.getSession('5:top-2'))?.pcCount).toBe(2));
    expect((await worker.store.getSession('5:top-2'))?.endedAt).toBeNull();
    worker.stop();
  });

  it('does not store a frame that never used WebRTC, and a reload starts a new session', async () => {
    const dbName = `flow-${++dbCounter}`;
    const worker = await startWorker(dbName, new Map());
    const first = startFrame({ tabId: 3, frameLoadId: 'load-1', isTop: true, url: 'https://top.example/', worker: () => worker });
    first.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect(await worker.store.getSession('3:load-1')).toBeDefined());
    // The page reloads (no pagehide reached us): the new document's first record ends the old session.
    const second = startFrame({ tabId: 3, frameLoadId: 'load-2', isTop: true, url: 'https://top.example/', worker: () => worker });
    second.post({ type: 'media-call', call: 1, t: 5, method: 'enumerateDevices', args: [] });
    await vi.waitFor(async () => expect((await worker.store.getSession('3:load-1'))?.endedAt).not.toBeNull());
    // Listing devices alone (what fingerprinting scripts do on many sites) stores no session.
    second.post({ type: 'media-settled', call: 1, t: 6, method: 'enumerateDevices', ok: true, value: [] });
    await new Promise((r) => setTimeout(r, 400));
    expect(await worker.store.getSession('3:load-2')).toBeUndefined();
    // A getUserMedia call stores it, with the device listing before it.
    second.post({ type: 'media-call', call: 2, t: 7, method: 'getUserMedia', args: [{ audio: true }] });
    await vi.waitFor(async () => expect((await worker.store.getSession('3:load-2'))?.endedAt).toBeNull());
    const events = await worker.store.getEvents('3:load-2');
    expect(events.map((e) => [e.seq, e.record.type, (e.record as { method?: string }).method])).toEqual([
      [0, 'media-call', 'enumerateDevices'],
      [1, 'media-settled', 'enumerateDevices'],
      [2, 'media-call', 'getUserMedia'],
    ]);
    expect((await worker.store.listSessions({ tabId: 3 })).map((s) => s.id).sort()).toEqual(['3:load-1', '3:load-2']);
    worker.stop();
  });

  it('a page that only lists devices and goes away leaves no session', async () => {
    const dbName = `flow-${++dbCounter}`;
    const worker = await startWorker(dbName, new Map());
    const page = startFrame({ tabId: 4, frameLoadId: 'load-1', isTop: true, url: 'https://fp.example/', worker: () => worker });
    page.post({ type: 'media-call', call: 1, t: 1, method: 'enumerateDevices', args: [] });
    page.post({ type: 'media-settled', call: 1, t: 2, method: 'enumerateDevices', ok: true, value: [] });
    await new Promise((r) => setTimeout(r, 400));
    page.win.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
    await new Promise((r) => setTimeout(r, 400));
    expect(await worker.store.listSessions({ tabId: 4 })).toEqual([]);
    worker.stop();
  });
});
