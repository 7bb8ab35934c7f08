import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import type { PcSummary, SessionSummary, StatsSample, TraceEvent } from '../../../lib/model/session';
import { encodeStatsChunk } from '../../../lib/model/stats-chunk';
import { emptyStatsColumns, samplesToColumns } from '../../../lib/model/stats-columns';
import { openScopeDb } from '../../../lib/storage/open-db';
import { DB_VERSION, upgrade, type ScopeDb, type ScopeSchema } from '../../../lib/storage/schema';
import { BYTES_PER_MB, SessionStore, type BatchWrite, type EncodedChunk } from '../../../lib/storage/session-store';
import { loadCallSamples } from '../model/corpus';

let dbCounter = 0;
const opened: ScopeDb[] = [];
/** Each test gets its own database. */
async function freshStore(): Promise<{ store: SessionStore; db: ScopeDb; name: string }> {
  const name = `scope-test-${process.pid}-${++dbCounter}`;
  const db = await openScopeDb(name);
  opened.push(db);
  return { store: new SessionStore(db), db, name };
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 22);

function session(id: string, over: Partial<SessionSummary> = {}): SessionSummary {
  return {
    id,
    tabId: 7,
    url: 'https://example.com/call',
    origin: 'https://example.com',
    title: 'Call',
    userAgent: 'test',
    startedAt: NOW - DAY,
    lastActivityAt: NOW - DAY,
    endedAt: null,
    pcCount: 1,
    mediaCallCount: 0,
    eventCount: 0,
    sampleCount: 0,
    bytes: 1000,
    frames: [],
    refused: {},
    ...over,
  };
}

function pc(sessionId: string, pcId: string, over: Partial<PcSummary> = {}): PcSummary {
  return {
    sessionId,
    pcId,
    frame: 0,
    frameUrl: 'https://example.com/call',
    createdAt: NOW - DAY,
    closedAt: null,
    closedBy: null,
    config: { iceServers: [] },
    sampleCount: 0,
    lastSampleAt: null,
    signalingState: 'stable',
    iceConnectionState: 'new',
    iceGatheringState: 'new',
    connectionState: 'new',
    ...over,
  };
}

function event(seq: number, pcId: string | null = '0-1'): TraceEvent {
  return { seq, frame: 0, pcId, record: { type: 'pc-event', pc: 1, t: NOW + seq, event: 'negotiationneeded', value: null } };
}

const write = (s: SessionSummary, over: Partial<BatchWrite> = {}): BatchWrite => ({
  session: s,
  pcs: [],
  events: [],
  samples: [],
  chunks: [],
  ...over,
});

function chunkOf(samples: StatsSample[]): EncodedChunk {
  return {
    firstIndex: samples[0].index,
    count: samples.length,
    startT: samples[0].t,
    endT: samples[samples.length - 1].t,
    data: encodeStatsChunk(samples),
  };
}

const callSamples = () => loadCallSamples()['10-1'];

