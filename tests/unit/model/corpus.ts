/** Loads the shared real-stats corpus for the model and storage tests (Node only). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { StatsReportJson, StatsSample } from '../../../lib/model/session';

/** `shared/` sits beside the repository (on developer machines and in CI); WEBRTC_SCOPE_CORPUS overrides it. */
export const CORPUS_DIR = process.env.WEBRTC_SCOPE_CORPUS ?? resolve(__dirname, '../../../../shared/corpus');
export const RTCSTATS_V3_CALL = `${CORPUS_DIR}/dumps/rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz`;
export const INTERNALS_DUMP_CALL = `${CORPUS_DIR}/dumps/chrome-webrtc-internals/chromium156-loopback-2pc-60s.json`;

/** `{pc1: [RTCStats…]}` → `{pc1: {id: object without id}}`. */
export function loadGetStatsFile(name: 'chromium156.json' | 'firefox153.json'): Record<string, StatsReportJson> {
  const raw = JSON.parse(readFileSync(`${CORPUS_DIR}/getstats/${name}`, 'utf8')) as Record<string, { id: string }[]>;
  const out: Record<string, StatsReportJson> = {};
  for (const [pc, list] of Object.entries(raw)) {
    const report: StatsReportJson = {};
    for (const { id, ...rest } of list) report[id] = rest as StatsReportJson[string];
    out[pc] = report;
  }
  return out;
}

/**
 * The 60 s loopback call as the page would have seen it: per connection, consecutive samples whose report drops
 * the `id` member and Chrome's bracketed calculated fields (`[codec]`, `[bytesSent_in_bits/s]`, …), which only
 * the rtcstats/webrtc-internals collector adds. `t` is rebuilt from the dump's per-line time deltas.
 */
export function loadCallSamples(): Record<string, StatsSample[]> {
  const lines = gunzipSync(readFileSync(RTCSTATS_V3_CALL)).toString('utf8').split('\n').filter(Boolean).slice(2);
  const out: Record<string, StatsSample[]> = {};
  let t = 0;
  for (const line of lines) {
    const entry = JSON.parse(line) as unknown[];
    const dt = entry[entry.length - 1] as number;
    // Line 1 after the header carries the absolute start time; later ones carry deltas.
    t = t === 0 ? dt : t + dt;
    if (entry[0] !== 'getStats') continue;
    const pc = entry[1] as string;
    const full = entry[2] as Record<string, Record<string, unknown>>;
    const report: StatsReportJson = {};
    for (const [id, obj] of Object.entries(full)) {
      const clean: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(obj)) {
        if (key === 'id' || key.startsWith('[')) continue;
        clean[key] = value;
      }
      report[id] = clean as StatsReportJson[string];
    }
    const list = (out[pc] ??= []);
    list.push({ index: list.length, t, report, cost: { getStatsMs: (list.length % 7) * 0.1 + 1.3, hookMs: 0.05 * (list.length % 3) } });
  }
  return out;
}

/**
 * The call's samples of one PC with uplink loss on its outbound audio stream: every receiver report (the audio
 * remote-inbound-rtp's `timestamp` advanced, about every 5 s) says `fraction` of the packets we had sent by then were
 * lost (Chromium's remote-inbound-rtp has no packetsReceived: loss is read against our packetsSent), as the peer
 * would report a steady loss. The loopback lost nothing; copies, the given samples are left as they are.
 */
export function withUplinkAudioLoss(samples: StatsSample[], fraction: number): StatsSample[] {
  let lastStamp: unknown;
  let lost = 0;
  return samples.map((sample) => {
    const report = structuredClone(sample.report);
    for (const object of Object.values(report) as Record<string, unknown>[]) {
      if (object.type !== 'remote-inbound-rtp' || object.kind !== 'audio') continue;
      const local = report[object.localId as string] as Record<string, unknown> | undefined;
      if (object.timestamp !== lastStamp && local) lost = Math.round(fraction * (local.packetsSent as number));
      lastStamp = object.timestamp;
      object.packetsLost = lost;
    }
    return { ...sample, report };
  });
}
