// @vitest-environment happy-dom
/**
 * The popup with tab health computed by the real health core from the corpus call (and a lossy variant): what it
 * shows per live PC, the empty state, the pause/resume round trip, buttons, refresh, text-only page strings.
 */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Popup, POPUP_REFRESH_MS } from '../../../components/popup/Popup';
import { assessPc, pcGlance } from '../../../lib/model/health/assess';
import { sessionIssues } from '../../../lib/model/health/rules';
import { DEFAULT_SETTINGS, type Settings } from '../../../lib/model/settings';
import type { LivePcHealth, TabHealth, ViewRequest } from '../../../lib/protocol/messages';
import type { BackgroundClient } from '../../../lib/views/background-client';
import { EventStream, internalsCallSession, XSS } from '../../fixtures/session-builders';

afterEach(cleanup);

const call = internalsCallSession();

function livePcs(extraEvents = new EventStream()): LivePcHealth[] {
  return call.pcs.map((pc) => {
    const events = [...call.events, ...extraEvents.events];
    const columns = call.stats[pc.pcId];
    const health = assessPc({ pcId: pc.pcId, pc, columns, events, now: columns.t[columns.t.length - 1] });
    return { ...pcGlance(health, columns, events, pc), createdAt: pc.createdAt, frameUrl: pc.frameUrl };
  });
}

function tabHealth(overrides: Partial<TabHealth> = {}): TabHealth {
  return {
    tabId: 5,
    current: { ...call.session, title: XSS, url: 'https://call.example/room' },
    live: livePcs(),
    currentOverall: null,
    mediaFailures: [],
    verdict: 'good',
    recent: [],
    capture: { site: 'call.example', sitePaused: false, excluded: false, pausedEverywhere: false },
    ...overrides,
  };
}

function fakeClient(initial: TabHealth) {
  let health = initial;
  let settings: Settings = { ...DEFAULT_SETTINGS };
  const requests: ViewRequest[] = [];
  const client = {
    request: (async (r: ViewRequest) => {
      requests.push(r);
      switch (r.type) {
        case 'get-tab-health':
          return structuredClone(health);
        case 'get-settings':
          return structuredClone(settings);
        case 'set-settings':
          settings = { ...settings, ...r.settings };
          health = { ...health, capture: { ...health.capture, sitePaused: settings.pausedSites.includes('call.example') } };
          return structuredClone(settings);
        default:
          throw new Error(`unexpected ${r.type}`);
      }
    }) as BackgroundClient['request'],
    subscribeTab: () => () => undefined,
    setStatsFilter: () => undefined,
    close: () => undefined,
  } satisfies BackgroundClient;
  return { client, requests, set: (h: TabHealth) => (health = h), settings: () => settings };
}

const renderPopup = (health: TabHealth) => {
  const fake = fakeClient(health);
  const openViewer = vi.fn();
  const openPanelPage = vi.fn();
  render(<Popup client={fake.client} tabId={5} openViewer={openViewer} openPanelPage={openPanelPage} now={() => call.session.startedAt + 65_000} />);
  return { ...fake, openViewer, openPanelPage };
};

