/**
 * The columns form of bundle stats: the webrtc-internals importer builds per-PC columns straight from the dump's
 * series (no report per poll), and every reader sees the same polls as it did when the importer built samples.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pcColumns, pcSampleCount, pcSamples, statsPcIds, storedColumns } from '../../../lib/dump/bundle-stats';
import { exportCsv } from '../../../lib/dump/export-csv';
import { rtcstatsText } from '../../../lib/dump/export-rtcstats';
import { exportWebrtcInternals } from '../../../lib/dump/export-webrtc-internals';
import { scopeDumpJson } from '../../../lib/dump/format-scope';
import { importDump } from '../../../lib/dump/import-dump';
import { redactBundle } from '../../../lib/dump/redact';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { columnsToSamples, samplesToColumns } from '../../../lib/model/stats-columns';
import { callBundle } from '../../fixtures/bundles/call-bundle';
import { INTERNALS_DUMP_CALL } from '../model/corpus';
import { bytes, internalsDump, objectSeries, series } from '../../fixtures/dumps/dump-fixtures';

const importCall = () => importDump('call.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles[0];

/** The same bundle with every PC's stats as samples. */
function asSamples(bundle: SessionBundle): SessionBundle {
  const samples: SessionBundle['samples'] = {};
  for (const pcId of statsPcIds(bundle)) samples[pcId] = pcSamples(bundle, pcId);
  return { session: bundle.session, pcs: bundle.pcs, events: bundle.events, samples };
}

