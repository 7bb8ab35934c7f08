import { describe, expect, it } from 'vitest';
import type { PageRecord } from '../../../lib/protocol/messages';
import type { FrameInfo, SessionSummary } from '../../../lib/model/session';
import { applyPageRecords, closeFramePcs, PC_STATS_LIMITS, type LiveSession } from '../../../lib/model/session-reducer';
import { diffStatsReports } from '../../../lib/model/stats-delta';

function makeSession(): LiveSession {
  const summary: SessionSummary = {
    id: '7:top', tabId: 7, url: 'https://a.example/', origin: 'https://a.example', title: 't', userAgent: 'ua',
    startedAt: 0, lastActivityAt: 0, endedAt: null, pcCount: 0, mediaCallCount: 0, eventCount: 0, sampleCount: 0,
    bytes: 0, frames: [], refused: {},
  };
  return { summary, pcs: new Map() };
}
const frame = (index: number): FrameInfo => ({ index, frameLoadId: `f${index}`, url: `https://a.example/${index}`, isTop: index === 0, timeOrigin: 0, lastBatchSeq: 0 });

/** A stream of stats records as the hook makes them: first a full snapshot, then deltas. */
function makeStatsStream(pc: number, reports: Record<string, Record<string, unknown>>[]): PageRecord[] {
  let prev: Record<string, never> | null = null;
  return reports.map((report, index) => {
    const delta = diffStatsReports(prev, report as never);
    prev = report as never;
    return { type: 'pc-stats', pc, index, t: 1000 + index * 1000, delta, ...(index === 0 ? { reset: true as const } : {}), cost: { getStatsMs: 1, hookMs: 0.1 } };
  });
}
const report = (bytes: number) => ({ OT1: { type: 'outbound-rtp', timestamp: bytes, bytesSent: bytes, kind: 'video' } });

