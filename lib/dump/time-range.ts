/**
 * The one check of a time read from a file (every importer and our own format's reader use it): epoch ms that a
 * JavaScript Date can hold, from the epoch on, as the page guards require of record times (lib/protocol/guards.ts).
 * A finite number beyond that is accepted by JSON, and then every `toISOString` of the session (the session list,
 * export file names, ISO series times) throws a RangeError.
 */
import type { JsonObject } from '../protocol/json';
import { MAX_EPOCH_MS, isEpochMs } from '../protocol/guards';
import { ownValue, recordValueProblem } from './safe-json';

/** Whether `value` is a time in ms since the epoch that a Date can hold (finite, from 0 to {@link MAX_EPOCH_MS}). */
export const isValidTime = isEpochMs;

/** Why `value` is not a valid time, naming it as `what` (`timestamp 1e+300 is outside …`), or null when it is one. */
export function timeProblem(value: unknown, what = 'timestamp'): string | null {
  if (isValidTime(value)) return null;
  if (typeof value !== 'number') return `${what} is not a number`;
  return `${what} ${String(value)} is outside the valid time range (epoch ms from 0 to ${MAX_EPOCH_MS})`;
}

/** ISO-8601 time in UTC with milliseconds (`Date.toISOString`), or `Invalid Date` instead of throwing for a time that is not valid. */
export const isoTime = (ms: number): string => (isValidTime(ms) ? new Date(ms).toISOString() : 'Invalid Date');

/**
 * Why a stats object read from a file may not go into a poll, or null when it may: the id `__proto__`, a value the
 * page-record checks refuse (`recordValueProblem`), or a `timestamp` that is a number but no valid time (exports
 * write it as the object's point time). Every importer of full stats objects asks this one question.
 */
export function statsObjectProblem(id: string, object: JsonObject): string | null {
  if (id === '__proto__') return 'stats id "__proto__" refused';
  const stamp = ownValue(object, 'timestamp');
  const problem = recordValueProblem(object) ?? (typeof stamp === 'number' ? timeProblem(stamp) : null);
  return problem === null ? null : `stats object ${JSON.stringify(id)} refused: ${problem}`;
}