describe('SessionStore', () => {
  it('commits a batch and reads it back per session, in order', async () => {
    const { store } = await freshStore();
    const s = session('7:a', { startedAt: NOW - 2 * DAY });
    const samples = callSamples().slice(0, 3);
    await store.commit(
      write(s, {
        pcs: [pc(s.id, '0-2', { createdAt: NOW }), pc(s.id, '0-10', { createdAt: NOW - 1 })],
        events: [event(2), event(0), event(1, null)],
        samples: [samples[2], samples[0], samples[1]].map((sample) => ({ pcId: '0-2', sample })),
      }),
    );
    await store.commit(write(session('7:b', { startedAt: NOW })));
    await store.commit(write(session('8:c', { tabId: 8, startedAt: NOW - DAY })));
    await store.commit(write(session('import:x', { tabId: null, startedAt: NOW - 3 * DAY })));

    expect(await store.getSession('7:a')).toEqual(s);
    expect(await store.getSession('nope')).toBeUndefined();
    expect((await store.listSessions()).map((x) => x.id)).toEqual(['7:b', '8:c', '7:a', 'import:x']);
    expect((await store.listSessions({ tabId: 7 })).map((x) => x.id)).toEqual(['7:b', '7:a']);
    expect(await store.listSessions({ tabId: 99 })).toEqual([]);
    expect((await store.getPcs('7:a')).map((p) => p.pcId)).toEqual(['0-10', '0-2']);
    expect((await store.getEvents('7:a')).map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(await store.getEvents('7:a')).toContainEqual(event(1, null));
    expect(await store.getPendingSamples('7:a', '0-2')).toEqual(samples);
    expect(await store.getPendingSamples('7:a', '0-10')).toEqual([]);
    expect(await store.getPcs('7:b')).toEqual([]);
    // A later commit replaces the summary and PCs.
    await store.commit(write({ ...s, eventCount: 3 }, { pcs: [pc(s.id, '0-2', { createdAt: NOW, closedAt: NOW + 5, closedBy: 'close' })] }));
    expect((await store.getSession('7:a'))!.eventCount).toBe(3);
    expect((await store.getPcs('7:a')).find((p) => p.pcId === '0-2')!.closedBy).toBe('close');
  });

  it('commits all or nothing: a bad key or an uncloneable value halfway leaves no trace', async () => {
    const { store, db } = await freshStore();
    const s = session('7:a');
    await store.commit(write(s, { events: [event(0)] }));
    const bad: BatchWrite[] = [
      write({ ...s, title: 'changed' }, { events: [event(1), { ...event(2), seq: Number.NaN }], pcs: [pc(s.id, '0-9')] }),
      write(session('7:new'), { pcs: [pc('7:new', '0-1')], events: [event(0)], samples: [{ pcId: '0-1', sample: { index: 0, t: 1, report: { A: { f: (() => 1) as never } } } }] }),
      write(session('7:new2'), { pcs: [pc('7:new2', '0-1')], chunks: [{ pcId: '0-1', chunk: { ...chunkOf(callSamples().slice(0, 2)), firstIndex: undefined as never } }] }),
    ];
    for (const w of bad) await expect(store.commit(w)).rejects.toThrow();
    expect(await store.getSession('7:a')).toEqual(s);
    expect((await store.getEvents('7:a')).map((e) => e.seq)).toEqual([0]);
    expect(await store.getPcs('7:a')).toEqual([]);
    expect(await store.getSession('7:new')).toBeUndefined();
    expect(await store.getSession('7:new2')).toBeUndefined();
    for (const name of ['sessions', 'pcs', 'events', 'pendingSamples', 'chunks'] as const) {
      expect(await db.count(name)).toBe(name === 'sessions' || name === 'events' ? 1 : 0);
    }
    // The store still works after the failures.
    await store.commit(write(s, { events: [event(1)] }));
    expect(await store.getEvents('7:a')).toHaveLength(2);
  });

  it('a chunk commit deletes exactly the pending samples it covers, after this write puts its own', async () => {
    const { store } = await freshStore();
    const all = callSamples();
    const s = session('7:a');
    const other = session('7:ab');
    await store.commit(write(s, { samples: all.slice(0, 5).map((sample) => ({ pcId: '0-1', sample })) }));
    await store.commit(write(s, { samples: all.slice(0, 3).map((sample) => ({ pcId: '0-2', sample })) }));
    await store.commit(write(other, { samples: all.slice(0, 3).map((sample) => ({ pcId: '0-1', sample })) }));
    // Samples 5 and 6 arrive in the same write as the chunk of 0..5: 6 stays pending, 5 is covered.
    await store.commit(
      write(s, {
        samples: all.slice(5, 7).map((sample) => ({ pcId: '0-1', sample })),
        chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(0, 6)) }],
      }),
    );
    expect((await store.getPendingSamples('7:a', '0-1')).map((x) => x.index)).toEqual([6]);
    expect((await store.getPendingSamples('7:a', '0-2')).map((x) => x.index)).toEqual([0, 1, 2]);
    expect((await store.getPendingSamples('7:ab', '0-1')).map((x) => x.index)).toEqual([0, 1, 2]);
    const last = await store.getLastChunk('7:a', '0-1');
    expect(last).toMatchObject({ firstIndex: 0, count: 6, startT: all[0].t, endT: all[5].t });
    expect(last!.data).toBeInstanceOf(Uint8Array);
    expect(await store.getLastChunk('7:a', '0-2')).toBeUndefined();
  });

  it('readStats returns chunks and pending samples merged by index; getLastChunk the highest', async () => {
    const { store } = await freshStore();
    const all = callSamples();
    const s = session('7:a');
    // Chunks written out of order, then pending samples.
    await store.commit(write(s, { chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(20, 40)) }] }));
    await store.commit(write(s, { chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(0, 20)) }] }));
    await store.commit(write(s, { samples: all.slice(40, 60).map((sample) => ({ pcId: '0-1', sample })) }));
    await store.commit(write(s, { chunks: [{ pcId: '0-2', chunk: chunkOf(all.slice(0, 2)) }] }));
    const read = await store.readStats('7:a', '0-1');
    expect(read.map((x) => x.index)).toEqual(all.map((x) => x.index));
    expect(read).toEqual(all);
    expect((await store.getLastChunk('7:a', '0-1'))!.firstIndex).toBe(20);
    expect(await store.readStats('7:a', 'none')).toEqual([]);
  });

  it('readPcStats with no PC id reads the session’s first PC by creation, and names it', async () => {
    const { store } = await freshStore();
    const all = callSamples();
    const s = session('7:a');
    await store.commit(
      write(s, {
        pcs: [pc(s.id, '0-2', { createdAt: NOW + 5 }), pc(s.id, '0-9', { createdAt: NOW }), pc(s.id, '0-1', { createdAt: NOW })],
        chunks: [
          { pcId: '0-1', chunk: chunkOf(all.slice(0, 20)) },
          { pcId: '0-9', chunk: chunkOf(all.slice(0, 2)) },
        ],
        samples: all.slice(20, 25).map((sample) => ({ pcId: '0-1', sample })),
      }),
    );
    const first = await store.readPcStats('7:a', null);
    expect(first.pcId).toBe('0-1'); // createdAt ties: by id, as readSessionData orders them
    expect(first).toEqual(await store.readPcStats('7:a', '0-1'));
    expect((await store.readSessionData('7:a', { withStats: false }))!.pcs[0].pcId).toBe('0-1');
    expect(first.chunks.map((c) => c.firstIndex)).toEqual([all[0].index]);
    expect(first.pending).toEqual(all.slice(20, 25));
    await store.commit(write(session('7:none')));
    expect(await store.readPcStats('7:none', null)).toEqual({ pcId: null, chunks: [], pending: [] });
  });

  it('readSessionData gathers the session, PCs, events and stats columns', async () => {
    const { store } = await freshStore();
    const calls = loadCallSamples();
    const s = session('7:a');
    await store.commit(
      write(s, {
        pcs: [pc(s.id, '0-1'), pc(s.id, '0-2', { createdAt: NOW }), pc(s.id, '0-3', { createdAt: NOW + 1 })],
        events: [event(0), event(1)],
        samples: calls['10-2'].slice(0, 10).map((sample) => ({ pcId: '0-2', sample })),
        chunks: [{ pcId: '0-1', chunk: chunkOf(calls['10-1'].slice(0, 30)) }],
      }),
    );
    await store.commit(write(s, { samples: calls['10-1'].slice(30, 35).map((sample) => ({ pcId: '0-1', sample })) }));
    const data = await store.readSessionData('7:a');
    expect(data!.session).toEqual(s);
    expect(data!.pcs.map((p) => p.pcId)).toEqual(['0-1', '0-2', '0-3']);
    expect(data!.events.map((e) => e.seq)).toEqual([0, 1]);
    expect(Object.keys(data!.stats).sort()).toEqual(['0-1', '0-2', '0-3']);
    expect(data!.stats['0-1']).toEqual(samplesToColumns(calls['10-1'].slice(0, 35)));
    expect(data!.stats['0-2']).toEqual(samplesToColumns(calls['10-2'].slice(0, 10)));
    expect(data!.stats['0-3']).toEqual(emptyStatsColumns());
    expect(await store.readSessionData('missing')).toBeUndefined();
  });

  it('deleteSessions removes sessions and everything under them, and nothing else', async () => {
    const { store, db } = await freshStore();
    const all = callSamples();
    for (const id of ['7:a', '7:ab', '7:b']) {
      await store.commit(
        write(session(id), {
          pcs: [pc(id, '0-1')],
          events: [event(0)],
          samples: all.slice(10, 12).map((sample) => ({ pcId: '0-1', sample })),
          chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(0, 10)) }],
        }),
      );
    }
    await store.deleteSessions(['7:a', '7:b', 'unknown']);
    await store.deleteSessions([]);
    expect((await store.listSessions()).map((x) => x.id)).toEqual(['7:ab']);
    for (const name of ['pcs', 'events', 'chunks'] as const) expect(await db.count(name)).toBe(1);
    expect(await db.count('pendingSamples')).toBe(2);
    expect(await store.readStats('7:ab', '0-1')).toEqual(all.slice(0, 12));
    expect(await store.readStats('7:a', '0-1')).toEqual([]);
  });

  it('totalBytes sums the sessions', async () => {
    const { store } = await freshStore();
    expect(await store.totalBytes()).toBe(0);
    await store.commit(write(session('a', { bytes: 10 })));
    await store.commit(write(session('b', { bytes: 32 })));
    expect(await store.totalBytes()).toBe(42);
  });

  it('endLiveSessions ends the stored live sessions isLive rejects and closes their open PCs', async () => {
    const { store } = await freshStore();
    await store.commit(write(session('7:live'), { pcs: [pc('7:live', '0-1')] }));
    await store.commit(
      write(session('8:gone', { tabId: 8 }), {
        pcs: [pc('8:gone', '0-1'), pc('8:gone', '0-2', { closedAt: NOW - 5, closedBy: 'close' })],
      }),
    );
    await store.commit(write(session('8:old', { tabId: 8, endedAt: NOW - DAY })));
    const ended = await store.endLiveSessions((s) => s.tabId === 7, NOW);
    expect(ended.map((s) => [s.id, s.endedAt])).toEqual([['8:gone', NOW]]);
    expect((await store.getSession('8:gone'))!.endedAt).toBe(NOW);
    expect((await store.getSession('8:old'))!.endedAt).toBe(NOW - DAY);
    expect((await store.getSession('7:live'))!.endedAt).toBeNull();
    expect((await store.getPcs('8:gone')).map((p) => [p.pcId, p.closedAt, p.closedBy])).toEqual([
      ['0-1', NOW, 'session-end'],
      ['0-2', NOW - 5, 'close'],
    ]);
    expect((await store.getPcs('7:live'))[0].closedAt).toBeNull();
    expect(await store.endLiveSessions(() => false, NOW + 1)).toHaveLength(1);
    expect(await store.endLiveSessions(() => false, NOW + 2)).toEqual([]);
  });

  it('prune deletes ended sessions by age, then oldest first by size; keeps live ones; records a notice', async () => {
    const { store } = await freshStore();
    const mb = BYTES_PER_MB;
    const put = (id: string, ageDays: number, bytes: number, live = false) =>
      store.commit(
        write(session(id, { lastActivityAt: NOW - ageDays * DAY, startedAt: NOW - ageDays * DAY - 1, bytes, endedAt: live ? null : NOW - ageDays * DAY }), {
          events: [event(0)],
        }),
      );
    await put('ancient-live', 100, 1 * mb, true);
    await put('ancient', 40, 1 * mb);
    await put('old', 20, 3 * mb);
    await put('mid', 10, 3 * mb);
    await put('new', 1, 3 * mb);
    await put('live', 0, 4 * mb, true);

    expect(await store.prune({ maxAgeDays: 0, maxTotalMB: 0 }, NOW)).toEqual([]);
    expect(await store.getNotices()).toEqual([]);

    const byAge = await store.prune({ maxAgeDays: 30, maxTotalMB: 0 }, NOW);
    expect(byAge.map((s) => s.id)).toEqual(['ancient']);
    expect(await store.getEvents('ancient')).toEqual([]);

    // 14 MB stored, limit 8 MB: 'old' then 'mid' go (oldest activity first); live ones stay.
    const bySize = await store.prune({ maxAgeDays: 30, maxTotalMB: 8 }, NOW);
    expect(bySize.map((s) => s.id)).toEqual(['old', 'mid']);
    expect((await store.listSessions()).map((s) => s.id).sort()).toEqual(['ancient-live', 'live', 'new']);
    expect(await store.totalBytes()).toBe(8 * mb);

    // Even an impossible limit never deletes live sessions.
    expect((await store.prune({ maxAgeDays: 0, maxTotalMB: 1 }, NOW)).map((s) => s.id)).toEqual(['new']);
    expect((await store.listSessions()).map((s) => s.id).sort()).toEqual(['ancient-live', 'live']);

    const notices = await store.getNotices();
    expect(notices.map((n) => n.sessionIds)).toEqual([['new'], ['old', 'mid'], ['ancient']]);
    expect(notices.every((n) => n.kind === 'pruned' && n.t === NOW && typeof n.id === 'number')).toBe(true);
    expect(notices[1].message).toMatch(/2 recorded sessions.*8 MB/);
    expect(notices[2].message).toMatch(/older than 30 days/);
  });
});

