// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../../components/events/EventLog';
import { DUMP_ENTRY_EVENT } from '../../../lib/protocol/messages';
import { EventStream, internalsCallSession, internalsSdps, makePc, makeSession, renegotiatedOffer, XSS } from '../../fixtures/session-builders';

afterEach(cleanup);

const { offer, answer } = internalsSdps();

/** Visible entries: [time, kind, summary] of each list item's toggle button. */
function entries(): string[][] {
  if (!document.querySelector('.el-list')) return [];
  return [...document.querySelectorAll('.el-list > li')].map((li) => [
    li.querySelector('.el-time')!.textContent!,
    li.querySelector('.el-kind')!.textContent!,
    li.querySelector('.el-summary')!.textContent!,
  ]);
}

function entryButton(summary: string | RegExp): HTMLElement {
  const items = [...document.querySelectorAll('.el-list > li')] as HTMLElement[];
  const li = items.find((l) => {
    const s = l.querySelector('.el-summary')!.textContent!;
    return typeof summary === 'string' ? s === summary : summary.test(s);
  });
  if (!li) throw new Error(`no entry ${summary}`);
  return within(li).getAllByRole('button')[0];
}

/** A PC that negotiates, renegotiates (video sendonly, a new audio section), and fails once. */
function renegotiationSession() {
  const pcId = '0-1';
  const s = new EventStream().created(pcId, 10_000);
  s.callOk(pcId, 10_010, 'createOffer', [], { type: 'offer', sdp: offer }, 4);
  s.callOk(pcId, 10_020, 'setLocalDescription', [{ type: 'offer', sdp: offer }]);
  s.callOk(pcId, 10_030, 'setRemoteDescription', [{ type: 'answer', sdp: answer }]);
  s.event(pcId, 10_040, 'iceconnectionstatechange', 'connected');
  s.callOk(pcId, 12_000, 'createOffer', [], { type: 'offer', sdp: renegotiatedOffer(offer) }, 3);
  s.callFail(pcId, 12_010, 'setRemoteDescription', [{ type: 'answer', sdp: `${answer}a=note:${XSS}\r\n` }], { name: 'InvalidAccessError', message: XSS });
  s.event(pcId, 12_020, 'icecandidateerror', { url: 'turn:turn.example.org', errorCode: 701, errorText: 'allocate failed' });
  s.channel(pcId, 12_030, XSS, 1, 'open');
  return makeSession({ pcs: [makePc(pcId, 10_000)], events: s.events });
}

