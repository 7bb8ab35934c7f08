// @vitest-environment happy-dom
/**
 * Import and export wired into the app: the viewer's sidebar imports (the list refreshes and the first imported
 * session opens), the session header and the marked sessions export; the panel exports only; without a dump
 * client neither shows. The app's background answers from the same SessionStore the dump worker writes.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScopeApp } from '../../../components/app/ScopeApp';
import { importDump } from '../../../lib/dump/import-dump';
import { STORE } from '../app/fake-background';
import { INTERNALS, V3_GUM, corpusFile, dumpSetup, storeBackground } from './dump-test-helpers';

// The per-PC views are not under test here (and need canvas): stand-ins.
vi.mock('../../../components/connection/ConnectionHeader', () => ({ ConnectionHeader: (p: { pcId: string }) => <p>header of {p.pcId}</p> }));
vi.mock('../../../components/charts/ConnectionCharts', () => ({ ConnectionCharts: () => <p>charts</p> }));
vi.mock('../../../components/candidates/CandidatePairs', () => ({ CandidatePairs: () => <p>pairs</p> }));
vi.mock('../../../components/health/PcHealthView', () => ({ PcHealthView: () => <p>health</p> }));
vi.mock('../../../components/events/EventLog', () => ({ EventLog: () => <p>events</p> }));
vi.mock('../../../components/stats/StatsTable', () => ({ StatsTable: () => <p>stats</p> }));

beforeEach(() => history.replaceState(null, '', '/viewer.html'));
afterEach(cleanup);

async function importThroughEngine(client: Awaited<ReturnType<typeof dumpSetup>>['client'], path: string) {
  const file = corpusFile(path);
  const [result] = await client.importFiles([{ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }]);
  return result.sessions[0];
}

describe('ScopeApp import and export', () => {
  it('viewer: imports from the sidebar, lists and opens the first imported session, exports it from its header', async () => {
    const { client, store } = await dumpSetup();
    const download = vi.fn();
    render(<ScopeApp client={storeBackground(store)} mode="viewer" storeOptions={STORE} dumpClient={client} download={download} />);
    await screen.findByText('No sessions stored');
    const sidebar = screen.getByRole('complementary', { name: 'Sessions' });
    expect(within(sidebar).getByRole('button', { name: 'Import dumps…' })).toBeTruthy();

    fireEvent.change(within(sidebar).getByLabelText('Dump files to import'), { target: { files: [corpusFile(V3_GUM), corpusFile(INTERNALS)] } });
    await within(sidebar).findByRole('list', { name: 'Import results' });
    await waitFor(() => expect(within(sidebar).getByRole('list', { name: 'Sessions' }).querySelectorAll('li')).toHaveLength(2));
    const stored = await store.listSessions();
    const first = stored.find((s) => s.imported?.fileName === 'gumonly.jsonl')!;
    // The first file's session is open.
    await waitFor(() => expect(screen.getByRole('banner').textContent).toContain('imported from gumonly.jsonl (rtcstats-v3)'));
    expect(location.hash).toContain(encodeURIComponent(first.id));

    // Open the other one from its result, then export it (CSV is possible: it is loaded).
    fireEvent.click(within(sidebar).getByRole('button', { name: 'Open the session imported from chromium156-loopback-2pc-60s.json' }));
    await screen.findByText('header of 0-1');
    const exportButton = within(screen.getByRole('banner')).getByRole('button', { name: 'Export…' });
    exportButton.focus();
    fireEvent.click(exportButton);
    const dialog = await screen.findByRole('dialog', { name: 'Export' });
    expect((within(dialog).getByRole('radio', { name: /^CSV/ }) as HTMLInputElement).disabled).toBe(false);
    fireEvent.click(within(dialog).getByRole('radio', { name: /^CSV/ }));
    // The PC's columns come from the app's store (loaded on demand): the series appear when they arrive.
    const group = await within(dialog).findByRole('group', { name: 'Series to write' });
    expect(within(group).getAllByRole('checkbox').some((b) => (b as HTMLInputElement).checked)).toBe(true);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(download).toHaveBeenCalledTimes(1));
    expect(download.mock.calls[0][0]).toMatch(/\.csv$/);

    fireEvent.keyDown(dialog, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(exportButton);
  });

  it('viewer: exports the marked sessions together', async () => {
    const { client, store } = await dumpSetup();
    await importThroughEngine(client, INTERNALS);
    await importThroughEngine(client, V3_GUM);
    const download = vi.fn();
    render(<ScopeApp client={storeBackground(store)} mode="viewer" storeOptions={STORE} dumpClient={client} download={download} />);
    const sidebar = screen.getByRole('complementary', { name: 'Sessions' });
    await waitFor(() => expect(within(sidebar).getByRole('list', { name: 'Sessions' }).querySelectorAll('li')).toHaveLength(2));
    const exportMarked = within(sidebar).getByRole('button', { name: 'Export marked (0)' }) as HTMLButtonElement;
    expect(exportMarked.disabled).toBe(true);
    fireEvent.click(within(sidebar).getByRole('checkbox', { name: 'Mark all shown sessions for deletion' }));
    fireEvent.click(await within(sidebar).findByRole('button', { name: 'Export marked (2)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Export' });
    expect(dialog.textContent).toContain('2 sessions');
    expect((within(dialog).getByRole('radio', { name: /^CSV/ }) as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(download).toHaveBeenCalledTimes(1));
    const [fileName, , data] = download.mock.calls[0];
    expect(fileName).toMatch(/-2-sessions\.webrtc-scope\.json\.gz$/);
    expect(importDump(fileName, data).bundles).toHaveLength(2);
  });

  it('panel: exports the current session, offers no import; without a dump client neither shows', async () => {
    const { client, store } = await dumpSetup();
    const session = await importThroughEngine(client, V3_GUM);
    // A panel shows one tab's sessions: give the imported one a tab for this test.
    const background = storeBackground(store);
    const tabbed = {
      ...background,
      request: (async (r: Parameters<typeof background.request>[0]) => {
        if (r.type !== 'list-sessions') return background.request(r);
        return (await background.request({ type: 'list-sessions' })).map((s) => ({ ...s, tabId: 7 }));
      }) as typeof background.request,
    };
    const { unmount } = render(<ScopeApp client={tabbed} mode="panel" tabId={7} storeOptions={STORE} dumpClient={client} download={vi.fn()} />);
    await within(await screen.findByRole('banner')).findByRole('button', { name: 'Export…' });
    expect(screen.queryByRole('button', { name: 'Import dumps…' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Export marked/ })).toBeNull();
    expect(session.id).toMatch(/^import:/);
    unmount();

    render(<ScopeApp client={storeBackground(store)} mode="viewer" storeOptions={STORE} />);
    await screen.findByRole('banner');
    expect(screen.queryByRole('button', { name: 'Import dumps…' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Export…' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Export marked/ })).toBeNull();
  });
});
