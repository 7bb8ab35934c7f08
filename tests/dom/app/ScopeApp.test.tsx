// @vitest-environment happy-dom
/**
 * The app shell over an in-memory background (fixture sessions, live updates pushed by the test). The per-PC
 * components of the other areas are replaced by stand-ins that show their props: this tests the shell (which
 * sections, in which order, with which data), not them.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIVE_FOR_FALLBACK_MS, LiveFor, ScopeApp } from '../../../components/app/ScopeApp';
import { refreshChartTheme } from '../../../components/charts/TimeSeriesChart';
import type { SessionData, SessionSummary } from '../../../lib/model/session';
import type { Notice } from '../../../lib/storage/session-store';
import type { StatsFeed } from '../../../lib/views/stats-feed';
import { STORE, fakeBackground } from './fake-background';
import { EventStream, XSS, makePc, makeSummary } from '../../fixtures/session-builders';

vi.mock('../../../components/connection/ConnectionHeader', () => ({
  ConnectionHeader: (p: { pcId: string; data: SessionData }) => <p data-testid="header">header of {p.pcId} in {p.data.session.id}</p>,
}));
vi.mock('../../../components/charts/ConnectionCharts', () => ({
  ConnectionCharts: (p: { pcId: string; feed: StatsFeed; status?: string; extraFields: { statsId: string; field: string }[]; onRemoveExtraField(s: string, f: string): void }) => (
    <div data-testid="charts" data-status={p.status}>
      charts of {p.pcId} ({p.feed.columns(p.pcId)?.t.length ?? 0} rows)
      {p.extraFields.map((f) => (
        <button key={`${f.statsId}.${f.field}`} type="button" onClick={() => p.onRemoveExtraField(f.statsId, f.field)}>
          remove {f.statsId}.{f.field}
        </button>
      ))}
    </div>
  ),
}));
vi.mock('../../../components/charts/TimeSeriesChart', () => ({ refreshChartTheme: vi.fn() }));
vi.mock('../../../components/candidates/CandidatePairs', () => ({ CandidatePairs: (p: { pcId: string }) => <p>pairs of {p.pcId}</p> }));
vi.mock('../../../components/events/EventLog', () => ({
  EventLog: (p: { pcId: string | null; data: SessionData }) => (
    <p data-testid="events">
      {p.data.events.filter((e) => e.pcId === p.pcId).length} events of {p.pcId ?? 'the session'}
    </p>
  ),
}));
vi.mock('../../../components/media/MediaRequests', () => ({ MediaRequests: () => <p>media requests</p> }));
vi.mock('../../../components/stats/StatsTable', () => ({
  StatsTable: (p: { pcId: string; onChartField(statsId: string, field: string): void }) => (
    <button type="button" onClick={() => p.onChartField('T01', 'bytesSent')}>
      chart T01.bytesSent of {p.pcId}
    </button>
  ),
}));

const T0 = 1_700_000_000_000;

function callSession(id: string, startedAt: number, overrides: Partial<SessionSummary> = {}): SessionData {
  const events = new EventStream().created('0-1', startedAt + 10).created('0-2', startedAt + 20).events;
  const session = makeSummary({ id, tabId: 3, startedAt, lastActivityAt: startedAt + 5000, pcCount: 2, eventCount: events.length, title: `Call ${id}`, ...overrides });
  return {
    session,
    pcs: [
      makePc('0-1', startedAt + 10, { sessionId: id, connectionState: 'connected' }),
      makePc('0-2', startedAt + 20, { sessionId: id, connectionState: 'failed' }),
    ],
    events,
    stats: {},
  };
}

/** The shown session's title: the main part's heading (the page's h1 is the app's name, for its outline). */
const sessionTitle = () => within(screen.getByRole('main', { name: 'Session' })).getByRole('heading', { level: 2 });
const sectionTitles = () => within(screen.getByRole('tabpanel')).getAllByRole('heading', { level: 3 }).map((h) => h.textContent);

beforeEach(() => {
  history.replaceState(null, '', '/devtools-panel.html');
  delete document.documentElement.dataset.theme;
  localStorage.clear();
});
afterEach(cleanup);

