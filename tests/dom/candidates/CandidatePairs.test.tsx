// @vitest-environment happy-dom
import { act, cleanup, render, screen, within } from '@testing-library/preact';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CandidatePairs } from '../../../components/candidates/CandidatePairs';
import { appendSamples } from '../../../lib/model/stats-columns';
import { CHROME_PAIR, columnsOf, fixedFeed, getStatsColumns, getStatsReport, iceStory, makePc, makeSession, XSS } from '../../fixtures/session-builders';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const T0 = 1_001_000;

function renderStory(count = 5, { ended = false } = {}) {
  const columns = columnsOf(iceStory().slice(0, count), T0, 1000);
  const data = makeSession({ pcs: [makePc('0-1', T0, ended ? { closedAt: T0 + count * 1000 } : {})], stats: { '0-1': columns } });
  const feed = fixedFeed({ '0-1': columns });
  render(<CandidatePairs data={data} pcId="0-1" feed={feed} />);
  return { columns, feed };
}

const bodyRows = () => within(screen.getByRole('table')).getAllByRole('row').slice(1);

describe('CandidatePairs', () => {
  it('a table with headers, one row per pair of the latest sample, the selected one first and marked', () => {
    renderStory(4);
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Selected',
      'Local candidate',
      'Remote candidate',
      'State',
      'Nominated',
      'RTT',
      'Avg RTT',
      'Bytes sent',
      'Bytes received',
      'Requests sent / received',
      'Responses sent / received',
      'Consent requests',
    ]);
    expect(table.querySelector('caption')?.textContent).toBe('Candidate pairs at +3.000 s');
    // Its accessible name does not depend on how a browser joins the caption's text and its live time.
    expect(table.getAttribute('aria-label')).toBe('Candidate pairs of connection 0-1');
    const rows = bodyRows();
    expect(rows.map((r) => r.getAttribute('data-pair-id'))).toEqual(['CPrelay2', CHROME_PAIR]);
    const cells = within(rows[0]).getAllByRole('cell').map((c) => c.textContent);
    expect(cells.slice(0, 5)).toEqual(['✓ selected', 'relay udp 203.0.113.7:62000 relay tls', 'host udp 127.0.0.1:36220', 'succeeded', 'yes']);
    expect(rows[0].className).toBe('cp-selected');
    expect(within(rows[1]).getAllByRole('cell')[0].textContent).toBe('');
    expect(cells.slice(5)).toEqual(['1 ms', '1.33 ms', '1.03 MB', '16.4 kB', '9 / 9', '9 / 9', '8']);
  });

  it('the table scrolls sideways in its own focusable, named box (the main column does not scroll sideways)', () => {
    renderStory(4);
    const box = screen.getByRole('region', { name: 'Candidate pairs table of connection 0-1' });
    expect(box.classList.contains('cp-table-scroll')).toBe(true);
    expect(box.tabIndex).toBe(0);
    expect(within(box).getByRole('table')).toBe(screen.getByRole('table'));
    // The box's CSS: scrolls on the x axis, with no containment (its LiveText cells change every step).
    const css = readFileSync(resolve(__dirname, '../../../components/candidates/candidates.css'), 'utf8');
    const rule = /\.cp-table-scroll\s*\{([^}]*)\}/.exec(css)?.[1] ?? '';
    expect(rule).toMatch(/overflow-x:\s*auto/);
    expect(rule).not.toMatch(/contain\s*:/);
  });

  it('a state timeline per pair and the selected pair over time, with a text alternative', async () => {
    renderStory(5, { ended: true });
    const figure = screen.getByRole('figure', { name: /Candidate pair states over time/ });
    expect(figure.querySelector('figcaption')?.textContent).toBe('Candidate pair states over time (+0.000 s to +4.000 s)');
    const lanes = figure.querySelectorAll('.cp-lane[data-pair-id]');
    expect([...lanes].map((l) => l.getAttribute('data-pair-id'))).toEqual([CHROME_PAIR, 'CPrelay', 'CPrelay2']);
    const relaySegments = lanes[1].querySelectorAll('.cp-seg');
    // Boxes placed in % of the track (left, width), the tooltip their title.
    const place = (g: HTMLElement) => `${g.style.left} ${g.style.width}`;
    expect([...relaySegments].map((g) => [g.getAttribute('class'), place(g as HTMLElement), g.getAttribute('title')])).toEqual([
      ['cp-seg cp-seg-waiting', '0.000% 25.000%', 'waiting +0.000 s – +1.000 s'],
      ['cp-seg cp-seg-failed', '25.000% 25.000%', 'failed +1.000 s – +2.000 s'],
    ]);
    const selected = figure.querySelectorAll('.cp-seg-selected');
    expect(selected).toHaveLength(2);
    // The text alternative is built when its details open.
    const details = figure.querySelector('details')!;
    expect(within(figure).queryAllByRole('listitem')).toHaveLength(0);
    details.open = true;
    const text = (await within(figure).findAllByRole('listitem')).map((li) => li.textContent);
    expect(text).toEqual([
      'host udp 127.0.0.1:50274 ⇄ host udp 127.0.0.1:36220: in-progress +0.000 s – +1.000 s; succeeded +1.000 s – +4.000 s',
      'relay udp 203.0.113.7:61000 (relay tls) ⇄ host udp 127.0.0.1:36220: waiting +0.000 s – +1.000 s; failed +1.000 s – +2.000 s',
      'relay udp 203.0.113.7:62000 (relay tls) ⇄ host udp 127.0.0.1:36220: succeeded +3.000 s – +4.000 s',
      'Selected +1.000 s – +3.000 s: host udp 127.0.0.1:50274 ⇄ host udp 127.0.0.1:36220',
      'Selected +3.000 s – +4.000 s: relay udp 203.0.113.7:62000 (relay tls) ⇄ host udp 127.0.0.1:36220',
    ]);
    // The drawing itself is hidden from assistive technology (the list says the same).
    expect(figure.querySelector('.cp-lanes')?.getAttribute('aria-hidden')).toBe('true');
  });

  it('a switch of the selected pair shows in its lane (another shade, a divider), and lane labels tell the whole pair', () => {
    renderStory(5, { ended: true });
    const figure = screen.getByRole('figure', { name: /Candidate pair states over time/ });
    // Selected: the host pair +1 s – +3 s, then (touching it) the second relay pair +3 s – +4 s.
    const selected = [...figure.querySelectorAll('.cp-lane-selected .cp-seg')];
    expect(selected.map((g) => g.getAttribute('class'))).toEqual(['cp-seg cp-seg-selected', 'cp-seg cp-seg-selected cp-seg-selected-alt cp-seg-switch']);
    // The key names both shades (and no state the story lacks a colour for).
    expect([...figure.querySelectorAll('.cp-key li')].map((li) => li.textContent)).toEqual([
      'selected (the shade changes with the pair)', 'succeeded', 'waiting, in progress or frozen', 'failed',
    ]);
    expect(selected[1].getAttribute('title')).toBe(
      'selected +3.000 s – +4.000 s: local relay udp 203.0.113.7:62000 (relay tls, turns:turn.example.org:443?transport=tcp) ⇄ remote host udp 127.0.0.1:36220 · stats id CPrelay2',
    );
    // Both relay pairs start alike (cut short on screen): the tooltip has them whole, with types, protocol, addresses.
    const label = figure.querySelector('.cp-lane[data-pair-id="CPrelay"] .cp-lane-label')!;
    expect(label.getAttribute('title')).toBe(
      'local relay udp 203.0.113.7:61000 (relay tls, turns:turn.example.org:443?transport=tcp) ⇄ remote host udp 127.0.0.1:36220 · stats id CPrelay',
    );
  });

  it('the key names the states it has no colour for (cancelled, a browser\'s own), drawn grey', () => {
    const story = iceStory().slice(0, 5);
    const withRelay = story.filter((report) => report.CPrelay);
    expect(withRelay.length).toBeGreaterThan(0);
    withRelay[withRelay.length - 1].CPrelay.state = 'cancelled';
    const columns = columnsOf(story, T0, 1000);
    render(<CandidatePairs data={makeSession({ pcs: [makePc('0-1', T0, { closedAt: T0 + 5000 })], stats: { '0-1': columns } })} pcId="0-1" feed={fixedFeed({ '0-1': columns })} />);
    const figure = screen.getByRole('figure', { name: /Candidate pair states over time/ });
    expect(figure.querySelector('.cp-lane[data-pair-id="CPrelay"] .cp-seg-cancelled')).not.toBeNull();
    expect([...figure.querySelectorAll('.cp-key li')].map((li) => li.textContent).at(-1)).toBe('cancelled');
    // Its swatch is the segments' grey (a swatch without a colour class had none: an empty box).
    expect(figure.querySelector('.cp-key li:last-child .cp-swatch')!.classList.contains('cp-swatch-other')).toBe(true);
  });

  it('live: the track runs a step past the newest sample, so a new sample moves no segment, only lengthens the current ones', () => {
    // The views re-render at most once a second (useFeedVersion): a clock to step.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const { columns, feed } = renderStory(3);
    const figure = screen.getByRole('figure', { name: /Candidate pair states over time/ });
    const place = () => [...figure.querySelectorAll<HTMLElement>('.cp-lane[data-pair-id] .cp-seg')].map((g) => `${g.style.left} ${g.style.width}`);
    // Samples at +0, +1, +2 s; the track ends 2 s past the newest (the least headroom; 4 s long).
    const before = place();
    expect(before).toEqual(['0.000% 25.000%', '25.000% 25.000%', '0.000% 25.000%', '25.000% 25.000%']);
    act(() => {
      vi.advanceTimersByTime(1000);
      appendSamples(columns, [{ index: 3, t: T0 + 3000, report: iceStory()[3] }]);
      feed.emit('0-1', 3);
    });
    // +3 s: every segment where it was; the host pair's current one (succeeded since +1 s) is longer.
    expect(figure.querySelector('figcaption')?.textContent).toBe('Candidate pair states over time (+0.000 s to +3.000 s)');
    const after = place();
    expect(after.slice(0, 1)).toEqual(before.slice(0, 1));
    expect(after[1]).toBe('25.000% 50.000%');
    expect(after.slice(2, 4)).toEqual(before.slice(2, 4));
    // A sample past the end: the next step (a new end a quarter of the 23 s span past it), everything placed anew.
    act(() => {
      vi.advanceTimersByTime(1000);
      appendSamples(columns, [{ index: 4, t: T0 + 23_000, report: iceStory()[4] }]);
      feed.emit('0-1', 4);
    });
    expect(place()[0]).toBe('0.000% 3.478%');
    vi.useRealTimers();
  });

  it('a PC that can get no more samples (closed, session ended, imported without an end) ends its track at its last sample', () => {
    const columns = columnsOf(iceStory().slice(0, 3), T0, 1000);
    const feed = fixedFeed({ '0-1': columns });
    const place = () => [...document.querySelectorAll<HTMLElement>('.cp-lane[data-pair-id] .cp-seg')].map((g) => `${g.style.left} ${g.style.width}`);
    // Samples at +0, +1, +2 s: the track is those 2 s, no headroom (live, it would be 4 s long: see the test above).
    const whole = ['0.000% 50.000%', '50.000% 50.000%', '0.000% 50.000%', '50.000% 50.000%'];
    const cases = {
      closed: makeSession({ pcs: [makePc('0-1', T0, { closedAt: T0 + 2500 })], stats: { '0-1': columns } }),
      ended: makeSession({ pcs: [makePc('0-1', T0)], stats: { '0-1': columns }, summary: { endedAt: T0 + 2500 } }),
      // Our own format keeps a session exported while it was live without an end: imported, it still gets no samples.
      imported: makeSession({ pcs: [makePc('0-1', T0)], stats: { '0-1': columns }, summary: { tabId: null, imported: { fileName: 'call.scope.json', format: 'scope' } } }),
    };
    for (const [name, data] of Object.entries(cases)) {
      render(<CandidatePairs data={data} pcId="0-1" feed={feed} />);
      expect(place(), name).toEqual(whole);
      cleanup();
    }
  });

  it('a shown PC that closes switches its track from the live end to its last sample', () => {
    const columns = columnsOf(iceStory().slice(0, 3), T0, 1000);
    const feed = fixedFeed({ '0-1': columns });
    const place = () => [...document.querySelectorAll<HTMLElement>('.cp-lane[data-pair-id] .cp-seg')].map((g) => `${g.style.left} ${g.style.width}`);
    const open = makeSession({ pcs: [makePc('0-1', T0)], stats: { '0-1': columns } });
    const view = render(<CandidatePairs data={open} pcId="0-1" feed={feed} />);
    expect(place()[0]).toBe('0.000% 25.000%');
    // The store's structural update: a new SessionData whose PC summary has a close time.
    view.rerender(<CandidatePairs data={{ ...open, pcs: [makePc('0-1', T0, { closedAt: T0 + 2500 })] }} pcId="0-1" feed={feed} />);
    expect(place()).toEqual(['0.000% 50.000%', '50.000% 50.000%', '0.000% 50.000%', '50.000% 50.000%']);
  });

  it('Firefox 153: the pair flagged selected, prflx remote, counters it lacks shown as dashes', () => {
    const columns = getStatsColumns('firefox153.json', 'pc1');
    render(<CandidatePairs data={makeSession({ pcs: [makePc('0-1', 1)] })} pcId="0-1" feed={fixedFeed({ '0-1': columns })} />);
    const [row] = bodyRows();
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent);
    expect(cells[0]).toBe('✓ selected');
    expect(cells[2]).toBe('prflx udp 10.213.0.1:45489');
    expect(cells[9]).toBe('— / —');
    expect(cells[11]).toBe('—');
  });

  it('follows new samples from the feed', () => {
    const { columns, feed } = renderStory(1);
    expect(bodyRows().map((r) => within(r).getAllByRole('cell')[3].textContent)).toEqual(['in-progress', 'waiting']);
    act(() => {
      appendSamples(columns, [{ index: 1, t: T0 + 1000, report: iceStory()[1] }]);
      feed.emit('0-1', 1);
    });
    expect(bodyRows().map((r) => within(r).getAllByRole('cell')[3].textContent)).toEqual(['succeeded', 'failed']);
  });

  it('empty states: no samples; a sample without pairs', () => {
    render(<CandidatePairs data={makeSession({ pcs: [makePc('0-1', 1)] })} pcId="0-1" feed={fixedFeed({})} />);
    expect(screen.getByText(/No stats samples yet/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
    cleanup();
    const imported = makeSession({ pcs: [makePc('0-1', 1)], summary: { imported: { fileName: 'aboutWebrtc.html', format: 'firefox-about-webrtc' }, endedAt: 10 } });
    render(<CandidatePairs data={imported} pcId="0-1" feed={fixedFeed({})} />);
    expect(screen.getByText('The imported file has no stats samples for this connection.')).toBeTruthy();
    cleanup();
    const report = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    delete report[CHROME_PAIR];
    render(<CandidatePairs data={makeSession()} pcId="0-1" feed={fixedFeed({ '0-1': columnsOf([report]) })} />);
    expect(screen.getByText('No candidate pairs in the latest sample.')).toBeTruthy();
  });

  it('renders candidate strings as text', () => {
    const report = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (report.IRO1jwMwM as Record<string, unknown>).address = XSS;
    render(<CandidatePairs data={makeSession()} pcId="0-1" feed={fixedFeed({ '0-1': columnsOf([report]) })} />);
    expect(within(bodyRows()[0]).getAllByRole('cell')[2].textContent).toBe(`host udp ${XSS}:36220`);
    expect(document.querySelector('img')).toBeNull();
  });
});

