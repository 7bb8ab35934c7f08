// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatsTable } from '../../../components/stats/StatsTable';
import { appendSamples } from '../../../lib/model/stats-columns';
import { statsValueHint } from '../../../lib/model/stats-units';
import { columnsOf, fixedFeed, getStatsColumns, getStatsReport, makePc, makeSession, XSS } from '../../fixtures/session-builders';

// The real unit function, watched: the table must call it only for the fields it shows.
vi.mock('../../../lib/model/stats-units', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../lib/model/stats-units')>();
  return { ...actual, statsValueHint: vi.fn(actual.statsValueHint) };
});

afterEach(cleanup);

function renderTable(file: 'chromium156.json' | 'firefox153.json' = 'chromium156.json', pc: 'pc1' | 'pc2' = 'pc1') {
  const columns = getStatsColumns(file, pc);
  const feed = fixedFeed({ '0-1': columns });
  const onChartField = vi.fn();
  render(<StatsTable data={makeSession({ pcs: [makePc('0-1', 1_000_000)], stats: { '0-1': columns } })} pcId="0-1" feed={feed} onChartField={onChartField} />);
  return { columns, feed, onChartField };
}

/** The value cell of field `name` in the open object table `table`: its raw value and its unit hint apart. */
function valueCell(table: HTMLElement, name: string) {
  const cell = within(within(table).getByRole('rowheader', { name }).parentElement!).getAllByRole('cell')[0];
  return { text: cell.textContent, raw: cell.querySelector('.st-raw')?.textContent ?? null, hint: cell.querySelector('.st-hint')?.textContent ?? null };
}

const groupTitles = () => [...document.querySelectorAll('.st-group-toggle')].map((b) => b.textContent);
const objectButton = (id: string) =>
  ([...document.querySelectorAll('.st-object')].find((li) => li.getAttribute('data-stats-id') === id)?.querySelector('.st-object-toggle') ?? null) as HTMLElement | null;

