/**
 * A bundle's stats per PC, whichever of its forms holds them (session-bundle.ts): every reader of bundle stats goes
 * through these, so that importers may produce columns or encoded chunks (webrtc-internals) or samples (the others).
 */
import type { StatsColumns, StatsSample } from '../model/session';
import { decodeStatsChunk, encodeStatsChunkColumns, type StatsChunkOptions } from '../model/stats-chunk';
import { columnsToSamples, samplesToColumns } from '../model/stats-columns';
import type { EncodedStats, SessionBundle } from './session-bundle';

/** Polls per stored chunk of an imported session (the recorder's SAMPLES_PER_CHUNK). */
export const IMPORT_SAMPLES_PER_CHUNK = 60;
/**
 * How imported sessions' chunks are deflated: level 4 rather than the recorder's 9 deflates a 100 MB dump's chunks
 * in about half the time for 0.5 % more bytes (measured on scripts/bench/make-big-dump.ts's dump).
 */
export const IMPORT_CHUNK_OPTIONS: StatsChunkOptions = { level: 4 };

const hasOwn = (target: object, key: string): boolean => Object.prototype.hasOwnProperty.call(target, key);

/** The PC ids that have stats in the bundle: those of `samples` in their order, then those only in `columns`, then `encoded`. */
export function statsPcIds(bundle: SessionBundle): string[] {
  const ids = Object.keys(bundle.samples);
  const seen = new Set(ids);
  for (const form of [bundle.columns, bundle.encoded]) {
    if (!form) continue;
    for (const pcId of Object.keys(form)) {
      if (seen.has(pcId)) continue;
      seen.add(pcId);
      ids.push(pcId);
    }
  }
  return ids;
}

/** The PC's columns as stored in the bundle, or undefined when its stats (if any) are samples. */
export function storedColumns(bundle: SessionBundle, pcId: string): StatsColumns | undefined {
  return bundle.columns && hasOwn(bundle.columns, pcId) && !hasOwn(bundle.samples, pcId) ? bundle.columns[pcId] : undefined;
}

/** The PC's encoded chunks as held in the bundle, or undefined when its stats (if any) are in another form. */
export function storedChunks(bundle: SessionBundle, pcId: string): EncodedStats | undefined {
  return bundle.encoded && hasOwn(bundle.encoded, pcId) && !hasOwn(bundle.samples, pcId) && storedColumns(bundle, pcId) === undefined
    ? bundle.encoded[pcId]
    : undefined;
}

/**
 * Rows of `columns` packed as the store packs imported sessions: runs of `samplesPerChunk` consecutive rows, each
 * one stats chunk (encodeStatsChunkColumns, indexes = rows, {@link IMPORT_CHUNK_OPTIONS}).
 */
export function encodeStatsColumns(columns: StatsColumns, samplesPerChunk = IMPORT_SAMPLES_PER_CHUNK): EncodedStats {
  const count = columns.t.length;
  const chunks: EncodedStats['chunks'] = [];
  for (let i = 0; i < count; i += samplesPerChunk) {
    const end = Math.min(count, i + samplesPerChunk);
    const data = encodeStatsChunkColumns(columns, i, end, i, IMPORT_CHUNK_OPTIONS);
    chunks.push({ firstIndex: i, count: end - i, startT: columns.t[i], endT: columns.t[end - 1], data });
  }
  return { count, chunks };
}

/** The PC's samples (built from columns or chunks when the bundle holds those: a fresh array each call); [] for none. */
export function pcSamples(bundle: SessionBundle, pcId: string): StatsSample[] {
  if (hasOwn(bundle.samples, pcId)) return bundle.samples[pcId];
  const columns = storedColumns(bundle, pcId);
  if (columns) return columnsToSamples(columns);
  const encoded = storedChunks(bundle, pcId);
  return encoded ? encoded.chunks.flatMap((chunk) => decodeStatsChunk(chunk.data)) : [];
}

/**
 * The PC's columns: the bundle's own (shared, not copied: do not modify) or built from its samples or chunks; empty
 * columns for a PC without stats.
 */
export function pcColumns(bundle: SessionBundle, pcId: string): StatsColumns {
  return storedColumns(bundle, pcId) ?? samplesToColumns(pcSamples(bundle, pcId));
}

/** How many polls the bundle holds for the PC. */
export function pcSampleCount(bundle: SessionBundle, pcId: string): number {
  if (hasOwn(bundle.samples, pcId)) return bundle.samples[pcId].length;
  return storedColumns(bundle, pcId)?.t.length ?? storedChunks(bundle, pcId)?.count ?? 0;
}
