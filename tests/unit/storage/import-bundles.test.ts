/** Storing imported sessions (SessionStore.importBundles) and reading sessions whole (readBundle), over fake-indexeddb. */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openScopeDb } from '../../../lib/storage/open-db';
import { pcConfigBytes, pcRowBytes, SessionStore, summaryRowBytes } from '../../../lib/storage/session-store';
import { toEventRow } from '../../../lib/storage/event-rows';
import { callBundle, edgeBundle } from '../../fixtures/bundles/call-bundle';
import { readFileSync } from 'node:fs';
import { importDump } from '../../../lib/dump/import-dump';
import { encodeStatsColumns, pcColumns, pcSampleCount, pcSamples, statsPcIds } from '../../../lib/dump/bundle-stats';
import { runImport } from '../../../lib/dump/dump-jobs';
import type { SessionSummary } from '../../../lib/model/session';
import { INTERNALS_DUMP_CALL } from '../model/corpus';

let n = 0;
const open = async () => new SessionStore(await openScopeDb(`import-bundles-${++n}`));

describe('importBundles / readBundle', () => {
  it('stores a bundle under a new id and gives back the same PCs, events and every sample', async () => {
    const store = await open();
    const bundle = callBundle();
    const [stored] = await store.importBundles([{ bundle, id: 'import:a', imported: { fileName: 'call.json', format: 'webrtc-internals' } }]);
    expect(stored).toMatchObject({ id: 'import:a', tabId: null, imported: { fileName: 'call.json', format: 'webrtc-internals' }, pcCount: 2, eventCount: bundle.events.length });
    expect(stored.sampleCount).toBe(bundle.samples['0-1'].length + bundle.samples['0-2'].length);
    expect(stored.bytes).toBeGreaterThan(0);
    const back = (await store.readBundle('import:a'))!;
    expect(back.pcs).toEqual(bundle.pcs.map((pc) => ({ ...pc, sessionId: 'import:a' })));
    expect(back.events).toEqual(bundle.events);
    for (const pcId of ['0-1', '0-2']) {
      expect(back.samples[pcId].map((s) => s.report)).toEqual(bundle.samples[pcId].map((s) => s.report));
      expect(back.samples[pcId].map((s) => [s.index, s.t])).toEqual(bundle.samples[pcId].map((s) => [s.index, s.t]));
    }
    // It lists like any session, and the views read it like one.
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['import:a']);
    expect((await store.readSessionData('import:a'))!.stats['0-2'].t).toHaveLength(bundle.samples['0-2'].length);
  });

  it('keeps when an import was stored, and retention ages it from then, not by its file (a dump of an old call stays)', async () => {
    const store = await open();
    const DAY = 86_400_000;
    const bundle = callBundle();
    const fileEnd = bundle.session.lastActivityAt;
    const importedAt = fileEnd + 400 * DAY; // the call was recorded more than a year before it is imported
    const [stored] = await store.importBundles([{ bundle, id: 'import:old-call', imported: { fileName: 'call.json', format: 'webrtc-internals' } }], undefined, { now: importedAt });
    expect(stored.imported).toEqual({ fileName: 'call.json', format: 'webrtc-internals', importedAt });
    expect((await store.getSession('import:old-call'))!.imported!.importedAt).toBe(importedAt);
    // A day after the import (401 days after the call), with a 30-day limit: kept.
    expect(await store.prune({ maxAgeDays: 30, maxTotalMB: 0 }, importedAt + DAY)).toEqual([]);
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['import:old-call']);
    // Thirty-one days after the import: deleted, and the notice says it was an imported session.
    expect((await store.prune({ maxAgeDays: 30, maxTotalMB: 0 }, importedAt + 31 * DAY)).map((s) => s.id)).toEqual(['import:old-call']);
    // It names the session as the list does (its title), with its start, so the user knows which one went.
    const title = bundle.session.title.trim() || bundle.session.url;
    const start = new Date(bundle.session.startedAt).toISOString().slice(0, 16).replace('T', ' ');
    expect((await store.getNotices())[0].message).toBe(`Deleted 1 imported session: 1 older than 30 days. “${title}” (${start} UTC).`);
  });

  it('stores a bundle with columns (webrtc-internals import) as the same chunks as its samples, and may release them', async () => {
    const store = await open();
    const read = () => importDump('call.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles[0];
    const columnsForm = read();
    expect(Object.keys(columnsForm.columns!)).toEqual(['0-1', '0-2']);
    const samplesForm = read();
    const expected = { '0-1': pcSamples(samplesForm, '0-1'), '0-2': pcSamples(samplesForm, '0-2') };
    samplesForm.samples = expected;
    delete samplesForm.columns;
    const imported = { fileName: 'call.json', format: 'webrtc-internals' };
    const [a] = await store.importBundles([{ bundle: columnsForm, id: 'import:cols', imported }], 25, { release: true });
    const [b] = await store.importBundles([{ bundle: samplesForm, id: 'import:smpl', imported }], 25);
    // Released as encoded; the samples form is left as it was.
    expect(columnsForm.columns).toEqual({});
    expect(samplesForm.samples).toBe(expected);
    const counts = (x: typeof a) => [x.sampleCount, x.bytes, x.pcCount, x.eventCount];
    expect(counts(a)).toEqual(counts(b));
    expect(a.sampleCount).toBe(120);
    for (const pcId of ['0-1', '0-2'] as const) {
      const fromColumns = await store.readPcStats('import:cols', pcId);
      const fromSamples = await store.readPcStats('import:smpl', pcId);
      expect(fromColumns.chunks.map((c) => [c.firstIndex, c.count, c.startT, c.endT])).toEqual([
        [0, 25, expected[pcId][0].t, expected[pcId][24].t],
        [25, 25, expected[pcId][25].t, expected[pcId][49].t],
        [50, 10, expected[pcId][50].t, expected[pcId][59].t],
      ]);
      expect(fromColumns.chunks.map((c) => Buffer.from(c.data).toString('base64'))).toEqual(fromSamples.chunks.map((c) => Buffer.from(c.data).toString('base64')));
      expect(await store.readStats('import:cols', pcId)).toEqual(expected[pcId]);
    }
    const back = (await store.readBundle('import:cols'))!;
    expect(back.samples).toEqual(expected);
  });

  it('stores a bundle whose stats came encoded PC by PC (the import job) as the chunks of its columns', async () => {
    const store = await open();
    const bytes = new Uint8Array(readFileSync(INTERNALS_DUMP_CALL));
    const columnsForm = importDump('call.json', bytes).bundles[0];
    const encodedForm = importDump('call.json', bytes, { encodeColumns: (columns) => encodeStatsColumns(columns) }).bundles[0];
    expect(encodedForm.columns).toBeUndefined();
    expect(Object.keys(encodedForm.encoded!)).toEqual(['0-1', '0-2']);
    // Every reader of bundle stats sees the same polls in either form.
    expect(statsPcIds(encodedForm)).toEqual(statsPcIds(columnsForm));
    for (const pcId of ['0-1', '0-2']) {
      expect(pcSampleCount(encodedForm, pcId)).toBe(pcSampleCount(columnsForm, pcId));
      expect(pcSamples(encodedForm, pcId)).toEqual(pcSamples(columnsForm, pcId));
      expect(pcColumns(encodedForm, pcId).t).toEqual(pcColumns(columnsForm, pcId).t);
    }
    // Ids are random per read.
    // Ids, frame load ids and import times differ from store to store.
    const anonymous = (session: SessionSummary) => ({
      ...session,
      id: '',
      frames: session.frames.map((f) => ({ ...f, frameLoadId: '' })),
      ...(session.imported ? { imported: { ...session.imported, importedAt: 0 } } : {}),
    });
    expect(anonymous(encodedForm.session)).toEqual(anonymous(columnsForm.session));
    expect(encodedForm.pcs.map((pc) => ({ ...pc, sessionId: '' }))).toEqual(columnsForm.pcs.map((pc) => ({ ...pc, sessionId: '' })));
    const imported = { fileName: 'call.json', format: 'webrtc-internals' };
    const [a] = await store.importBundles([{ bundle: columnsForm, id: 'import:cols', imported }]);
    const [b] = await store.importBundles([{ bundle: encodedForm, id: 'import:encd', imported }]);
    expect(anonymous(b)).toEqual(anonymous(a));
    // And the job, which encodes while it reads, stores the very same chunks.
    const [job] = await runImport(store, [{ name: 'call.json', bytes }], { newId: () => 'import:jobs' });
    expect(job.error).toBeNull();
    expect(anonymous(job.sessions[0])).toEqual(anonymous(a));
    for (const pcId of ['0-1', '0-2']) {
      const base64 = async (id: string) => (await store.readPcStats(id, pcId)).chunks.map((c) => [c.firstIndex, c.count, c.startT, c.endT, Buffer.from(c.data).toString('base64')]);
      const expected = await base64('import:cols');
      expect(await base64('import:encd')).toEqual(expected);
      expect(await base64('import:jobs')).toEqual(expected);
      expect(await store.readStats('import:jobs', pcId)).toEqual(pcSamples(columnsForm, pcId));
    }
  });

  it('the import job stores nothing of a file whose transaction fails, and leaves what was there', async () => {
    const store = await open();
    const bytes = new Uint8Array(readFileSync(INTERNALS_DUMP_CALL));
    const [first] = await runImport(store, [{ name: 'call.json', bytes }], { newId: () => 'import:taken' });
    expect(first.error).toBeNull();
    const before = await store.readBundle('import:taken');
    // The same id again: its `add` fails after the chunks (encoded while the file was read) were queued.
    const [again] = await runImport(store, [{ name: 'call.json', bytes }], { newId: () => 'import:taken' });
    expect(again.error).toMatch(/could not be stored/);
    expect(again.sessions).toEqual([]);
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['import:taken']);
    expect(await store.readBundle('import:taken')).toEqual(before);
  });

  it('several sessions in one transaction: a failure stores none of them and leaves what was there', async () => {
    const store = await open();
    await store.importBundles([{ bundle: edgeBundle(), id: 'import:old', imported: { fileName: 'a', format: 'webrtc-scope' } }]);
    const before = await store.readBundle('import:old');
    // The second item reuses an existing id: `add` fails, the whole transaction aborts.
    await expect(
      store.importBundles([
        { bundle: callBundle(), id: 'import:new', imported: { fileName: 'b', format: 'webrtc-scope' } },
        { bundle: edgeBundle(), id: 'import:old', imported: { fileName: 'b', format: 'webrtc-scope' } },
      ]),
    ).rejects.toThrow();
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['import:old']);
    expect(await store.readBundle('import:old')).toEqual(before);
    expect(await store.readBundle('import:new')).toBeUndefined();
  });
  it("counts a session's PC rows, PC configurations and summary row in its bytes, as the recorder does", async () => {
    // Retention goes by `bytes`: an import with a large configuration must not look smaller than it is stored.
    const store = await open();
    const bundle = edgeBundle();
    const big = { iceServers: Array.from({ length: 400 }, (_, i) => ({ urls: [`turn:turn-${i}.example.org:3478`], username: 'u'.repeat(40), credential: 'c'.repeat(40) })) };
    bundle.pcs = bundle.pcs.map((pc, i) => (i === 0 ? { ...pc, config: big } : pc));
    const [stored] = await store.importBundles([{ bundle, id: 'import:big', imported: { fileName: 'big.json', format: 'webrtc-scope' } }]);
    const eventBytes = (await store.readBundle('import:big'))!.events.reduce((sum, event) => sum + toEventRow('import:big', event).bytes, 0);
    let chunkBytes = 0;
    for (const pcId of statsPcIds(bundle)) for (const chunk of (await store.readPcStats('import:big', pcId)).chunks) chunkBytes += chunk.data.byteLength;
    const pcs = bundle.pcs.map((pc) => ({ ...pc, sessionId: 'import:big' }));
    const rowBytes = pcs.reduce((sum, pc) => sum + pcRowBytes(pc) + pcConfigBytes(pc.config, pc.constraints), 0);
    expect(rowBytes).toBeGreaterThan(JSON.stringify(big).length);
    const summaryBytes = summaryRowBytes(stored);
    // The summary's own size is counted before its `bytes` field got its final digits: within a few characters.
    expect(stored.bytes - (eventBytes + chunkBytes + rowBytes)).toBeGreaterThanOrEqual(summaryBytes - 8);
    expect(stored.bytes - (eventBytes + chunkBytes + rowBytes)).toBeLessThanOrEqual(summaryBytes);
  });
});