describe('bundle stats as columns', () => {
  it('the webrtc-internals importer gives columns whose samples are exactly what the per-poll importer built', () => {
    const bundle = importCall();
    expect(bundle.samples).toEqual({});
    expect(statsPcIds(bundle)).toEqual(['0-1', '0-2']);
    // sha256 of JSON.stringify(samples) (values, key order, times and indexes) from the importer that built one
    // report per poll (commit 530dbe4), for this corpus file.
    const before: Record<string, string> = {
      '0-1': 'f2854cb700d6ebfedfe26e4a3505fbcb9f0e7986a877e65c15b1aa5187ed09bc',
      '0-2': 'b739cfd89886d997963c13607300d7a4e134d8ed3013095f60e5ef6e332db599',
    };
    for (const pc of bundle.pcs) {
      const samples = pcSamples(bundle, pc.pcId);
      expect(createHash('sha256').update(JSON.stringify(samples)).digest('hex')).toBe(before[pc.pcId]);
      expect(pcSampleCount(bundle, pc.pcId)).toBe(60);
      expect(pc.sampleCount).toBe(60);
      expect(pc.lastSampleAt).toBe(samples[59].t);
    }
  });

  it('columns follow the contract: aligned with t, ascending t, no JSON null, an object in every row, no cost', () => {
    const bundle = importCall();
    for (const pcId of statsPcIds(bundle)) {
      const columns = storedColumns(bundle, pcId)!;
      const rows = columns.t.length;
      for (let i = 1; i < rows; i++) expect(columns.t[i]).toBeGreaterThan(columns.t[i - 1]);
      expect(columns.cost.getStatsMs).toEqual(new Array(rows).fill(null));
      expect(columns.cost.hookMs).toEqual(new Array(rows).fill(null));
      const anyInRow = new Array<boolean>(rows).fill(false);
      for (const [id, object] of Object.entries(columns.objects)) {
        expect(Object.keys(object.fields).slice(0, 2), id).toEqual(['type', 'timestamp']);
        for (const column of Object.values(object.fields)) {
          expect(column).toHaveLength(rows);
          column.forEach((v, i) => {
            if (v !== null) anyInRow[i] = true;
          });
        }
        // An object absent at a poll is absent in all of its columns.
        const typeColumn = object.fields.type;
        for (const column of Object.values(object.fields)) column.forEach((v, i) => v !== null && expect(typeColumn[i]).toBe(object.type));
      }
      expect(anyInRow.every(Boolean)).toBe(true);
    }
  });

  it('series that are their column as parsed still refuse values a record may not hold, as do shorter ones', () => {
    const T = Date.UTC(2026, 0, 2, 3, 4, 5);
    const times = [T, T + 1000, T + 2000];
    const stats = {
      // Covers every poll: the parsed array becomes the column (checked in place).
      ...objectSeries('O', 'outbound-rtp', times, { q: [JSON.parse('{"__proto__":{"x":1}}'), { none: 1 }, 5], flat: [1, '[x]', 3] }),
      // Shorter than the polls: copied into a column of its own (checked as copied).
      'O-r': series([JSON.parse('{"__proto__":{"y":1}}'), { cpu: 2 }], times[1], times[2], 'outbound-rtp'),
    };
    const r = importDump('d.json', bytes(internalsDump({ '1-1': { stats } })), { allowPartial: true });
    expect(r.problems.map((p) => [p.where.replace(/^.*\.stats/, ''), p.reason])).toEqual([
      ['["O-q"].values[0]', expect.stringMatching(/refused: .*__proto__/)],
      ['["O-r"].values[0]', expect.stringMatching(/refused: .*__proto__/)],
    ]);
    const samples = pcSamples(r.bundles[0], '0-1');
    expect(samples.map((s) => s.report.O.q)).toEqual([undefined, { none: 1 }, 5]);
    expect(samples.map((s) => s.report.O.r)).toEqual([undefined, undefined, { cpu: 2 }]);
    expect(samples.map((s) => s.report.O.flat)).toEqual([1, '[x]', 3]);
    expect(Object.getPrototypeOf(samples[0].report.O)).toBe(Object.prototype);
  });

  it('helpers read either form; a PC without stats has none', () => {
    const bundle = importCall();
    const mixed: SessionBundle = { ...bundle, samples: { '0-9': [] }, columns: bundle.columns };
    expect(statsPcIds(mixed)).toEqual(['0-9', '0-1', '0-2']);
    expect(pcSamples(mixed, '0-9')).toEqual([]);
    expect(pcSamples(mixed, '0-7')).toEqual([]);
    expect(pcColumns(mixed, '0-7').t).toEqual([]);
    expect(pcColumns(mixed, '0-1')).toBe(bundle.columns!['0-1']);
    expect(pcSamples(mixed, '0-1')).toEqual(columnsToSamples(bundle.columns!['0-1']));
    const call = callBundle();
    expect(pcSamples(call, '0-1')).toBe(call.samples['0-1']);
    expect(pcColumns(call, '0-1')).toEqual(samplesToColumns(call.samples['0-1']));
    expect(pcSampleCount(call, '0-2')).toBe(call.samples['0-2'].length);
  });

  it('every exporter and redaction give the same output for the columns form as for the samples form', () => {
    const columnsForm = importCall();
    const samplesForm = asSamples(columnsForm);
    const meta = { extensionVersion: '1.0.0', exportedAt: 1_800_000_000_000, userAgent: 'test' };
    expect(scopeDumpJson([columnsForm], meta)).toBe(scopeDumpJson([samplesForm], meta));
    expect(exportWebrtcInternals(columnsForm, { exportedAt: 1 })).toBe(exportWebrtcInternals(samplesForm, { exportedAt: 1 }));
    expect(rtcstatsText(columnsForm)).toBe(rtcstatsText(samplesForm));
    expect(rtcstatsText(columnsForm, { stats: 'delta' })).toBe(rtcstatsText(samplesForm, { stats: 'delta' }));
    const series = Object.keys(columnsForm.columns!['0-1'].objects).flatMap((statsId) => ['timestamp', 'bytesSent', 'qualityLimitationDurations'].map((field) => ({ statsId, field })));
    expect(exportCsv(columnsForm, '0-1', series)).toBe(exportCsv(samplesForm, '0-1', series));
    expect(JSON.stringify(redactBundle(columnsForm))).toBe(JSON.stringify(redactBundle(samplesForm)));
  });
});
