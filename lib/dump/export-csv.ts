/**
 * CSV of chosen stats series of one peer connection, for spreadsheets: one row per poll, time first, one column
 * per series. RFC 4180 (CRLF line ends, fields with `"` `,` CR or LF quoted, quotes doubled). Text that a
 * spreadsheet would run as a formula (leading `=` `+` `-` `@`, tab or CR; OWASP "CSV injection") gets a leading `'`;
 * numbers are written as numbers, negative ones included, so they stay numeric.
 */
import type { Json } from '../protocol/json';
import { deriveRates } from '../model/rates';
import type { SessionBundle } from './session-bundle';
import { bundleColumns, hasOwn } from './bundle-util';
import { LEGACY_STATS_TYPES, parseLegacyNumber } from '../model/legacy-stats';
import { isoTime } from './time-range';

/** One column: a stats field of an object (`bytesSent`), or a derived rate of lib/model/rates.ts (`[bytesSent_in_bits/s]`). */
export interface CsvSeries {
  statsId: string;
  field: string;
}

export interface CsvOptions {
  /** Time columns: ISO-8601 UTC, epoch ms, or both (default). */
  time?: 'iso' | 'ms' | 'both';
}

const CRLF = '\r\n';

/** The CSV text. Series the PC never had are written as empty columns (the header still names them). */
export function exportCsv(bundle: SessionBundle, pcId: string, series: readonly CsvSeries[], options: CsvOptions = {}): string {
  const time = options.time ?? 'both';
  const columns = bundleColumns(bundle, pcId);
  const needsRates = series.some((s) => s.field.startsWith('['));
  const derived = needsRates ? deriveRates(columns) : {};
  const data: (readonly (Json | null)[] | undefined)[] = series.map(({ statsId, field }) => {
    if (hasOwn(columns.objects, statsId) && hasOwn(columns.objects[statsId].fields, field)) {
      const column = columns.objects[statsId].fields[field];
      // Chrome's legacy (goog) stats hold their numbers as strings: written as numbers, other text as it is.
      return LEGACY_STATS_TYPES.has(columns.objects[statsId].type) ? column.map((v) => parseLegacyNumber(v) ?? v) : column;
    }
    if (hasOwn(derived, statsId) && hasOwn(derived[statsId], field)) return derived[statsId][field];
    return undefined;
  });
  const header: string[] = [];
  if (time !== 'ms') header.push('time');
  if (time !== 'iso') header.push('time_ms');
  for (const { statsId, field } of series) header.push(textCell(`${statsId}-${field}`));
  const rows = [header.join(',')];
  for (let row = 0; row < columns.t.length; row++) {
    const cells: string[] = [];
    const t = columns.t[row];
    if (time !== 'ms') cells.push(isoTime(t));
    if (time !== 'iso') cells.push(numberCell(t));
    for (const column of data) cells.push(valueCell(column?.[row] ?? null));
    rows.push(cells.join(','));
  }
  return rows.join(CRLF) + CRLF;
}

function numberCell(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

function valueCell(value: Json | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return numberCell(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // Nested values (qualityLimitationDurations) as JSON text.
  return textCell(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A text cell: defused against formula execution, then quoted if RFC 4180 requires it. */
export function textCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
