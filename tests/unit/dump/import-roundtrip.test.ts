/**
 * What our exporters write (lib/dump/export-*), our importers read back: corpus file → import → export → import
 * gives the same polls and the same trace. A cross-check of both sides against the one format description.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRtcstats } from '../../../lib/dump/export-rtcstats';
import { exportWebrtcInternals } from '../../../lib/dump/export-webrtc-internals';
import { importDump } from '../../../lib/dump/import-dump';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { pcSamples } from '../../../lib/dump/bundle-stats';

const CORPUS = resolve(__dirname, '../../../../shared/corpus/dumps');
const load = (path: string) => importDump(path, new Uint8Array(readFileSync(resolve(CORPUS, path)))).bundles[0];
const bytes = (text: string) => new TextEncoder().encode(text);

/** The trace without what a format cannot carry (call numbers are renumbered on import). */
const traceShape = (b: SessionBundle) => b.events.map((e) => [e.pcId, e.record.type, 'method' in e.record ? e.record.method : 'event' in e.record ? e.record.event : '']);

describe.skipIf(!existsSync(CORPUS))('export → import round trips', () => {
  it('webrtc-internals: polls, fields and trace survive', () => {
    const original = load('chrome-webrtc-internals/chromium156-loopback-2pc-60s.json');
    const again = importDump('again.txt', bytes(exportWebrtcInternals(original))).bundles[0];
    expect(again.pcs.map((p) => [p.pcId, p.sampleCount])).toEqual(original.pcs.map((p) => [p.pcId, p.sampleCount]));
    for (const pc of original.pcs) {
      const a = pcSamples(original, pc.pcId);
      const b = pcSamples(again, pc.pcId);
      expect(b.map((s) => s.t)).toEqual(a.map((s) => s.t));
      expect(b.map((s) => s.report)).toEqual(a.map((s) => s.report));
    }
    expect(traceShape(again)).toEqual(traceShape(original));
  });

  it('RTCStatsDump with full reports: polls and trace survive', () => {
    const original = load('rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz');
    const again = importDump('again.gz', exportRtcstats(original)).bundles[0];
    for (const pc of original.pcs) expect(pcSamples(again, pc.pcId).map((s) => s.report)).toEqual(pcSamples(original, pc.pcId).map((s) => s.report));
    expect(traceShape(again)).toEqual(traceShape(original));
  });

  it('RTCStatsDump with rtcstats-js deltas: the same polls under numeric ids', () => {
    const original = load('rtcstats-legacy/google-standard-stats-relay-p2p');
    const again = importDump('again.gz', exportRtcstats(original, { stats: 'delta' })).bundles[0];
    for (const pc of original.pcs) {
      const a = pcSamples(original, pc.pcId);
      const b = pcSamples(again, pc.pcId);
      expect(b.map((s) => s.t)).toEqual(a.map((s) => s.t));
      // Ids become "0", "1", … in order of appearance; references (…Id fields) follow them.
      const ids = new Map<string, string>();
      for (const s of a) for (const id of Object.keys(s.report)) if (!ids.has(id)) ids.set(id, String(ids.size));
      const renamed = a.map((s) => {
        const out: Record<string, unknown> = {};
        for (const [id, object] of Object.entries(s.report)) {
          const copy: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(object)) copy[k] = k.endsWith('Id') && typeof v === 'string' && ids.has(v) ? ids.get(v) : v;
          out[ids.get(id)!] = copy;
        }
        return out;
      });
      expect(b.map((s) => s.report)).toEqual(renamed);
    }
  });
});
