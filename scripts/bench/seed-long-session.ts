/**
 * Bench-only: stores a long session made from a recorded one, through the extension's own storage code, inside
 * the extension (bundled by scripts/bench-panel.mjs and evaluated in the service worker, where the extension's
 * IndexedDB lives). The recorded session's PCs are copied `copies` times and each PC's samples are repeated end
 * to end (tests/fixtures/long-session.ts: times shifted, counters continued) up to `minutes` of polls, then
 * packed into chunks exactly as the recorder packs them.
 */
import type { PcSummary, SessionData, TraceEvent } from '../../lib/model/session';
import { columnsToSamples } from '../../lib/model/stats-columns';
import { encodeStatsChunk } from '../../lib/model/stats-chunk';
import { SAMPLES_PER_CHUNK } from '../../lib/background/recorder';
import { openScopeDb } from '../../lib/storage/open-db';
import { SessionStore, type BatchWrite } from '../../lib/storage/session-store';
import { tileSamples } from '../../tests/fixtures/long-session';

export interface SeedResult {
  sessionId: string;
  pcIds: string[];
  samplesPerPc: number;
  lastT: number;
  /** Time of each PC's last sample (epoch ms). */
  lastTByPc: Record<string, number>;
  chunks: number;
  ms: number;
}

export async function seedLongSession(input: { recorded: SessionData; minutes: number; copies: number }): Promise<SeedResult> {
  const started = performance.now();
  const { recorded, minutes, copies } = input;
  const store = new SessionStore(await openScopeDb());
  const sessionId = `bench:${Date.now().toString(36)}`;
  const wanted = Math.round(minutes * 60);
  const pcs: PcSummary[] = [];
  const events: TraceEvent[] = [];
  const chunks: BatchWrite['chunks'] = [];
  let lastT = 0;
  const lastTByPc: Record<string, number> = {};
  let samplesPerPc = 0;
  const recordedPcs = recorded.pcs.filter((pc) => recorded.stats[pc.pcId]?.t.length > 1);
  let next = 1;
  for (let copy = 0; copy < copies; copy++) {
    for (const pc of recordedPcs) {
      const pcId = `0-${next++}`; // all in the top frame, numbered like the page's own PCs
      const base = columnsToSamples(recorded.stats[pc.pcId]);
      const samples = tileSamples(base, Math.ceil(wanted / base.length)).slice(0, wanted);
      samplesPerPc = samples.length;
      lastT = Math.max(lastT, samples[samples.length - 1].t);
      lastTByPc[pcId] = samples[samples.length - 1].t;
      for (let i = 0; i < samples.length; i += SAMPLES_PER_CHUNK) {
        const part = samples.slice(i, i + SAMPLES_PER_CHUNK);
        chunks.push({ pcId, chunk: { firstIndex: part[0].index, count: part.length, startT: part[0].t, endT: part[part.length - 1].t, data: encodeStatsChunk(part) } });
      }
      pcs.push({ ...pc, sessionId, pcId, frame: 0, closedAt: samples[samples.length - 1].t, closedBy: 'close', sampleCount: samples.length, lastSampleAt: samples[samples.length - 1].t });
      for (const event of recorded.events) {
        if (event.pcId === pc.pcId) events.push({ ...event, frame: 0, pcId, seq: events.length });
      }
    }
  }
  const bytes = chunks.reduce((n, c) => n + c.chunk.data.byteLength, 0);
  const session = {
    ...recorded.session,
    id: sessionId,
    tabId: null,
    title: `Benchmark: ${minutes} min, ${pcs.length} PCs (generated from a recorded call)`,
    endedAt: lastT,
    lastActivityAt: lastT,
    pcCount: pcs.length,
    eventCount: events.length,
    sampleCount: samplesPerPc * pcs.length,
    bytes,
  };
  const pcConfigs = pcs.map((pc) => ({ pcId: pc.pcId, config: pc.config, ...(pc.constraints !== undefined ? { constraints: pc.constraints } : {}) }));
  await store.commit({ session, pcs, pcConfigs, events, samples: [], chunks });
  return { sessionId, pcIds: pcs.map((p) => p.pcId), samplesPerPc, lastT, lastTByPc, chunks: chunks.length, ms: performance.now() - started };
}
