/**
 * The recorder's per-PC stats caps (PC_STATS_LIMITS: distinct stats ids, id × field columns, report size) hold for
 * imported dumps too: a PC's stats stop at the first poll past a cap, as a recorded call's do; the import refuses the
 * file saying which PC, where and why, or with allowPartial keeps the polls before the cap and lists the problem.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { runImport } from '../../../lib/dump/dump-jobs';
import { pcColumns, pcSampleCount, pcSamples } from '../../../lib/dump/bundle-stats';
import { limitColumns } from '../../../lib/dump/import-stats-limits';
import { DumpError } from '../../../lib/dump/session-bundle';
import { PC_STATS_LIMITS } from '../../../lib/model/session-reducer';
import type { StatsColumns } from '../../../lib/model/session';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import { bytes, internalsDump, legacyLines, objectSeries, v3Lines } from '../../fixtures/dumps/dump-fixtures';

const T0 = 1_700_000_000_000;
const { maxIds, maxColumns, maxReportChars } = PC_STATS_LIMITS;

function dumpError(run: () => unknown): DumpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DumpError);
    return error as DumpError;
  }
  throw new Error('expected a DumpError');
}

/** RTCStatsDump lines whose every poll holds one object under a new id: ids churn, a view's columns grow as polls². */
function churningV3(polls: number): string {
  const lines: unknown[] = [['create', 'PC_0', {}, T0]];
  for (let i = 0; i < polls; i++) lines.push(['getStats', 'PC_0', { [`IT${i}`]: { id: `IT${i}`, type: 'inbound-rtp', timestamp: T0 + (i + 1) * 1000, packetsReceived: i } }, 1000]);
  return v3Lines({}, lines);
}

/** A webrtc-internals PC whose stats objects each live for one poll, under a new id every time. */
function churningInternals(polls: number): string {
  const stats: Record<string, unknown> = {};
  for (let i = 0; i < polls; i++) Object.assign(stats, objectSeries(`IT${i}`, 'inbound-rtp', [T0 + i * 1000], { packetsReceived: [i] }));
  return internalsDump({ '1-1': { stats } });
}

describe('stats caps on imported polls (full reports: rtcstats)', () => {
  it('refuses a dump whose stats ids churn past maxIds, naming the PC, the first poll left out and why', () => {
    const file = bytes(churningV3(maxIds + 10));
    const error = dumpError(() => importDump('churn.rtcstats', file));
    expect(error.format).toBe('rtcstats-v3');
    // Line 1 is the magic, 2 the metadata, 3 the create: poll i is on line 4 + i, and poll maxIds is the first past the cap.
    expect(error.where).toBe(`line ${4 + maxIds}`);
    expect(error.reason).toContain('peer connection "PC_0": its stats stop at this poll (2023-11-14T22:46:41.000Z)');
    expect(error.reason).toContain(`it brings stats id "IT${maxIds}", beyond the ${maxIds} distinct stats ids a peer connection may have`);
    expect(error.reason).toContain('square of the call\'s length');
    expect(error.reason).toContain('that poll and the 9 after it are left out');
  });

  it('with allowPartial keeps the polls before the cap (as the recorder does) and lists the problem', () => {
    const result = importDump('churn.rtcstats', bytes(churningV3(maxIds + 10)), { allowPartial: true });
    expect(result.problemCount).toBe(1);
    expect(result.problems[0].where).toBe(`line ${4 + maxIds}`);
    const bundle = result.bundles[0];
    const pc = bundle.pcs[0];
    expect(pc.sampleCount).toBe(maxIds);
    expect(pc.lastSampleAt).toBe(T0 + maxIds * 1000);
    const samples = pcSamples(bundle, pc.pcId);
    expect(samples).toHaveLength(maxIds);
    expect(new Set(samples.flatMap((s) => Object.keys(s.report))).size).toBe(maxIds);
    expect(bundle.session.sampleCount).toBe(maxIds);
  });

  it('stops a PC whose fields churn past maxColumns; the other PCs keep all their polls', () => {
    const fieldsPerPoll = 10_000;
    const lines: unknown[] = [
      ['getstats', 'PC_0', { A: { type: 'x', timestamp: T0 } }, T0],
      ['getstats', 'PC_1', { B: { type: 'x', timestamp: T0 } }, T0],
    ];
    // After poll p, PC_0 has 2 + 10,000·p columns: poll 10 brings the 100,001st.
    for (let p = 1; p <= 11; p++) {
      lines.push(['getstats', 'PC_0', { A: Object.fromEntries(Array.from({ length: fieldsPerPoll }, (_, k) => [`f${p}_${k}`, k])) }, T0 + p * 1000]);
      lines.push(['getstats', 'PC_1', { B: { type: 'x', timestamp: T0 + p * 1000, n: p } }, T0 + p * 1000]);
    }
    const result = importDump('fields.log', bytes(legacyLines(lines)), { allowPartial: true });
    expect(result.format).toBe('rtcstats-legacy');
    expect(result.problems).toEqual([
      {
        where: 'line 21',
        reason: expect.stringMatching(new RegExp(`^peer connection "PC_0": its stats stop at this poll .* it brings field "f10_9998" of stats id "A", beyond the ${maxColumns} stats id × field columns a peer connection may have .*; that poll and the 1 after it are left out$`)),
      },
    ]);
    const bundle = result.bundles[0];
    const byFileId = Object.fromEntries(bundle.pcs.map((pc) => [pc.fileId, pc]));
    expect(byFileId.PC_0.sampleCount).toBe(10);
    expect(byFileId.PC_1.sampleCount).toBe(12);
  });

  it('stops a PC whose report grows past maxReportChars', () => {
    const text = 'y'.repeat(300_000);
    const lines: unknown[] = [];
    // fippo-style deltas keep the objects a line does not mention: the report grows by 300 KB a poll.
    for (let p = 0; p < 10; p++) lines.push(['getstats', 'PC_0', { [`B${p}`]: { type: 'x', timestamp: T0 + p * 1000, text } }, T0 + p * 1000]);
    const file = bytes(legacyLines(lines));
    const kept = Math.floor(maxReportChars / 300_000);
    const error = dumpError(() => importDump('big.log', file));
    expect(error.where).toBe(`line ${kept + 1}`);
    expect(error.reason).toMatch(new RegExp(`its report is \\d+ characters as JSON, and a report may have at most ${maxReportChars}.*; that poll and the ${10 - kept - 1} after it are left out$`));
    const result = importDump('big.log', file, { allowPartial: true });
    const samples = pcSamples(result.bundles[0], result.bundles[0].pcs[0].pcId);
    expect(samples).toHaveLength(kept);
    expect(Math.max(...samples.map((s) => JSON.stringify(s.report).length))).toBeLessThanOrEqual(maxReportChars);
  });
});

