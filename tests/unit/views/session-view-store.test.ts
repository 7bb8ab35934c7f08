/**
 * The view store over a real background: relays feed a real router, recorder and SessionStore (fake-indexeddb)
 * through in-memory ports; the store talks to it through the real background client. Covers the first load,
 * live updates (incremental columns, throttled structural notifications), updates that overlap the first reply,
 * a reload in the tab, a worker restart under the view, deletion elsewhere, and an unreachable background.
 */
import { liveStep } from '../../../lib/views/live-step';
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, SOURCE_TAG } from '../../../lib/protocol/constants';
import type { BackgroundToRelay, BackgroundToView, PageRecord, RelayToBackground, SessionUpdate, ViewRequest, ViewToBackground } from '../../../lib/protocol/messages';
import { createPortPair, type PortLike } from '../../../lib/protocol/port';
import { DEFAULT_SETTINGS } from '../../../lib/model/settings';
import { startRelay } from '../../../lib/relay/relay';
import { Recorder } from '../../../lib/background/recorder';
import { createRouter, type RelayPortIn, type ViewPortIn } from '../../../lib/background/router';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import { connectToBackground, type BackgroundClient, type ViewPort } from '../../../lib/views/background-client';
import { SessionViewStore, type ViewState } from '../../../lib/views/session-view-store';
import { makePc, makeSummary } from '../../fixtures/session-builders';

const TAB = 7;
let n = 0;

async function startWorker(dbName: string) {
  const db = await openScopeDb(dbName);
  const store = new SessionStore(db);
  const recorder = new Recorder({ store, askTopDocument: async () => null, now: Date.now });
  const router = createRouter({ recorder, store, settings: { get: async () => DEFAULT_SETTINGS, set: async () => DEFAULT_SETTINGS }, now: Date.now });
  const ports: PortLike[] = [];
  return {
    store,
    relayConnect: (tabId = TAB) => {
      const [relay, bg] = createPortPair<RelayToBackground, BackgroundToRelay>('relay', { tab: { id: tabId } });
      ports.push(bg as PortLike);
      router.acceptRelayPort(bg as unknown as RelayPortIn);
      return relay;
    },
    viewConnect: (): ViewPort => {
      const [view, bg] = createPortPair<ViewToBackground, BackgroundToView>('view');
      ports.push(bg as PortLike);
      router.acceptViewPort(bg as unknown as ViewPortIn);
      return view;
    },
    stop: () => {
      ports.forEach((p) => p.disconnect());
      db.close();
    },
  };
}
type Worker = Awaited<ReturnType<typeof startWorker>>;

/** A top document in a tab, with a relay whose port goes to whichever worker is current. */
function fakePage(connect: () => ReturnType<Worker['relayConnect']>, title = 'Call') {
  const win = Object.assign(new EventTarget(), {
    location: { href: 'https://call.example/room' },
    document: { title },
    performance: { timeOrigin: 0 },
    navigator: { userAgent: 'ua' },
  }) as unknown as Window & { top: unknown };
  win.top = win;
  const controller = new AbortController();
  startRelay({ win, frameLoadId: `page-${++n}`, connect, loadSettings: async () => DEFAULT_SETTINGS, watchSettings: () => () => undefined, signal: controller.signal, limits: { flushIntervalMs: 5 } });
  let index = 0;
  const post = (record: PageRecord) =>
    win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record }) }));
  return {
    post,
    /** One stats poll of PC 1 whose counter grows. */
    sample(pc = 1) {
      const i = index++;
      const t = 1000 + i * 1000;
      post({
        type: 'pc-stats',
        pc,
        index: i,
        t,
        ...(i === 0 ? { reset: true as const, delta: { added: { T: { type: 'transport', timestamp: t, bytesSent: 0 } } } } : { delta: { changed: { T: { timestamp: t, bytesSent: i * 100 } } } }),
        cost: { getStatsMs: 1, hookMs: 0.1 },
      });
    },
    unload: () => win.dispatchEvent(new Event('pagehide')),
    stop: () => controller.abort(),
  };
}

const FAST = { throttleMs: 0, softMs: 0, listPollMs: 0, requestTimeoutMs: 2000 };