describe('ScopeApp', () => {
  it('panel: shows the tab’s newest session, its connections, and the per-PC sections in order', async () => {
    const bg = fakeBackground([callSession('3:old', T0), callSession('3:new', T0 + 60_000), { ...callSession('4:other', T0 + 90_000), session: makeSummary({ id: '4:other', tabId: 4 }) }]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:new');
    expect(within(screen.getByRole('complementary', { name: 'Sessions in this tab' })).getAllByRole('listitem')).toHaveLength(2);
    expect(sessionTitle().textContent).toBe('Call 3:new');
    const tabs = within(screen.getByRole('tablist')).getAllByRole('tab');
    expect(tabs.map((t) => t.textContent)).toEqual(['PC 0-1 connected +0.010 s', 'PC 0-2 failed +0.020 s', 'Media requests']);
    expect(tabs[0].getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(tabs[0].id);
    expect(sectionTitles()).toEqual(['Connection', 'Health', 'Charts', 'Candidate pairs', 'Events', 'Stats']);
    expect(screen.getByTestId('events').textContent).toBe('1 events of 0-1');
    // The outline: the app's name first (h1), then the session list and the session (h2), then the sections (h3).
    const outline = [...document.querySelectorAll('h1, h2, h3')].map((h) => `${h.tagName} ${h.textContent}`);
    expect(outline.slice(0, 4)).toEqual(['H1 WebRTC Scope panel', 'H2 Sessions in this tab', 'H2 Call 3:new', 'H3 Connection']);

    fireEvent.click(tabs[2]);
    await screen.findByText('media requests');
    expect(sectionTitles()).toEqual(['Media requests', 'Session events']);
    expect(screen.getByTestId('events').textContent).toBe('0 events of the session');
  });

  it('the session header counts failed camera/microphone requests (QA: only the Media requests page said so)', async () => {
    const failing = callSession('3:gum', T0);
    const gum = new EventStream().media(T0 + 5, 'getUserMedia', [{ video: true }], { error: { name: 'NotFoundError', message: 'Requested device not found' } });
    const data = { ...failing, events: [...gum.events, ...failing.events.map((e, i) => ({ ...e, seq: gum.events.length + i }))], session: { ...failing.session, mediaCallCount: 1 } };
    const bg = fakeBackground([data]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:gum');
    expect(screen.getByTestId('session-media-failed').textContent).toBe(' (1 failed)');
    cleanup();
    history.replaceState(null, '', '/devtools-panel.html'); // the selection lives in the hash
    const fine = fakeBackground([callSession('3:ok', T0)]);
    render(<ScopeApp client={fine.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:ok');
    expect(screen.queryByTestId('session-media-failed')).toBeNull();
  });

  it('skip buttons take the keyboard past the session list and past the charts; session rows have names in parts', async () => {
    const bg = fakeBackground([callSession('3:old', T0), callSession('3:new', T0 + 60_000)]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:new');
    const skipToSession = screen.getByRole('button', { name: 'Skip to the session' });
    // The first thing Tab reaches.
    expect(document.querySelector('button, [href], input, [tabindex="0"]')).toBe(skipToSession);
    fireEvent.click(skipToSession);
    expect(document.activeElement).toBe(screen.getByRole('main', { name: 'Session' }));
    fireEvent.click(screen.getByRole('button', { name: 'Skip the charts' }));
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 3, name: 'Candidate pairs' }));
    // A row's button names its parts apart: the title, then the URL, then when it started.
    const row = within(screen.getByRole('complementary', { name: 'Sessions in this tab' })).getByRole('button', { name: /^Call 3:new\s*, http:\/\/127\.0\.0\.1:44231\/\?mode=gum\s*, started / });
    expect(row.textContent).toMatch(/ · 2 PCs · live$/);
  });

  it('moves between connections and sessions with the keyboard', async () => {
    const bg = fakeBackground([callSession('3:old', T0), callSession('3:new', T0 + 60_000)]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:new');
    const first = screen.getByRole('tab', { name: /PC 0-1/ });
    first.focus();
    fireEvent.keyDown(first, { key: 'ArrowRight' });
    await screen.findByText('header of 0-2 in 3:new');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: /PC 0-2/ }));
    fireEvent.keyDown(document.activeElement!, { key: 'j' });
    await screen.findByText('media requests');
    fireEvent.keyDown(document.activeElement!, { key: 'Home' });
    await screen.findByText('header of 0-1 in 3:new');
    // The arrows wrap around (WAI-ARIA tabs); j/k stop at the ends.
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    await screen.findByText('media requests');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: /Media requests/ }));
    fireEvent.keyDown(document.activeElement!, { key: 'j' });
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: /Media requests/ }));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' });
    await screen.findByText('header of 0-1 in 3:new');

    const current = screen.getByRole('button', { name: /Call 3:new/ });
    current.focus();
    fireEvent.keyDown(current, { key: 'ArrowDown' });
    await screen.findByText('header of 0-1 in 3:old');
    expect(screen.getByRole('button', { name: /Call 3:old/ }).getAttribute('aria-current')).toBe('true');
  });

  it('keeps the selection in the URL hash and restores it', async () => {
    const bg = fakeBackground([callSession('3:old', T0), callSession('3:new', T0 + 60_000)]);
    const { unmount } = render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:new');
    await vi.waitFor(() => expect(location.hash).toBe('#session=3%3Anew&pc=0-1'));
    fireEvent.click(screen.getByRole('button', { name: /Call 3:old/ }));
    await screen.findByText('header of 0-1 in 3:old');
    fireEvent.click(screen.getByRole('tab', { name: /PC 0-2/ }));
    await screen.findByText('header of 0-2 in 3:old');
    await vi.waitFor(() => expect(location.hash).toBe('#session=3%3Aold&pc=0-2'));
    unmount();

    // "Reload": a new app on the same URL comes back to the same place.
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-2 in 3:old');

    // A pasted link in the same tab.
    location.hash = '#session=3%3Anew&pc=media';
    dispatchEvent(new Event('hashchange')); // happy-dom does not fire it for a hash assignment
    await screen.findByText('media requests');
    expect(sessionTitle().textContent).toBe('Call 3:new');
  });

  it('viewer: lists every session, preselects ?session=, marks imports', async () => {
    const imported = callSession('import:1', T0 - 100_000, { tabId: null, imported: { fileName: 'dump.txt', format: 'webrtc-internals' }, endedAt: T0 - 50_000 });
    const bg = fakeBackground([callSession('3:a', T0), callSession('5:b', T0 + 1000), imported]);
    render(<ScopeApp client={bg.client} mode="viewer" initialSessionId="import:1" storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in import:1');
    expect(screen.getAllByRole('listitem')).toHaveLength(3);
    expect(screen.getByRole('banner').textContent).toContain('imported from dump.txt (webrtc-internals)');
    expect(bg.requests.find((r) => r.type === 'list-sessions')).toEqual({ type: 'list-sessions' });
  });

  it('viewer opens the newest session, asks for a choice once it is deleted; empty stores and panels say so', async () => {
    const bg = fakeBackground([callSession('3:a', T0), callSession('5:b', T0 + 1000)]);
    const { unmount } = render(<ScopeApp client={bg.client} mode="viewer" storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 5:b');
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Call 5:b \(started .+\) for deletion$/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete marked (1)' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await screen.findByRole('heading', { name: 'Choose a session from the list' });
    unmount();
    const empty = fakeBackground([]);
    const second = render(<ScopeApp client={empty.client} mode="viewer" storeOptions={STORE} />);
    await screen.findByRole('heading', { name: 'No sessions stored' });
    second.unmount();
    render(<ScopeApp client={empty.client} mode="panel" tabId={9} storeOptions={STORE} />);
    await screen.findByRole('heading', { name: 'No WebRTC activity in this tab yet' });
    cleanup();
    render(<ScopeApp client={empty.client} mode="panel" tabId={null} storeOptions={STORE} />);
    expect(screen.getByRole('alert').textContent).toContain('?tabId=N');
  });

  it('says when the background is unreachable, and recovers on retry', async () => {
    const bg = fakeBackground([callSession('3:a', T0)]);
    bg.fail();
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByRole('heading', { name: 'The extension\'s background is unreachable' });
    expect(screen.getAllByText(/Receiving end does not exist/).length).toBeGreaterThan(0);
    bg.fail(false);
    fireEvent.click(within(screen.getByRole('main')).getByRole('button', { name: 'Retry' }));
    await screen.findByText('header of 0-1 in 3:a');
  });

  it('says when the open session was deleted', async () => {
    const bg = fakeBackground([callSession('3:a', T0)]);
    history.replaceState(null, '', '#session=3%3Agone');
    render(<ScopeApp client={bg.client} mode="viewer" storeOptions={STORE} />);
    await screen.findByRole('heading', { name: 'This session no longer exists' });
    fireEvent.click(screen.getByRole('button', { name: 'Show the newest session' }));
    await screen.findByText('header of 0-1 in 3:a');
  });

  it('deletes the open session after confirmation', async () => {
    const bg = fakeBackground([callSession('3:a', T0, { endedAt: T0 + 10 })]);
    render(<ScopeApp client={bg.client} mode="viewer" initialSessionId="3:a" storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:a');
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Call 3:a \(started .+\) for deletion$/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete marked (1)' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await screen.findByRole('heading', { name: 'No sessions stored' });
    expect(bg.sessions.size).toBe(0);
  });

  it('adds a live PC and a reloaded session without remounting what is shown', async () => {
    const bg = fakeBackground([callSession('3:a', T0)]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:a');
    const list = screen.getByRole('list', { name: 'Sessions' });
    const firstTab = screen.getByRole('tab', { name: /PC 0-1/ });
    const header = screen.getByTestId('header');

    const held = bg.sessions.get('3:a')!;
    const pc3 = makePc('0-3', T0 + 30, { sessionId: '3:a', connectionState: 'connecting' });
    const ev = { seq: held.events.length, frame: 0, pcId: '0-3', record: { type: 'pc-created' as const, pc: 3, t: T0 + 30, config: {} } };
    act(() => bg.push({ session: { ...held.session, pcCount: 3, eventCount: held.events.length + 1 }, pcs: [pc3], events: [ev], stats: [] }));
    await screen.findByRole('tab', { name: /PC 0-3 connecting/ });
    expect(screen.getByRole('tab', { name: /PC 0-1/ })).toBe(firstTab);
    expect(screen.getByTestId('header')).toBe(header);
    expect(screen.getByRole('list', { name: 'Sessions' })).toBe(list);

    // The page reloads: the panel follows the tab's new session.
    act(() => bg.push({ session: makeSummary({ id: '3:b', tabId: 3, title: 'Reloaded', startedAt: T0 + 100_000, lastActivityAt: T0 + 100_000 }), pcs: [], events: [], stats: [] }));
    await screen.findByRole('heading', { level: 2, name: 'Reloaded' });
    expect(screen.getByRole('list', { name: 'Sessions' })).toBe(list);
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    await vi.waitFor(() => expect(location.hash).toBe('#session=3%3Ab&pc=media'));
  });

  it('session header: "live for" counts from the clock (with the live values\' steps, else every 10 s); all PCs closed says so instead', async () => {
    vi.useFakeTimers({ now: T0 + 65_200 });
    try {
      const view = render(<LiveFor startedAt={T0} />);
      expect(view.container.textContent).toBe('1 min 05 s');
      // No render from the header (no live stats): its own timer moves it, every 10 s, never every second (a DOM
      // change in a frame of its own every second costs a live panel a style, layout and paint each time).
      act(() => void vi.advanceTimersByTime(LIVE_FOR_FALLBACK_MS - 1));
      expect(view.container.textContent).toBe('1 min 05 s');
      act(() => void vi.advanceTimersByTime(1));
      expect(view.container.textContent).toBe('1 min 15 s');
      expect(vi.getTimerCount()).toBe(1);
      // A render of the header (a live-values step) shows the time at once.
      vi.setSystemTime(T0 + 77_000);
      view.rerender(<LiveFor startedAt={T0} />);
      expect(view.container.textContent).toBe('1 min 17 s');
      expect(vi.getTimerCount()).toBe(1);
      view.unmount();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    cleanup();

    const data = callSession('3:a', T0);
    const bg = fakeBackground([data]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:a');
    const meta = () => document.querySelector('.session-head-meta')!.textContent!;
    expect(meta()).toContain('live for');
    // Hang-up: both PCs closed while the page stays open.
    const held = bg.sessions.get('3:a')!;
    act(() =>
      bg.push({
        session: held.session,
        pcs: [
          { ...held.pcs[0], closedAt: T0 + 300_000, closedBy: 'close' },
          { ...held.pcs[1], closedAt: T0 + 311_900, closedBy: 'close' },
        ],
        events: [],
        stats: [],
      }),
    );
    await vi.waitFor(() => expect(meta()).toContain('no live connection (all closed after 5 min 12 s)'));
    expect(meta()).not.toContain('live for');
  });

  it('switching connections scrolls back to the top of the connection (the tabs), when scrolled past it', async () => {
    const bg = fakeBackground([callSession('3:a', T0)]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:a');
    const main = screen.getByRole('main', { name: 'Session' });
    const page = document.querySelector('.session-page') as HTMLElement;
    // Scrolled 900 px down the main column, whose top is at 0; the session page (tabs first) starts 60 px into it.
    main.scrollTop = 900;
    const rect = (top: number) => ({ top, left: 0, right: 0, bottom: 0, width: 0, height: 0, x: 0, y: top, toJSON: () => ({}) }) as DOMRect;
    main.getBoundingClientRect = () => rect(0);
    page.getBoundingClientRect = () => rect(60 - main.scrollTop);
    fireEvent.click(screen.getByRole('tab', { name: /PC 0-2/ }));
    await screen.findByText('header of 0-2 in 3:a');
    expect(main.scrollTop).toBe(60);
    // Not scrolled past the tabs: left alone.
    main.scrollTop = 20;
    fireEvent.click(screen.getByRole('tab', { name: /PC 0-1/ }));
    await screen.findByText('header of 0-1 in 3:a');
    expect(main.scrollTop).toBe(20);
  });

  it('opens a live session on its first open connection, and stays on it when it closes', async () => {
    // A page that hung up (PC 0-1 closed) and called again (PC 0-2).
    const data = callSession('3:a', T0);
    data.pcs[0] = { ...data.pcs[0], closedAt: T0 + 4000, closedBy: 'close' };
    const ended = { ...callSession('3:old', T0 - 60_000), session: makeSummary({ id: '3:old', tabId: 3, title: 'Call 3:old', pcCount: 2, startedAt: T0 - 60_000, endedAt: T0 - 1000 }) };
    ended.pcs[0] = { ...ended.pcs[0], closedAt: T0 - 50_000, closedBy: 'close' };
    const bg = fakeBackground([data, ended]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-2 in 3:a');
    expect(screen.getByRole('tab', { name: /PC 0-2/ }).getAttribute('aria-selected')).toBe('true');
    // It closes too (and a third opens): the view stays where it was, it does not jump.
    const held = bg.sessions.get('3:a')!;
    const pc3 = makePc('0-3', T0 + 30, { sessionId: '3:a', connectionState: 'connecting' });
    act(() => bg.push({ session: { ...held.session, pcCount: 3 }, pcs: [{ ...held.pcs[1], closedAt: T0 + 9000, closedBy: 'close' }, pc3], events: [], stats: [] }));
    await screen.findByRole('tab', { name: /PC 0-3/ });
    expect(screen.getByText('header of 0-2 in 3:a')).toBeTruthy();
    // An ended session opens on its first connection, open at the end or not.
    fireEvent.click(screen.getByRole('button', { name: /3:old/ }));
    await screen.findByText('header of 0-1 in 3:old');
  });

  it('tells the charts whether the PC is live, closed, or of an ended session', async () => {
    const data = callSession('3:a', T0);
    data.pcs[1] = { ...data.pcs[1], closedAt: T0 + 4000, closedBy: 'close' };
    const bg = fakeBackground([data, { ...callSession('3:old', T0 - 60_000), session: makeSummary({ id: '3:old', tabId: 3, title: 'Call 3:old', pcCount: 2, startedAt: T0 - 60_000, endedAt: T0 - 1000 }) }]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:a');
    expect(screen.getByTestId('charts').dataset.status).toBe('live');
    fireEvent.click(screen.getByRole('tab', { name: /PC 0-2/ }));
    await screen.findByText('header of 0-2 in 3:a');
    expect(screen.getByTestId('charts').dataset.status).toBe('closed');
    fireEvent.click(screen.getByRole('button', { name: /3:old/ }));
    await screen.findByText('header of 0-1 in 3:old');
    expect(screen.getByTestId('charts').dataset.status).toBe('ended');
  });

  it('charts a field picked in the stats table, per connection, and removes it', async () => {
    const bg = fakeBackground([callSession('3:a', T0)]);
    render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    fireEvent.click(await screen.findByRole('button', { name: 'chart T01.bytesSent of 0-1' }));
    fireEvent.click(screen.getByRole('button', { name: 'chart T01.bytesSent of 0-1' }));
    expect(within(screen.getByTestId('charts')).getAllByRole('button', { name: 'remove T01.bytesSent' })).toHaveLength(1);
    fireEvent.click(screen.getByRole('tab', { name: /PC 0-2/ }));
    await screen.findByText('header of 0-2 in 3:a');
    expect(within(screen.getByTestId('charts')).queryAllByRole('button')).toHaveLength(0);
    fireEvent.click(screen.getByRole('tab', { name: /PC 0-1/ }));
    fireEvent.click(await screen.findByRole('button', { name: 'remove T01.bytesSent' }));
    expect(within(screen.getByTestId('charts')).queryAllByRole('button')).toHaveLength(0);
  });

  it('renders page-originated strings as text', async () => {
    const data = callSession('3:x', T0, { title: XSS, url: `https://evil.test/${XSS}` });
    data.pcs[1] = { ...data.pcs[1], frame: 1, frameUrl: `https://frame.test/${XSS}` };
    data.session.frames.push({ index: 1, frameLoadId: 'f', url: data.pcs[1].frameUrl, isTop: false, timeOrigin: T0, lastBatchSeq: 0 });
    const bg = fakeBackground([data], [{ t: T0, kind: 'pruned', message: XSS, sessionIds: [] }]);
    const { container } = render(<ScopeApp client={bg.client} mode="panel" tabId={3} storeOptions={STORE} />);
    await screen.findByText('header of 0-1 in 3:x');
    expect(sessionTitle().textContent).toBe(XSS);
    expect(screen.getByRole('tab', { name: /PC 0-2/ }).textContent).toContain(`in frame https://frame.test/${XSS}`);
    await screen.findByRole('status', { name: 'Retention notices' });
    expect(container.querySelector('img')).toBeNull();
  });

  it('has the charts read their colours again when the DevTools theme changes (not on the first render)', async () => {
    const bg = fakeBackground([]);
    const refresh = vi.mocked(refreshChartTheme);
    refresh.mockClear();
    const { rerender } = render(<ScopeApp client={bg.client} mode="panel" tabId={3} theme="dark" storeOptions={STORE} />);
    expect(refresh).not.toHaveBeenCalled();
    rerender(<ScopeApp client={bg.client} mode="panel" tabId={3} theme="dark" storeOptions={STORE} />);
    expect(refresh).not.toHaveBeenCalled();
    rerender(<ScopeApp client={bg.client} mode="panel" tabId={3} theme="light" storeOptions={STORE} />);
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('shows retention notices once, and follows the given theme', async () => {
    const notice: Notice = { t: T0, kind: 'pruned', message: 'Deleted 2 recorded sessions: older than 30 days.', sessionIds: ['a', 'b'] };
    const bg = fakeBackground([], [notice]);
    const { unmount } = render(<ScopeApp client={bg.client} mode="panel" tabId={3} theme="dark" storeOptions={STORE} />);
    expect(document.documentElement.dataset.theme).toBe('dark');
    const banner = await screen.findByRole('status', { name: 'Retention notices' });
    expect(banner.textContent).toContain('older than 30 days');
    fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('status', { name: 'Retention notices' })).toBeNull();
    unmount();
    render(<ScopeApp client={bg.client} mode="viewer" storeOptions={STORE} />);
    await screen.findByRole('heading', { name: 'No sessions stored' });
    expect(screen.queryByRole('status', { name: 'Retention notices' })).toBeNull();
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });
});
