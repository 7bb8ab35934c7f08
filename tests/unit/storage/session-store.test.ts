import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import type { PcSummary, SessionSummary, StatsSample, TraceEvent } from '../../../lib/model/session';
import { encodeStatsChunk } from '../../../lib/model/stats-chunk';
import { emptyStatsColumns, samplesToColumns } from '../../../lib/model/stats-columns';
import { diffStatsReports } from '../../../lib/model/stats-delta';
import { openScopeDb } from '../../../lib/storage/open-db';
import { DB_VERSION, upgrade, type ScopeDb, type ScopeSchema } from '../../../lib/storage/schema';
import { BYTES_PER_MB, SessionStore, type BatchWrite, type EncodedChunk, type PendingSampleWrite } from '../../../lib/storage/session-store';
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

const pendingOf = async (store: SessionStore, sessionId: string, pcId: string) => (await store.readPcTail(sessionId, pcId)).pending;

/**
 * Pending sample writes as the recorder makes them: each the delta from the sample before it, the first from
 * `previous` (the last chunked sample), or a complete report (`reset`) when there is none.
 */
function pendingWrites(pcId: string, samples: StatsSample[], previous: StatsSample | null = null): PendingSampleWrite[] {
  let prev = previous?.report ?? null;
  return samples.map((sample) => {
    const write = { pcId, sample, delta: diffStatsReports(prev, sample.report), reset: prev === null };
    prev = sample.report;
    return write;
  });
}

/** Every sample a complete report (`reset`): rows that need no other row, in any order. */
const snapshots = (pcId: string, samples: StatsSample[]): PendingSampleWrite[] =>
  samples.map((sample) => ({ pcId, sample, delta: { added: sample.report }, reset: true }));

describe('SessionStore', () => {
  it('commits a batch and reads it back per session, in order', async () => {
    const { store } = await freshStore();
    const s = session('7:a', { startedAt: NOW - 2 * DAY });
    const samples = callSamples().slice(0, 3);
    await store.commit(
      write(s, {
        pcs: [pc(s.id, '0-2', { createdAt: NOW }), pc(s.id, '0-10', { createdAt: NOW - 1 })],
        events: [event(2), event(0), event(1, null)],
        samples: snapshots('0-2', [samples[2], samples[0], samples[1]]),
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
    expect(await pendingOf(store, '7:a', '0-2')).toEqual(samples);
    expect(await pendingOf(store, '7:a', '0-10')).toEqual([]);
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
      write(session('7:new'), { pcs: [pc('7:new', '0-1')], events: [event(0)], samples: snapshots('0-1', [{ index: 0, t: 1, report: { A: { f: (() => 1) as never } } }]) }),
      write(session('7:new2'), { pcs: [pc('7:new2', '0-1')], chunks: [{ pcId: '0-1', chunk: { ...chunkOf(callSamples().slice(0, 2)), firstIndex: undefined as never } }] }),
    ];
    for (const w of bad) await expect(store.commit(w)).rejects.toThrow();
    expect(await store.getSession('7:a')).toEqual(s);
    expect((await store.getEvents('7:a')).map((e) => e.seq)).toEqual([0]);
    expect(await store.getPcs('7:a')).toEqual([]);
    expect(await store.getSession('7:new')).toBeUndefined();
    expect(await store.getSession('7:new2')).toBeUndefined();
    for (const name of ['sessions', 'pcs', 'pcConfigs', 'events', 'pendingSamples', 'chunks'] as const) {
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
    await store.commit(write(s, { samples: pendingWrites('0-1', all.slice(0, 5)) }));
    await store.commit(write(s, { samples: pendingWrites('0-2', all.slice(0, 3)) }));
    await store.commit(write(other, { samples: pendingWrites('0-1', all.slice(0, 3)) }));
    // Samples 5 and 6 arrive in the same write as the chunk of 0..5: 6 stays pending, 5 is covered.
    await store.commit(
      write(s, {
        samples: pendingWrites('0-1', all.slice(5, 7), all[4]),
        chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(0, 6)), lastIndex: 5 }],
      }),
    );
    // Sample 6 is stored as its delta from sample 5, which is in the chunk now.
    expect(await pendingOf(store, '7:a', '0-1')).toEqual([all[6]]);
    expect((await pendingOf(store, '7:a', '0-2')).map((x) => x.index)).toEqual([0, 1, 2]);
    expect((await pendingOf(store, '7:ab', '0-1')).map((x) => x.index)).toEqual([0, 1, 2]);
    const [chunk] = (await store.readPcStats('7:a', '0-1')).chunks;
    expect(chunk).toMatchObject({ firstIndex: 0, count: 6, startT: all[0].t, endT: all[5].t });
    expect(chunk.data).toBeInstanceOf(Uint8Array);
    expect((await store.readPcStats('7:a', '0-2')).chunks).toEqual([]);
  });

  it('a chunk over an index gap deletes exactly its pending samples (up to its lastIndex)', async () => {
    const { store, db } = await freshStore();
    const all = callSamples();
    const s = session('7:a');
    const gapped = [...all.slice(0, 3), ...all.slice(3, 6).map((sample, i) => ({ ...sample, index: 1000 + i }))];
    await store.commit(write(s, { samples: snapshots('0-1', gapped) }));
    await store.commit(write(s, { samples: snapshots('0-2', all.slice(0, 2)) }));
    await store.commit(write(s, { chunks: [{ pcId: '0-1', chunk: chunkOf(gapped.slice(0, 5)), lastIndex: 1001 }] }));
    expect((await db.getAll('pendingSamples')).map((r) => [r.pcId, r.index])).toEqual([['0-1', 1002], ['0-2', 0], ['0-2', 1]]);
    expect(await store.readStats('7:a', '0-1')).toEqual(gapped);
  });

  it('readStats returns chunks and pending samples merged by index; readPcTail the highest chunk', async () => {
    const { store } = await freshStore();
    const all = callSamples();
    const s = session('7:a');
    // Chunks written out of order, then pending samples.
    await store.commit(write(s, { chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(20, 40)) }] }));
    await store.commit(write(s, { chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(0, 20)) }] }));
    await store.commit(write(s, { samples: pendingWrites('0-1', all.slice(40, 60), all[39]) }));
    await store.commit(write(s, { chunks: [{ pcId: '0-2', chunk: chunkOf(all.slice(0, 2)) }] }));
    const read = await store.readStats('7:a', '0-1');
    expect(read.map((x) => x.index)).toEqual(all.map((x) => x.index));
    expect(read).toEqual(all);
    expect((await store.readPcTail('7:a', '0-1')).lastChunkSamples).toEqual(all.slice(20, 40));
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
        samples: pendingWrites('0-1', all.slice(20, 25), all[19]),
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
        samples: pendingWrites('0-2', calls['10-2'].slice(0, 10)),
        chunks: [{ pcId: '0-1', chunk: chunkOf(calls['10-1'].slice(0, 30)) }],
      }),
    );
    await store.commit(write(s, { samples: pendingWrites('0-1', calls['10-1'].slice(30, 35), calls['10-1'][29]) }));
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
          pcConfigs: [{ pcId: '0-1', config: { iceServers: [] } }],
          events: [event(0)],
          samples: pendingWrites('0-1', all.slice(10, 12), all[9]),
          chunks: [{ pcId: '0-1', chunk: chunkOf(all.slice(0, 10)) }],
        }),
      );
    }
    await store.deleteSessions(['7:a', '7:b', 'unknown']);
    await store.deleteSessions([]);
    expect((await store.listSessions()).map((x) => x.id)).toEqual(['7:ab']);
    for (const name of ['pcs', 'pcConfigs', 'events', 'chunks'] as const) expect(await db.count(name)).toBe(1);
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
    // Named, the oldest first, as the list names them (title, else URL), with their start.
    expect(notices[1].message).toMatch(/\. “[^”]+” \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\), “[^”]+” \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/);
    expect(notices[2].message).toMatch(/older than 30 days/);
  });
});

