/**
 * Stats ids, types, field names and reference values are chosen by the page (or a dump file). A value that names
 * an `Object.prototype` member ("constructor", "toString", "__proto__", …) must not reach Object.prototype through a
 * plain-object lookup (`columns.objects[id]`, `TABLE[type]`): every latest-value view, chart, health assessment and
 * the toolbar badge must keep working on such a session.
 */
import { describe, expect, it } from 'vitest';
import { buildStatsTable } from '../../../lib/model/stats-table';
import { candidatePairTable, candidatePairTimeline } from '../../../lib/model/candidate-pairs';
import { connectionHeader } from '../../../lib/model/connection-header';
import { deriveRates } from '../../../lib/model/rates';
import { ChartModel, buildDefaultCharts, buildExtraChart } from '../../../lib/model/chart-series';
import { assessSession, pcGlance } from '../../../lib/model/health/assess';
import { summarizePc } from '../../../lib/model/health/metrics';
import { createPcAssessor } from '../../../lib/model/health/pc-assessor';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../../lib/model/health/thresholds';
import { buildEventLog } from '../../../lib/model/event-log';
import type { SessionData, StatsColumns } from '../../../lib/model/session';
import { internalsCallSession } from '../../fixtures/session-builders';

/** Names every plain object inherits (own keys of Object.prototype), `__proto__` included. */
const INHERITED = Object.getOwnPropertyNames(Object.prototype);

type Mutate = (columns: StatsColumns, name: string) => void;

/** Every reference field (…Id) of every object points at `name` in every row. */
const referencesTo: Mutate = (columns, name) => {
  for (const id in columns.objects) {
    const fields = columns.objects[id].fields;
    for (const field in fields) if (field.endsWith('Id') && field !== 'id') fields[field] = fields[field].map((v) => (v === null ? null : name));
  }
};
/** Every object's type (column and summary) is `name`. */
const typesTo: Mutate = (columns, name) => {
  for (const id in columns.objects) {
    const entry = columns.objects[id];
    entry.type = name;
    if (entry.fields.type) entry.fields.type = entry.fields.type.map((v) => (v === null ? null : name));
  }
};
/** One more object, of a type the views look at (candidate pair, candidate, codec), whose id is `name`; and every field gets a twin named `name`. */
const idsAndFieldsNamed: Mutate = (columns, name) => {
  if (name === '__proto__') return; // refused by the relay guard as an id or field name; a value only
  const rows = columns.t.length;
  const pairId = Object.keys(columns.objects).find((id) => columns.objects[id].type === 'candidate-pair')!;
  const pair = columns.objects[pairId];
  Object.defineProperty(columns.objects, name, { value: { type: 'candidate-pair', fields: { ...pair.fields } }, enumerable: true, writable: true, configurable: true });
  for (const id in columns.objects) {
    const fields = columns.objects[id].fields;
    Object.defineProperty(fields, name, { value: new Array(rows).fill(1), enumerable: true, writable: true, configurable: true });
  }
};

function hostileSession(mutate: Mutate, name: string): SessionData {
  const data = internalsCallSession();
  for (const pcId in data.stats) mutate(data.stats[pcId], name);
  return data;
}

function everyView(data: SessionData): void {
  for (const pc of data.pcs) {
    const columns = data.stats[pc.pcId];
    buildStatsTable(columns);
    candidatePairTable(columns);
    candidatePairTimeline(columns);
    connectionHeader(data, pc.pcId);
    deriveRates(columns);
    const { charts } = buildDefaultCharts(columns);
    expect(Array.isArray(charts)).toBe(true);
    for (const id in columns.objects) for (const field in columns.objects[id].fields) buildExtraChart(columns, id, field);
    new ChartModel().update(columns, 0);
    const health = createPcAssessor().assess({ pcId: pc.pcId, columns, events: data.events, pc, thresholds: DEFAULT_HEALTH_THRESHOLDS });
    pcGlance(health.health, columns, data.events, pc);
    summarizePc(columns, data.events, pc.pcId, pc);
    buildEventLog(data, pc.pcId);
  }
  assessSession(data);
}

describe('page-chosen names of Object.prototype members', () => {
  it('the fixture session passes every view unchanged (the harness itself works)', () => {
    expect(() => everyView(internalsCallSession())).not.toThrow();
  });
  for (const [what, mutate] of [
    ['reference values', referencesTo],
    ['types', typesTo],
    ['ids and field names', idsAndFieldsNamed],
  ] as const) {
    it(`as ${what}: every view, chart and health assessment still works`, () => {
      const failures: string[] = [];
      for (const name of INHERITED) {
        try {
          everyView(hostileSession(mutate, name));
        } catch (error) {
          failures.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
          if (process.env.HOSTILE_STACK) console.log((error as Error).stack);
        }
      }
      expect(failures).toEqual([]);
    });
  }
});
