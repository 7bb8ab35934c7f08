import { afterEach, describe, expect, it, vi } from 'vitest';
import { HELLO_LIMITS, PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, RELAY_TO_PAGE_EVENT, SOURCE_TAG } from '../../../lib/protocol/constants';
import { checkRelayToBackground } from '../../../lib/protocol/guards';
import type { BackgroundToRelay, PageRecord, RelayToBackground } from '../../../lib/protocol/messages';
import { createPortPair, type PortLike } from '../../../lib/protocol/port';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/model/settings';
import { startRelay, type RelayEnvironment } from '../../../lib/relay/relay';

/** A window as the relay sees it: an EventTarget with the few properties it reads. */
function fakeWindow(href = 'https://call.example/room') {
  const win = Object.assign(new EventTarget(), {
    location: { href },
    document: { title: 'Room' },
    performance: { timeOrigin: 1000 },
    navigator: { userAgent: 'test-agent' },
  }) as unknown as Window & { top: Window };
  (win as { top: Window }).top = win;
  return win;
}

const record = (i: number): PageRecord => ({ type: 'pc-event', pc: 1, t: i, event: 'negotiationneeded', value: null });
const post = (win: Window, rec: unknown, extra: object = {}) =>
  win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record: rec, ...extra }) }));

/** A fake background: connects in-memory ports and records what arrives; acks when asked to. */
function fakeBackground(opts: { autoAck: boolean }) {
  const received: RelayToBackground[] = [];
  const ports: PortLike<RelayToBackground, BackgroundToRelay>[] = [];
  const connect = () => {
    const [relaySide, bgSide] = createPortPair<RelayToBackground, BackgroundToRelay>('relay');
    bgSide.onMessage.addListener((m) => {
      received.push(m);
      if (opts.autoAck && m.type === 'batch') bgSide.postMessage({ type: 'ack', seq: m.seq });
    });
    ports.push(bgSide);
    return relaySide;
  };
  return { received, ports, connect: vi.fn(connect) };
}

const controllers: AbortController[] = [];
afterEach(() => controllers.splice(0).forEach((c) => c.abort()));

function setup(settings: Partial<Settings> = {}, autoAck = true, win = fakeWindow(), limits: RelayEnvironment['limits'] = { flushIntervalMs: 5 }) {
  const bg = fakeBackground({ autoAck });
  const controller = new AbortController();
  controllers.push(controller);
  const toPage: unknown[] = [];
  win.addEventListener(RELAY_TO_PAGE_EVENT, (e) => toPage.push(JSON.parse((e as CustomEvent).detail)));
  const env: RelayEnvironment = {
    win,
    connect: bg.connect,
    loadSettings: async () => ({ ...DEFAULT_SETTINGS, ...settings }),
    watchSettings: () => () => undefined,
    frameLoadId: 'frame-1',
    signal: controller.signal,
    limits,
  };
  const relay = startRelay(env);
  return { win, bg, relay, toPage };
}

const records = (bg: ReturnType<typeof fakeBackground>) =>
  bg.received.flatMap((m) => (m.type === 'batch' ? m.records : []));

