/**
 * A bundle's stats per PC, whichever of its two forms holds them (session-bundle.ts): every reader of bundle
 * stats goes through these, so that importers may produce columns (webrtc-internals) or samples (the others).
 */
import type { StatsColumns, StatsSample } from '../model/session';
import { columnsToSamples, samplesToColumns } from '../model/stats-columns';
import type { SessionBundle } from './session-bundle';

const hasOwn = (target: object, key: string): boolean => Object.prototype.hasOwnProperty.call(target, key);

/** The PC ids that have stats in the bundle: those of `samples` in their order, then those only in `columns`. */
export function statsPcIds(bundle: SessionBundle): string[] {
  const ids = Object.keys(bundle.samples);
  if (bundle.columns) for (const pcId of Object.keys(bundle.columns)) if (!hasOwn(bundle.samples, pcId)) ids.push(pcId);
  return ids;
}

/** The PC's columns as stored in the bundle, or undefined when its stats (if any) are samples. */
export function storedColumns(bundle: SessionBundle, pcId: string): StatsColumns | undefined {
  return bundle.columns && hasOwn(bundle.columns, pcId) && !hasOwn(bundle.samples, pcId) ? bundle.columns[pcId] : undefined;
}

/** The PC's samples (built from columns when the bundle holds columns: a fresh array each call); [] for none. */
export function pcSamples(bundle: SessionBundle, pcId: string): StatsSample[] {
  if (hasOwn(bundle.samples, pcId)) return bundle.samples[pcId];
  const columns = storedColumns(bundle, pcId);
  return columns ? columnsToSamples(columns) : [];
}

/**
 * The PC's columns: the bundle's own (shared, not copied: do not modify) or built from its samples; empty
 * columns for a PC without stats.
 */
export function pcColumns(bundle: SessionBundle, pcId: string): StatsColumns {
  return storedColumns(bundle, pcId) ?? samplesToColumns(hasOwn(bundle.samples, pcId) ? bundle.samples[pcId] : []);
}

/** How many polls the bundle holds for the PC. */
export function pcSampleCount(bundle: SessionBundle, pcId: string): number {
  if (hasOwn(bundle.samples, pcId)) return bundle.samples[pcId].length;
  return storedColumns(bundle, pcId)?.t.length ?? 0;
}
