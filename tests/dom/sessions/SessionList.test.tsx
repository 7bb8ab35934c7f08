// @vitest-environment happy-dom
/** The sessions sidebar: contents, ordering, search, sort, deletion with confirmation, keyboard, text-only strings. */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { options } from 'preact';
import { SessionList, formatDateTime, sessionLabel } from '../../../components/sessions/SessionList';
import { formatAbsolute } from '../../../components/connection/format';
import type { SessionSummary } from '../../../lib/model/session';
import { XSS, makeSummary } from '../../fixtures/session-builders';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const MIN = 60_000;
const sessions: SessionSummary[] = [
  makeSummary({ id: '1:a', title: 'Morning standup', url: 'https://meet.example/standup', origin: 'https://meet.example', startedAt: 1_000 * MIN, lastActivityAt: 1_000 * MIN, endedAt: 1_030 * MIN, pcCount: 2 }),
  makeSummary({ id: '1:b', title: 'Loopback', url: 'http://127.0.0.1:8080/', origin: 'http://127.0.0.1:8080', startedAt: 1_100 * MIN, lastActivityAt: 1_102 * MIN, endedAt: null, pcCount: 1 }),
  makeSummary({
    id: 'import:x',
    tabId: null,
    title: 'Customer call',
    url: 'https://app.acme.test/call/42',
    origin: 'https://app.acme.test',
    startedAt: 900 * MIN,
    lastActivityAt: 990 * MIN,
    endedAt: 990 * MIN,
    pcCount: 4,
    imported: { fileName: 'webrtc_internals_dump.txt', format: 'webrtc-internals' },
  }),
];

const titles = () => screen.getAllByRole('button', { name: /.+/ }).filter((b) => b.classList.contains('session-open')).map((b) => b.querySelector('.session-title')!.textContent);

/** The view's clock: 2 min 30 s into the live session (started at 1_100 min; its summary's last activity at 1_102). */
const NOW = 1_102.5 * MIN;

const advance = (ms: number) =>
  act(() => {
    vi.advanceTimersByTime(ms);
  });

function renderList(props: Partial<Parameters<typeof SessionList>[0]> = {}) {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  vi.setSystemTime(NOW);
  const onSelect = vi.fn();
  const onDelete = vi.fn(async () => undefined);
  const result = render(<SessionList sessions={sessions} selectedId="1:b" onSelect={onSelect} onDelete={onDelete} mode="viewer" {...props} />);
  return { ...result, onSelect, onDelete };
}

