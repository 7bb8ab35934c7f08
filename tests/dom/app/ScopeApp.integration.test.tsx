// @vitest-environment happy-dom
/**
 * The app with the real per-connection components over the corpus loopback call (60 s, Chromium 156): every
 * section renders without error, and a field charted from the stats table shows up as an extra chart.
 */
import '../charts/canvas-stub';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScopeApp } from '../../../components/app/ScopeApp';
import { internalsCallSession } from '../../fixtures/session-builders';
import { STORE, fakeBackground } from './fake-background';

beforeEach(() => history.replaceState(null, '', '/viewer.html'));
afterEach(cleanup);

describe('ScopeApp with the real connection views', () => {
  it('renders every section of a recorded call and charts a picked field', async () => {
    const data = internalsCallSession();
    const bg = fakeBackground([data]);
    const { container } = render(<ScopeApp client={bg.client} mode="viewer" storeOptions={STORE} />);
    const panel = await screen.findByRole('tabpanel');
    await within(panel).findByRole('region', { name: 'Stats of connection 0-1' });
    expect(container.querySelectorAll('.scope-slot-error')).toHaveLength(0);
    expect(within(panel).getByRole('region', { name: 'Charts' })).toBeTruthy();

    // The PC's stats arrive after the session (get-pc-stats): the table fills in when they do.
    const expand = await waitFor(() => {
      const region = within(panel).getByRole('region', { name: 'Stats of connection 0-1' });
      const button = region.querySelector<HTMLButtonElement>('button[aria-expanded="false"]');
      expect(button).toBeTruthy();
      return button!;
    });
    fireEvent.click(expand);
    const stats = within(panel).getByRole('region', { name: 'Stats of connection 0-1' });
    const chartButtons = await within(stats).findAllByRole('button', { name: /^Chart / });
    expect(chartButtons.length).toBeGreaterThan(0);
    const before = container.querySelectorAll('[data-chart-id]').length;
    fireEvent.click(chartButtons[0]);
    await expect.poll(() => container.querySelectorAll('[data-chart-id]').length).toBe(before + 1);
    // The new chart is shown and focused: the click visibly did something, far below the table.
    await expect.poll(() => (document.activeElement as HTMLElement | null)?.dataset?.chartId ?? null).toMatch(/^extra:/);

    fireEvent.click(screen.getByRole('tab', { name: 'Media requests' }));
    await within(await screen.findByRole('tabpanel')).findByRole('heading', { name: 'Session events' });
    expect(container.querySelectorAll('.scope-slot-error')).toHaveLength(0);
  });
});