describe('StatsTable', () => {
  it('groups the latest sample by type in debugging order, objects folded', () => {
    renderTable('chromium156.json', 'pc2');
    expect(screen.getByRole('region', { name: 'Stats of connection 0-1' })).toBeTruthy();
    expect(groupTitles()).toEqual([
      'inbound-rtp (audio) (1)',
      'inbound-rtp (video) (1)',
      'remote-outbound-rtp (2)',
      'candidate-pair (1)',
      'local-candidate (1)',
      'remote-candidate (1)',
      'transport (1)',
      'codec (2)',
      'data-channel (1)',
      'media-playout (1)',
      'peer-connection (1)',
      'certificate (2)',
    ]);
    expect(objectButton('IT01V893251156')!.textContent).toMatch(/^IT01V893251156 video ssrc 893251156 mid 1 \(\d+ fields\)$/);
    expect(objectButton('IT01V893251156')!.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryAllByRole('table')).toHaveLength(0);
    expect(screen.getByText('+1.000 s')).toBeTruthy();
  });

  it('opens an object to its fields; numeric fields have a chart button that calls onChartField', () => {
    const { onChartField } = renderTable();
    fireEvent.click(objectButton('OT01V893251156')!);
    const table = screen.getByRole('table', { name: 'outbound-rtp OT01V893251156' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Field', 'Value', 'Chart']);
    const row = (name: string) => within(table).getByRole('rowheader', { name }).parentElement as HTMLElement;
    expect(within(row('bytesSent')).getAllByRole('cell')[0].textContent).toBe('911958 (912 kB)');
    fireEvent.click(screen.getByRole('button', { name: 'Chart OT01V893251156 bytesSent' }));
    expect(onChartField).toHaveBeenCalledWith('OT01V893251156', 'bytesSent');
    expect(within(row('qualityLimitationReason')).queryByRole('button')).toBeNull();
    expect(within(row('timestamp')).queryByRole('button')).toBeNull();
    expect(valueCell(table, 'qualityLimitationDurations')).toEqual({
      text: '{"bandwidth":0,"cpu":0,"none":15.1,"other":0} (values in seconds)',
      raw: '{"bandwidth":0,"cpu":0,"none":15.1,"other":0}',
      hint: ' (values in seconds)',
    });
    fireEvent.click(objectButton('OT01V893251156')!);
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows a unit hint beside the raw value: epoch-ms times, seconds, bytes, bit/s', () => {
    const { columns, feed } = renderTable();
    fireEvent.click(objectButton('OT01V893251156')!);
    fireEvent.click(objectButton('RIA3630373197')!);
    fireEvent.click(objectButton('CPaVtnq1Mq_RO1jwMwM')!);
    const outbound = screen.getByRole('table', { name: 'outbound-rtp OT01V893251156' });
    // The exact value stays, as the page reported it; the hint follows, in parentheses.
    const ts = valueCell(outbound, 'timestamp');
    expect(ts.raw).toBe('1795314700999.29');
    expect(ts.hint).toMatch(/^ \(\d\d:\d\d:\d\d\.999 local time \(epoch ms\)\)$/);
    expect(ts.hint).toBe(` (${statsValueHint('timestamp', 1795314700999.29)})`);
    expect(ts.text).toBe(`1795314700999.29${ts.hint}`);
    expect(valueCell(outbound, 'bytesSent')).toEqual({ text: '911958 (912 kB)', raw: '911958', hint: ' (912 kB)' });
    expect(valueCell(outbound, 'targetBitrate')).toEqual({ text: '1700000 (1.7 Mbit/s)', raw: '1700000', hint: ' (1.7 Mbit/s)' });
    expect(valueCell(outbound, 'totalPacketSendDelay')).toEqual({ text: '0.020073 (20.1 ms)', raw: '0.020073', hint: ' (20.1 ms)' });
    // No unit, no hint: counts, identifiers, strings.
    for (const name of ['packetsSent', 'ssrc', 'qualityLimitationReason']) expect(valueCell(outbound, name).hint, name).toBeNull();

    const remote = screen.getByRole('table', { name: 'remote-inbound-rtp RIA3630373197' });
    expect(valueCell(remote, 'jitter')).toEqual({ text: '0.0005 (0.5 ms)', raw: '0.0005', hint: ' (0.5 ms)' });
    expect(valueCell(remote, 'roundTripTime')).toEqual({ text: '0.001114 (1.11 ms)', raw: '0.001114', hint: ' (1.11 ms)' });
    expect(valueCell(remote, 'fractionLost').hint).toBeNull();

    const pair = screen.getByRole('table', { name: 'candidate-pair CPaVtnq1Mq_RO1jwMwM' });
    expect(valueCell(pair, 'availableOutgoingBitrate').hint).toBe(' (4.09 Mbit/s)');
    expect(valueCell(pair, 'lastPacketSentTimestamp').hint).toMatch(/^ \(\d\d:\d\d:\d\d\.998 local time \(epoch ms\)\)$/);

    // Live values: the hint follows the new value.
    const next = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (next.OT01V893251156 as Record<string, unknown>).bytesSent = 2_345_678;
    act(() => {
      appendSamples(columns, [{ index: 1, t: 1_002_000, report: next }]);
      feed.emit('0-1', 1);
    });
    expect(valueCell(screen.getByRole('table', { name: 'outbound-rtp OT01V893251156' }), 'bytesSent').text).toBe('2345678 (2.35 MB)');
  });

  it('computes hints only for the fields on screen: none while objects are folded, only the open object\'s', () => {
    const hint = vi.mocked(statsValueHint);
    hint.mockClear();
    const { columns, feed } = renderTable();
    expect(hint).not.toHaveBeenCalled();
    expect(document.querySelectorAll('.st-hint')).toHaveLength(0);

    fireEvent.click(objectButton('RIA3630373197')!);
    const fields = getStatsReport('chromium156.json', 'pc1').RIA3630373197 as Record<string, unknown>;
    expect(hint).toHaveBeenCalled();
    for (const [name, value] of hint.mock.calls) expect(fields[name], name).toEqual(value);
    const open = document.querySelector('[data-stats-id="RIA3630373197"]')!;
    const hints = [...document.querySelectorAll('.st-hint')];
    expect(hints.length).toBeGreaterThanOrEqual(4);
    expect(hints.every((h) => open.contains(h))).toBe(true);

    // A live sample that changes only folded objects computes no hint.
    hint.mockClear();
    const next = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (next.OT01V893251156 as Record<string, unknown>).bytesSent = 2_345_678;
    act(() => {
      appendSamples(columns, [{ index: 1, t: 1_002_000, report: next }]);
      feed.emit('0-1', 1);
    });
    expect(hint).not.toHaveBeenCalled();
  });

  it('the filter matches raw values, not hints; matched fields show their hint', () => {
    renderTable();
    const filter = screen.getByRole('searchbox', { name: 'Filter stats' });
    // "912 kB" is only in the hint of OT01V893251156.bytesSent: no match.
    fireEvent.input(filter, { target: { value: '912 kB' } });
    expect(screen.getByText('No stats match the filter.')).toBeTruthy();
    fireEvent.input(filter, { target: { value: 'Mbit' } });
    expect(screen.getByText('No stats match the filter.')).toBeTruthy();
    // The raw value still matches, and the matched field shows its hint.
    fireEvent.input(filter, { target: { value: '911958' } });
    const table = screen.getByRole('table', { name: 'outbound-rtp OT01V893251156' });
    expect(within(table).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['bytesSent']);
    expect(valueCell(table, 'bytesSent')).toEqual({ text: '911958 (912 kB)', raw: '911958', hint: ' (912 kB)' });
  });

  it('groups fold and unfold', () => {
    renderTable();
    const transport = screen.getByRole('button', { name: 'transport (1)' });
    expect(transport.getAttribute('aria-expanded')).toBe('true');
    fireEvent.click(transport);
    expect(transport.getAttribute('aria-expanded')).toBe('false');
    expect(objectButton('T01')).toBeNull();
    fireEvent.click(transport);
    expect(objectButton('T01')).toBeTruthy();
  });

  it('the filter narrows to matching fields and opens what matches', () => {
    renderTable();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter stats' }), { target: { value: 'framesPerSecond' } });
    expect(groupTitles()).toEqual(['outbound-rtp (video) (1)', 'media-source (1)']);
    const tables = screen.getAllByRole('table');
    expect(tables.map((t) => within(t).getAllByRole('rowheader').map((h) => h.textContent))).toEqual([['framesPerSecond'], ['framesPerSecond']]);
    expect(screen.getByRole('button', { name: 'Chart SV2 framesPerSecond' })).toBeTruthy();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter stats' }), { target: { value: 'zzz-nothing' } });
    expect(screen.getByText('No stats match the filter.')).toBeTruthy();
  });

  it('Firefox 153: hex ids and the {uuid} peer-connection', () => {
    renderTable('firefox153.json', 'pc2');
    expect(groupTitles()).not.toContain('media-playout (1)');
    expect(objectButton('{1c0926f6-90e5-4c50-a91a-0745e74cd0af}')).toBeTruthy();
    fireEvent.click(objectButton('5ab3b555')!);
    expect(screen.getByRole('button', { name: 'Chart 5ab3b555 bytesReceived' })).toBeTruthy();
  });

  it('updates values from new samples', () => {
    const { columns, feed } = renderTable();
    fireEvent.click(objectButton('OT01A3630373197')!);
    const next = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (next.OT01A3630373197 as Record<string, unknown>).bytesSent = 123456;
    act(() => {
      appendSamples(columns, [{ index: 1, t: 1_002_000, report: next }]);
      feed.emit('0-1', 1);
    });
    const table = screen.getByRole('table');
    expect(within(within(table).getByRole('rowheader', { name: 'bytesSent' }).parentElement!).getAllByRole('cell')[0].textContent).toBe('123456 (123 kB)');
    expect(screen.getByText('+2.000 s')).toBeTruthy();
  });

  it('page strings render as text; empty state without samples', () => {
    const report = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (report.D1 as Record<string, unknown>).label = XSS;
    const columns = columnsOf([report]);
    render(<StatsTable data={makeSession()} pcId="0-1" feed={fixedFeed({ '0-1': columns })} onChartField={() => {}} />);
    expect(objectButton('D1')!.textContent).toContain(XSS);
    fireEvent.click(objectButton('D1')!);
    const labelRow = within(screen.getByRole('table')).getByRole('rowheader', { name: 'label' }).parentElement!;
    expect(within(labelRow).getAllByRole('cell')[0].textContent).toBe(XSS);
    expect(document.querySelector('img')).toBeNull();
    cleanup();
    render(<StatsTable data={makeSession({ pcs: [makePc('0-1', 1)] })} pcId="0-1" feed={fixedFeed({})} onChartField={() => {}} />);
    expect(screen.getByText('No stats samples yet for this connection.')).toBeTruthy();
    cleanup();
    // "Yet" only where a sample may still come: not for a closed PC, nor for an imported file without stats.
    render(<StatsTable data={makeSession({ pcs: [makePc('0-1', 1, { closedAt: 5, closedBy: 'close' })] })} pcId="0-1" feed={fixedFeed({})} onChartField={() => {}} />);
    expect(screen.getByText('No stats samples were recorded for this connection.')).toBeTruthy();
    cleanup();
    const imported = makeSession({ pcs: [makePc('0-1', 1)], summary: { imported: { fileName: 'aboutWebrtc.html', format: 'firefox-about-webrtc' }, endedAt: 10 } });
    render(<StatsTable data={imported} pcId="0-1" feed={fixedFeed({})} onChartField={() => {}} />);
    expect(screen.getByText('The imported file has no stats samples for this connection.')).toBeTruthy();
  });
});