describe('stats caps on imported columns (webrtc-internals)', () => {
  it('refuses a dump whose stats ids churn past maxIds, naming the PC, the poll and why', () => {
    const file = bytes(churningInternals(maxIds + 5));
    const error = dumpError(() => importDump('churn.json', file));
    expect(error.format).toBe('webrtc-internals');
    expect(error.where).toBe('PeerConnections["1-1"].stats');
    expect(error.reason).toBe(
      `peer connection "1-1": its stats stop at poll ${maxIds + 1} of ${maxIds + 5} (${new Date(T0 + maxIds * 1000).toISOString()}), as a recorded call's would: ` +
        `it brings stats id "IT${maxIds}", beyond the ${maxIds} distinct stats ids a peer connection may have (ids or fields that change with every poll ` +
        "would make the views build columns that grow with the square of the call's length); that poll and the 4 after it are left out",
    );
  });

  it('with allowPartial keeps the rows before the cap, and only the objects they hold', () => {
    const result = importDump('churn.json', bytes(churningInternals(maxIds + 5)), { allowPartial: true });
    expect(result.problemCount).toBe(1);
    const bundle = result.bundles[0];
    const pc = bundle.pcs[0];
    expect(pc.sampleCount).toBe(maxIds);
    expect(pc.lastSampleAt).toBe(T0 + (maxIds - 1) * 1000);
    const columns = pcColumns(bundle, pc.pcId);
    expect(columns.t).toHaveLength(maxIds);
    expect(Object.keys(columns.objects)).toHaveLength(maxIds);
    expect(Object.hasOwn(columns.objects, `IT${maxIds}`)).toBe(false);
  });

  it('the import job refuses it with where and why and leaves the store as it was; allowPartial stores the polls before the cap', async () => {
    const store = new SessionStore(await openScopeDb('import-stats-limits'));
    const [earlier] = await runImport(store, [{ name: 'earlier.log', bytes: bytes(legacyLines([['create', 'PC_0', {}, T0]])) }]);
    const file = bytes(churningInternals(maxIds + 5));
    const [refused] = await runImport(store, [{ name: 'churn.json', bytes: file }]);
    expect(refused.error).toMatch(/^churn\.json: looks like a webrtc-internals dump; at PeerConnections\["1-1"\]\.stats: peer connection "1-1": its stats stop at poll 2001 of 2005/);
    expect(refused.partial?.problemCount).toBe(1);
    expect((await store.listSessions()).map((s) => s.id)).toEqual([earlier.sessions[0].id]);
    const [kept] = await runImport(store, [{ name: 'churn.json', bytes: file }], { allowPartial: true });
    expect(kept.error).toBeNull();
    expect(kept.skipped).toHaveLength(1);
    expect(kept.sessions[0].sampleCount).toBe(maxIds);
    const stored = await store.readBundle(kept.sessions[0].id);
    expect(pcSampleCount(stored!, stored!.pcs[0].pcId)).toBe(maxIds);
  });
});

