// @vitest-environment happy-dom
/**
 * The export dialog over the real dump engine: format choice and redaction defaults, an export that re-imports,
 * the redaction summary, CSV series picking, errors, and the dialog's keyboard behaviour.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { strFromU8 } from 'fflate';
import { useState } from 'preact/hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExportDialog, describeRedaction, type ExportDialogProps } from '../../../components/dump/ExportDialog';
import { importDump } from '../../../lib/dump/import-dump';
import type { RedactionSummary } from '../../../lib/dump/redact';
import type { StatsFeed } from '../../../lib/views/stats-feed';
import { INTERNALS, corpusFile, dumpSetup } from './dump-test-helpers';

afterEach(cleanup);

/** A store holding the corpus loopback call (2 PCs, 60 s), imported through the engine itself. */
async function withCall() {
  const dump = await dumpSetup();
  const file = corpusFile(INTERNALS);
  const [result] = await dump.client.importFiles([{ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }]);
  const id = result.sessions[0].id;
  const data = (await dump.store.readSessionData(id, { withStats: true }))!;
  const feed: StatsFeed = { columns: (pcId) => data.stats[pcId], onAppend: () => () => undefined };
  return { ...dump, id, data, feed };
}

function renderDialog(props: Omit<ExportDialogProps, 'download' | 'onClose'>) {
  const download = vi.fn<ExportDialogProps['download']>();
  const onClose = vi.fn();
  const view = render(<ExportDialog {...props} download={download} onClose={onClose} />);
  return { ...view, download, onClose, dialog: screen.getByRole('dialog', { name: 'Export' }) };
}

const redactBox = () => screen.getByRole('checkbox', { name: 'Redact addresses and credentials' }) as HTMLInputElement;
const urlBox = () => screen.getByRole('checkbox', { name: /also page URLs and titles/ }) as HTMLInputElement;
const format = (name: RegExp) => screen.getByRole('radio', { name }) as HTMLInputElement;

