/**
 * Our exports through our own importer (lib/dump/import-dump.ts): each format comes back as the same call, with
 * the same PCs, the same number of polls and the same counter values.
 */
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { exportWebrtcInternals } from '../../../lib/dump/export-webrtc-internals';
import { exportRtcstats } from '../../../lib/dump/export-rtcstats';
import { writeScopeDump } from '../../../lib/dump/format-scope';
import { redactBundle } from '../../../lib/dump/redact';
import { callBundle } from '../../fixtures/bundles/call-bundle';
import { EventStream, makePc, makeSummary } from '../../fixtures/session-builders';
import { pcSamples, statsPcIds } from '../../../lib/dump/bundle-stats';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { readFileSync } from 'node:fs';
import { CORPUS_DIR, INTERNALS_DUMP_CALL, RTCSTATS_V3_CALL } from '../model/corpus';

const bundle = callBundle();
const bytesSent = (samples: { report: Record<string, Record<string, unknown>> }[], id: string) => samples.map((s) => s.report[id]?.bytesSent);

describe('exports read back by importDump', () => {
  const cases = [
    ['webrtc-internals', 'call.txt', () => new TextEncoder().encode(exportWebrtcInternals(bundle, { userAgentData: { brands: [], mobile: false, platform: 'Linux' } }))],
    ['rtcstats-v3', 'call.gz', () => exportRtcstats(bundle)],
    ['webrtc-scope', 'call.webrtc-scope.json.gz', () => writeScopeDump([bundle], { extensionVersion: '0.1.0', exportedAt: 0, userAgent: '' })],
  ] as const;
  for (const [format, name, make] of cases) {
    it(format, () => {
      const result = importDump(name, make());
      expect(result.format).toBe(format);
      expect(result.problems).toEqual([]);
      const [back] = result.bundles;
      expect(back.pcs).toHaveLength(2);
      const samples = statsPcIds(back).map((pcId) => pcSamples(back, pcId));
      expect(samples.map((s) => s.length)).toEqual([60, 60]);
      expect(bytesSent(samples[0], 'OT01V535634639')).toEqual(bytesSent(pcSamples(bundle, '0-1'), 'OT01V535634639'));
    });
  }

  it('the page, the browser and the start survive an rtcstats-v3 round trip (metadata line, as rtcstats-server writes it)', () => {
    const [back] = importDump('call.gz', exportRtcstats(bundle)).bundles;
    expect(back.session.url).toBe(bundle.session.url);
    expect(back.session.origin).toBe(bundle.session.origin);
    expect(back.session.userAgent).toBe(bundle.session.userAgent);
    expect(bundle.session.userAgent).not.toBe('');
    // The recording started before its first line (the first PC's creation): the start still bounds the session.
    expect(back.session.startedAt).toBe(bundle.session.startedAt);
  });

  describe('entries without a record of their own (dump-entry pc-events) survive import → export → import', () => {
    const generic = (b: SessionBundle) =>
      b.events.flatMap((e) => (e.record.type === 'pc-event' && e.record.event === 'dump-entry' ? [{ pcId: e.pcId, t: e.record.t, value: e.record.value }] : []));
    const files = [
      ['webrtc-internals', INTERNALS_DUMP_CALL, 10],
      ['rtcstats-v3', RTCSTATS_V3_CALL, 10],
      ['rtcstats-legacy', `${CORPUS_DIR}/dumps/rtcstats-legacy/google-standard-stats-relay-p2p`, 5],
    ] as const;
    it.each(files)('%s → webrtc-internals and rtcstats exports', (_format, file, count) => {
      const [first] = importDump('in', new Uint8Array(readFileSync(file))).bundles;
      expect(generic(first)).toHaveLength(count);
      const internals = importDump('again.txt', new TextEncoder().encode(exportWebrtcInternals(first))).bundles[0];
      // Same names, value texts, times and PCs: the export writes them under their own name with their value string.
      expect(generic(internals)).toEqual(generic(first));
      const v3 = importDump('again.gz', exportRtcstats(first)).bundles[0];
      const names = (b: SessionBundle) => generic(b).map((g) => [g.pcId, g.t, (g.value as { name: string }).name]);
      expect(names(v3)).toEqual(names(first));
    });
  });

  it('a redacted export still imports', () => {
    const result = importDump('r.txt', new TextEncoder().encode(exportWebrtcInternals(redactBundle(bundle, { url: true }))));
    expect(result.problems).toEqual([]);
    expect(result.bundles[0].pcs).toHaveLength(2);
  });
});