describe('schema', () => {
  it('opens a version-1 database at the current version with its data intact', async () => {
    const name = `scope-migration-${process.pid}`;
    const v1 = await openDB<ScopeSchema>(name, 1, { upgrade: (db, oldVersion, _newVersion, tx) => upgrade(db, oldVersion, 1, tx) });
    const s = session('7:v1');
    await v1.put('sessions', s);
    await v1.put('pcs', pc(s.id, '0-1'));
    await v1.put('events', { sessionId: s.id, seq: 0, event: event(0) });
    const samples = callSamples().slice(0, 4);
    await v1.put('chunks', { ...chunkOf(samples.slice(0, 3)), sessionId: s.id, pcId: '0-1' });
    await v1.put('pendingSamples', { sessionId: s.id, pcId: '0-1', index: 3, sample: samples[3] });
    await v1.add('notices', { t: NOW, kind: 'pruned', message: 'm', sessionIds: [] });
    v1.close();

    const db = await openScopeDb(name);
    opened.push(db);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['chunks', 'events', 'notices', 'pcs', 'pendingSamples', 'sessions']);
    const store = new SessionStore(db);
    expect(await store.getSession('7:v1')).toEqual(s);
    expect((await store.listSessions({ tabId: 7 })).map((x) => x.id)).toEqual(['7:v1']);
    expect(await store.getEvents('7:v1')).toEqual([event(0)]);
    expect(await store.readStats('7:v1', '0-1')).toEqual(samples);
    expect(await store.getNotices()).toHaveLength(1);
  });

  it('closes itself rather than block a newer version opened elsewhere', async () => {
    const { db, name } = await freshStore();
    const newer = await openDB(name, DB_VERSION + 1);
    expect(newer.version).toBe(DB_VERSION + 1);
    newer.close();
    expect(() => db.transaction('sessions')).toThrow();
  });
});