describe('limitColumns', () => {
  /** One object whose rows each bring `perRow` new fields (row r holds the fields of rows 0…r). */
  function growingFields(rows: number, perRow: number): StatsColumns {
    const fields: Record<string, (number | string | null)[]> = { type: Array.from({ length: rows }, () => 'x') };
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < perRow; k++) fields[`f${r}_${k}`] = Array.from({ length: rows }, (_, i) => (i >= r ? k : null));
    }
    return {
      t: Array.from({ length: rows }, (_, r) => T0 + r * 1000),
      objects: { A: { type: 'x', fields } },
      cost: { getStatsMs: new Array(rows).fill(null), hookMs: new Array(rows).fill(null) },
    };
  }

  it('leaves columns within the caps as they are', () => {
    const columns = growingFields(5, 10);
    const before = structuredClone(columns);
    expect(limitColumns(columns)).toBeNull();
    expect(columns).toEqual(before);
  });

  it('cuts at the row that brings a column past maxColumns, with the fields only later rows held', () => {
    const perRow = 10_000;
    // type, then 10,000 more from each row on: row 9 brings the 100,001st column (its last field).
    const columns = growingFields(12, perRow);
    const cut = limitColumns(columns);
    expect(cut).toEqual({ row: 9, t: T0 + 9_000, rows: 12, reason: expect.stringContaining(`it brings field "f9_9999" of stats id "A", beyond the ${maxColumns} stats id × field columns`) });
    expect(columns.t).toHaveLength(9);
    expect(columns.cost.hookMs).toHaveLength(9);
    const fields = columns.objects.A.fields;
    expect(Object.keys(fields)).toHaveLength(1 + 9 * perRow);
    expect(Object.hasOwn(fields, 'f9_0')).toBe(false);
    expect(Object.values(fields).every((column) => column.length === 9)).toBe(true);
  });

  it('cuts at the first row whose report is larger than maxReportChars, measured exactly', () => {
    const rows = 10;
    const text = 'y'.repeat(300_000);
    const objects: StatsColumns['objects'] = {};
    // Object i appears at row i and stays: row r holds r + 1 texts of 300 KB.
    for (let i = 0; i < rows; i++) objects[`B${i}`] = { type: 'x', fields: { type: Array.from({ length: rows }, (_, r) => (r >= i ? 'x' : null)), text: Array.from({ length: rows }, (_, r) => (r >= i ? text : null)) } };
    const columns: StatsColumns = { t: Array.from({ length: rows }, (_, r) => T0 + r), objects, cost: { getStatsMs: new Array(rows).fill(null), hookMs: new Array(rows).fill(null) } };
    const kept = Math.floor(maxReportChars / 300_000);
    expect(limitColumns(columns)).toEqual({ row: kept, t: T0 + kept, rows, reason: expect.stringMatching(/^its report is \d+ characters as JSON/) });
    expect(Object.keys(columns.objects)).toEqual(Array.from({ length: kept }, (_, i) => `B${i}`));
  });

  it('does not take many short numbers for a large report: the estimate is measured before it cuts', () => {
    // 60,000 numeric fields: 24 characters each by the estimate (over the cap), about 1 MB as JSON (under it).
    const fields: Record<string, number[]> = {};
    for (let k = 0; k < 60_000; k++) fields[`f${k}`] = [k % 10, k % 7];
    const columns: StatsColumns = { t: [T0, T0 + 1000], objects: { A: { type: 'x', fields } }, cost: { getStatsMs: [null, null], hookMs: [null, null] } };
    expect(limitColumns(columns)).toBeNull();
    expect(columns.t).toHaveLength(2);
  });
});