describe('retention notices', () => {
  it('name the first three deleted sessions, the oldest first, then say how many more', async () => {
    const { store } = await freshStore();
    for (let i = 0; i < 5; i++) {
      await store.commit(write(session(`s${i}`, { title: `Call ${i}`, startedAt: NOW - (10 - i) * DAY, lastActivityAt: NOW - (10 - i) * DAY, endedAt: NOW - (10 - i) * DAY })));
    }
    await store.prune({ maxAgeDays: 1, maxTotalMB: 0 }, NOW);
    const [notice] = await store.getNotices();
    expect(notice.message).toMatch(/^Deleted 5 recorded sessions: 5 older than 1 day\. “Call 0” \([^)]+ UTC\), “Call 1” \([^)]+ UTC\), “Call 2” \([^)]+ UTC\) and 2 more\.$/);
  });
});

describe('schema', () => {
  /** A database built by the migrations up to `version` only, with `fill` run on it. */
  async function databaseAt(version: number, fill: (db: ScopeDb) => Promise<void>): Promise<string> {
    const name = `scope-migration-${process.pid}-${++dbCounter}`;
    const old = await openDB<ScopeSchema>(name, version, { upgrade: (db, oldVersion, _newVersion, tx) => upgrade(db, oldVersion, version, tx) });
    await fill(old);
    old.close();
    return name;
  }

  it('opens a version-1 database at the current version with its data intact', async () => {
    const s = session('7:v1');
    const samples = callSamples().slice(0, 4);
    const name = await databaseAt(1, async (v1) => {
      await v1.put('sessions', s);
      await v1.put('pcs', pc(s.id, '0-1'));
      await v1.put('events', { sessionId: s.id, seq: 0, event: event(0) });
      await v1.put('chunks', { ...chunkOf(samples.slice(0, 3)), sessionId: s.id, pcId: '0-1' });
      // Version 1's pending row: the full report.
      await v1.put('pendingSamples', { sessionId: s.id, pcId: '0-1', index: 3, sample: samples[3] } as never);
      await v1.add('notices', { t: NOW, kind: 'pruned', message: 'm', sessionIds: [] });
    });

    const db = await openScopeDb(name);
    opened.push(db);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['chunks', 'events', 'notices', 'pcConfigs', 'pcs', 'pendingSamples', 'sessions']);
    const store = new SessionStore(db);
    expect(await store.getSession('7:v1')).toEqual(s);
    expect((await store.listSessions({ tabId: 7 })).map((x) => x.id)).toEqual(['7:v1']);
    expect(await store.getEvents('7:v1')).toEqual([event(0)]);
    expect(await store.getPcs('7:v1')).toEqual([pc(s.id, '0-1')]);
    expect(await store.readStats('7:v1', '0-1')).toEqual(samples);
    expect(await store.getNotices()).toHaveLength(1);
  });

  it('version 2 moves PC configurations out of the PC rows, stores pending samples as snapshots, and brings future session times back to now', async () => {
    const samples = callSamples().slice(0, 3);
    const config = { iceServers: [{ urls: 'stun:stun.example' }] };
    const name = await databaseAt(1, async (v1) => {
      await v1.put('sessions', session('7:forged', { lastActivityAt: 8.64e15, endedAt: 8.64e15 }));
      await v1.put('sessions', session('7:plain'));
      await v1.put('pcs', pc('7:plain', '0-1', { config, constraints: { optional: [] } }));
      for (const sample of samples) await v1.put('pendingSamples', { sessionId: '7:plain', pcId: '0-1', index: sample.index, sample } as never);
    });
    const before = Date.now();
    const db = await openScopeDb(name);
    opened.push(db);
    const store = new SessionStore(db);

    const row = await db.get('pcs', ['7:plain', '0-1']);
    expect(row).not.toHaveProperty('config');
    expect(row).not.toHaveProperty('constraints');
    expect(await db.get('pcConfigs', ['7:plain', '0-1'])).toEqual({ sessionId: '7:plain', pcId: '0-1', config, constraints: { optional: [] } });
    expect((await store.getPcs('7:plain'))[0]).toEqual(pc('7:plain', '0-1', { config, constraints: { optional: [] } }));

    const rows = await db.getAll('pendingSamples');
    expect(rows.every((r) => r.reset === true && !('sample' in r))).toBe(true);
    expect(await pendingOf(store, '7:plain', '0-1')).toEqual(samples);

    const forged = (await store.getSession('7:forged'))!;
    expect(forged.lastActivityAt).toBeGreaterThanOrEqual(before);
    expect(forged.lastActivityAt).toBeLessThanOrEqual(Date.now());
    expect(forged.endedAt).toBe(forged.lastActivityAt);
    expect(await store.getSession('7:plain')).toEqual(session('7:plain'));
    expect((await store.prune({ maxAgeDays: 30, maxTotalMB: 0 }, Date.now() + 31 * DAY)).map((x) => x.id)).toEqual(['7:forged']);
  });

  it('version 3 gives imported sessions an import time (now), which retention then ages them by; after version 2 in one upgrade', async () => {
    const imported = { fileName: 'old.json', format: 'webrtc-internals' };
    const name = await databaseAt(1, async (v1) => {
      // Both steps change this row: version 2 its forged times, version 3 its import time.
      await v1.put('sessions', session('import:forged', { tabId: null, lastActivityAt: 8.64e15, endedAt: 8.64e15, imported }));
      await v1.put('sessions', session('import:old', { tabId: null, lastActivityAt: NOW - 400 * DAY, endedAt: NOW - 400 * DAY, imported }));
      await v1.put('sessions', session('7:recorded', { endedAt: NOW }));
    });
    const before = Date.now();
    const db = await openScopeDb(name);
    opened.push(db);
    const store = new SessionStore(db);
    const forged = (await store.getSession('import:forged'))!;
    expect(forged.lastActivityAt).toBeLessThanOrEqual(Date.now());
    expect(forged.imported!.importedAt).toBeGreaterThanOrEqual(before);
    const old = (await store.getSession('import:old'))!;
    expect(old.imported).toEqual({ ...imported, importedAt: forged.imported!.importedAt });
    expect(old.lastActivityAt).toBe(NOW - 400 * DAY);
    expect(await store.getSession('7:recorded')).toEqual(session('7:recorded', { endedAt: NOW }));
    // The 400-day-old file stays for the maximum age from now.
    expect(await store.prune({ maxAgeDays: 30, maxTotalMB: 0 }, Date.now() + DAY)).toEqual([]);

    // From version 2 too.
    const name2 = await databaseAt(2, async (v2) => {
      await v2.put('sessions', session('import:v2', { tabId: null, lastActivityAt: NOW - 400 * DAY, endedAt: NOW - 400 * DAY, imported }));
    });
    const db2 = await openScopeDb(name2);
    opened.push(db2);
    expect((await new SessionStore(db2).getSession('import:v2'))!.imported!.importedAt).toBeGreaterThanOrEqual(before);
  });

  it('closes itself rather than block a newer version opened elsewhere', async () => {
    const { db, name } = await freshStore();
    const newer = await openDB(name, DB_VERSION + 1);
    expect(newer.version).toBe(DB_VERSION + 1);
    newer.close();
    expect(() => db.transaction('sessions')).toThrow();
  });
});
