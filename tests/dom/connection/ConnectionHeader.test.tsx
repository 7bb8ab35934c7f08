// @vitest-environment happy-dom
import { act, cleanup, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionHeader } from '../../../components/connection/ConnectionHeader';
import { appendSamples } from '../../../lib/model/stats-columns';
import type { StatsReportJson } from '../../../lib/model/session';
import { CHROME_PAIR, EventStream, fixedFeed, getStatsColumns, getStatsReport, internalsCallSession, makePc, makeSession, XSS } from '../../fixtures/session-builders';
import { LIVE_VALUES_INTERVAL_MS, liveStep } from '../../../components/connection/use-feed-version';
import { formatSecondsAsMs } from '../../../components/connection/format';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** The `<dd>` next to the `<dt>` with this text. */
function valueOf(term: string): HTMLElement {
  const dt = screen.getAllByText(term, { selector: 'dt' })[0];
  return dt.nextElementSibling as HTMLElement;
}

describe('ConnectionHeader', () => {
  it('shows states, DTLS, the selected pair and codecs of a Chromium 156 sender', () => {
    const columns = getStatsColumns('chromium156.json', 'pc1');
    const pc = makePc('0-1', 1_000_500, { connectionState: 'connected', iceConnectionState: 'connected', iceGatheringState: 'complete' });
    const data = makeSession({ pcs: [pc], stats: { '0-1': columns } });
    render(<ConnectionHeader data={data} pcId="0-1" feed={fixedFeed({ '0-1': columns })} />);
    const region = screen.getByRole('region', { name: 'Connection 0-1 summary' });
    expect(region).toBeTruthy();
    expect(valueOf('Connection').textContent).toBe('connected');
    expect(valueOf('Connection').querySelector('span')?.className).toContain('state-good');
    expect(valueOf('ICE').textContent).toBe('connected');
    expect(valueOf('ICE gathering').textContent).toBe('complete');
    expect(valueOf('Signaling').textContent).toBe('stable');
    expect(valueOf('DTLS').textContent).toBe('connected server DTLS 1.3 SRTP_AES128_CM_HMAC_SHA1_80');
    const pair = valueOf('Selected pair');
    expect(pair.textContent).toContain('local host udp 127.0.0.1:50274');
    expect(pair.textContent).toContain('remote host udp 127.0.0.1:36220');
    expect(pair.textContent).toContain('RTT 1 ms');
    // availableOutgoingBitrate is the congestion controller's estimate, not the send rate: labelled so, with a tooltip.
    expect(pair.textContent).toContain('available out 4.09 Mbit/s');
    const outLabel = within(pair).getByText('available out', { exact: false });
    expect(outLabel.getAttribute('title')).toMatch(/availableOutgoingBitrate.*congestion controller's estimate/);
    const codecs = within(valueOf('Codecs')).getAllByRole('listitem').map((li) => li.textContent);
    expect(codecs).toEqual(['send audio/opus PT 111 48000 Hz 2 ch (minptime=10;useinbandfec=1)', 'send video/VP8 PT 96 90000 Hz']);
    expect(valueOf('Closed').textContent).toBe('open');
    expect(valueOf('Created').querySelector('time')?.getAttribute('title')).toBeTruthy();
  });

  it('Firefox 153 receiver: prflx/host pair and codecs received', () => {
    const columns = getStatsColumns('firefox153.json', 'pc1');
    const data = makeSession({ pcs: [makePc('0-1', 1)], stats: { '0-1': columns } });
    render(<ConnectionHeader data={data} pcId="0-1" feed={fixedFeed({ '0-1': columns })} />);
    expect(valueOf('Selected pair').textContent).toContain('remote prflx udp 10.213.0.1:45489');
    expect(valueOf('DTLS').textContent).toContain('SRTP_AEAD_AES_128_GCM');
  });

  it('shows the latest state events, a failure in red, and the close time relative to creation', () => {
    const events = new EventStream().created('0-1', 1000).event('0-1', 2000, 'connectionstatechange', 'failed').events;
    const pc = makePc('0-1', 1000, { closedAt: 13_345, closedBy: 'close' });
    render(<ConnectionHeader data={makeSession({ pcs: [pc], events })} pcId="0-1" feed={fixedFeed({})} />);
    // Closed: the last recorded state (a failure) stays readable after the closed state.
    expect(valueOf('Connection').textContent).toBe('closed (last: failed)');
    expect(valueOf('Closed').textContent).toBe('+12.345 s (close())');
    // Closed without a sample: none will come.
    expect(valueOf('Selected pair').textContent).toBe('no stats');
    cleanup();
    // An imported PC the file never closes (Firefox's about:webrtc page lists open PCs).
    const imported = makeSession({ pcs: [makePc('0-1', 1000)], events, summary: { imported: { fileName: 'aboutWebrtc.html', format: 'firefox-about-webrtc' }, endedAt: 5000 } });
    render(<ConnectionHeader data={imported} pcId="0-1" feed={fixedFeed({})} />);
    expect(valueOf('Closed').textContent).toBe('open when the file was made');
    expect(valueOf('Selected pair').textContent).toBe('no stats');
    cleanup();
    render(<ConnectionHeader data={makeSession({ pcs: [pc], events })} pcId="0-1" feed={fixedFeed({})} />);
    expect(valueOf('Codecs').textContent).toBe('none in use');
    expect(valueOf('DTLS').textContent).toBe('—');
  });

  it('a closed PC shows its states and DTLS as closed, the last recorded ones muted, never live "connected"', () => {
    // Chromium fires no state events on close(): the last events and the last sample still say connected.
    const columns = getStatsColumns('chromium156.json', 'pc1');
    const events = new EventStream()
      .created('0-1', 1000)
      .event('0-1', 2000, 'iceconnectionstatechange', 'connected')
      .event('0-1', 2000, 'connectionstatechange', 'connected').events;
    const open = makePc('0-1', 1000, { connectionState: 'connected', iceConnectionState: 'connected', iceGatheringState: 'complete' });
    const feed = fixedFeed({ '0-1': columns });
    const { rerender } = render(<ConnectionHeader data={makeSession({ pcs: [open], events, stats: { '0-1': columns } })} pcId="0-1" feed={feed} />);
    expect(valueOf('Connection').textContent).toBe('connected');
    expect(valueOf('DTLS').textContent).toMatch(/^connected server/);
    const closed = { ...open, closedAt: 312_912, closedBy: 'close' as const };
    rerender(<ConnectionHeader data={makeSession({ pcs: [closed], events, stats: { '0-1': columns } })} pcId="0-1" feed={feed} />);
    expect(valueOf('Connection').textContent).toBe('closed (last: connected)');
    expect(valueOf('Connection').querySelector('.state-good')).toBeNull();
    expect(valueOf('Connection').querySelector('.state-closed')?.textContent).toBe('closed');
    expect(valueOf('ICE').textContent).toBe('closed (last: connected)');
    expect(valueOf('Signaling').textContent).toBe('closed (last: stable)');
    expect(valueOf('ICE gathering').textContent).toBe('complete');
    expect(valueOf('DTLS').textContent).toMatch(/^closed \(last: connected\) server/);
    expect(valueOf('Closed').textContent).toBe('+311.912 s (close())');
    for (const term of ['Connection', 'ICE', 'Signaling', 'DTLS']) expect(valueOf(term).querySelector('.state-good')).toBeNull();
  });

  it('follows appended samples every step of sample time and a change of state at once, in the appending task; unsubscribes on unmount', () => {
    vi.useFakeTimers();
    const columns = getStatsColumns('chromium156.json', 'pc1');
    const feed = fixedFeed({ '0-1': columns });
    const data = makeSession({ pcs: [makePc('0-1', 1)], stats: { '0-1': columns } });
    const { unmount } = render(<ConnectionHeader data={data} pcId="0-1" feed={feed} />);
    expect(feed.listenerCount()).toBe(1);
    const sample = (t: number, dtlsState: string, rtt: number) => {
      const r = structuredClone(getStatsReport('chromium156.json', 'pc1'));
      (r.T01 as Record<string, unknown>).dtlsState = dtlsState;
      (r[CHROME_PAIR] as Record<string, unknown>).currentRoundTripTime = rtt;
      act(() => {
        appendSamples(columns, [{ index: columns.t.length, t, report: r }]);
        feed.emit('0-1', columns.t.length - 1);
      });
    };
    const rtt = () => valueOf('Selected pair').textContent;
    const dtls = () => valueOf('DTLS').textContent;
    // Sample times from the start of a step of LIVE_VALUES_INTERVAL_MS (2 s).
    const t0 = (liveStep(columns.t[columns.t.length - 1]) + 1) * LIVE_VALUES_INTERVAL_MS;
    sample(t0, 'connected', 0.001);
    expect(rtt()).toContain(formatSecondsAsMs(0.001));
    // The same step: a new RTT waits…
    sample(t0 + 1000, 'connected', 0.002);
    expect(rtt()).toContain(formatSecondsAsMs(0.001));
    feed.emit('0-2', 0); // another PC: ignored
    // …a new DTLS state does not (and brings the RTT along).
    sample(t0 + 1500, 'failed', 0.003);
    expect(dtls()).toMatch(/^failed/);
    expect(rtt()).toContain(formatSecondsAsMs(0.003));
    // The next step renders in the appending task.
    sample(t0 + 2000, 'failed', 0.004);
    expect(rtt()).toContain(formatSecondsAsMs(0.004));
    // A sample held with no due append after it: rendered by the fallback 1.5 intervals later.
    sample(t0 + 3000, 'failed', 0.005);
    expect(rtt()).toContain(formatSecondsAsMs(0.004));
    act(() => void vi.advanceTimersByTime(2999));
    expect(rtt()).toContain(formatSecondsAsMs(0.004));
    act(() => void vi.advanceTimersByTime(1));
    expect(rtt()).toContain(formatSecondsAsMs(0.005));
    unmount();
    expect(feed.listenerCount()).toBe(0);
  });

  it('holds updates while off screen and renders once when scrolled back into view', () => {
    const callbacks: ((entries: { target: Element; isIntersecting: boolean }[]) => void)[] = [];
    vi.stubGlobal(
      'IntersectionObserver',
      class {
        constructor(cb: (entries: { target: Element; isIntersecting: boolean }[]) => void) {
          callbacks.push(cb);
        }
        observe() {}
        unobserve() {}
        disconnect() {}
      },
    );
    try {
      const columns = getStatsColumns('chromium156.json', 'pc1');
      const feed = fixedFeed({ '0-1': columns });
      render(<ConnectionHeader data={makeSession({ pcs: [makePc('0-1', 1)], stats: { '0-1': columns } })} pcId="0-1" feed={feed} />);
      const target = screen.getByRole('region', { name: 'Connection 0-1 summary' });
      expect(callbacks).toHaveLength(1);
      act(() => callbacks[0]([{ target, isIntersecting: false }]));
      const r = structuredClone(getStatsReport('chromium156.json', 'pc1'));
      (r.T01 as Record<string, unknown>).dtlsState = 'failed';
      act(() => {
        appendSamples(columns, [{ index: 1, t: 1_002_000, report: r }]);
        feed.emit('0-1', 1);
      });
      expect(valueOf('DTLS').textContent).toMatch(/^connected/);
      // What it shows is older than the data: marked busy for assistive technology until it renders again.
      expect(target.getAttribute('aria-busy')).toBe('true');
      act(() => callbacks[0]([{ target, isIntersecting: true }]));
      expect(valueOf('DTLS').textContent).toMatch(/^failed/);
      expect(target.hasAttribute('aria-busy')).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('reads the corpus call with its trace: states from the events', () => {
    const data = internalsCallSession();
    render(<ConnectionHeader data={data} pcId="0-2" feed={fixedFeed(data.stats)} />);
    expect(valueOf('Connection').textContent).toBe('connected');
    expect(valueOf('Selected pair').textContent).toContain('local host udp 127.0.0.1:41822');
  });

  it('renders page-originated strings as text', () => {
    const report = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (report.IaVtnq1Mq as Record<string, unknown>).address = XSS;
    (report['COT01_111_minptime=10;useinbandfec=1'] as Record<string, unknown>).sdpFmtpLine = XSS;
    const columns = getStatsColumns('chromium156.json', 'pc1');
    appendSamples(columns, [{ index: 1, t: 1_002_000, report }]);
    render(<ConnectionHeader data={makeSession({ pcs: [makePc('0-1', 1)] })} pcId="0-1" feed={fixedFeed({ '0-1': columns })} />);
    expect(valueOf('Selected pair').textContent).toContain(`${XSS}:50274`);
    expect(valueOf('Codecs').textContent).toContain(XSS);
    expect(document.querySelector('img')).toBeNull();
  });

  it("shows an imported PC's own id in the file, as text; none for recorded PCs", () => {
    const columns = getStatsColumns('chromium156.json', 'pc1');
    const feed = fixedFeed({ '0-1': columns });
    const { rerender } = render(<ConnectionHeader data={makeSession({ pcs: [makePc('0-1', 1, { fileId: '12-1' })] })} pcId="0-1" feed={feed} />);
    expect(valueOf('In file').textContent).toBe('12-1');
    rerender(<ConnectionHeader data={makeSession({ pcs: [makePc('0-1', 1, { fileId: XSS })] })} pcId="0-1" feed={feed} />);
    expect(valueOf('In file').textContent).toBe(XSS);
    expect(document.querySelector('img')).toBeNull();
    rerender(<ConnectionHeader data={makeSession({ pcs: [makePc('0-1', 1)] })} pcId="0-1" feed={feed} />);
    expect(screen.queryByText('In file')).toBeNull();
  });
});
