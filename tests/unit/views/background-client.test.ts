/**
 * The views' API end to end in Node: background-client ⇄ router ⇄ recorder ⇄ SessionStore (fake-indexeddb),
 * with a relay feeding records. Live subscriptions, requests, settings and a worker restart under a view.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, SOURCE_TAG } from '../../../lib/protocol/constants';
import type { BackgroundToRelay, BackgroundToView, PageRecord, RelayToBackground, SessionUpdate, ViewToBackground } from '../../../lib/protocol/messages';
import { createPortPair, type PortLike } from '../../../lib/protocol/port';
import { DEFAULT_SETTINGS } from '../../../lib/model/settings';
import { startRelay } from '../../../lib/relay/relay';
import { Recorder } from '../../../lib/background/recorder';
import { createRouter, type RelayPortIn, type ViewPortIn } from '../../../lib/background/router';
import { createSettingsAccess } from '../../../lib/background/settings-store';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import { connectToBackground, type ViewPort } from '../../../lib/views/background-client';

let n = 0;
async function startWorker(dbName: string, area: Map<string, unknown>) {
  const db = await openScopeDb(dbName);
  const store = new SessionStore(db);
  const recorder = new Recorder({ store, askTopDocument: async () => null, now: Date.now });
  const settings = createSettingsAccess({
    get: async (key) => (area.has(key) ? { [key]: area.get(key) } : {}),
    set: async (items) => void Object.entries(items).forEach(([k, v]) => area.set(k, v)),
  });
  const router = createRouter({ recorder, store, settings, now: Date.now });
  const ports: { disconnect(): void }[] = [];
  return {
    store,
    relayConnect: () => {
      const [relay, bg] = createPortPair<RelayToBackground, BackgroundToRelay>('relay', { tab: { id: 5 } });
      ports.push(bg);
      router.acceptRelayPort(bg as unknown as RelayPortIn);
      return relay;
    },
    viewConnect: (): ViewPort => {
      const [view, bg] = createPortPair<ViewToBackground, BackgroundToView>('view');
      ports.push(bg);
      router.acceptViewPort(bg as unknown as ViewPortIn);
      return view;
    },
    stop: () => {
      ports.forEach((p) => p.disconnect());
      db.close();
    },
  };
}

function fakePage(connect: () => ReturnType<Awaited<ReturnType<typeof startWorker>>['relayConnect']>) {
  const win = Object.assign(new EventTarget(), { location: { href: 'https://a.example/' }, document: { title: 'A' }, performance: { timeOrigin: 0 }, navigator: { userAgent: 'ua' } }) as unknown as Window & { top: unknown };
  win.top = win;
  const controller = new AbortController();
  startRelay({ win, frameLoadId: `page-${++n}`, connect, loadSettings: async () => DEFAULT_SETTINGS, watchSettings: () => () => undefined, signal: controller.signal, limits: { flushIntervalMs: 5 } });
  return {
    post: (record: PageRecord) => win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record }) })),
    stop: () => controller.abort(),
  };
}

describe('background client', () => {
  it('delivers live updates of a tab, answers requests, and stops on unsubscribe', async () => {
    const area = new Map<string, unknown>();
    const worker = await startWorker(`views-${++n}`, area);
    const client = connectToBackground(worker.viewConnect);
    const updates: SessionUpdate[] = [];
    const unsubscribe = client.subscribeTab(5, (u) => updates.push(u));
    const otherTab: SessionUpdate[] = [];
    client.subscribeTab(6, (u) => otherTab.push(u));

    const page = fakePage(worker.relayConnect);
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    page.post({ type: 'pc-stats', pc: 1, index: 0, t: 2, reset: true, delta: { added: { T: { type: 'transport', timestamp: 2, bytesSent: 10 } } }, cost: { getStatsMs: 1, hookMs: 0.1 } });
    await vi.waitFor(() => expect(updates.flatMap((u) => u.stats)).toHaveLength(1));
    expect(updates[0].session.tabId).toBe(5);
    expect(updates.flatMap((u) => u.pcs).map((p) => p.pcId)).toContain('0-1');
    expect(updates.flatMap((u) => u.stats)[0].samples[0].report).toEqual({ T: { type: 'transport', timestamp: 2, bytesSent: 10 } });
    expect(otherTab).toEqual([]);

    const sessions = await client.request({ type: 'list-sessions', tabId: 5 });
    expect(sessions.map((s) => s.pcCount)).toEqual([1]);
    const data = await client.request({ type: 'get-session', sessionId: sessions[0].id });
    expect(data?.stats['0-1'].objects.T.fields.bytesSent).toEqual([10]);
    expect(await client.request({ type: 'get-session', sessionId: 'nope' })).toBeNull();

    unsubscribe();
    const seen = updates.length;
    page.post({ type: 'pc-event', pc: 1, t: 3, event: 'negotiationneeded', value: null });
    await vi.waitFor(async () => expect((await client.request({ type: 'list-sessions' }))[0].eventCount).toBe(2));
    expect(updates.length).toBe(seen);

    await client.request({ type: 'delete-sessions', sessionIds: [sessions[0].id] });
    expect(await client.request({ type: 'list-sessions' })).toEqual([]);
    page.stop();
    client.close();
    worker.stop();
  });

  it('validates and stores settings', async () => {
    const area = new Map<string, unknown>();
    const worker = await startWorker(`views-${++n}`, area);
    const client = connectToBackground(worker.viewConnect);
    expect(await client.request({ type: 'get-settings' })).toEqual(DEFAULT_SETTINGS);
    const saved = await client.request({ type: 'set-settings', settings: { pollIntervalMs: 20, excludedSites: [' Example.COM ', ''], retention: { maxAgeDays: 7, maxTotalMB: 10 } } });
    expect(saved).toEqual({ ...DEFAULT_SETTINGS, excludedSites: ['example.com'], retention: { maxAgeDays: 7, maxTotalMB: 10 } });
    expect(area.get('settings')).toEqual(saved);
    client.close();
    worker.stop();
  });

  it('sends the stats filter of a subscribed tab with its subscription, again on a new port', async () => {
    const sent: ViewToBackground[][] = [];
    const ports: PortLike[] = [];
    const client = connectToBackground(() => {
      const [view, bg] = createPortPair<ViewToBackground, BackgroundToView>('view');
      const mine: ViewToBackground[] = [];
      sent.push(mine);
      bg.onMessage.addListener((m) => mine.push(m));
      ports.push(bg as PortLike);
      return view;
    });
    const filter = { sessionId: '5:a', pcIds: ['0-1'] };
    client.setStatsFilter(5, filter); // not subscribed: nothing to narrow
    client.subscribeTab(5, () => undefined);
    client.setStatsFilter(5, filter);
    await Promise.resolve();
    expect(sent[0]).toEqual([
      { type: 'subscribe-tab', tabId: 5 },
      { type: 'subscribe-tab', tabId: 5, stats: filter },
    ]);
    // The worker restarted: the new port gets the subscription with its filter.
    ports[0].disconnect();
    await vi.waitFor(() => expect(sent[1]).toEqual([{ type: 'subscribe-tab', tabId: 5, stats: filter }]));
    client.setStatsFilter(5, null);
    await Promise.resolve();
    expect(sent[1][1]).toEqual({ type: 'subscribe-tab', tabId: 5 });
    client.close();
  });

  it('re-subscribes and re-sends a pending request after the worker restarts', async () => {
    const dbName = `views-${++n}`;
    const area = new Map<string, unknown>();
    let worker = await startWorker(dbName, area);
    const client = connectToBackground(() => worker.viewConnect());
    const updates: SessionUpdate[] = [];
    client.subscribeTab(5, (u) => updates.push(u));
    await client.request({ type: 'list-sessions' });
    worker.stop();
    worker = await startWorker(dbName, area);
    const page = fakePage(() => worker.relayConnect());
    await new Promise((r) => setTimeout(r, 150)); // the client reconnects 100 ms after the drop
    page.post({ type: 'pc-created', pc: 1, t: 1, config: {} });
    await vi.waitFor(() => expect(updates.length).toBeGreaterThan(0));
    expect(await client.request({ type: 'list-sessions', tabId: 5 })).toHaveLength(1);
    page.stop();
    client.close();
    worker.stop();
  });
});