describe('EventLog', () => {
  it('counts one entry as one entry', () => {
    const s = new EventStream().created('0-1', 10_000);
    render(<EventLog data={makeSession({ pcs: [makePc('0-1', 10_000)], events: s.events })} pcId="0-1" />);
    expect(entries()).toHaveLength(1);
    expect(screen.getByText('1 entry')).toBeTruthy();
  });

  it('lists the corpus call in order with time since creation (absolute on hover)', () => {
    const data = internalsCallSession();
    render(<EventLog data={data} pcId="0-1" />);
    expect(screen.getByRole('region', { name: 'Event log of connection 0-1' })).toBeTruthy();
    const rows = entries();
    expect(rows[0]).toEqual(['+0.000 s', 'created', 'new RTCPeerConnection: 0 ICE server(s)']);
    expect(rows.map((r) => r[2]).slice(1, 5)).toEqual([
      'createDataChannel("chat", {"label":"chat","ordered":true})',
      'addTrack(audio "Fake Default Audio Input")',
      'addTrack(video "fake_device_0")',
      'createOffer({"voiceActivityDetection":true}) → offer, 3 m-section(s)',
    ]);
    const times = rows.map((r) => Number(r[0].replace(/[+ s]/g, '')));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(document.querySelector('.el-list > li .el-time')!.getAttribute('title')).toBeTruthy();
    expect(screen.getByText(`${rows.length} entries`)).toBeTruthy();
  });

  it('filters by text, by kind and failures only', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    const all = entries().length;
    expect(all).toBe(9);
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter events' }), { target: { value: 'setremote' } });
    expect(entries().map((r) => r[2])).toEqual([
      'setRemoteDescription(answer, 3 m-section(s))',
      `setRemoteDescription(answer, 3 m-section(s)) → InvalidAccessError: ${XSS}`,
    ]);
    expect(screen.getByText(`2 of ${all} entries`)).toBeTruthy();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter events' }), { target: { value: 'nothing matches this' } });
    expect(screen.getByText('No entries match the filter.')).toBeTruthy();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter events' }), { target: { value: '' } });

    fireEvent.click(screen.getByRole('checkbox', { name: /^Events/ }));
    expect(entries().some((r) => r[1] === 'event')).toBe(false);
    expect(entries()).toHaveLength(all - 2);
    fireEvent.click(screen.getByRole('checkbox', { name: /^Events/ }));

    fireEvent.click(screen.getByRole('checkbox', { name: 'Failures only (2)' }));
    expect(entries().map((r) => r[1])).toEqual(['call', 'event']);
  });

  it('highlights failures with colour and a "failed" mark', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    const failed = [...document.querySelectorAll('.el-list > li.el-failure')];
    expect(failed.map((li) => li.querySelector('.el-summary')!.textContent)).toEqual([
      `setRemoteDescription(answer, 3 m-section(s)) → InvalidAccessError: ${XSS}`,
      'icecandidateerror 701 allocate failed (turn:turn.example.org)',
    ]);
    for (const li of failed) expect(li.querySelector('.el-badge')?.textContent).toBe('failed');
    expect(document.querySelectorAll('.el-badge')).toHaveLength(2);
  });

  it('expands an entry to its arguments and outcome', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    const button = entryButton(/InvalidAccessError/);
    expect(button.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const detail = document.getElementById(button.getAttribute('aria-controls')!)!;
    expect(within(detail).getByText('Arguments')).toBeTruthy();
    expect(detail.querySelector('.el-json')!.textContent).toContain('"type": "answer"');
    expect(detail.querySelector('.el-error-text')!.textContent).toBe(`InvalidAccessError: ${XSS}`);
    expect(detail.textContent).toContain('took 1.0 ms');
    fireEvent.click(button);
    expect(document.getElementById(button.getAttribute('aria-controls')!)).toBeNull();
  });

  it('shows the SDP per m-section with the diff against the previous local description', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    fireEvent.click(entryButton('createOffer() → offer, 4 m-section(s)'));
    const sdp = screen.getByRole('region', { name: 'local description (offer)' });
    expect(sdp.querySelector('.sdp-head')!.textContent).toBe(
      'local offer, 4 m-sections, BUNDLE 0 1 2 3 — compared with setLocalDescription (#3): 2 sections and the session lines changed',
    );
    const titles = [...sdp.querySelectorAll('.sdp-toggle')].map((b) => [b.textContent, b.getAttribute('aria-expanded')]);
    expect(titles).toEqual([
      ['session', 'true'],
      ['m=audio · mid 0 · sendrecv · opus/48000/2, G722/8000, PCMU/8000 +1 · 1 ssrc · setup actpass', 'false'],
      ['m=video · mid 1 · sendonly · VP8/90000, H264/90000, H264/90000 +7 · 2 ssrc · setup actpass', 'true'],
      ['m=application · mid 2 · sendrecv · setup actpass', 'false'],
      ['m=audio · mid 3 · sendrecv · opus/48000/2, G722/8000, PCMU/8000 +1 · setup actpass', 'true'],
    ]);
    const video = sdp.querySelectorAll('.sdp-block')[2];
    expect(video.querySelector('.sdp-change')!.textContent).toBe(' changed (+1 −1)');
    expect([...video.querySelectorAll('del')].map((d) => d.textContent)).toEqual(['- a=sendrecv']);
    expect([...video.querySelectorAll('ins')].map((d) => d.textContent)).toEqual(['+ a=sendonly']);
    // Long unchanged stretches fold.
    expect(video.querySelector('.sdp-fold')!.textContent).toMatch(/^… \d+ unchanged lines$/);
    fireEvent.click(within(video as HTMLElement).getByRole('button', { name: 'All lines' }));
    expect(video.querySelector('.sdp-fold')).toBeNull();
    expect(video.textContent).toContain('a=rtpmap:96 VP8/90000');
    const added = sdp.querySelectorAll('.sdp-block')[4];
    expect(added.className).toContain('sdp-added');
    expect(added.querySelector('ins')!.textContent).toMatch(/^\+ m=audio 9 /);
    // Unchanged sections open on demand.
    const data = sdp.querySelectorAll('.sdp-toggle')[3] as HTMLElement;
    fireEvent.click(data);
    expect(sdp.querySelectorAll('.sdp-block')[3].textContent).toContain('a=sctp-port:5000');
  });

  it('a setLocalDescription identical to its createOffer says the page did not change it', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    fireEvent.click(entryButton(/^setLocalDescription\(offer/));
    const sdp = screen.getByRole('region', { name: 'local description (offer)' });
    expect(sdp.querySelector('.sdp-head')!.textContent).toMatch(/— identical to createOffer \(#\d+\): the page did not change it$/);
  });

  it('the first description of a side shows plain, readable lines', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    fireEvent.click(entryButton('createOffer() → offer, 3 m-section(s)'));
    const sdp = screen.getByRole('region', { name: 'local description (offer)' });
    expect(sdp.querySelector('.sdp-head')!.textContent).toContain('first local description');
    fireEvent.click(within(sdp).getByRole('button', { name: /^m=audio · mid 0/ }));
    expect(sdp.querySelectorAll('ins, del')).toHaveLength(0);
    expect([...sdp.querySelectorAll('.sdp-line')].map((l) => l.textContent)).toContain('a=rtpmap:111 opus/48000/2');
  });

  it('page strings (SDP, error, channel label) render as text, never as HTML', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    fireEvent.click(entryButton(/InvalidAccessError/));
    const sdp = screen.getByRole('region', { name: 'remote description (answer)' });
    // The changed section is open from the start.
    expect(within(sdp).getByRole('button', { name: /^m=application/ }).getAttribute('aria-expanded')).toBe('true');
    expect([...sdp.querySelectorAll('ins')].map((l) => l.textContent)).toContain(`+ a=note:${XSS}`);
    expect(screen.getByText(`data channel "${XSS}" (id 1) open`)).toBeTruthy();
    expect(document.querySelector('img')).toBeNull();
  });

  it('empty states, and the session-level log of media requests', () => {
    render(<EventLog data={makeSession({ pcs: [makePc('0-1', 1)] })} pcId="0-1" />);
    expect(screen.getByText('No events recorded for this connection.')).toBeTruthy();
    cleanup();
    render(<EventLog data={makeSession()} pcId={null} />);
    expect(screen.getByText(/No getUserMedia, getDisplayMedia or enumerateDevices requests, no track events and no file entries/)).toBeTruthy();
    cleanup();
    render(<EventLog data={internalsCallSession()} pcId={null} />);
    expect(screen.getByRole('region', { name: 'Media requests and track events' })).toBeTruthy();
    expect(screen.getAllByRole('checkbox').map((c) => c.parentElement!.textContent)).toEqual([
      ' Media requests (1)',
      ' Track events (0)',
      ' Failures only (0)',
    ]);
    expect(entries().map((r) => r[1])).toEqual(['media']);
  });

  it('switching between the session log and a PC keeps entries visible', () => {
    const data = internalsCallSession();
    const { rerender } = render(<EventLog data={data} pcId={null} />);
    fireEvent.click(screen.getByRole('checkbox', { name: /^Track events/ }));
    expect(entries().map((r) => r[1])).toEqual(['media']);
    rerender(<EventLog data={data} pcId="0-2" />);
    expect(entries()[0][1]).toBe('created');
    expect(entries()).toHaveLength(19);
  });

  it('shows events appended in place to the same session object', () => {
    const data = renegotiationSession();
    const { rerender } = render(<EventLog data={data} pcId="0-1" />);
    const before = entries().length;
    const s = new EventStream();
    s.event('0-1', 20_000, 'connectionstatechange', 'closed');
    data.events.push({ ...s.events[0], seq: data.events.length });
    rerender(<EventLog data={data} pcId="0-1" />);
    expect(entries()).toHaveLength(before + 1);
    expect(entries()[before]).toEqual(['+10.000 s', 'event', 'connectionstatechange → closed']);
  });

  it("shows an imported file's entries without a record type of ours under their own name, as text", () => {
    const s = new EventStream().created('0-1', 0);
    s.event('0-1', 5, DUMP_ENTRY_EVENT as never, { name: 'transceiverAdded', text: '{"mid":null,"kind":"audio","direction":"sendrecv"}' });
    s.event('0-1', 6, DUMP_ENTRY_EVENT as never, { name: XSS, text: XSS });
    render(<EventLog data={makeSession({ pcs: [makePc('0-1', 0)], events: s.events })} pcId="0-1" />);
    expect(entries().slice(1)).toEqual([
      // Chromium's transceiver entries read like the rest of the log; the file's JSON stays in the entry's detail.
      ['+0.005 s', 'event', 'transceiverAdded audio, no mid yet, sendrecv'],
      ['+0.006 s', 'event', `${XSS} ${XSS}`],
    ]);
    expect(document.querySelectorAll('.el-file')).toHaveLength(2);
    fireEvent.click(entryButton(/^transceiverAdded/));
    expect(screen.getByText('Value, as in the imported file')).toBeTruthy();
    expect(document.querySelector('.el-file-text')!.textContent).toBe('{"mid":null,"kind":"audio","direction":"sendrecv"}');
    fireEvent.click(entryButton(`${XSS} ${XSS}`));
    // Names and values come from the file: text nodes, never markup.
    expect(document.querySelector('img')).toBeNull();
    fireEvent.input(screen.getByRole('searchbox', { name: 'Filter events' }), { target: { value: 'sendrecv' } });
    expect(entries().map((r) => r[2])).toEqual(['transceiverAdded audio, no mid yet, sendrecv']);
  });

  it("shows an imported file's entries of no PC (app events) in the session's log, as text, with their own filter", () => {
    const s = new EventStream();
    s.media(1, 'getUserMedia', [{ audio: true }], { value: { tracks: [] } });
    s.fileEntry(2, 'identity', `{"displayName":"${XSS}"}`);
    s.fileEntry(3, XSS, '');
    render(<EventLog data={makeSession({ pcs: [], events: s.events })} pcId={null} />);
    expect(entries().map((r) => r[2]).slice(1)).toEqual([`identity {"displayName":"${XSS}"}`, XSS]);
    expect(document.querySelector('img')).toBeNull();
    const option = screen.getByRole('checkbox', { name: 'File entries (2)' });
    fireEvent.click(option);
    expect(entries()).toHaveLength(1);
    fireEvent.click(option);
    fireEvent.click(entryButton(/^identity/));
    expect(document.querySelector('.el-file-text')!.textContent).toBe(`{"displayName":"${XSS}"}`);
    // A recorded session (no such entries) shows no filter for them.
    cleanup();
    render(<EventLog data={makeSession({ pcs: [], events: new EventStream().media(1, 'getUserMedia', [{ audio: true }], null).events })} pcId={null} />);
    expect(screen.queryByRole('checkbox', { name: /File entries/ })).toBeNull();
  });

  it('shows a long log a page at a time', () => {
    const s = new EventStream().created('0-1', 0);
    for (let i = 0; i < 310; i++) s.event('0-1', i, 'icecandidate', { candidate: `candidate:1 1 udp 1 10.0.0.1 ${1000 + i} typ host`, sdpMid: '0' });
    render(<EventLog data={makeSession({ pcs: [makePc('0-1', 0)], events: s.events })} pcId="0-1" />);
    expect(entries()).toHaveLength(300);
    fireEvent.click(screen.getByRole('button', { name: 'Show 11 more of 11 remaining' }));
    expect(entries()).toHaveLength(311);
    expect(screen.queryByRole('button', { name: /^Show \d+ more/ })).toBeNull();
  });

  it('is one Tab stop; the arrow keys, Page Up/Down, Home and End move between entries', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    const toggles = () => [...document.querySelectorAll<HTMLElement>('.el-list > li > .el-toggle')];
    const tabStops = () => toggles().filter((b) => b.tabIndex === 0);
    expect(toggles()).toHaveLength(9);
    expect(tabStops()).toEqual([toggles()[0]]);
    expect(toggles().slice(1).every((b) => b.getAttribute('tabindex') === '-1')).toBe(true);

    act(() => toggles()[0].focus());
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(toggles()[1]);
    expect(tabStops()).toEqual([toggles()[1]]);
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(document.activeElement).toBe(toggles()[8]);
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' }); // stays at the end
    expect(document.activeElement).toBe(toggles()[8]);
    fireEvent.keyDown(document.activeElement!, { key: 'PageUp' });
    expect(document.activeElement).toBe(toggles()[0]);
    fireEvent.keyDown(document.activeElement!, { key: 'PageDown' });
    expect(document.activeElement).toBe(toggles()[8]);
    fireEvent.keyDown(document.activeElement!, { key: 'Home' });
    expect(document.activeElement).toBe(toggles()[0]);
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(toggles()[0]);
    expect(tabStops()).toEqual([toggles()[0]]);

    // Enter/Space still open the focused entry (a button's click), and opening keeps the one Tab stop.
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    fireEvent.click(document.activeElement!);
    expect(toggles()[1].getAttribute('aria-expanded')).toBe('true');
    expect(tabStops()).toEqual([toggles()[1]]);
    // Escape closes it again, from inside its detail too, with the focus back on its toggle.
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(toggles()[1].getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(toggles()[1]);
    const detail = document.getElementById(toggles()[1].getAttribute('aria-controls')!)!;
    fireEvent.keyDown(detail, { key: 'Escape' });
    expect(toggles()[1].getAttribute('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(toggles()[1]);
  });

  it('moves the focus to the new Tab stop when a filter hides the focused entry, not to <body>', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    const toggles = () => [...document.querySelectorAll<HTMLElement>('.el-list > li > .el-toggle')];
    act(() => entryButton('setRemoteDescription(answer, 3 m-section(s))').focus());
    // Unticked with a click that leaves the focus where it was (happy-dom's click moves no focus, as Safari's).
    fireEvent.click(screen.getByRole('checkbox', { name: /^API calls/ }));
    expect(toggles().some((b) => b.textContent!.includes('setRemoteDescription'))).toBe(false);
    expect(document.activeElement).toBe(toggles().find((b) => b.tabIndex === 0));
    // Nothing left to show: the focus goes to the text filter.
    act(() => toggles()[0].focus());
    for (const box of screen.getAllByRole('checkbox').filter((b) => (b as HTMLInputElement).checked)) fireEvent.click(box);
    expect(screen.getByText('No entries match the filter.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Filter events' }));
  });

  it('keeps the Tab stop on the focused entry while the filter shows it, else on the first shown', () => {
    render(<EventLog data={renegotiationSession()} pcId="0-1" />);
    const toggles = () => [...document.querySelectorAll<HTMLElement>('.el-list > li > .el-toggle')];
    const stopSummary = () => toggles().filter((b) => b.tabIndex === 0).map((b) => b.querySelector('.el-summary')!.textContent);
    act(() => entryButton('setRemoteDescription(answer, 3 m-section(s))').focus());
    expect(stopSummary()).toEqual(['setRemoteDescription(answer, 3 m-section(s))']);
    const filter = screen.getByRole('searchbox', { name: 'Filter events' });
    fireEvent.input(filter, { target: { value: 'setremote' } });
    expect(stopSummary()).toEqual(['setRemoteDescription(answer, 3 m-section(s))']);
    fireEvent.input(filter, { target: { value: 'icecandidateerror' } });
    expect(toggles()).toHaveLength(1);
    expect(stopSummary()).toHaveLength(1);
    expect(stopSummary()[0]).toMatch(/icecandidateerror/);
  });
});