describe('relay', () => {
  it('stays dormant until the first record, then says hello and forwards batches', async () => {
    const { win, bg, relay, toPage } = setup();
    win.dispatchEvent(new CustomEvent('message', { detail: 'x' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(bg.connect).not.toHaveBeenCalled();

    for (let i = 1; i <= 3; i++) post(win, record(i));
    await vi.waitFor(() => expect(records(bg)).toHaveLength(3));
    expect(bg.received[0]).toMatchObject({ type: 'hello', v: PROTOCOL_VERSION, frameLoadId: 'frame-1', isTop: true, url: 'https://call.example/room', title: 'Room' });
    expect(records(bg).map((r) => r.t)).toEqual([1, 2, 3]);
    expect(toPage).toEqual([{ source: SOURCE_TAG, v: PROTOCOL_VERSION, type: 'config', enabled: true, pollIntervalMs: 1000 }]);
    await vi.waitFor(() => expect(relay.stats().unacked).toBe(0));
  });

  it('shortens a page title and URL of any length to what the background accepts', async () => {
    const win = fakeWindow(`https://call.example/room?${'q'.repeat(100_000)}`);
    (win.document as { title: string }).title = `${'t'.repeat(5_000_000)}😀`;
    const { bg } = setup({}, true, win);
    post(win, record(1));
    await vi.waitFor(() => expect(records(bg)).toHaveLength(1));
    const hello = bg.received[0] as RelayToBackground & { type: 'hello' };
    expect(hello.title).toHaveLength(HELLO_LIMITS.maxTitleChars);
    expect(hello.title.endsWith('…')).toBe(true);
    expect(hello.url).toHaveLength(HELLO_LIMITS.maxUrlChars);
    expect(hello.url.startsWith('https://call.example/room?qqq')).toBe(true);
    expect(checkRelayToBackground(hello).ok).toBe(true);
  });

  it('ignores other tags silently and counts invalid records as refused', async () => {
    const { win, bg } = setup();
    post(win, record(1));
    win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: JSON.stringify({ source: 'someone-else', v: 1, record: record(2) }) }));
    post(win, { ...record(3), pc: -1 });
    win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: { not: 'a string' } }));
    post(win, record(4));
    await vi.waitFor(() => expect(records(bg).map((r) => r.t)).toEqual([1, 4]));
    const refused = bg.received.filter((m) => m.type === 'batch').map((m) => (m as { refused?: object }).refused).filter(Boolean);
    expect(refused).toEqual([{ invalid: 1, 'not-a-string': 1 }]);
  });

  it('does not parse a record while the page waits: validation runs in the batch timer', async () => {
    const { win, bg } = setup();
    const parse = vi.spyOn(JSON, 'parse');
    try {
      post(win, record(1));
      post(win, { ...record(2), pc: -1 });
      expect(parse).not.toHaveBeenCalled();
      await vi.waitFor(() => expect(records(bg).map((r) => r.t)).toEqual([1]));
      expect(parse).toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it("has the timer waiting for a polling tick's records when they come, so the page's dispatch sets none; others get their own", async () => {
    vi.useFakeTimers();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const { win, bg } = setup({ pollIntervalMs: 1000 }, true, fakeWindow(), { flushIntervalMs: 150 });
      /** Posts a record and says how many timers the relay set while the page waited in dispatchEvent. */
      const timersSetBy = (rec: PageRecord) => {
        const before = setTimeoutSpy.mock.calls.length;
        post(win, rec);
        return setTimeoutSpy.mock.calls.length - before;
      };
      const sent = () => records(bg).map((r) => r.t);
      expect(timersSetBy(record(1))).toBe(1); // the first record of all
      await vi.advanceTimersByTimeAsync(150);
      expect(sent()).toEqual([1]);
      // The next ticks, a few milliseconds late or early: each finds the timer set for it, and still goes out within
      // flushIntervalMs + the slack.
      let at = 150;
      for (const [i, arrival] of [[2, 1003], [3, 2001], [4, 2990], [5, 4030]]) {
        await vi.advanceTimersByTimeAsync(arrival - at);
        expect(timersSetBy(record(i))).toBe(0);
        let waited = 0;
        while (!sent().includes(i) && waited < 1000) {
          await vi.advanceTimersByTimeAsync(5);
          waited += 5;
        }
        expect(waited, `record ${i}`).toBeGreaterThanOrEqual(100);
        expect(waited, `record ${i}`).toBeLessThanOrEqual(200);
        at = arrival + waited;
      }
      // A record at another moment (an event) is not left waiting for the next tick's timer.
      await vi.advanceTimersByTimeAsync(300);
      expect(timersSetBy(record(6))).toBe(1);
      await vi.advanceTimersByTimeAsync(150);
      expect(sent()).toContain(6);
      // Nothing comes any more: after one timer that finds nothing, none is left running.
      await vi.advanceTimersByTimeAsync(5000);
      expect(sent()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      setTimeoutSpy.mockRestore();
      vi.useRealTimers();
    }
  });

  it('refuses a 50 MB record without parsing it and keeps working', async () => {
    const { win, bg } = setup();
    post(win, record(1));
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const started = performance.now();
    post(win, { ...record(2), value: huge });
    expect(performance.now() - started).toBeLessThan(2000);
    post(win, record(3));
    await vi.waitFor(() => expect(records(bg).map((r) => r.t)).toEqual([1, 3]));
    const refused = bg.received.flatMap((m) => (m.type === 'batch' && m.refused ? [m.refused] : []));
    expect(refused).toEqual([{ 'too-large': 1 }]);
  });

  it('caps a flood of 10,000 records in a second and asks the hook to resync', async () => {
    const { win, bg, toPage } = setup();
    for (let i = 1; i <= 10_000; i++) post(win, record(i));
    await vi.waitFor(() => expect(records(bg).length).toBe(500), { timeout: 3000 });
    const refused = bg.received.flatMap((m) => (m.type === 'batch' && m.refused ? [m.refused] : []));
    expect(refused.reduce((n, r) => n + ((r as Record<string, number>)['rate-limit'] ?? 0), 0)).toBe(9_500);
    await vi.waitFor(() => expect(toPage.some((m) => (m as { resync?: boolean }).resync)).toBe(true), { timeout: 3000 });
  });

  it('takes several envelopes joined by line feeds from one event (the hook posts a polling tick at once), each validated and counted alone', async () => {
    const { win, bg } = setup();
    const envelope = (rec: unknown) => JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record: rec });
    win.dispatchEvent(
      new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: [envelope(record(1)), envelope({ ...record(2), pc: -1 }), '{"not json', envelope(record(3))].join('\n') }),
    );
    await vi.waitFor(() => expect(records(bg).map((r) => r.t)).toEqual([1, 3]));
    const refused = bg.received.flatMap((m) => (m.type === 'batch' && m.refused ? [m.refused] : []));
    expect(refused).toEqual([{ invalid: 2 }]);
  });

  it('counts every joined envelope against the records-per-second cap', async () => {
    const { win, bg } = setup();
    const line = JSON.stringify({ source: SOURCE_TAG, v: PROTOCOL_VERSION, record: record(1) });
    // 2 events of 300 joined records: the second crosses the 500 a second cap and is refused whole.
    for (let i = 0; i < 2; i++) win.dispatchEvent(new CustomEvent(PAGE_TO_RELAY_EVENT, { detail: Array(300).fill(line).join('\n') }));
    await vi.waitFor(() => expect(records(bg)).toHaveLength(300));
    await new Promise((r) => setTimeout(r, 30));
    expect(records(bg)).toHaveLength(300);
    const refused = bg.received.flatMap((m) => (m.type === 'batch' && m.refused ? [m.refused] : []));
    expect(refused.reduce((n, r) => n + ((r as Record<string, number>)['rate-limit'] ?? 0), 0)).toBe(1);
  });

  it('resends unacknowledged batches after the port drops, so nothing is lost', async () => {
    const { win, bg, relay } = setup({}, false);
    for (let i = 1; i <= 5; i++) post(win, record(i));
    await vi.waitFor(() => expect(records(bg)).toHaveLength(5));
    // The worker stops: its side of the port goes away before it acknowledged anything.
    bg.ports[0].disconnect();
    for (let i = 6; i <= 8; i++) post(win, record(i));
    await vi.waitFor(() => expect(bg.connect).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(records(bg).map((r) => r.t).slice(5)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]));
    const second = bg.received.slice(bg.received.findIndex((m, i) => i > 0 && m.type === 'hello'));
    expect(second[0].type).toBe('hello');
    expect(relay.stats().unacked).toBeGreaterThan(0);
    bg.ports[1].postMessage({ type: 'ack', seq: 1000 });
    await vi.waitFor(() => expect(relay.stats().unacked).toBe(0));
  });

  it('sends nothing for an excluded site or while paused, and tells the hook to stop', async () => {
    const cases: Partial<Settings>[] = [
      { excludedSites: ['other.example'], paused: false },
      { excludedSites: ['example'] },
      { excludedSites: ['call.example'] },
      { paused: true },
      // Paused from the popup for this site.
      { excludedSites: ['other.example'], pausedSites: ['call.example'] },
    ];
    for (const settings of cases) {
      const { win, bg, toPage } = setup(settings);
      post(win, record(1));
      await vi.waitFor(() => expect(toPage.length).toBe(1));
      post(win, record(2));
      await new Promise((r) => setTimeout(r, 30));
      const expectEnabled = settings.excludedSites?.[0] === 'other.example' && !settings.pausedSites;
      expect((toPage[0] as { enabled: boolean }).enabled).toBe(expectEnabled);
      expect(records(bg).length).toBe(expectEnabled ? 2 : 0);
    }
  });

  it('judges a frame without a host of its own by its creator origin, and a subframe by its top-level site where the browser gives it', async () => {
    const subframe = (href: string, origin: string, ancestorOrigins?: string[]) => {
      const win = fakeWindow(href);
      (win as { top: unknown }).top = {};
      Object.assign(win, { origin });
      if (ancestorOrigins) Object.assign(win.location, { ancestorOrigins });
      return win;
    };
    const frames = [
      subframe('about:srcdoc', 'https://call.example'),
      subframe('about:blank', 'https://call.example'),
      subframe('blob:https://call.example/0b5c', 'https://call.example'),
      subframe('https://widget.other/call', 'https://widget.other', ['https://widget.other', 'https://call.example']),
    ];
    for (const win of frames) {
      const { bg, toPage } = setup({ excludedSites: ['call.example'] }, true, win);
      post(win, record(1));
      await vi.waitFor(() => expect(toPage.length).toBe(1));
      expect(toPage[0], win.location.href).toMatchObject({ enabled: false });
      expect(bg.connect).not.toHaveBeenCalled();
    }
    // The same widget framed by a site that is not excluded is captured.
    const win = subframe('https://widget.other/call', 'https://widget.other', ['https://host.example']);
    const { bg } = setup({ excludedSites: ['call.example'] }, true, win);
    post(win, record(1));
    await vi.waitFor(() => expect(records(bg)).toHaveLength(1));
  });

  it("stops on the background's capture-off (the top-level site is excluded) until the settings change", async () => {
    const bg = fakeBackground({ autoAck: true });
    const win = fakeWindow('https://widget.other/call');
    (win as { top: unknown }).top = {};
    const controller = new AbortController();
    controllers.push(controller);
    const toPage: { enabled: boolean; resync?: boolean }[] = [];
    win.addEventListener(RELAY_TO_PAGE_EVENT, (e) => toPage.push(JSON.parse((e as CustomEvent).detail)));
    let onSettings: (s: Settings) => void = () => undefined;
    startRelay({
      win,
      connect: bg.connect,
      loadSettings: async () => DEFAULT_SETTINGS,
      watchSettings: (cb) => ((onSettings = cb), () => undefined),
      frameLoadId: 'frame-1',
      signal: controller.signal,
      limits: { flushIntervalMs: 5 },
    });
    post(win, record(1));
    await vi.waitFor(() => expect(records(bg)).toHaveLength(1));
    bg.ports[0].postMessage({ type: 'capture-off' });
    await vi.waitFor(() => expect(toPage.at(-1)).toMatchObject({ enabled: false }));
    post(win, record(2));
    await new Promise((r) => setTimeout(r, 30));
    expect(records(bg)).toHaveLength(1);
    // Settings changed: judged anew, through a new hello; the hook resends snapshots.
    onSettings({ ...DEFAULT_SETTINGS, pollIntervalMs: 2000 });
    expect(toPage.at(-1)).toMatchObject({ enabled: true, resync: true });
    post(win, record(3));
    await vi.waitFor(() => expect(records(bg).map((r) => r.t)).toEqual([1, 3]));
    expect(bg.connect).toHaveBeenCalledTimes(2);
    expect(bg.received.filter((m) => m.type === 'hello')).toHaveLength(2);
  });
});