function track(store: SessionViewStore) {
  const notifications: ViewState[] = [];
  store.subscribe(() => notifications.push(store.getState()));
  const appends: [string, number][] = [];
  store.onAppend((pcId, fromRow) => appends.push([pcId, fromRow]));
  return { notifications, appends };
}

describe('session view store', () => {
  it('loads the tab’s newest session and applies live events and samples in place', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    page.sample();
    const client = connectToBackground(worker.viewConnect);
    await vi.waitFor(async () => expect((await client.request({ type: 'list-sessions' }))[0]?.sampleCount).toBe(1));

    const store = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, FAST);
    const { appends } = track(store);
    await store.start();
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));
    const first = store.getState().data!;
    expect(first.pcs.map((p) => p.pcId)).toEqual(['0-1']);
    expect(store.getState().following).toBe(true);
    // Stats come separately (get-pc-stats; the first PC's are asked for with the session and, answered first, are
    // there with it: no append announces them), then grow in place.
    const columns = await vi.waitFor(() => {
      const loaded = store.columns('0-1');
      expect(loaded).toBeDefined();
      return loaded!;
    });
    expect(columns.t).toEqual([1000]);

    page.sample();
    page.sample();
    await vi.waitFor(() => expect(store.columns('0-1')?.t.length).toBe(3));
    // Grown in place, announced from the first new row.
    expect(store.columns('0-1')).toBe(columns);
    expect(columns.objects.T.fields.bytesSent).toEqual([0, 100, 200]);
    expect(appends.filter(([, from]) => from > 0).map(([, from]) => from)[0]).toBe(1);
    // Samples alone are not structural: `data` is the same object.
    expect(store.getState().data).toBe(first);

    page.post({ type: 'pc-event', pc: 1, t: 5000, event: 'connectionstatechange', value: 'connected' });
    await vi.waitFor(() => expect(store.getState().data?.events.length).toBe(2));
    expect(store.getState().data).not.toBe(first);

    store.dispose();
    page.stop();
    client.close();
    worker.stop();
  });

  it('gets live samples of the PCs it holds only, and of another PC from before its stats are read (no gap)', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    page.post({ type: 'pc-created', pc: 2, t: 2, config: {} });
    const next = { 1: 0, 2: 0 };
    const sample = (pc: 1 | 2) => {
      const i = next[pc]++;
      const t = 1000 + i * 1000;
      page.post({
        type: 'pc-stats',
        pc,
        index: i,
        t,
        ...(i === 0 ? { reset: true as const, delta: { added: { T: { type: 'transport', timestamp: t, bytesSent: 0 } } } } : { delta: { changed: { T: { timestamp: t, bytesSent: i * 100 } } } }),
        cost: { getStatsMs: 1, hookMs: 0.1 },
      });
    };
    sample(1);
    sample(2);
    // What crosses the view's port.
    const received: SessionUpdate[] = [];
    const real = connectToBackground(() => {
      const port = worker.viewConnect();
      port.onMessage.addListener((m) => {
        if (m.type === 'tab-update') received.push(m.update);
      });
      return port;
    });
    const sessionReads: ViewRequest[] = [];
    const client: BackgroundClient = {
      ...real,
      request: ((request: ViewRequest) => {
        if (request.type === 'get-session') sessionReads.push(request);
        return real.request(request);
      }) as BackgroundClient['request'],
    };
    await vi.waitFor(async () => expect((await client.request({ type: 'list-sessions' }))[0]?.sampleCount).toBe(2));
    const store = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, FAST);
    await store.start();
    await vi.waitFor(() => expect(store.columns('0-1')?.t.length).toBe(1));

    received.length = 0;
    for (let i = 0; i < 3; i++) {
      sample(1);
      sample(2);
    }
    await vi.waitFor(() => expect(store.columns('0-1')?.t.length).toBe(4));
    await vi.waitFor(() => expect(received.flatMap((u) => u.pcs).some((p) => p.pcId === '0-2' && p.sampleCount === 4)).toBe(true));
    // PC 2's counters come (a view sees gaps by them), its full reports do not.
    expect(received.flatMap((u) => u.stats.map((s) => s.pcId))).toContain('0-1');
    expect(received.flatMap((u) => u.stats.map((s) => s.pcId))).not.toContain('0-2');

    // The view asks for PC 2: its stored samples, then its live ones, none lost in between.
    expect(store.columns('0-2')).toBeUndefined();
    sample(2);
    sample(2);
    await vi.waitFor(() => expect(store.columns('0-2')?.t).toEqual([1000, 2000, 3000, 4000, 5000, 6000]));
    sample(2);
    await vi.waitFor(() => expect(store.columns('0-2')?.t.length).toBe(7));
    expect(received.flatMap((u) => u.stats.map((s) => s.pcId))).toContain('0-2');
    expect(store.columns('0-2')!.objects.T.fields.bytesSent).toEqual([0, 100, 200, 300, 400, 500, 600]);
    // No gap was seen: the session was read once.
    expect(sessionReads).toHaveLength(1);

    store.dispose();
    page.stop();
    real.close();
    worker.stop();
  });

  it('throttles structural notifications', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    const client = connectToBackground(worker.viewConnect);
    await vi.waitFor(async () => expect(await client.request({ type: 'list-sessions' })).toHaveLength(1));
    const store = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, { ...FAST, throttleMs: 300 });
    const { notifications } = track(store);
    await store.start();
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));
    const before = notifications.length;
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      page.post({ type: 'pc-event', pc: 1, t: 10 + i, event: 'negotiationneeded', value: null });
      await new Promise((r) => setTimeout(r, 20));
    }
    await vi.waitFor(() => expect(store.getState().data?.events.length).toBe(21), { timeout: 3000 });
    const elapsed = Date.now() - started;
    // At most one notification per 300 ms window (plus the trailing one).
    expect(notifications.length - before).toBeLessThanOrEqual(Math.ceil(elapsed / 300) + 1);
    store.dispose();
    page.stop();
    client.close();
    worker.stop();
  });

  it('neither loses nor duplicates what arrives before the first reply', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    page.sample();
    const real = connectToBackground(worker.viewConnect);
    await vi.waitFor(async () => expect(await real.request({ type: 'list-sessions' })).toHaveLength(1));

    // get-session is held back while updates stream in, so the reply contains some of them again.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const client: BackgroundClient = {
      ...real,
      request: (async (request: ViewRequest) => {
        if (request.type === 'get-session') await gate;
        return real.request(request);
      }) as BackgroundClient['request'],
    };
    const store = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, FAST);
    void store.start();
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('loading'));
    for (let i = 0; i < 5; i++) {
      page.sample();
      page.post({ type: 'pc-event', pc: 1, t: 2000 + i, event: 'negotiationneeded', value: null });
    }
    await vi.waitFor(async () => expect((await real.request({ type: 'list-sessions' }))[0].sampleCount).toBe(6));
    release();
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));
    page.sample();
    page.post({ type: 'pc-event', pc: 1, t: 9000, event: 'negotiationneeded', value: null });
    await vi.waitFor(() => expect(store.getState().data?.events.length).toBe(7));
    const data = store.getState().data!;
    expect(data.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await vi.waitFor(() => expect(store.columns('0-1')?.t).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000]));
    expect(store.columns('0-1')!.objects.T.fields.bytesSent).toEqual([0, 100, 200, 300, 400, 500, 600]);
    store.dispose();
    page.stop();
    real.close();
    worker.stop();
  });

  it('follows a reload to the tab’s new session, unless the user picked an earlier one', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const client = connectToBackground(worker.viewConnect);
    const first = fakePage(() => worker.relayConnect(), 'First');
    first.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect(await client.request({ type: 'list-sessions' })).toHaveLength(1));
    const store = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, FAST);
    await store.start();
    await vi.waitFor(() => expect(store.getState().data?.session.title).toBe('First'));
    const firstId = store.getState().selectedId!;

    // Reload: a new top document in the same tab.
    first.stop();
    const second = fakePage(() => worker.relayConnect(), 'Second');
    second.post({ type: 'pc-created', pc: 1, t: 2, config: {} });
    second.post({ type: 'pc-event', pc: 1, t: 3, event: 'negotiationneeded', value: null });
    await vi.waitFor(() => expect(store.getState().data?.session.title).toBe('Second'));
    expect(store.getState().sessions.map((s) => s.title)).toEqual(['Second', 'First']);
    await vi.waitFor(() => expect(store.getState().sessions.find((s) => s.id === firstId)?.endedAt).not.toBeNull());
    expect(store.getState().data!.events.map((e) => e.seq)).toEqual([0, 1]);

    // The user goes back to the first session: a third page load does not take the view away.
    store.select(firstId, { user: true });
    expect(store.getState().following).toBe(false);
    await vi.waitFor(() => expect(store.getState().data?.session.title).toBe('First'));
    second.stop();
    const third = fakePage(() => worker.relayConnect(), 'Third');
    third.post({ type: 'pc-created', pc: 1, t: 4, config: {} });
    await vi.waitFor(() => expect(store.getState().sessions[0]?.title).toBe('Third'));
    expect(store.getState().selectedId).toBe(firstId);
    // Choosing the newest resumes following.
    store.select(store.getState().sessions[0].id, { user: true });
    expect(store.getState().following).toBe(true);
    store.dispose();
    third.stop();
    client.close();
    worker.stop();
  });

  it('catches up after the worker restarts under the view', async () => {
    const dbName = `svs-${++n}`;
    let worker = await startWorker(dbName);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    page.sample();
    const client = connectToBackground(() => worker.viewConnect());
    await vi.waitFor(async () => expect((await client.request({ type: 'list-sessions' }))[0]?.sampleCount).toBe(1));
    const store = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, FAST);
    await store.start();
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));

    worker.stop();
    worker = await startWorker(dbName);
    // Recorded by the new worker while the view's port is still down: these updates never reach the view.
    page.sample();
    page.post({ type: 'pc-event', pc: 1, t: 2500, event: 'negotiationneeded', value: null });
    await vi.waitFor(async () => expect((await worker.store.listSessions())[0]?.sampleCount).toBe(2), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 150)); // the client resubscribes 100 ms after the drop
    page.sample();
    await vi.waitFor(() => expect(store.columns('0-1')?.t).toEqual([1000, 2000, 3000]), { timeout: 4000 });
    await vi.waitFor(() => expect(store.getState().data?.events.map((e) => e.seq)).toEqual([0, 1]));
    store.dispose();
    page.stop();
    client.close();
    worker.stop();
  });

  it('shows a session deleted elsewhere as missing, and drops sessions it deletes', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const client = connectToBackground(worker.viewConnect);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect(await client.request({ type: 'list-sessions' })).toHaveLength(1));
    const store = new SessionViewStore(client, { kind: 'all' }, FAST);
    await store.start();
    const id = store.getState().sessions[0].id;
    expect(store.getState().selectedId).toBe(id); // the newest, without following
    expect(store.getState().following).toBe(false);
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));
    await client.request({ type: 'delete-sessions', sessionIds: [id] });
    await store.refreshList();
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('missing'));
    expect(store.getState().sessions).toEqual([]);

    page.post({ type: 'pc-created', pc: 2, t: 2, config: {} });
    await vi.waitFor(async () => {
      await store.refreshList();
      expect(store.getState().sessions).toHaveLength(1);
    });
    const again = store.getState().sessions[0].id;
    store.select(again);
    await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));
    await store.deleteSessions([again]);
    expect(store.getState().sessions).toEqual([]);
    expect(store.getState().selectedId).toBeNull();
    expect(await client.request({ type: 'list-sessions' })).toEqual([]);
    store.dispose();
    page.stop();
    client.close();
    worker.stop();
  });

  it('hears sessions deleted in another view (the sessions channel, no polling): a panel following its tab moves to its newest left', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const client = connectToBackground(worker.viewConnect);
    const first = fakePage(() => worker.relayConnect(), 'First');
    first.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect(await client.request({ type: 'list-sessions' })).toHaveLength(1));
    first.stop();
    const second = fakePage(() => worker.relayConnect(), 'Second');
    second.post({ type: 'pc-created', pc: 1, t: 2, config: {} });
    await vi.waitFor(async () => expect(await client.request({ type: 'list-sessions' })).toHaveLength(2));
    // FAST has listPollMs 0: only the channel can tell either store.
    const panel = new SessionViewStore(client, { kind: 'tab', tabId: TAB }, FAST);
    const viewer = new SessionViewStore(connectToBackground(worker.viewConnect), { kind: 'all' }, FAST);
    await panel.start();
    await viewer.start();
    await vi.waitFor(() => expect(panel.getState().data?.session.title).toBe('Second'));
    const [secondId, firstId] = panel.getState().sessions.map((s) => s.id);

    await viewer.deleteSessions([secondId]);
    await vi.waitFor(() => expect(panel.getState().sessions.map((s) => s.id)).toEqual([firstId]));
    await vi.waitFor(() => expect(panel.getState().data?.session.title).toBe('First'));
    expect(panel.getState().following).toBe(true);

    // Deleted through the background directly (as retention would, which says so on the same channel): gone here.
    await client.request({ type: 'delete-sessions', sessionIds: [firstId] });
    await vi.waitFor(() => expect(panel.getState().sessions).toEqual([]));
    expect(panel.getState().dataStatus).toBe('missing');
    await vi.waitFor(() => expect(viewer.getState().sessions).toEqual([]));
    panel.dispose();
    viewer.dispose();
    second.stop();
    client.close();
    worker.stop();
  });

  it('lists again on news from the sessions channel, a burst of it once', async () => {
    const worker = await startWorker(`svs-${++n}`);
    const client = connectToBackground(worker.viewConnect);
    let announce: (message: { reason: string }) => void = () => undefined;
    let unsubscribed = false;
    const store = new SessionViewStore(client, { kind: 'all' }, {
      ...FAST,
      listenSessionsChanged: (onChange) => {
        announce = onChange;
        return () => (unsubscribed = true);
      },
    });
    await store.start();
    expect(store.getState().sessions).toEqual([]);
    const page = fakePage(() => worker.relayConnect());
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(async () => expect(await client.request({ type: 'list-sessions' })).toHaveLength(1));
    const lists = vi.spyOn(client, 'request');
    for (let i = 0; i < 5; i++) announce({ reason: 'deleted' });
    await vi.waitFor(() => expect(store.getState().sessions).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 200));
    expect(lists.mock.calls.filter(([m]) => m.type === 'list-sessions')).toHaveLength(1);
    // Deletions and imports leave no notice; retention does (what it deleted and why): the notices load again.
    expect(lists.mock.calls.filter(([m]) => m.type === 'get-notices')).toHaveLength(0);
    announce({ reason: 'pruned' });
    await vi.waitFor(() => expect(lists.mock.calls.filter(([m]) => m.type === 'get-notices')).toHaveLength(1));
    store.dispose();
    expect(unsubscribed).toBe(true);
    page.stop();
    client.close();
    worker.stop();
  });

  it('reports an unreachable background and a missing preselected session', async () => {
    const silent: BackgroundClient = { request: () => new Promise(() => undefined), subscribeTab: () => () => undefined, setStatsFilter: () => undefined, close: () => undefined };
    const store = new SessionViewStore(silent, { kind: 'all' }, { ...FAST, requestTimeoutMs: 50 });
    await store.start();
    expect(store.getState().listStatus).toBe('error');
    expect(store.getState().listError).toMatch(/did not answer/);

    const worker = await startWorker(`svs-${++n}`);
    const client = connectToBackground(worker.viewConnect);
    const viewer = new SessionViewStore(client, { kind: 'all' }, { ...FAST, initialSessionId: '7:gone' });
    await viewer.start();
    await vi.waitFor(() => expect(viewer.getState().dataStatus).toBe('missing'));
    expect(viewer.getState().selectedId).toBe('7:gone');
    viewer.dispose();
    client.close();
    worker.stop();
  });

  it('sends counters that are due in the task of an update whose newest sample enters a new step (no DOM frame of their own)', async () => {
    let now = 1_000_000;
    const summary = makeSummary({ pcCount: 1, sampleCount: 1 });
    const pc = makePc('0-1', 1_000_000);
    const sample = (i: number) => ({ index: i, t: 1_000_000 + i * 1000, report: { T: { type: 'transport', timestamp: 1_000_000 + i * 1000, bytesSent: i } } });
    const client: BackgroundClient = {
      request: (async (r: ViewRequest) => {
        if (r.type === 'list-sessions') return [summary];
        if (r.type === 'get-notices') return [];
        if (r.type === 'get-session') return { session: summary, pcs: [pc], events: [], stats: {} };
        if (r.type === 'get-pc-stats') return { chunks: [], pending: [sample(0)] };
        throw new Error(r.type);
      }) as BackgroundClient['request'],
      subscribeTab: () => () => undefined,
      setStatsFilter: () => undefined,
      close: () => undefined,
    };
    const store = new SessionViewStore(client, { kind: 'tab', tabId: 1 }, { throttleMs: 250, softMs: 5000, listPollMs: 0, now: () => now });
    await store.start();
    await vi.waitFor(() => expect(store.columns('0-1')?.t.length).toBe(1));
    const { notifications } = track(store);
    const update = (i: number) => store.onUpdate({ session: { ...summary, sampleCount: i + 1, lastActivityAt: now }, pcs: [], events: [], stats: [{ pcId: '0-1', samples: [sample(i)] }] });
    // Samples every second from t = 1,000,000 ms: a new 2 s step at every even index.
    expect(liveStep(sample(1).t)).toBe(liveStep(sample(0).t));
    expect(liveStep(sample(2).t)).toBe(liveStep(sample(0).t) + 1);
    // Due (none sent yet), but the sample is inside the step the views already show: held.
    now += 1000;
    update(1);
    expect(notifications).toHaveLength(0);
    // The next step's sample: notified within the update's own task, counters included.
    now += 1000;
    update(2);
    expect(notifications).toHaveLength(1);
    expect(notifications[0].sessions[0].sampleCount).toBe(3);
    // Steps come every other second, but the counters are due only 5 s after the last: held until a step sample then.
    for (let i = 3; i <= 7; i++) {
      now += 1000;
      update(i);
      expect(notifications).toHaveLength(1);
    }
    now += 1000;
    update(8);
    expect(notifications).toHaveLength(2);
    expect(notifications[1].sessions[0].sampleCount).toBe(9);
    store.dispose();
  });

  it('asks for the first PC’s stats with the session and shows both at once, whichever answer comes first', async () => {
    const summary = makeSummary({ pcCount: 2, sampleCount: 2 });
    const pcs = [makePc('0-1', 1_000_000), makePc('0-2', 1_000_500)];
    const sample = (i: number) => ({ index: i, t: 1_000_000 + i * 1000, report: { T: { type: 'transport', timestamp: 1_000_000 + i * 1000, bytesSent: i } } });
    for (const statsFirst of [true, false]) {
      const requests: ViewRequest[] = [];
      let answerSession!: () => void;
      let answerStats!: () => void;
      const sessionGate = new Promise<void>((r) => (answerSession = r));
      const statsGate = new Promise<void>((r) => (answerStats = r));
      const client: BackgroundClient = {
        request: (async (r: ViewRequest) => {
          requests.push(r);
          if (r.type === 'list-sessions') return [summary];
          if (r.type === 'get-notices') return [];
          if (r.type === 'get-session') return sessionGate.then(() => ({ session: summary, pcs, events: [], stats: {} }));
          if (r.type === 'get-pc-stats') return statsGate.then(() => ({ pcId: '0-1', chunks: [], pending: [sample(0), sample(1)] }));
          throw new Error(r.type);
        }) as BackgroundClient['request'],
        subscribeTab: () => () => undefined,
        setStatsFilter: () => undefined,
        close: () => undefined,
      };
      const store = new SessionViewStore(client, { kind: 'all' }, FAST);
      const { notifications, appends } = track(store);
      void store.start();
      await vi.waitFor(() => expect(requests.some((r) => r.type === 'get-session')).toBe(true));
      // Both asked for before either answered.
      expect(requests.filter((r) => r.type === 'get-pc-stats')).toEqual([{ type: 'get-pc-stats', sessionId: summary.id, pcId: null }]);
      if (statsFirst) answerStats();
      else answerSession();
      await new Promise((r) => setTimeout(r, 20));
      expect(notifications.some((n) => n.dataStatus === 'ready')).toBe(false); // the session waits for its stats
      if (statsFirst) answerSession();
      else answerStats();
      await vi.waitFor(() => expect(store.getState().dataStatus).toBe('ready'));
      const ready = notifications.filter((n) => n.dataStatus === 'ready');
      expect(ready[0].data!.stats['0-1'].t).toEqual([1_000_000, 1_001_000]);
      expect(store.columns('0-1')?.t).toHaveLength(2);
      expect(appends).toEqual([]);
      expect(requests.filter((r) => r.type === 'get-pc-stats')).toHaveLength(1);
      store.dispose();
    }
  });
});
