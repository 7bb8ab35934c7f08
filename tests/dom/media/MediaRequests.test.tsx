// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaRequests } from '../../../components/media/MediaRequests';
import { EventStream, internalsCallSession, makeSession, XSS } from '../../fixtures/session-builders';

afterEach(cleanup);

const requests = () => [...document.querySelectorAll('.mr-list > li')] as HTMLElement[];

describe('MediaRequests', () => {
  it('the corpus call: getUserMedia constraints, the tracks obtained and their settings', () => {
    const data = internalsCallSession();
    render(<MediaRequests data={data} />);
    expect(screen.getByRole('region', { name: 'getUserMedia and getDisplayMedia requests' })).toBeTruthy();
    const [gum] = requests();
    expect(within(gum).getByRole('heading').textContent).toMatch(/^getUserMedia \+\d+\.\d{3} s took \d+ ms$/);
    expect(gum.querySelector('.mr-constraints')!.textContent).toBe('Constraints: {"audio":true,"video":{"width":{"ideal":640},"height":{"ideal":480}}}');
    const table = within(gum).getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Kind', 'Label', 'Settings', 'Later']);
    const rows = within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    expect(rows).toEqual([
      ['audio', 'Fake Default Audio Input', '48000 Hz, 1 ch, deviceId default', ''],
      ['video', 'fake_device_0', '640×480, 30 fps', ''],
    ]);
  });

  it('in order: a denied request in red with its error, enumerateDevices, a pending getDisplayMedia; track events per track', () => {
    const s = new EventStream()
      .media(1_000_100, 'getUserMedia', [{ audio: true }], { error: { name: 'NotAllowedError', message: 'Permission denied' } })
      .media(1_000_200, 'enumerateDevices', [], { value: [{ deviceId: '', kind: 'audioinput', label: '', groupId: '' }, { deviceId: 'v', kind: 'videoinput', label: 'Cam', groupId: 'g' }] })
      .media(1_000_300, 'getDisplayMedia', [{ video: { displaySurface: 'monitor' } }], {
        value: { id: 's', tracks: [{ id: 'scr', kind: 'video', label: 'screen:0:0', settings: { width: 1920, height: 1080, frameRate: 30, displaySurface: 'monitor' } }] },
      })
      .media(1_000_400, 'getDisplayMedia', [{ video: true }], null)
      .track(1_012_300, { id: 'scr', kind: 'video', label: 'screen:0:0' }, 'ended');
    render(<MediaRequests data={makeSession({ events: s.events })} />);
    const list = requests();
    expect(list.map((li) => li.querySelector('.mr-title')!.textContent)).toEqual([
      'getUserMedia +0.100 s took 5.0 ms failed',
      'enumerateDevices +0.200 s took 5.0 ms',
      'getDisplayMedia +0.300 s took 5.0 ms',
      'getDisplayMedia +0.400 s pending',
    ]);
    expect(list[0].className).toContain('mr-failure');
    expect(within(list[0]).getByRole('note').textContent).toBe('NotAllowedError: Permission denied');
    expect(within(list[1]).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['audioinput: (no label: permission not granted)', 'videoinput: Cam']);
    const screenRow = within(within(list[2]).getByRole('table')).getAllByRole('row')[1];
    expect(within(screenRow).getAllByRole('cell').map((c) => c.textContent)).toEqual(['video', 'screen:0:0', '1920×1080, 30 fps, displaySurface monitor', 'ended +12.300 s ']);
    expect(list[3].querySelector('table')).toBeNull();
  });

  it("shows constraints that Chrome's rtcstats dumps store as JSON text as the objects they are, and the page's own stop()", () => {
    const s = new EventStream()
      .media(1_000_100, 'getUserMedia', [{ audio: true, video: '{"width": {"ideal": 640}}', note: '{not json' }], {
        value: { id: 's', tracks: [{ id: 'cam', kind: 'video', label: 'Cam' }] },
      })
      .track(1_005_000, { id: 'cam', kind: 'video', label: 'Cam' }, 'stop');
    render(<MediaRequests data={makeSession({ events: s.events })} />);
    const [request] = requests();
    expect(request.querySelector('.mr-constraints code')!.textContent).toBe('{"audio":true,"video":{"width":{"ideal":640}},"note":"{not json"}');
    const row = within(within(request).getByRole('table')).getAllByRole('row')[1];
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)[3]).toBe('stopped by the page +5.000 s ');
  });

  it('a loopback page: events of a remote track with a local track\'s id (Chromium) are not the local track\'s', () => {
    const s = new EventStream()
      .media(1_000_100, 'getUserMedia', [{ audio: true }], { value: { id: 's', tracks: [{ id: 'same', kind: 'audio', label: 'Fake Default Audio Input' }] } })
      .track(1_000_500, { id: 'same', kind: 'audio', label: 'same' }, 'unmute')
      .track(1_000_900, { id: 'same', kind: 'audio', label: 'Fake Default Audio Input' }, 'ended');
    render(<MediaRequests data={makeSession({ events: s.events })} />);
    const row = within(within(requests()[0]).getByRole('table')).getAllByRole('row')[1];
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)[3]).toBe('ended +0.900 s ');
  });

  it('labels and errors from the page render as text', () => {
    const s = new EventStream()
      .media(1_000_100, 'getUserMedia', [{ audio: { deviceId: XSS } }], { value: { id: 's', tracks: [{ id: 't', kind: 'audio', label: XSS, settings: {} }] } })
      .media(1_000_200, 'getUserMedia', [{ video: true }], { error: { name: 'OverconstrainedError', message: XSS } });
    render(<MediaRequests data={makeSession({ events: s.events })} />);
    expect(screen.getAllByText(XSS).length).toBeGreaterThanOrEqual(1);
    expect(screen.getByRole('note').textContent).toBe(`OverconstrainedError: ${XSS}`);
    expect(document.querySelector('img')).toBeNull();
  });

  it("applyConstraints on a track: the track, the constraints, the settings after it, or the error; no track table", () => {
    const cam = { id: 'cam-1', kind: 'video', label: XSS };
    const s = new EventStream()
      .media(1_000_100, 'applyConstraints', [{ width: 320, height: 240 }], { value: { width: 320, height: 240, frameRate: 15, deviceId: 'd' } }, 3, cam)
      .media(1_000_200, 'applyConstraints', [{ width: { exact: 99999 } }], { error: { name: 'OverconstrainedError', message: '', detail: { constraint: 'width' } } }, 3, cam);
    render(<MediaRequests data={makeSession({ events: s.events })} />);
    const [ok, failed] = requests();
    expect(ok.querySelector('.mr-title')!.textContent).toBe('applyConstraints +0.100 s took 3.0 ms');
    expect(ok.querySelector('.mr-track')!.textContent).toBe(`Track: video ${XSS}`);
    expect(ok.querySelector('.mr-track')!.getAttribute('title')).toBe('cam-1');
    expect(ok.querySelector('.mr-constraints code')!.textContent).toBe('{"width":320,"height":240}');
    expect(ok.querySelector('.mr-settings')!.textContent).toBe('Settings after: 320×240, 15 fps, deviceId d');
    expect(within(ok).queryByRole('table')).toBeNull();
    expect(ok.textContent).not.toContain('No tracks.');
    expect(failed.classList.contains('mr-failure')).toBe(true);
    expect(failed.querySelector('.mr-title')!.textContent).toBe('applyConstraints +0.200 s took 3.0 ms failed');
    expect(failed.querySelector('.mr-settings')).toBeNull();
    expect(within(failed).getByRole('note').textContent).toMatch(/^OverconstrainedError/);
    expect(document.querySelector('img')).toBeNull();
  });

  it('empty state', () => {
    render(<MediaRequests data={makeSession()} />);
    expect(screen.getByText('No getUserMedia, getDisplayMedia or enumerateDevices requests in this session.')).toBeTruthy();
  });
});