describe('SessionList', () => {
  it('shows each session’s title, URL, origin, duration, PC count, live/ended and import, newest first', () => {
    renderList();
    expect(titles()).toEqual(['Loopback', 'Morning standup', 'Customer call']);
    const list = screen.getByRole('list', { name: 'Sessions' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows[0].textContent).toContain('http://127.0.0.1:8080/');
    // Live: the time it has run so far, in whole minutes, from the view's clock (see the live duration test below).
    expect(rows[0].textContent).toContain('2 min so far');
    expect(rows[0].textContent).toContain('1 PC');
    expect(rows[0].textContent).toContain('live');
    expect(rows[1].textContent).toContain('https://meet.example');
    expect(rows[1].textContent).toContain('30 min 00 s');
    expect(rows[1].textContent).toContain('2 PCs');
    expect(rows[1].textContent).toContain('ended');
    expect(rows[2].textContent).toContain('imported');
    expect(rows[2].textContent).toContain('webrtc_internals_dump.txt (webrtc-internals)');
    expect(rows[2].textContent).toContain('1 h 30 min');
    expect(screen.getByRole('button', { name: /Loopback/ }).getAttribute('aria-current')).toBe('true');
  });

  it('a live session’s duration runs with the view’s clock in whole minutes, without a per-second timer; an ended one is exact', () => {
    const { rerender, onSelect, onDelete } = renderList();
    const duration = (title: string) => screen.getByRole('button', { name: new RegExp(title) }).querySelector('.session-duration')!.textContent;
    // Not the summary's last activity (1_102 min: "2 min 00 s", refreshed by the store only every few seconds).
    expect(duration('Loopback')).toBe('2 min so far');
    expect(duration('Morning standup')).toBe('30 min 00 s');
    expect(duration('Customer call')).toBe('1 h 30 min');
    // One timer, for the live row, due when its minute turns: nothing fires or renders in between.
    expect(vi.getTimerCount()).toBe(1);
    let renders = 0;
    const previous = options.diffed;
    options.diffed = (vnode) => {
      if (typeof vnode.type === 'function') renders++;
      previous?.(vnode);
    };
    try {
      advance(29_999);
      expect(renders).toBe(0);
      expect(duration('Loopback')).toBe('2 min so far');
      // The minute turns with no store update: the live text alone re-renders, once.
      advance(1);
      expect(duration('Loopback')).toBe('3 min so far');
      expect(renders).toBe(1);
      advance(60_000);
      expect(duration('Loopback')).toBe('4 min so far');
      expect(renders).toBe(2);
    } finally {
      options.diffed = previous;
    }
    expect(vi.getTimerCount()).toBe(1);
    // A store update re-renders the list: the clock again, not the summary's activity time.
    advance(20_000);
    const updated = sessions.map((x) => (x.id === '1:b' ? { ...x, lastActivityAt: 1_104 * MIN } : x));
    const props = { selectedId: '1:b', onSelect, onDelete, mode: 'viewer' as const };
    rerender(<SessionList sessions={updated} {...props} />);
    expect(duration('Loopback')).toBe('4 min so far');
    // An hour in.
    advance(60 * MIN);
    expect(duration('Loopback')).toBe('1 h 04 min so far');
    // Ended: its exact duration, from the end time; no timer left.
    rerender(<SessionList sessions={updated.map((x) => (x.id === '1:b' ? { ...x, endedAt: 1_104 * MIN + 7_000 } : x))} {...props} />);
    expect(duration('Loopback')).toBe('4 min 07 s');
    expect(screen.getByRole('button', { name: /Loopback/ }).textContent).toContain('ended');
    expect(vi.getTimerCount()).toBe(0);
    // Imported without an end (a live session exported in our format): not live, its recorded length.
    const imported = makeSummary({ id: 'import:y', title: 'Exported live', startedAt: 1_000 * MIN, lastActivityAt: 1_001 * MIN, endedAt: null, imported: { fileName: 'a.json', format: 'scope' } });
    rerender(<SessionList sessions={[imported]} {...props} />);
    expect(duration('Exported live')).toBe('1 min 00 s');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sorts live sessions by duration as shown: the time they have run so far', () => {
    const live = (id: string, title: string, startedAt: number, lastActivityAt: number) => makeSummary({ id, title, startedAt, lastActivityAt, endedAt: null });
    // Quiet for a while, its activity time lags: it still ran longest.
    renderList({ sessions: [live('1:p', 'Quiet page', 1_090 * MIN, 1_091 * MIN), live('1:q', 'Busy call', 1_095 * MIN, 1_102 * MIN), ...sessions.slice(0, 1)] });
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort sessions by' }), { target: { value: 'duration' } });
    expect(titles()).toEqual(['Morning standup', 'Quiet page', 'Busy call']);
  });

  it('searches titles, URLs, origins and file names', () => {
    renderList();
    const search = screen.getByRole('searchbox', { name: 'Search sessions' });
    fireEvent.input(search, { target: { value: 'acme' } });
    expect(titles()).toEqual(['Customer call']);
    fireEvent.input(search, { target: { value: 'internals_dump' } });
    expect(titles()).toEqual(['Customer call']);
    fireEvent.input(search, { target: { value: 'MEET standup' } });
    expect(titles()).toEqual(['Morning standup']);
    fireEvent.input(search, { target: { value: 'nothing like this' } });
    expect(screen.getByText(/No session matches/)).toBeTruthy();
  });

  it('sorts by start, duration, PCs and origin, and reverses', () => {
    renderList();
    const sort = screen.getByRole('combobox', { name: 'Sort sessions by' });
    fireEvent.change(sort, { target: { value: 'duration' } });
    expect(titles()).toEqual(['Customer call', 'Morning standup', 'Loopback']);
    fireEvent.change(sort, { target: { value: 'pcs' } });
    expect(titles()).toEqual(['Customer call', 'Morning standup', 'Loopback']);
    fireEvent.change(sort, { target: { value: 'origin' } });
    expect(titles()).toEqual(['Loopback', 'Customer call', 'Morning standup']);
    fireEvent.click(screen.getByRole('button', { name: 'Reverse order' }));
    expect(titles()).toEqual(['Morning standup', 'Customer call', 'Loopback']);
    expect(screen.getByRole('button', { name: 'Reverse order' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('says how many marked sessions the search hides, on the buttons and in the confirmation, and deletes them too', async () => {
    const { onDelete } = renderList();
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Morning standup \(started .+\) for deletion$/ }));
    fireEvent.input(screen.getByRole('searchbox', { name: 'Search sessions' }), { target: { value: 'customer' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Mark all shown sessions for deletion' }));
    const deleteButton = screen.getByRole('button', { name: 'Delete marked (2, 1 not shown)' });
    fireEvent.click(deleteButton);
    expect(screen.getByRole('alertdialog').textContent).toMatch(/^Delete 2 sessions \(1 of them marked earlier and not shown by the search\) and everything recorded in them\?/);
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await vi.waitFor(() => expect(onDelete).toHaveBeenCalledWith(['1:a', 'import:x']));
  });

  it('deletes marked sessions only after confirmation', async () => {
    const { onDelete } = renderList();
    const deleteButton = screen.getByRole('button', { name: /Delete marked/ }) as HTMLButtonElement;
    expect(deleteButton.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Morning standup \(started .+\) for deletion$/ }));
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Customer call \(started .+\) for deletion$/ }));
    expect(deleteButton.textContent).toBe('Delete marked (2)');
    fireEvent.click(deleteButton);
    const dialog = screen.getByRole('alertdialog', { name: 'Confirm deletion' });
    expect(dialog.textContent).toContain('Delete 2 sessions');
    // The confirmation takes the focus on its safe choice; cancelling gives it back to the button that opened it.
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(onDelete).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(deleteButton);
    // Escape cancels too.
    fireEvent.click(deleteButton);
    fireEvent.keyDown(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(deleteButton);
    // Tab and Shift+Tab stay on the confirmation's two buttons; Escape cancels from anywhere in the list.
    fireEvent.click(deleteButton);
    const open = screen.getByRole('alertdialog');
    const [confirm, cancel] = [within(open).getByRole('button', { name: 'Delete' }), within(open).getByRole('button', { name: 'Cancel' })];
    fireEvent.keyDown(cancel, { key: 'Tab' });
    expect(document.activeElement).toBe(confirm);
    fireEvent.keyDown(confirm, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(cancel, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    const search = screen.getByRole('searchbox', { name: 'Search sessions' });
    search.focus();
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();

    fireEvent.click(deleteButton);
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await vi.waitFor(() => expect(onDelete).toHaveBeenCalledWith(['1:a', 'import:x']));
    await vi.waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  });

  it('keeps the focus where the user moved it while the confirmation is open, and puts it back into the list after a deletion', async () => {
    const { rerender, onSelect, onDelete } = renderList();
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Morning standup/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete marked (1)' }));
    const confirmButton = within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' });
    confirmButton.focus();
    // A live list updates (new activity): the focus stays on Delete.
    const updated = sessions.map((s) => (s.id === '1:b' ? { ...s, lastActivityAt: s.lastActivityAt + 1_000 } : s));
    rerender(<SessionList sessions={updated} selectedId="1:b" onSelect={onSelect} onDelete={onDelete} mode="viewer" />);
    expect(document.activeElement).toBe(confirmButton);
    // The button being clicked loses the focus as it goes away (a browser blurs a focused button that is disabled or
    // removed): afterwards the focus is on the selected session's row, not on the body.
    fireEvent.click(confirmButton);
    confirmButton.blur();
    await vi.waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    const selectedRow = () => screen.getAllByRole('button').find((b) => b.classList.contains('session-open') && b.dataset.sessionId === '1:b');
    expect(document.activeElement).toBe(selectedRow());
    // The parent's list without the deleted session: the focus stays on the row.
    rerender(<SessionList sessions={updated.filter((s) => s.id !== '1:a')} selectedId="1:b" onSelect={onSelect} onDelete={onDelete} mode="viewer" />);
    expect(document.activeElement).toBe(selectedRow());
  });

  it('shows a refused deletion', async () => {
    renderList({ onDelete: async () => Promise.reject(new Error('database is closed')) });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Mark all shown sessions for deletion' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete marked (3)' }));
    expect(screen.getByRole('alertdialog').textContent).toContain('A live session keeps recording');
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toContain('database is closed'));
  });

  it('names the deletion boxes of sessions with the same title apart, by their start', () => {
    const reloads = [
      makeSummary({ id: '2:a', title: 'Demo call', startedAt: 1_000 * MIN, lastActivityAt: 1_001 * MIN, endedAt: 1_001 * MIN }),
      makeSummary({ id: '2:b', title: 'Demo call', startedAt: 1_005 * MIN, lastActivityAt: 1_006 * MIN, endedAt: 1_006 * MIN }),
    ];
    renderList({ sessions: reloads, selectedId: '2:b' });
    const names = screen.getAllByRole('checkbox', { name: /^Mark Demo call/ }).map((box) => box.getAttribute('aria-label'));
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
  });

  it('moves the selection with arrow keys and j/k, one tab stop for the list', () => {
    const { onSelect } = renderList();
    const buttons = screen.getAllByRole('button').filter((b) => b.classList.contains('session-open'));
    expect(buttons.map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    // The rows' boxes too: only the row the Tab stop is on has its box in the Tab order.
    const boxes = () => screen.getAllByRole('checkbox', { name: /^Mark .+ \(started .+\) for deletion$/ });
    expect(boxes().map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    buttons[0].focus();
    fireEvent.keyDown(buttons[0], { key: 'ArrowDown' });
    expect(onSelect).toHaveBeenLastCalledWith('1:a');
    expect(document.activeElement).toBe(buttons[1]);
    fireEvent.keyDown(buttons[1], { key: 'j' });
    expect(onSelect).toHaveBeenLastCalledWith('import:x');
    fireEvent.keyDown(buttons[2], { key: 'k' });
    expect(onSelect).toHaveBeenLastCalledWith('1:a');
    fireEvent.keyDown(buttons[1], { key: 'Home' });
    expect(onSelect).toHaveBeenLastCalledWith('1:b');
  });

  it("the Tab stop's row has its box in the Tab order: it follows the selection", () => {
    renderList({ selectedId: 'import:x' });
    const boxes = screen.getAllByRole('checkbox', { name: /^Mark .+ \(started .+\) for deletion$/ });
    expect(boxes.map((b) => b.tabIndex)).toEqual([-1, -1, 0]);
  });

  it('renders page-originated strings as text', () => {
    const evil = makeSummary({ id: '2:x', title: XSS, url: `https://x.test/${XSS}`, origin: 'https://x.test' });
    const { container } = renderList({ sessions: [evil], selectedId: null });
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByRole('button', { name: new RegExp(XSS.replace(/[()]/g, '\\$&')) })).toBeTruthy();
  });

  it('says when there is nothing, while loading, and when the background fails', () => {
    const { rerender } = renderList({ sessions: [], mode: 'panel' });
    expect(screen.getByText(/No WebRTC activity recorded in this tab yet/)).toBeTruthy();
    rerender(<SessionList sessions={[]} selectedId={null} onSelect={() => undefined} onDelete={() => undefined} mode="viewer" />);
    expect(screen.getByText('No sessions stored yet.')).toBeTruthy();
    rerender(<SessionList sessions={[]} selectedId={null} onSelect={() => undefined} onDelete={() => undefined} mode="viewer" status="loading" />);
    expect(screen.getByRole('status').textContent).toBe('Loading sessions…');
    const onRetry = vi.fn();
    rerender(<SessionList sessions={[]} selectedId={null} onSelect={() => undefined} onDelete={() => undefined} mode="viewer" status="error" error="no answer" onRetry={onRetry} />);
    expect(screen.getByRole('alert').textContent).toContain('no answer');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalled();
  });
});

describe('SessionList export of marked sessions', () => {
  it('offers "Export marked" only with onExport, and passes the marked ids', () => {
    const { unmount } = renderList();
    expect(screen.queryByRole('button', { name: /^Export marked/ })).toBeNull();
    unmount();

    const onExport = vi.fn();
    renderList({ onExport });
    const button = screen.getByRole('button', { name: 'Export marked (0)' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Morning standup \(started .+\) for deletion$/ }));
    fireEvent.click(screen.getByRole('checkbox', { name: /^Mark Customer call \(started .+\) for deletion$/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Export marked (2)' }));
    expect(onExport).toHaveBeenCalledWith(['1:a', 'import:x']);
    // Exporting keeps the marks (they may be deleted next).
    expect(screen.getByRole('button', { name: 'Delete marked (2)' })).toBeTruthy();
  });
});

describe('SessionList with times no Date can hold', () => {
  it('lists a session whose start is out of the Date range (a corrupt or forged record) instead of failing the whole list', () => {
    const odd = makeSummary({ id: 'import:odd', tabId: null, title: 'Odd times', url: 'https://odd.test/', origin: 'https://odd.test', startedAt: 1e16, lastActivityAt: 1e16, endedAt: 1e16, pcCount: 1 });
    renderList({ sessions: [...sessions, odd] });
    const row = screen.getByRole('button', { name: /Odd times/ }).closest('li')!;
    expect(row.textContent).toContain('invalid time (10000000000000000)');
    expect(row.querySelector('time')!.hasAttribute('datetime')).toBe(false);
    // The others still show their real times.
    expect(screen.getByRole('button', { name: /Loopback/ }).closest('li')!.querySelector('time')!.getAttribute('datetime')).toBe(new Date(1_100 * MIN).toISOString());
  });
});

describe('formatDateTime', () => {
  it("reads like a connection's creation time, to the second (one date format across the app)", () => {
    for (const t of [Date.UTC(2026, 10, 22, 14, 15, 59, 978), Date.UTC(2026, 0, 2, 3, 4, 5, 6)]) {
      expect(formatAbsolute(t)).toBe(`${formatDateTime(t)}.${String(new Date(t).getMilliseconds()).padStart(3, '0')}`);
    }
    expect(formatDateTime(NaN)).toBe('invalid time (NaN)');
  });
});

describe('sessionLabel', () => {
  it('an import without title or URL (a webrtc-internals dump has neither) is named by its file, not by its id', () => {
    const file = { fileName: 'call.webrtc-internals.json', format: 'webrtc-internals' };
    expect(sessionLabel(makeSummary({ id: 'import:e6bf0843', title: ' ', url: '', imported: file }))).toBe('call.webrtc-internals.json');
    expect(sessionLabel(makeSummary({ id: 'import:e6bf0843', title: '', url: 'https://a.test/', imported: file }))).toBe('https://a.test/');
    expect(sessionLabel(makeSummary({ id: '3:load', title: '', url: '' }))).toBe('3:load');
  });
});
