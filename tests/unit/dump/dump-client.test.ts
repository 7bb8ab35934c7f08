/**
 * Import and export through the DumpClient and the real worker handler (in process) over fake-indexeddb: corpus
 * files stored and exported in every format, refused files with their messages and the partial offer, the store
 * untouched by failures, cancellation.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync, strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { inProcessDumpClient } from '../../fixtures/in-process-dump-worker';

const CORPUS = resolve(__dirname, '../../../../shared/corpus/dumps');
const file = (path: string) => ({ name: path.split('/').pop()!, bytes: new Uint8Array(readFileSync(resolve(CORPUS, path))) });
const INTERNALS = 'chrome-webrtc-internals/chromium156-loopback-2pc-60s.json';

describe('DumpClient over the worker handler', () => {
  it('imports several files at once, one session each, marked imported with file name and format', async () => {
    const { client, store } = await inProcessDumpClient();
    const progress: number[] = [];
    const results = await client.importFiles([file(INTERNALS), file('rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz')], { onProgress: (p) => progress.push(p.fileIndex + p.fraction) });
    expect(results.map((r) => [r.fileName, r.format, r.error, r.sessions.length])).toEqual([
      ['chromium156-loopback-2pc-60s.json', 'webrtc-internals', null, 1],
      ['chromium156-loopback-2pc-60s.jsonl.gz', 'rtcstats-v3', null, 1],
    ]);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(2);
    const listed = await store.listSessions();
    expect(listed).toHaveLength(2);
    for (const s of listed) {
      expect(s.id).toMatch(/^import:/);
      expect(s.imported?.fileName).toMatch(/^chromium156/);
      expect(s.pcCount).toBe(2);
    }
  });

  it('a refused file names itself, its format and where; nothing is stored; a half-valid one offers the valid part', async () => {
    const { client, store } = await inProcessDumpClient();
    const good = file(INTERNALS);
    await client.importFiles([good]);
    const before = (await store.listSessions()).map((s) => s.id);

    const text = readFileSync(resolve(CORPUS, INTERNALS), 'utf8');
    const truncated = { name: 'cut.json', bytes: new TextEncoder().encode(text.slice(0, 5000)) };
    const [cut] = await client.importFiles([truncated]);
    expect(cut.error).toMatch(/^cut\.json: looks like a webrtc-internals dump; at line \d+/);
    expect(cut.sessions).toEqual([]);

    // Half-valid: one stats series made unreadable.
    const dump = JSON.parse(text);
    const pc = dump.PeerConnections[Object.keys(dump.PeerConnections)[0]];
    const key = Object.keys(pc.stats).find((k) => k.endsWith('-bytesReceived'))!;
    pc.stats[key].values = '[1,2,';
    const half = { name: 'half.json', bytes: new TextEncoder().encode(JSON.stringify(dump)) };
    const [refused] = await client.importFiles([{ ...half, bytes: half.bytes.slice() }]);
    expect(refused.error).toContain('half.json');
    expect(refused.partial?.problemCount).toBeGreaterThan(0);
    expect((await store.listSessions()).map((s) => s.id)).toEqual(before);
    const [kept] = await client.importFiles([half], { allowPartial: true });
    expect(kept.error).toBeNull();
    expect(kept.sessions).toHaveLength(1);
    expect(kept.skipped.length).toBe(refused.partial!.problemCount);
  });

  it('exports in every format; each re-imports (our own format exactly); redacted ones keep no ICE credential or fingerprint', async () => {
    const { client, store } = await inProcessDumpClient();
    const [imported] = await client.importFiles([file(INTERNALS)]);
    const id = imported.sessions[0].id;
    const own = await client.exportSessions({ sessionIds: [id], format: 'webrtc-scope', redact: false, redactUrl: false });
    expect(own.fileName).toMatch(/\.webrtc-scope\.json\.gz$/);
    const back = importDump(own.fileName, own.data);
    expect(back.bundles[0]).toEqual(await store.readBundle(id));

    // The call's secrets, from its stored trace: ICE credentials and DTLS fingerprints (it ran on 127.0.0.1 only,
    // which redaction keeps: loopback reveals nothing).
    const trace = JSON.stringify((await store.readBundle(id))!.events);
    const secrets = [...trace.matchAll(/a=(?:ice-ufrag:|ice-pwd:|fingerprint:sha-256 )([^\\\s]+)/g)].map((m) => m[1]);
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const format of ['webrtc-internals', 'webrtc-internals-gz', 'rtcstats-v3'] as const) {
      const out = await client.exportSessions({ sessionIds: [id], format, redact: true, redactUrl: true });
      const again = importDump(out.fileName, out.data);
      expect(again.bundles[0].pcs).toHaveLength(2);
      const text = out.data[0] === 0x1f ? strFromU8(gunzipSync(out.data)) : strFromU8(out.data);
      // The corpus call ran on loopback plus the machine's LAN/mDNS addresses; redacted, only placeholders remain.
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(out.redaction!.ufrag.values).toBeGreaterThan(0);
      expect(out.redaction!.fingerprint.values).toBeGreaterThan(0);
    }
    const csv = await client.exportSessions({ sessionIds: [id], format: 'csv', redact: false, redactUrl: false, csv: { pcId: '0-2', series: [{ statsId: Object.keys((await store.readSessionData(id))!.stats['0-2'].objects).find((k) => k.startsWith('IT'))!, field: 'bytesReceived' }] } });
    expect(strFromU8(csv.data).split('\r\n').length).toBeGreaterThan(50);
    // Redacted, the CSV (numbers and their names) is the same file, and the summary says nothing was replaced in
    // it: the session's ufrags and fingerprints, which the other formats replace, are not in a CSV.
    const redactedCsv = await client.exportSessions({ sessionIds: [id], format: 'csv', redact: true, redactUrl: true, csv: { pcId: '0-2', series: [{ statsId: Object.keys((await store.readSessionData(id))!.stats['0-2'].objects).find((k) => k.startsWith('IT'))!, field: 'bytesReceived' }] } });
    expect(strFromU8(redactedCsv.data)).toBe(strFromU8(csv.data));
    expect(Object.values(redactedCsv.redaction!).every((k) => k.values === 0 && k.occurrences === 0)).toBe(true);
  });

  it('cancel terminates the job: it rejects with AbortError and the next job runs on a fresh worker', async () => {
    const { client, workers } = await inProcessDumpClient();
    const controller = new AbortController();
    const job = client.importFiles([file(INTERNALS)], { signal: controller.signal });
    controller.abort();
    await expect(job).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers[0].terminated).toBe(true);
    const [next] = await client.importFiles([file(INTERNALS)]);
    expect(next.error).toBeNull();
    expect(workers).toHaveLength(2);
  });
});
