// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatsTable } from '../../../components/stats/StatsTable';
import { appendSamples } from '../../../lib/model/stats-columns';
import { columnsOf, fixedFeed, getStatsColumns, getStatsReport, makePc, makeSession, XSS } from '../../fixtures/session-builders';

afterEach(cleanup);

function renderTable(file: 'chromium156.json' | 'firefox153.json' = 'chromium156.json', pc: 'pc1' | 'pc2' = 'pc1') {
  const columns = getStatsColumns(file, pc);
  const feed = fixedFeed({ '0-1': columns });
  const onChartField = vi.fn();
  render(<StatsTable data={makeSession({ pcs: [makePc('0-1', 1_000_000)], stats: { '0-1': columns } })} pcId="0-1" feed={feed} onChartField={onChartField} />);
  return { columns, feed, onChartField };
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
    expect(within(row('bytesSent')).getAllByRole('cell')[0].textContent).toBe('911958');
    fireEvent.click(screen.getByRole('button', { name: 'Chart OT01V893251156 bytesSent' }));
    expect(onChartField).toHaveBeenCalledWith('OT01V893251156', 'bytesSent');
    expect(within(row('qualityLimitationReason')).queryByRole('button')).toBeNull();
    expect(within(row('timestamp')).queryByRole('button')).toBeNull();
    expect(within(row('qualityLimitationDurations')).getAllByRole('cell')[0].textContent).toBe('{"bandwidth":0,"cpu":0,"none":15.1,"other":0}');
    fireEvent.click(objectButton('OT01V893251156')!);
    expect(screen.queryByRole('table')).toBeNull();
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
    expect(within(within(table).getByRole('rowheader', { name: 'bytesSent' }).parentElement!).getAllByRole('cell')[0].textContent).toBe('123456');
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
    render(<StatsTable data={makeSession()} pcId="0-1" feed={fixedFeed({})} onChartField={() => {}} />);
    expect(screen.getByText('No stats samples yet for this connection.')).toBeTruthy();
  });
});
