/**
 * Firefox's about:webrtc "Copy Report" and "Copy Report History" JSON (import-firefox-report.ts), from real files
 * of Firefox 153 ESR (tests/fixtures/dumps/README.md): one PC's report as one poll, a history as a time series,
 * SDP history as descriptions, open states from the transport; broken input refused or left out with where and why.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pcSamples } from '../../../lib/dump/bundle-stats';
import { importDump } from '../../../lib/dump/import-dump';
import { DumpError } from '../../../lib/dump/session-bundle';
import type { JsonObject } from '../../../lib/protocol/json';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/dumps/${name}`, import.meta.url)));
const REPORT = fixture('firefox153-copy-report.json');
const HISTORY = fixture('firefox153-copy-report-history.json');
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('Firefox about:webrtc report JSON', () => {
  it('Copy Report: one session for the page, its PC with configuration, descriptions, states and one poll', () => {
    const source = JSON.parse(text(REPORT)) as JsonObject & { sdpHistory: { isLocal: boolean; timestamp: number }[] };
    const result = importDump('report.json', REPORT);
    expect(result.format).toBe('firefox-about-webrtc');
    expect(result.problems).toEqual([]);
    const [bundle] = result.bundles;
    expect(bundle.session.url).toBe('http://127.0.0.1:40069/demo.html');
    expect(bundle.session.userAgent).toBe('Firefox');
    const [pc] = bundle.pcs;
    expect(pc.fileId).toBe(source.pcid);
    expect(pc.config).toEqual({ bundlePolicy: 'max-bundle', iceTransportPolicy: 'all' });
    // Created at the pcid's µs time (1795521322768636 µs).
    expect(pc.createdAt).toBe(1795521322768.636);
    expect([pc.signalingState, pc.iceConnectionState, pc.connectionState, pc.closedAt]).toEqual(['stable', 'connected', 'connected', null]);
    // The offerer: its local offer, then the remote answer, at the history's times.
    const calls = bundle.events.flatMap((e) => (e.record.type === 'pc-call' ? [[e.record.method, (e.record.args[0] as JsonObject).type, e.record.t]] : []));
    expect(calls).toEqual(source.sdpHistory.map((h) => [h.isLocal ? 'setLocalDescription' : 'setRemoteDescription', h.isLocal ? 'offer' : 'answer', h.timestamp]));
    const samples = pcSamples(bundle, pc.pcId);
    expect(samples).toHaveLength(1);
    expect(samples[0].t).toBe(source.timestamp);
    const report = samples[0].report;
    const types = Object.values(report).map((o) => o.type);
    for (const type of ['outbound-rtp', 'remote-inbound-rtp', 'candidate-pair', 'local-candidate', 'remote-candidate', 'transport', 'codec', 'data-channel', 'peer-connection']) expect(types, type).toContain(type);
    // Stats objects by id, without their `id` member; members that are no stats objects left out.
    const outbound = (source.outboundRtpStreamStats as JsonObject[])[0];
    const { id, ...rest } = outbound;
    expect(report[id as string]).toEqual(rest);
    expect(Object.keys(report).length).toBe(
      new Set(
        Object.entries(source)
          .filter(([key, v]) => Array.isArray(v) && !['bandwidthEstimations', 'videoFrameHistories', 'rawLocalCandidates', 'rawRemoteCandidates', 'sdpHistory'].includes(key))
          .flatMap(([, v]) => (v as JsonObject[]).map((o) => o.id)),
      ).size,
    );
  });

  it('Copy Report History: a poll per report in time order, the descriptions once, counters that grow', () => {
    const source = JSON.parse(text(HISTORY)) as { reports: JsonObject[]; sdpHistories: { sdpHistory: unknown[] }[] };
    const result = importDump('history.json', HISTORY);
    expect(result.problems).toEqual([]);
    const [bundle] = result.bundles;
    expect(bundle.pcs).toHaveLength(1);
    const samples = pcSamples(bundle, bundle.pcs[0].pcId);
    expect(samples.map((s) => s.t)).toEqual(source.reports.map((r) => r.timestamp));
    expect(bundle.events.filter((e) => e.record.type === 'pc-call')).toHaveLength(source.sdpHistories[0].sdpHistory.length);
    const received = samples.map((s) => Object.values(s.report).find((o) => o.type === 'inbound-rtp' && o.kind === 'video')?.bytesReceived as number);
    expect(received.every((v, i) => typeof v === 'number' && (i === 0 || v > received[i - 1]))).toBe(true);
    expect(bundle.session.endedAt).toBe(source.reports[source.reports.length - 1].timestamp);
  });

  it('a closed PC closes at its last report; PCs of two pages are two sessions', () => {
    const source = JSON.parse(text(REPORT)) as JsonObject;
    const other = { ...source, pcid: '{aaaaaaaa-0000-0000-0000-000000000000} 1795521322768636 (id=99 url=https://example.org/)', closed: true, timestamp: (source.timestamp as number) + 5000 };
    const result = importDump('history.json', json({ reports: [source, other], sdpHistories: [] }));
    expect(result.bundles.map((b) => b.session.url)).toEqual(['http://127.0.0.1:40069/demo.html', 'https://example.org/']);
    const closed = result.bundles[1].pcs[0];
    expect([closed.closedAt, closed.closedBy]).toEqual([(source.timestamp as number) + 5000, 'close']);
  });

  it('refuses what it cannot read with where and why; a partial import keeps the rest', () => {
    const source = JSON.parse(text(REPORT)) as JsonObject & { outboundRtpStreamStats: JsonObject[] };
    const noTime = { ...source, timestamp: 'soon' };
    const badObject = { ...source, outboundRtpStreamStats: [{ ...source.outboundRtpStreamStats[0], timestamp: 1e300 }, ...source.outboundRtpStreamStats.slice(1)] };
    const strict = (bytes: Uint8Array) => {
      try {
        importDump('f.json', bytes);
      } catch (e) {
        return e instanceof DumpError ? [e.where, e.reason] : String(e);
      }
      return 'no error';
    };
    expect(strict(json({ reports: [noTime], sdpHistories: [] }))).toEqual(['reports[0].timestamp', 'report time is not a number']);
    expect(strict(json({ reports: 'x', sdpHistories: [] }))).toEqual(['reports', 'not an array']);
    expect(strict(json(badObject))).toEqual(['report.outboundRtpStreamStats[0]', `stats object ${JSON.stringify(source.outboundRtpStreamStats[0].id)} refused: timestamp 1e+300 is outside the valid time range (epoch ms from 0 to 8640000000000000)`]);
    const partial = importDump('f.json', json({ reports: [noTime, badObject], sdpHistories: [] }), { allowPartial: true });
    expect(partial.problems.map((p) => p.where)).toEqual(['reports[0].timestamp', 'reports[1].outboundRtpStreamStats[0]']);
    const [sample] = pcSamples(partial.bundles[0], partial.bundles[0].pcs[0].pcId);
    expect(sample.report[source.outboundRtpStreamStats[0].id as string]).toBeUndefined();
    expect(Object.keys(sample.report).length).toBeGreaterThan(5);
    // A stats id "__proto__" stays out of the report (and out of Object.prototype).
    const proto = importDump('f.json', json({ ...source, outboundRtpStreamStats: [{ ...source.outboundRtpStreamStats[0], id: '__proto__' }] }), { allowPartial: true });
    expect(proto.problems.map((p) => p.reason)).toEqual(['stats id "__proto__" refused']);
    expect(({} as Record<string, unknown>).kind).toBeUndefined();
  });

  it('a pcid whose time is no valid time is reported once and its reports left out; a PC nothing places is left out', () => {
    const source = JSON.parse(text(REPORT)) as JsonObject;
    const far = { ...source, pcid: '{bbbbbbbb-0000-0000-0000-000000000000} 99999999999999999999 (id=7 url=https://example.org/)' };
    const result = importDump('f.json', json({ reports: [far, far, source], sdpHistories: [{ pcid: 'no shape', sdpHistory: [] }] }), { allowPartial: true });
    expect(result.problems).toEqual([
      { where: 'reports[0].pcid', reason: 'creation time from the pcid 100000000000000000 is outside the valid time range (epoch ms from 0 to 8640000000000000); this peer connection is left out' },
      { where: 'sdpHistories[0]', reason: 'no time for this peer connection (neither in its pcid nor in a report or description)' },
    ]);
    expect(result.bundles.flatMap((b) => b.pcs.map((pc) => pc.fileId))).toEqual([source.pcid]);
  });
});