describe('remote candidates through a webrtc-internals export', () => {
  it('are written once, with their outcome, as Chromium logs them; one never settled is not written as added', () => {
    const s = new EventStream();
    const cand = (n: number) => ({ candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n} 5000${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
    s.created('0-1', 1_000_000, {});
    s.callOk('0-1', 1_000_100, 'addIceCandidate', [cand(1)], undefined, 3);
    s.callFail('0-1', 1_000_200, 'addIceCandidate', [cand(2)], { name: 'OperationError', message: 'Error processing ICE candidate' }, 4);
    s.callStart('0-1', 1_000_300, 'addIceCandidate', [cand(3)]);
    const bundle: SessionBundle = {
      session: makeSummary({ pcCount: 1, eventCount: s.events.length, sampleCount: 0, endedAt: 1_001_000 }),
      pcs: [makePc('0-1', 1_000_000)],
      events: s.events,
      samples: {},
    };
    const text = exportWebrtcInternals(bundle);
    const log = (JSON.parse(text) as { PeerConnections: Record<string, { updateLog: { type: string; value: string; timestamp: number }[] }> }).PeerConnections;
    const entries = Object.values(log)[0].updateLog.filter((e) => e.type.startsWith('addIceCandidate'));
    expect(entries.map((e) => [e.type, e.timestamp, (JSON.parse(e.value) as { candidate: string }).candidate])).toEqual([
      ['addIceCandidate', 1_000_103, cand(1).candidate],
      ['addIceCandidateFailed', 1_000_204, cand(2).candidate],
    ]);
    // Read back: one call added, one failed, and no third call claiming success.
    const [back] = importDump('again.txt', new TextEncoder().encode(text)).bundles;
    const settled = back.events.flatMap((e) => (e.record.type === 'pc-settled' && e.record.method === 'addIceCandidate' ? [[e.record.ok, e.record.t]] : []));
    expect(settled).toEqual([
      [true, 1_000_103],
      [false, 1_000_204],
    ]);
    expect(back.events.filter((e) => e.record.type === 'pc-call' && e.record.method === 'addIceCandidate')).toHaveLength(2);
  });
});

describe('PC keys of an imported session exported again', () => {
  const keysOf = (text: string) => Object.keys((JSON.parse(text) as { PeerConnections: object }).PeerConnections);
  const rtcstatsKeys = (bytes: Uint8Array) => [...new Set(importDump('x.gz', bytes).bundles[0].pcs.map((pc) => pc.fileId))];

  it("are the file's own ids (webrtc-internals and rtcstats exports), so the copy names its PCs as the original did", () => {
    const [imported] = importDump('in.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles;
    expect(imported.pcs.map((pc) => pc.fileId)).toEqual(['10-1', '10-2']);
    expect(keysOf(exportWebrtcInternals(imported))).toEqual(['10-1', '10-2']);
    expect(keysOf(exportWebrtcInternals(redactBundle(imported)))).toEqual(['10-1', '10-2']);
    expect(rtcstatsKeys(exportRtcstats(imported))).toEqual(['10-1', '10-2']);
    // rtcstats-legacy ids ("PC_0", …) too.
    const [legacy] = importDump('in', new Uint8Array(readFileSync(`${CORPUS_DIR}/dumps/rtcstats-legacy/google-standard-stats-relay-p2p`))).bundles;
    const legacyIds = legacy.pcs.map((pc) => pc.fileId);
    expect(legacyIds.every((id) => id !== undefined && /^[\w.:-]+$/.test(id))).toBe(true);
    expect(keysOf(exportWebrtcInternals(legacy))).toEqual(legacyIds);
  });

  it('are made up where two PCs of one dump share a file id, or it is no plain token; a recorded session is numbered', () => {
    const [a] = importDump('a.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles;
    const [b] = importDump('b.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles;
    const both = keysOf(exportWebrtcInternals([a, b]));
    expect(both).toHaveLength(4);
    expect(new Set(both).size).toBe(4);
    expect(both.some((key) => key === '10-1' || key === '10-2')).toBe(false);
    // One of them with other ids: those are kept, and a made-up key never takes one.
    const renamed = { ...b, pcs: b.pcs.map((pc, i) => ({ ...pc, fileId: ['1-1', 'pcid {x} (url)'][i] })) };
    const mixed = keysOf(exportWebrtcInternals([a, renamed]));
    expect(mixed.slice(0, 3)).toEqual(['10-1', '10-2', '1-1']);
    expect(mixed[3]).toMatch(/^\d+-\d+$/);
    expect(new Set(mixed).size).toBe(4);
    expect(keysOf(exportWebrtcInternals(bundle))).toEqual(['1-1', '1-2']);
  });
});
