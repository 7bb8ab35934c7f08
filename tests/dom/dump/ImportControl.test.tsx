// @vitest-environment happy-dom
/**
 * The import control over the real dump engine (worker handler in process, SessionStore on fake-indexeddb): picked
 * and dropped files, refused files (their names and messages as text), the partial offer, cancellation.
 */
import { cleanup, createEvent, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ImportControl } from '../../../components/dump/ImportControl';
import { XSS } from '../../fixtures/session-builders';
import { INTERNALS, V3_GUM, corpusFile, corpusText, dumpSetup, halfValidFile, textFile } from './dump-test-helpers';

afterEach(cleanup);

async function setup(options: { stallFirst?: boolean } = {}) {
  const dump = await dumpSetup(options);
  const onImported = vi.fn();
  const onOpen = vi.fn();
  const view = render(<ImportControl client={dump.client} onImported={onImported} onOpen={onOpen} />);
  const pick = (files: File[]) => fireEvent.change(screen.getByLabelText('Dump files to import'), { target: { files } });
  return { ...dump, ...view, onImported, onOpen, pick };
}

const results = () => screen.findByRole('list', { name: 'Import results' });
/**
 * A drag event as a browser sends it for files (only the dataTransfer parts the control reads). Built with
 * createEvent: @testing-library/preact's fireEvent.dragEnter mis-names the event on targets without `ondragenter`.
 */
type DragKind = 'dragEnter' | 'dragOver' | 'dragLeave' | 'drop';
const drag = (kind: DragKind, files: File[], types = ['Files']) =>
  fireEvent(document.body, createEvent[kind](document.body, { dataTransfer: { types, files, dropEffect: 'none' } }));

