/**
 * Bench-only (bundled by scripts/bench-dump.mjs, run in Node): a large webrtc-internals dump made from a
 * recorded session, written by our own exporter in Chromium's shape: the recorded PCs copied `copies` times, each
 * PC's polls repeated end to end (tests/fixtures/long-session.ts) up to `minutes`. Also the session as a bundle
 * for the export timing.
 */
import { exportWebrtcInternals } from '../../lib/dump/export-webrtc-internals';
import type { SessionBundle } from '../../lib/dump/session-bundle';
import type { PcSummary, SessionData, StatsSample, TraceEvent } from '../../lib/model/session';
import { columnsToSamples } from '../../lib/model/stats-columns';
import { tileSamples } from '../../tests/fixtures/long-session';

/** The recorded session grown to `minutes` of polls and `copies` × its PCs. */
export function longBundle(recorded: SessionData, minutes: number, copies: number): SessionBundle {
  const wanted = Math.round(minutes * 60);
  const pcs: PcSummary[] = [];
  const events: TraceEvent[] = [];
  const samples: Record<string, StatsSample[]> = {};
  const recordedPcs = recorded.pcs.filter((pc) => recorded.stats[pc.pcId]?.t.length > 1);
  let next = 1;
  for (let copy = 0; copy < copies; copy++) {
    for (const pc of recordedPcs) {
      const pcId = `0-${next++}`;
      const base = columnsToSamples(recorded.stats[pc.pcId]);
      const tiled = tileSamples(base, Math.ceil(wanted / base.length)).slice(0, wanted);
      samples[pcId] = tiled;
      const last = tiled[tiled.length - 1].t;
      pcs.push({ ...pc, pcId, frame: 0, closedAt: last, closedBy: 'close', sampleCount: tiled.length, lastSampleAt: last });
      for (const event of recorded.events) if (event.pcId === pc.pcId) events.push({ ...event, frame: 0, pcId, seq: events.length, record: { ...event.record, pc: Number(pcId.split('-')[1]) } as TraceEvent['record'] });
    }
  }
  const lastT = Math.max(...Object.values(samples).map((s) => s[s.length - 1].t));
  return {
    session: { ...recorded.session, pcCount: pcs.length, eventCount: events.length, endedAt: lastT, lastActivityAt: lastT, sampleCount: Object.values(samples).reduce((n, s) => n + s.length, 0) },
    pcs,
    events,
    samples,
  };
}

/** A webrtc-internals dump of about `targetBytes`: sized from a short export, then made. */
export function bigInternalsDump(recorded: SessionData, targetBytes: number, copies: number): { text: string; minutes: number } {
  const probeMinutes = 2;
  const probe = exportWebrtcInternals(longBundle(recorded, probeMinutes, copies)).length;
  const minutes = Math.max(1, Math.round((probeMinutes * targetBytes) / probe));
  return { text: exportWebrtcInternals(longBundle(recorded, minutes, copies)), minutes };
}