describe('Popup', () => {
  it('shows each live PC: verdict, state, path, bitrates, RTT, loss, jitter', async () => {
    renderPopup(tabHealth());
    const list = await screen.findByRole('list', { name: 'Live peer connections' });
    const receiver = within(list).getByRole('listitem', { name: 'Peer connection 0-2' });
    expect(receiver.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('good');
    expect(receiver.querySelector('[data-verdict]')!.textContent).toMatch(/^Good · now \d+\/100$/);
    expect(receiver.querySelector('[data-field="state"]')!.textContent).toBe('connected');
    expect(receiver.querySelector('[data-field="path"]')!.textContent).toBe('host ⇄ host');
    expect(receiver.querySelector('[data-field="receive-bitrate"]')!.textContent).toMatch(/^\d+(\.\d+)? (kbit|Mbit)\/s$/);
    expect(receiver.textContent).toContain('No issue.');
    expect(screen.getByTestId('tab-verdict').textContent).toBe('2 live connections: Good');
    // The page's title is text, never markup.
    expect(screen.getByText(XSS)).toBeTruthy();
    expect(document.querySelector('img')).toBeNull();
  });

  it('names the top issue in words with its advice', async () => {
    const failed = new EventStream().event('0-2', call.stats['0-2'].t.at(-1)! - 1000, 'connectionstatechange', 'failed');
    const live = livePcs(failed);
    renderPopup(tabHealth({ live, verdict: 'very-low' }));
    const card = await screen.findByRole('listitem', { name: 'Peer connection 0-2' });
    const issue = card.querySelector('[data-rule]')!;
    expect(issue.getAttribute('data-rule')).toBe('connection-failed');
    expect(issue.querySelector('.popup-issue__what')!.textContent).toBe('Connection failed (connection)');
    expect(issue.querySelector('.popup-issue__evidence')!.textContent).toBe('connection state: failed');
    expect(issue.textContent).toContain('TURN servers');
    expect(card.querySelector('[data-verdict]')!.getAttribute('data-verdict')).toBe('very-low');
  });

  it('empty state for a tab without WebRTC', async () => {
    renderPopup(tabHealth({ live: [], verdict: null, current: { ...call.session, pcCount: 0 } }));
    expect((await screen.findByTestId('popup-empty')).textContent).toContain('No WebRTC in this tab yet');
    expect(screen.queryByTestId('tab-verdict')).toBeNull();
  });

  it('a page whose camera request failed: says so, with or without a call (QA: "No WebRTC in this tab yet")', async () => {
    const failed = sessionIssues(new EventStream().media(call.session.startedAt, 'getUserMedia', [{ video: true }], { error: { name: 'NotFoundError', message: 'Requested device not found' } }).events);
    renderPopup(tabHealth({ live: [], verdict: null, current: { ...call.session, pcCount: 0 }, mediaFailures: failed }));
    const box = await screen.findByTestId('popup-media-failed');
    expect(box.textContent).toBe('Camera or microphone request failedgetUserMedia: NotFoundError: Requested device not found');
    expect(screen.getByTestId('popup-empty').textContent).toBe('No peer connection in this tab yet.');
    cleanup();
    // With live connections: above them.
    renderPopup(tabHealth({ mediaFailures: failed }));
    expect((await screen.findByTestId('popup-media-failed')).textContent).toContain('NotFoundError');
    expect(screen.getByRole('list', { name: 'Live peer connections' })).toBeTruthy();
    cleanup();
    renderPopup(tabHealth());
    await screen.findByRole('list', { name: 'Live peer connections' });
    expect(screen.queryByTestId('popup-media-failed')).toBeNull();
  });

  it('a call that hung up: its verdict over the call; capture off for the site: says so instead of frozen figures', async () => {
    renderPopup(tabHealth({ live: [], verdict: null, currentOverall: { session: call.session, assessed: true, verdict: 'good', score: 93, topIssue: 'Packet loss' } }));
    const empty = await screen.findByTestId('popup-empty');
    expect(empty.textContent).toBe('No live peer connection in this tab now; its connections have closed. Over the call: Good · Packet loss');
    cleanup();
    renderPopup(tabHealth({ live: [], verdict: null, capture: { site: 'call.example', sitePaused: true, excluded: false, pausedEverywhere: false } }));
    expect((await screen.findByTestId('popup-empty')).textContent).toBe('Capture is off for this page: what its connections do now is not recorded.');
    expect(screen.getByText(/^Capture is paused on call\.example: nothing more of its pages is recorded until you resume it/)).toBeTruthy();
  });

  it('pause and resume capture on the site through the settings', async () => {
    const fake = renderPopup(tabHealth());
    fireEvent.click(await screen.findByRole('button', { name: 'Pause capture on call.example' }));
    await screen.findByRole('button', { name: 'Resume capture on call.example' });
    expect(fake.settings().pausedSites).toEqual(['call.example']);
    fireEvent.click(screen.getByRole('button', { name: 'Resume capture on call.example' }));
    await screen.findByRole('button', { name: 'Pause capture on call.example' });
    expect(fake.settings().pausedSites).toEqual([]);
  });

  it('buttons open the viewer on this session, on an earlier one, and the panel page', async () => {
    const earlier = { ...call.session, id: '5:older', startedAt: call.session.startedAt - 600_000 };
    const fake = renderPopup(tabHealth({ recent: [{ session: earlier, assessed: true, verdict: 'low', score: 70, topIssue: 'High packet loss' }] }));
    fireEvent.click(await screen.findByRole('button', { name: 'Open this session in the viewer' }));
    expect(fake.openViewer).toHaveBeenLastCalledWith(call.session.id);
    const recent = screen.getByRole('region', { name: 'Earlier sessions of this tab' });
    expect(recent.textContent).toContain('Low quality');
    expect(recent.textContent).toContain('High packet loss');
    fireEvent.click(within(recent).getAllByRole('button')[0]);
    expect(fake.openViewer).toHaveBeenLastCalledWith('5:older');
    fireEvent.click(screen.getByRole('button', { name: 'Open the panel for this tab' }));
    expect(fake.openPanelPage).toHaveBeenCalledWith(5);
  });

  it('refreshes once a second while open, and stops when closed', async () => {
    vi.useFakeTimers();
    try {
      const fake = renderPopup(tabHealth());
      await act(async () => void (await vi.advanceTimersByTimeAsync(10)));
      const first = fake.requests.filter((r) => r.type === 'get-tab-health').length;
      fake.set(tabHealth({ live: [], verdict: null }));
      await act(async () => void (await vi.advanceTimersByTimeAsync(POPUP_REFRESH_MS * 3)));
      expect(fake.requests.filter((r) => r.type === 'get-tab-health').length).toBe(first + 3);
      expect(screen.getByTestId('popup-empty')).toBeTruthy();
      cleanup();
      const after = fake.requests.length;
      await vi.advanceTimersByTimeAsync(POPUP_REFRESH_MS * 3);
      expect(fake.requests.length).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Popup: earlier sessions without a verdict over the call', () => {
  it('media too short on every connection: "Not enough data", saying why; no media: "No media"; not assessed yet: "assessing…"', async () => {
    const session = (id: string, minutes: number) => ({ ...call.session, id, startedAt: call.session.startedAt - minutes * 60_000 });
    renderPopup(tabHealth({
      recent: [
        { session: session('5:short', 10), assessed: true, verdict: null, score: 42, topIssue: null },
        { session: session('5:empty', 20), assessed: true, verdict: null, score: null, topIssue: null },
        { session: session('5:new', 30), assessed: false, verdict: null, score: null, topIssue: null },
      ],
    }));
    const recent = await screen.findByRole('region', { name: 'Earlier sessions of this tab' });
    const verdicts = [...recent.querySelectorAll('.popup-verdict')];
    expect(verdicts.map((v) => v.textContent)).toEqual(['Not enough data', 'No media', 'assessing…']);
    expect(verdicts[0].getAttribute('data-no-verdict')).toBe('too-little-media');
    expect(verdicts[0].getAttribute('title')).toBe('No verdict over the call: less than 30 s of media on any connection');
    expect(verdicts[1].getAttribute('data-no-verdict')).toBe('no-media');
    expect(recent.textContent).not.toContain('No verdict yet');
  });
});

describe('Popup: UX review', () => {
  it('a lowered score with no issue says what sets it; Send/Receive and Loss/Jitter say what they are', async () => {
    const base = livePcs()[1];
    const pc: LivePcHealth = { ...base, verdict: 'low', score: 80, scoreFactor: 'inbound video (ssrc 22): frame rate 15 fps (of 30)', topIssue: null, ongoing: [] };
    renderPopup(tabHealth({ live: [pc], verdict: 'low' }));
    const card = await screen.findByRole('listitem', { name: 'Peer connection 0-2' });
    expect(card.querySelector('.popup-issue--none')!.textContent).toBe('No issue. Score set by inbound video (ssrc 22): frame rate 15 fps (of 30).');
    expect(base.bitrateSource).toBe('transport');
    expect(card.querySelector('[data-field="send-bitrate"]')!.getAttribute('title')).toMatch(/selected candidate pair/);
    expect(card.querySelector('[data-field="receive-bitrate"]')!.getAttribute('title')).toMatch(/selected candidate pair/);
    expect(card.querySelector('[data-field="jitter"]')!.getAttribute('title')).toMatch(/receiver report/);
  });
  it('the top issue\'s note (what the evidence suggests) is shown under its evidence', async () => {
    const base = livePcs()[0];
    const issue = {
      rule: 'quality-limited-bandwidth' as const, severity: 'warning' as const, pcId: base.pcId, subjectId: 'OV', subject: 'outbound video (ssrc 1)', from: 1, to: null,
      evidence: { metric: 'time quality-limited', value: 100, unit: '%', threshold: 30, note: 'The sender\'s encoding parameters likely cap it.' },
    };
    renderPopup(tabHealth({ live: [{ ...base, topIssue: issue, ongoing: [issue] }] }));
    const card = await screen.findByRole('listitem', { name: `Peer connection ${base.pcId}` });
    expect(card.querySelector('.popup-issue__note')!.textContent).toBe('The sender\'s encoding parameters likely cap it.');
    expect(card.querySelector('.popup-issue__advice')).not.toBeNull();
  });
  it('a stream paused by another connection of the page: the note names it, and the network advice is left out', async () => {
    const base = livePcs()[0];
    const note = 'Paused by this page: its connection 0-1 left the sender of this stream without a track (replaceTrack(null)) at +4.025 s.';
    const issue = {
      rule: 'no-packets-received' as const, severity: 'info' as const, pcId: base.pcId, subjectId: 'IV', subject: 'inbound video (ssrc 1)', from: 1, to: null,
      evidence: { metric: 'time without packets', value: 6, unit: 's', threshold: 5, note, pausedBy: '0-1' },
    };
    renderPopup(tabHealth({ live: [{ ...base, topIssue: issue, ongoing: [issue] }] }));
    const card = await screen.findByRole('listitem', { name: `Peer connection ${base.pcId}` });
    expect(card.querySelector('.popup-issue__note')!.textContent).toBe(note);
    expect(card.querySelector('.popup-issue__advice')).toBeNull();
  });
});

describe('Popup: a verdict with no media rated names its issue, not "Low quality"', () => {
  it('an offer never answered: the card and the tab line say "Offer not answered"; a call with media keeps its quality verdict', async () => {
    const pc = { ...call.pcs[0], pcId: '0-9', signalingState: 'have-local-offer' };
    const events = new EventStream().created('0-9', pc.createdAt);
    events.event('0-9', pc.createdAt + 10, 'signalingstatechange', 'have-local-offer');
    const health = assessPc({ pcId: '0-9', pc, columns: undefined, events: events.events, now: pc.createdAt + 45_000 });
    const stuck: LivePcHealth = { ...pcGlance(health, undefined, events.events, pc), createdAt: pc.createdAt, frameUrl: pc.frameUrl };
    renderPopup(tabHealth({ live: [stuck], verdict: 'low' }));
    const card = await screen.findByRole('listitem', { name: 'Peer connection 0-9' });
    const verdict = card.querySelector('[data-verdict]')!;
    expect(verdict.getAttribute('data-verdict')).toBe('low');
    expect(verdict.textContent).toBe('Offer not answered');
    expect(card.querySelector('[data-rule]')!.getAttribute('data-rule')).toBe('negotiation-stuck');
    expect(screen.getByTestId('tab-verdict').textContent).toBe('1 live connection: Offer not answered');
    cleanup();
    // Beside a PC whose media is rated low, the tab's line is a quality verdict again.
    const rated: LivePcHealth = { ...livePcs()[1], verdict: 'low', score: 70 };
    renderPopup(tabHealth({ live: [stuck, rated], verdict: 'low' }));
    expect((await screen.findByTestId('tab-verdict')).textContent).toBe('2 live connections: Low quality');
  });

  it('an earlier session that failed before any media: "Connection failed" in place of "Very low quality"', async () => {
    renderPopup(tabHealth({ recent: [
      { session: { ...call.session, id: '5:failed' }, assessed: true, verdict: 'very-low', score: null, topIssue: 'Connection failed' },
      { session: { ...call.session, id: '5:rated', startedAt: call.session.startedAt - 60_000 }, assessed: true, verdict: 'very-low', score: 90, topIssue: 'Connection failed' },
    ] }));
    const recent = await screen.findByRole('region', { name: 'Earlier sessions of this tab' });
    expect([...recent.querySelectorAll('.popup-verdict')].map((v) => [v.getAttribute('data-verdict'), v.textContent])).toEqual([
      ['very-low', 'Connection failed'],
      ['very-low', 'Very low quality'],
    ]);
  });
});
