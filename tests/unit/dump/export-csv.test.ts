import { describe, expect, it } from 'vitest';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { exportCsv, textCell } from '../../../lib/dump/export-csv';
import { callBundle, edgeBundle } from '../../fixtures/bundles/call-bundle';
import { readFileSync } from 'node:fs';
import { importDump } from '../../../lib/dump/import-dump';
import { pcColumns } from '../../../lib/dump/bundle-stats';
import { numericSeries } from '../../../components/dump/ExportDialog';
import { CORPUS_DIR } from '../model/corpus';

/** Minimal RFC 4180 parser for checking our output. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

describe('exportCsv', () => {
  it('writes one row per poll with ISO and ms time, fields and derived rates', () => {
    const bundle = callBundle();
    const csv = exportCsv(bundle, '0-1', [
      { statsId: 'OT01V535634639', field: 'bytesSent' },
      { statsId: 'OT01V535634639', field: '[bytesSent_in_bits/s]' },
      { statsId: 'OT01V535634639', field: 'qualityLimitationDurations' },
      { statsId: 'nope', field: 'x' },
    ]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['time', 'time_ms', 'OT01V535634639-bytesSent', 'OT01V535634639-[bytesSent_in_bits/s]', 'OT01V535634639-qualityLimitationDurations', 'nope-x']);
    expect(rows).toHaveLength(61);
    const first = bundle.samples['0-1'][0];
    expect(rows[1][0]).toBe(new Date(first.t).toISOString());
    expect(Number(rows[1][1])).toBe(first.t);
    expect(Number(rows[1][2])).toBe(first.report.OT01V535634639.bytesSent);
    expect(rows[1][3]).toBe('');
    expect(Number(rows[2][3])).toBeGreaterThan(400_000);
    expect(JSON.parse(rows[1][4])).toEqual(first.report.OT01V535634639.qualityLimitationDurations);
    expect(rows[1][5]).toBe('');
  });

  it('defuses formulas in text but keeps numbers numeric, and quotes per RFC 4180', () => {
    expect(textCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(textCell('+1')).toBe("'+1");
    expect(textCell('-cmd')).toBe("'-cmd");
    expect(textCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(textCell('a,b\nc')).toBe('"a,b\nc"');
    expect(textCell('plain')).toBe('plain');
    const base = edgeBundle();
    const bundle: SessionBundle = {
      ...base,
      samples: { '0-1': [{ index: 0, t: 0, report: { '=id': { type: 'x', timestamp: 0, delta: -5, label: '-2+3', flag: true } } }] },
    };
    const rows = parseCsv(exportCsv(bundle, '0-1', ['delta', 'label', 'flag'].map((field) => ({ statsId: '=id', field })), { time: 'ms' }));
    expect(rows).toEqual([
      ['time_ms', "'=id-delta", "'=id-label", "'=id-flag"],
      ['0', '-5', "'-2+3", 'true'],
    ]);
  });

  it('writes only a header for a PC without samples', () => {
    expect(exportCsv(edgeBundle(), '9-9', [{ statsId: 'T01', field: 'bytesSent' }], { time: 'iso' })).toBe('time,T01-bytesSent\r\n');
  });
});

describe('exportCsv: Chrome legacy (goog) stats', () => {
  it('numbers written as strings ("12345") go out as numbers; the series picker offers them', () => {
    const file = `${CORPUS_DIR}/dumps/rtcstats-legacy/google-legacy-stats-multiple-pc`;
    const [bundle] = importDump('google-legacy-stats-multiple-pc', new Uint8Array(readFileSync(file)), { allowPartial: true }).bundles;
    const pc = bundle.pcs.find((p) => p.fileId === 'PC_2')!;
    const columns = pcColumns(bundle, pc.pcId);
    const options = numericSeries(columns);
    // The control: before, a legacy session offered nothing ("No numeric stats…") though its charts draw.
    const ssrc = options.find((o) => o.type === 'ssrc' && o.fields.includes('bytesSent'))!;
    expect(ssrc).toBeDefined();
    // The streams first, as for standard stats, not the candidates.
    expect(options[0].type).toBe('ssrc');
    const raw = columns.objects[ssrc.statsId].fields.bytesSent;
    expect(raw.some((v) => typeof v === 'string')).toBe(true);
    const rows = parseCsv(exportCsv(bundle, pc.pcId, [{ statsId: ssrc.statsId, field: 'bytesSent' }, { statsId: ssrc.statsId, field: 'googCodecName' }]));
    const last = rows[rows.length - 1];
    expect(last[2]).toBe(String(Number(raw[raw.length - 1])));
    expect(Number(last[2])).toBeGreaterThan(0);
    // Text stays text.
    expect(last[3]).toMatch(/^[A-Za-z0-9]+$/);
  });
});