describe('applyPageRecords', () => {
  it('creates PCs with frame-scoped ids, follows their states and numbers events gap-free', () => {
    const session = makeSession();
    const out = applyPageRecords(session, frame(0), [
      { type: 'pc-created', pc: 1, t: 10, config: { bundlePolicy: 'max-bundle' } },
      { type: 'pc-event', pc: 1, t: 11, event: 'signalingstatechange', value: 'have-local-offer' },
      { type: 'pc-event', pc: 1, t: 12, event: 'connectionstatechange', value: 'connected' },
      { type: 'media-call', call: 1, t: 13, method: 'getUserMedia', args: [{ audio: true }] },
    ]);
    applyPageRecords(session, frame(1), [{ type: 'pc-created', pc: 1, t: 20, config: {} }]);
    expect([...session.pcs.keys()]).toEqual(['0-1', '1-1']);
    const pc = session.pcs.get('0-1')!.summary;
    expect(pc).toMatchObject({ signalingState: 'have-local-offer', connectionState: 'connected', createdAt: 10, frameUrl: 'https://a.example/0' });
    expect(out.events.map((e) => [e.seq, e.pcId, e.record.type])).toEqual([
      [0, '0-1', 'pc-created'], [1, '0-1', 'pc-event'], [2, '0-1', 'pc-event'], [3, null, 'media-call'],
    ]);
    // Activity is the recorder's to stamp with its own clock: record times are the page's word.
    expect(session.summary).toMatchObject({ pcCount: 2, mediaCallCount: 1, eventCount: 5, lastActivityAt: 0 });
  });

  it('a repeated announcement of a known PC (capture resumed, or a resync) is neither an event nor a refusal', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 10, config: { bundlePolicy: 'max-bundle' } }]);
    const out = applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 10, config: {} }]);
    expect(out.events).toEqual([]);
    expect(session.summary).toMatchObject({ pcCount: 1, eventCount: 1, refused: {} });
    expect(session.pcs.get('0-1')!.summary.config).toEqual({ bundlePolicy: 'max-bundle' });
  });

  it('decodes a stats stream into full samples and marks close()', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 1, config: {} }]);
    const out = applyPageRecords(session, frame(0), makeStatsStream(1, [report(100), report(250), report(400)]));
    expect(out.samples.map((s) => s.sample.report)).toEqual([report(100), report(250), report(400)]);
    expect(out.samples.map((s) => s.sample.index)).toEqual([0, 1, 2]);
    applyPageRecords(session, frame(0), [{ type: 'pc-call', pc: 1, t: 9, call: 1, method: 'close', args: [] }]);
    expect(session.pcs.get('0-1')!.summary).toMatchObject({ closedAt: 9, closedBy: 'close', connectionState: 'closed', sampleCount: 3 });
  });

  it('stops at a lost stats record, asks for a resync, and continues from the next full snapshot', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 1, config: {} }]);
    const stream = makeStatsStream(1, [report(1), report(2), report(3), report(4)]);
    const first = applyPageRecords(session, frame(0), [stream[0], stream[2], stream[3]]); // index 1 lost
    expect(first.samples.map((s) => s.sample.index)).toEqual([0]);
    expect(first.needResync).toBe(true);
    expect(session.summary.refused['stats-gap']).toBe(2);
    const snapshot: PageRecord = { type: 'pc-stats', pc: 1, index: 4, t: 5000, reset: true, delta: diffStatsReports(null, report(5) as never), cost: { getStatsMs: 1, hookMs: 0 } };
    const second = applyPageRecords(session, frame(0), [snapshot]);
    expect(second.samples.map((s) => [s.sample.index, s.sample.report])).toEqual([[4, report(5)]]);
    expect(second.needResync).toBe(false);
  });

  it('keeps records of unknown PCs in the trace but counts their stats as refused', () => {
    const session = makeSession();
    const out = applyPageRecords(session, frame(0), [
      { type: 'pc-event', pc: 9, t: 1, event: 'negotiationneeded', value: null },
      ...makeStatsStream(9, [report(1)]),
    ]);
    expect(out.events).toHaveLength(1);
    expect(out.samples).toHaveLength(0);
    expect(session.summary.refused).toEqual({ 'stats-for-unknown-pc': 1 });
  });

  it('closes only the unloaded frame\'s open PCs', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 1, config: {} }]);
    applyPageRecords(session, frame(1), [{ type: 'pc-created', pc: 1, t: 1, config: {} }, { type: 'pc-created', pc: 2, t: 1, config: {} }]);
    applyPageRecords(session, frame(1), [{ type: 'pc-call', pc: 2, t: 2, call: 0, method: 'close', args: [] }]);
    expect(closeFramePcs(session, 1, 50)).toEqual(['1-1']);
    expect(session.pcs.get('1-1')!.summary.closedBy).toBe('unload');
    expect(session.pcs.get('1-2')!.summary.closedBy).toBe('close');
    expect(session.pcs.get('0-1')!.summary.closedAt).toBeNull();
  });

  it('takes poll indexes only forward: a reset may jump ahead, an old or repeated index is refused without breaking the chain', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 1, config: {} }]);
    const snapshot = (index: number, bytes: number): PageRecord => ({ type: 'pc-stats', pc: 1, index, t: index, reset: true, delta: diffStatsReports(null, report(bytes) as never), cost: { getStatsMs: 1, hookMs: 0 } });
    const out = applyPageRecords(session, frame(0), [
      snapshot(1000, 1),
      snapshot(5, 2),
      snapshot(1000, 3),
      { type: 'pc-stats', pc: 1, index: 999, t: 999, delta: {}, cost: { getStatsMs: 1, hookMs: 0 } },
      { type: 'pc-stats', pc: 1, index: 1001, t: 1001, delta: {}, cost: { getStatsMs: 1, hookMs: 0 } },
    ]);
    expect(out.samples.map((s) => [s.sample.index, s.sample.report])).toEqual([[1000, report(1)], [1001, report(1)]]);
    expect(out.needResync).toBe(false);
    expect(session.summary.refused).toEqual({ 'stats-index': 3 });
  });

  it('stops sampling a PC whose stats ids keep changing once it has seen PC_STATS_LIMITS.maxIds of them', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 1, config: {} }]);
    const polls: PageRecord[] = [{ type: 'pc-stats', pc: 1, index: 0, t: 0, reset: true, delta: { added: { a0: { type: 'x', v: 0 } } }, cost: { getStatsMs: 1, hookMs: 0 } }];
    // What a ~90-character record does: a new id in every poll, the previous one gone.
    for (let i = 1; i < PC_STATS_LIMITS.maxIds + 10; i++) {
      polls.push({ type: 'pc-stats', pc: 1, index: i, t: i, delta: { added: { [`a${i}`]: { type: 'x', v: i } }, removed: [`a${i - 1}`] }, cost: { getStatsMs: 1, hookMs: 0 } });
    }
    const out = applyPageRecords(session, frame(0), polls);
    expect(out.samples).toHaveLength(PC_STATS_LIMITS.maxIds);
    expect(new Set(out.samples.flatMap((s) => Object.keys(s.sample.report))).size).toBe(PC_STATS_LIMITS.maxIds);
    expect(session.summary.refused).toEqual({ 'stats-columns-cap': 1, 'stats-stopped': 9 });
    expect(session.pcs.get('0-1')!).toMatchObject({ statsStopped: true, base: null });
  });

  it('stops sampling a PC whose fields keep changing, or whose report grows past what one record can hold', () => {
    const session = makeSession();
    applyPageRecords(session, frame(0), [{ type: 'pc-created', pc: 1, t: 1, config: {} }, { type: 'pc-created', pc: 2, t: 1, config: {} }]);
    const stats = (pc: number, index: number, delta: PageRecord & { type: 'pc-stats' } extends { delta: infer D } ? D : never): PageRecord => ({
      type: 'pc-stats', pc, index, t: index, ...(index === 0 ? { reset: true as const } : {}), delta, cost: { getStatsMs: 1, hookMs: 0 },
    });
    // PC 1: one object, a new field in every poll.
    const fieldsPerPoll = 10_000;
    const polls: PageRecord[] = [stats(1, 0, { added: { A: { type: 'x' } } })];
    for (let i = 1; i <= PC_STATS_LIMITS.maxColumns / fieldsPerPoll + 1; i++) {
      polls.push(stats(1, i, { changed: { A: Object.fromEntries(Array.from({ length: fieldsPerPoll }, (_, k) => [`f${i}_${k}`, k])) } }));
    }
    // PC 2: 300 KB more of text in every poll.
    for (let i = 0; i < 10; i++) polls.push(stats(2, i, i === 0 ? { added: { B: { type: 'x' } } } : { added: { [`B${i}`]: { type: 'x', text: 'y'.repeat(300_000) } } }));
    applyPageRecords(session, frame(0), polls);
    expect(session.pcs.get('0-1')!.summary.sampleCount).toBe(PC_STATS_LIMITS.maxColumns / fieldsPerPoll);
    const sizes = session.pcs.get('0-2')!.pending.map((s) => JSON.stringify(s.report).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PC_STATS_LIMITS.maxReportChars * 1.25 + 300_000);
    expect(session.pcs.get('0-2')!.statsStopped).toBe(true);
    expect(session.summary.refused).toMatchObject({ 'stats-columns-cap': 1, 'stats-report-cap': 1 });
  });
});