describe('CandidatePairs on several transports', () => {
  it("names each pair's transport when the PC's pairs span several (the same two addresses pair on each)", () => {
    const cand = (id: string, type: string, address: string) => ({ id, type, candidateType: 'host', protocol: 'udp', address, port: 5000, timestamp: T0 });
    const pair = (id: string, transportId: string) => ({ id, type: 'candidate-pair', transportId, localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', timestamp: T0 });
    const report = { L: cand('L', 'local-candidate', '10.0.0.1'), R: cand('R', 'remote-candidate', '10.0.0.2'), P1: pair('P1', 'T-audio'), P2: pair('P2', 'T-video') };
    render(<CandidatePairs data={makeSession({ pcs: [makePc('0-1', T0)] })} pcId="0-1" feed={fixedFeed({ '0-1': columnsOf([report as never]) })} />);
    expect(bodyRows().map((r) => within(r).getAllByRole('cell')[1].textContent)).toEqual(['host udp 10.0.0.1:5000 on T-audio', 'host udp 10.0.0.1:5000 on T-video']);
  });
});

describe('CandidatePairs with pairs between the same two candidates', () => {
  it('names those pairs by their id (Chrome legacy connections), and no others', () => {
    const cand = (id: string, type: string, address: string) => ({ id, type, candidateType: 'host', protocol: 'udp', address, port: 5000, timestamp: T0 });
    const pair = (id: string, remote: string) => ({ id, type: 'candidate-pair', transportId: 'T', localCandidateId: 'L', remoteCandidateId: remote, state: 'succeeded', timestamp: T0 });
    const report = { L: cand('L', 'local-candidate', '10.0.0.1'), R: cand('R', 'remote-candidate', '10.0.0.2'), R2: cand('R2', 'remote-candidate', '10.0.0.3'), 'Conn-1': pair('Conn-1', 'R'), 'Conn-2': pair('Conn-2', 'R'), 'Conn-3': pair('Conn-3', 'R2') };
    render(<CandidatePairs data={makeSession({ pcs: [makePc('0-1', T0)] })} pcId="0-1" feed={fixedFeed({ '0-1': columnsOf([report as never]) })} />);
    expect(bodyRows().map((r) => within(r).getAllByRole('cell')[1].textContent).sort()).toEqual([
      'host udp 10.0.0.1:5000',
      'host udp 10.0.0.1:5000 pair Conn-1',
      'host udp 10.0.0.1:5000 pair Conn-2',
    ]);
  });
});