describe('ExportDialog', () => {
  it('is a labelled modal; redaction is off for our own format, on for the others, until the user chooses', async () => {
    const { client, id } = await withCall();
    const { dialog } = renderDialog({ client, sessionIds: [id], subject: 'Loopback call' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.textContent).toContain('Loopback call');
    expect(format(/^WebRTC Scope/).checked).toBe(true);
    expect(format(/^WebRTC Scope/).getAttribute('aria-describedby')).toBeTruthy();
    expect(dialog.textContent).toContain('Lossless, for importing again');
    expect(dialog.textContent).toContain('fippo’s webrtc-dump-importer');
    expect(dialog.textContent).toContain('RTCStatsDump');
    expect(redactBox().checked).toBe(false);
    expect(urlBox().disabled).toBe(true);
    expect(dialog.textContent).toContain('Off by default for this format');
    expect(dialog.textContent).toContain('Replaces IP addresses');

    fireEvent.click(format(/^webrtc-internals \(\.json\)/));
    await waitFor(() => expect(redactBox().checked).toBe(true));
    expect(dialog.textContent).toContain('On by default for this format');
    expect(urlBox().disabled).toBe(false);
    expect(urlBox().checked).toBe(false);
    fireEvent.click(format(/^rtcstats v3/));
    await waitFor(() => expect(format(/^rtcstats v3/).checked).toBe(true));
    expect(redactBox().checked).toBe(true);

    // Touched: switching format keeps the user's choice.
    fireEvent.click(redactBox());
    await waitFor(() => expect(redactBox().checked).toBe(false));
    fireEvent.click(format(/^webrtc-internals, gzipped/));
    await waitFor(() => expect(format(/^webrtc-internals, gzipped/).checked).toBe(true));
    expect(redactBox().checked).toBe(false);
    expect(dialog.textContent).toContain('Chosen by you');
    // CSV needs one session's columns: without them it cannot be chosen.
    expect(format(/^CSV/).disabled).toBe(true);
  });

  it('exports a stored session: the downloaded file re-imports; redaction says what it replaced', async () => {
    const { client, id } = await withCall();
    const { download, dialog } = renderDialog({ client, sessionIds: [id] });
    fireEvent.click(format(/^webrtc-internals \(\.json\)/));
    await waitFor(() => expect(redactBox().checked).toBe(true));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(download).toHaveBeenCalledTimes(1));
    const [fileName, mimeType, data] = download.mock.calls[0];
    expect(fileName).toMatch(/\.webrtc-internals\.json$/);
    expect(mimeType).toBe('application/json');
    const again = importDump(fileName, data);
    expect(again.format).toBe('webrtc-internals');
    expect(again.bundles[0].pcs).toHaveLength(2);
    expect(strFromU8(data)).not.toMatch(/a=ice-pwd:(?!redactedpassword)/);

    const done = await screen.findByText(/^Saved/);
    expect(done.textContent).toContain(fileName);
    const summary = screen.getByText(/^Replaced /).textContent!;
    expect(summary).toMatch(/\d+ ICE ufrags? \(\d+ times?\)/);
    expect(summary).toMatch(/\d+ DTLS fingerprints? \(\d+ times?\)/);
  });

  it('our own format, unredacted, round-trips exactly', async () => {
    const { client, id, store } = await withCall();
    const { download, dialog } = renderDialog({ client, sessionIds: [id] });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(download).toHaveBeenCalledTimes(1));
    const [fileName, , data] = download.mock.calls[0];
    expect(fileName).toMatch(/\.webrtc-scope\.json\.gz$/);
    expect(importDump(fileName, data).bundles[0]).toEqual(await store.readBundle(id));
    expect(screen.queryByText(/^Replaced /)).toBeNull();
  });

  it('CSV: picks a connection and series from its latest sample, preselects the usual ones', async () => {
    const { client, id, data, feed } = await withCall();
    const { download, dialog } = renderDialog({ client, sessionIds: [id], csv: { pcs: data.pcs, feed } });
    fireEvent.click(format(/^CSV/));
    const group = await screen.findByRole('group', { name: 'Series to write' });
    const select = within(dialog).getByRole('combobox', { name: /Connection/ }) as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.value)).toEqual(data.pcs.map((p) => p.pcId));
    fireEvent.change(select, { target: { value: '0-2' } });
    await waitFor(() => expect(select.value).toBe('0-2'));

    // Preselected: bytesSent/bytesReceived/packetsLost/jitter/roundTripTime where the objects have them.
    const boxes = within(group).getAllByRole('checkbox') as HTMLInputElement[];
    const checked = boxes.filter((b) => b.checked).map((b) => b.getAttribute('aria-label')!);
    expect(checked.length).toBeGreaterThan(0);
    for (const name of checked) expect(name).toMatch(/ (bytesSent|bytesReceived|packetsLost|jitter|roundTripTime)$/);
    const inbound = Object.keys(data.stats['0-2'].objects).find((k) => data.stats['0-2'].objects[k].type === 'inbound-rtp')!;
    expect(checked).toContain(`${inbound} bytesReceived`);
    // Each object says what it is beyond its id (Firefox's ids are random hex): kind and SSRC of a stream.
    const fields = data.stats['0-2'].objects[inbound].fields;
    const last = data.stats['0-2'].t.length - 1;
    const legend = [...group.querySelectorAll('legend')].find((l) => l.textContent!.startsWith(`${inbound} `))!;
    expect(legend.textContent).toBe(`${inbound} (inbound-rtp, ${fields.kind[last]}, ssrc ${fields.ssrc[last]})`);

    // Only these two.
    for (const name of checked) fireEvent.click(within(group).getByRole('checkbox', { name }));
    fireEvent.click(within(group).getByRole('checkbox', { name: `${inbound} bytesReceived` }));
    fireEvent.click(within(group).getByRole('checkbox', { name: `${inbound} packetsReceived` }));
    await waitFor(() => expect(dialog.textContent).toContain('2 series chosen.'));

    fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(download).toHaveBeenCalledTimes(1));
    const [fileName, mimeType, bytes] = download.mock.calls[0];
    expect(fileName).toMatch(/\.csv$/);
    expect(mimeType).toBe('text/csv');
    const lines = strFromU8(bytes).split('\r\n');
    expect(lines[0]).toBe(`time,time_ms,${inbound}-bytesReceived,${inbound}-packetsReceived`);
    expect(lines.length).toBeGreaterThan(50);
  });

  it('cancels a running export: nothing downloaded, the dialog stays for another try', async () => {
    const { client, workers } = await dumpSetup({ stallFirst: true });
    const { download, dialog } = renderDialog({ client, sessionIds: ['import:any'] });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await screen.findByRole('progressbar', { name: 'Exporting' });
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    await waitFor(() => expect(document.activeElement).toBe(cancel));
    fireEvent.click(cancel);
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    expect(workers[0].terminated).toBe(true);
    expect(download).not.toHaveBeenCalled();
    expect(screen.queryByRole('alert')).toBeNull();
    expect((within(dialog).getByRole('button', { name: 'Export' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows an engine error as an alert', async () => {
    const { client } = await withCall();
    renderDialog({ client, sessionIds: ['import:gone'] });
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Export failed: Session import:gone is no longer stored.');
  });

  it('takes focus, keeps Tab inside, closes on Escape and gives focus back', async () => {
    const { client, id } = await withCall();
    function Harness() {
      const [open, setOpen] = useState(false);
      return (
        <>
          <button type="button" onClick={() => setOpen(true)}>
            Open export
          </button>
          {open && <ExportDialog client={client} sessionIds={[id]} download={() => undefined} onClose={() => setOpen(false)} />}
        </>
      );
    }
    render(<Harness />);
    const opener = screen.getByRole('button', { name: 'Open export' });
    opener.focus();
    fireEvent.click(opener);
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(document.activeElement).toBe(format(/^WebRTC Scope/)));

    const close = within(dialog).getByRole('button', { name: 'Close' });
    close.focus();
    fireEvent.keyDown(close, { key: 'Tab' });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(close);

    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(opener);
  });
});

describe('describeRedaction', () => {
  it('names each kind replaced, with counts', () => {
    const none = { values: 0, occurrences: 0 };
    const summary: RedactionSummary = {
      ipv4: { values: 3, occurrences: 41 },
      ipv6: none,
      mdns: { values: 1, occurrences: 1 },
      ufrag: { values: 4, occurrences: 12 },
      pwd: none,
      fingerprint: none,
      certificate: none,
      credential: none,
      url: none,
      title: none,
    };
    expect(describeRedaction(summary)).toBe('Replaced 3 IPv4 addresses (41 times), 1 mDNS host name (1 time), 4 ICE ufrags (12 times).');
    expect(describeRedaction({ ...summary, ipv4: none, mdns: none, ufrag: none })).toBe('Redaction found nothing to replace.');
  });
});