describe('ImportControl', () => {
  it('imports two picked files: a result per file, onImported with the stored ids, Open opens one', async () => {
    const { store, pick, onImported, onOpen } = await setup();
    const button = screen.getByRole('button', { name: 'Import dumps…' });
    expect(button).toBeTruthy();
    pick([corpusFile(INTERNALS), corpusFile(V3_GUM)]);
    // The progress bar names the file and its place.
    const bar = await screen.findByRole('progressbar', { name: /chromium156-loopback-2pc-60s\.json \(1 of 2\)/ });
    expect(bar).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeTruthy();

    const list = await results();
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0].textContent).toContain('chromium156-loopback-2pc-60s.json');
    expect(items[0].textContent).toContain('webrtc-internals, 1 session imported');
    expect(items[1].textContent).toContain('gumonly.jsonl');
    expect(items[1].textContent).toContain('rtcstats-v3, 1 session imported');
    expect(screen.queryByRole('progressbar')).toBeNull();

    const stored = await store.listSessions();
    expect(stored).toHaveLength(2);
    expect(onImported).toHaveBeenCalledTimes(1);
    const ids = onImported.mock.calls[0][0] as string[];
    expect(new Set(ids)).toEqual(new Set(stored.map((s) => s.id)));
    expect(stored.find((s) => s.id === ids[0])!.imported?.fileName).toBe('chromium156-loopback-2pc-60s.json');

    fireEvent.click(within(items[1]).getByRole('button', { name: 'Open the session imported from gumonly.jsonl' }));
    expect(onOpen).toHaveBeenCalledWith(ids[1]);

    // Dismissing the results removes the button that had the focus: the focus goes back to "Import dumps…".
    const dismiss = screen.getByRole('button', { name: 'Dismiss results' });
    dismiss.focus();
    fireEvent.click(dismiss);
    expect(screen.queryByRole('button', { name: 'Dismiss results' })).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('a file of several sessions (Firefox about:webrtc: one per page load): Open opens the busiest, not the first', async () => {
    const { store, pick, onOpen } = await setup();
    pick([corpusFile('firefox-about-webrtc/aboutWebrtc.html')]);
    const list = await results();
    const open = within(list).getByRole('button', { name: 'Open the busiest of the 19 sessions imported from aboutWebrtc.html' });
    fireEvent.click(open);
    const stored = await store.listSessions();
    const opened = stored.find((s) => s.id === onOpen.mock.calls[0][0])!;
    // No stats in such a page: the most trace events wins (its SDP history), over an idle PC's single creation.
    expect(opened.eventCount).toBe(Math.max(...stored.map((s) => s.eventCount)));
    expect(opened.eventCount).toBeGreaterThan(1);
    expect(opened.url).toBe('http://localhost:5173/');
  });

  it('imports dropped files, shows an overlay while files are dragged over, ignores drags without files', async () => {
    const { store, onImported } = await setup();
    expect(drag('dragEnter', [], ['text/plain'])).toBe(true);
    expect(drag('dragOver', [], ['text/plain'])).toBe(true); // not prevented: not ours
    await Promise.resolve();
    expect(screen.queryByTestId('drop-overlay')).toBeNull();

    const file = corpusFile(V3_GUM);
    drag('dragEnter', [file]);
    expect((await screen.findByTestId('drop-overlay')).textContent).toContain('Drop dump files');
    // Default prevented: the browser allows the drop instead of opening the file.
    expect(drag('dragOver', [file])).toBe(false);
    drag('dragLeave', [file]);
    await waitFor(() => expect(screen.queryByTestId('drop-overlay')).toBeNull());

    drag('dragEnter', [file]);
    await screen.findByTestId('drop-overlay');
    expect(drag('drop', [file])).toBe(false);
    await waitFor(() => expect(screen.queryByTestId('drop-overlay')).toBeNull());
    const list = await results();
    expect(list.textContent).toContain('gumonly.jsonl');
    expect(await store.listSessions()).toHaveLength(1);
    expect(onImported).toHaveBeenCalledTimes(1);
  });

  it('refuses bad files with their names and formats as text; stores nothing of them', async () => {
    const { store, pick, onImported, container } = await setup();
    const truncated = textFile('cut.json', corpusText(INTERNALS).slice(0, 5000));
    pick([textFile('empty.json', ''), truncated, textFile(XSS, 'hello, not a dump')]);
    const list = await results();
    const alerts = within(list).getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toHaveLength(3);
    // Each under its file's name (which the message does not repeat).
    const names = [...list.querySelectorAll('.dump-result.failed .dump-file-name')].map((n) => n.textContent);
    expect(names).toEqual(['empty.json', 'cut.json', XSS]);
    expect(alerts[0]).toMatch(/^not a dump format WebRTC Scope reads; at byte 0: the file is empty$/);
    expect(alerts[1]).toMatch(/^looks like a webrtc-internals dump; at line \d+/);
    expect(alerts[2]).toMatch(/^not a dump format WebRTC Scope reads/);
    expect(list.textContent).toContain(XSS);
    expect(container.querySelector('img')).toBeNull();
    expect(await store.listSessions()).toEqual([]);
    expect(onImported).not.toHaveBeenCalled();
    expect(within(list).queryByRole('button', { name: /Import the valid part/ })).toBeNull();
  });

  it('a file with a 3 MB user agent: imported, with the cut said where and how long', async () => {
    const { store, pick } = await setup();
    const doc = JSON.parse(corpusText(INTERNALS)) as { UserAgent: string };
    doc.UserAgent = `Mozilla/5.0 ${'x'.repeat(3_000_000)}`;
    pick([new File([JSON.stringify(doc)], 'long-ua.json')]);
    const list = await results();
    const item = list.querySelector<HTMLElement>('.dump-result')!;
    expect(item.textContent).toContain('webrtc-internals, 1 session imported, a text cut to length');
    const cuts = within(item).getByTestId('import-cuts');
    expect(cuts.textContent).toContain('user agent: 3000012 characters, cut to the 1024 a recorded call keeps');
    expect((await store.listSessions())[0].userAgent.length).toBe(1024);
    // A file without such texts says nothing of it.
    cleanup();
    const again = await setup();
    again.pick([corpusFile(INTERNALS)]);
    const plain = within(await results()).getByRole('listitem');
    expect(plain.textContent).not.toContain('cut');
    expect(within(plain).queryByTestId('import-cuts')).toBeNull();
  });

  it('offers the valid part of a half-valid file and imports it on request', async () => {
    const { store, pick, onImported } = await setup();
    pick([halfValidFile()]);
    const list = await results();
    // Under the file's name, which the message does not repeat.
    expect(within(list).getByRole('alert').textContent).toMatch(/^looks like a webrtc-internals dump/);
    expect(await store.listSessions()).toEqual([]);
    const offer = within(list).getByRole('button', { name: /^Import the valid part \(\d+ problems? skipped\)$/ });
    const skipped = Number(/\((\d+) problem/.exec(offer.textContent!)![1]);
    expect(skipped).toBeGreaterThan(0);

    fireEvent.click(offer);
    await waitFor(() => expect(screen.getByRole('list', { name: 'Import results' }).textContent).toContain('1 session imported'));
    const item = within(screen.getByRole('list', { name: 'Import results' })).getByRole('listitem');
    expect(item.textContent).toContain(`${skipped} problem${skipped === 1 ? '' : 's'} skipped`);
    expect(within(item).queryByRole('alert')).toBeNull();
    const stored = await store.listSessions();
    expect(stored).toHaveLength(1);
    expect(onImported).toHaveBeenCalledWith([stored[0].id]);
  });

  it('cancels a running import: nothing stored, the next import runs', async () => {
    const { store, workers, pick, onImported } = await setup({ stallFirst: true });
    pick([corpusFile(INTERNALS)]);
    await screen.findByRole('progressbar', { name: /^Importing chromium156/ });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Import cancelled'));
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(workers[0].terminated).toBe(true);
    expect(await store.listSessions()).toEqual([]);
    expect(onImported).not.toHaveBeenCalled();

    pick([corpusFile(V3_GUM)]);
    await results();
    expect(await store.listSessions()).toHaveLength(1);
  });
});
