import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { chromiumConfiguration, chromiumUpdateLog, exportWebrtcInternals } from '../../../lib/dump/export-webrtc-internals';
import { callBundle, edgeBundle } from '../../fixtures/bundles/call-bundle';
import { EventStream } from '../../fixtures/session-builders';
import { CORPUS_DIR, INTERNALS_DUMP_CALL } from '../model/corpus';
import { importDump } from '../../../lib/dump/import-dump';
import { pcSamples } from '../../../lib/dump/bundle-stats';

type Series = { startTime: string; endTime: string; statsType: string; values: string };
type Pc = { pid: number; url: string; rtcConfiguration: string; constraints?: string; updateLog: { type: string; value: string; timestamp: number }[]; stats: Record<string, Series> };
type Dump = Record<string, unknown> & { getUserMedia: Record<string, unknown>[]; PeerConnections: Record<string, Pc> };

const corpusText = readFileSync(INTERNALS_DUMP_CALL, 'utf8');
const corpus = JSON.parse(corpusText) as Dump;
const options = {
  exportedAt: corpus.timestamp as number,
  userAgentData: corpus.UserAgentData as never,
  hardwareConcurrency: 2,
  deviceMemory: 16,
  cpuPerformance: 2,
};
const text = exportWebrtcInternals(callBundle(), options);
const ours = JSON.parse(text) as Dump;
const PAIRS = [['1-1', '10-1'], ['1-2', '10-2']] as const;

/** Series Chromium computes inside the browser that a page's getStats cannot give (formats.md §1.6). */
/** Every derived series of the corpus dump is reproduced from page-visible fields. */
const NOT_REPRODUCIBLE = /(?!)/;
/** Locale-date companions of time fields (`"11/22/2026, 2:15:59 AM"`): the corpus dump was made in en-US, UTC. */
const DATE_SERIES = /-\[(lastPacketReceivedTimestamp|lastPacketSentTimestamp|estimatedPlayoutTimestamp|remoteTimestamp)\]$/;
const sameLocaleAsCorpus = new Intl.DateTimeFormat().resolvedOptions().locale === 'en-US' && new Intl.DateTimeFormat().resolvedOptions().timeZone === 'UTC';

describe('exportWebrtcInternals against the Chromium 156 dump of the same call', () => {
  it('writes the same top-level keys in the same order, 1-space indented like Chromium', () => {
    expect(Object.keys(ours)).toEqual(Object.keys(corpus));
    expect(text.slice(0, 20)).toBe(corpusText.slice(0, 20).replace(/\d+/, '2'));
    expect(ours.UserAgent).toBe(corpus.UserAgent);
  });

  it('keys peer connections "<rid>-<lid>" with the same members', () => {
    expect(Object.keys(ours.PeerConnections)).toEqual(PAIRS.map(([key]) => key));
    for (const [mine, theirs] of PAIRS) {
      expect(Object.keys(ours.PeerConnections[mine]).sort()).toEqual(Object.keys(corpus.PeerConnections[theirs]).sort());
      expect(ours.PeerConnections[mine].rtcConfiguration).toBe(corpus.PeerConnections[theirs].rtcConfiguration);
      expect(ours.PeerConnections[mine].url).toBe(corpus.PeerConnections[theirs].url);
    }
  });

  it('names and encodes stats series as Chromium does', () => {
    for (const [mine, theirs] of PAIRS) {
      const a = ours.PeerConnections[mine].stats;
      const b = corpus.PeerConnections[theirs].stats;
      const missing = Object.keys(b).filter((k) => !(k in a));
      const extra = Object.keys(a).filter((k) => !(k in b));
      expect(extra).toEqual([]);
      expect(missing.filter((k) => !NOT_REPRODUCIBLE.test(k))).toEqual([]);
      // Same order too: objects and fields by first appearance, fields sorted, [codec], timestamp, then rates.
      expect(Object.keys(a)).toEqual(Object.keys(b).filter((k) => k in a));
      let exact = 0;
      for (const key of Object.keys(a)) {
        expect(Object.keys(a[key])).toEqual(['startTime', 'endTime', 'statsType', 'values']);
        expect(typeof a[key].values).toBe('string');
        expect(a[key].statsType).toBe(b[key].statsType);
        expect(a[key].startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        const va = JSON.parse(a[key].values) as unknown[];
        const vb = JSON.parse(b[key].values) as unknown[];
        if (DATE_SERIES.test(key)) {
          expect(va.length).toBe(vb.length);
          for (const v of va) expect(v).toMatch(/\d/);
          if (sameLocaleAsCorpus) expect(va).toEqual(vb);
          continue;
        }
        if (key.endsWith(']') && !key.endsWith('[codec]')) {
          // Derived rates: our formulas (lib/model/rates.ts) against Chromium's, within rounding.
          const nums = va.filter((v): v is number => typeof v === 'number');
          const ref = vb.filter((v): v is number => typeof v === 'number');
          expect(nums.length).toBe(ref.length);
          nums.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(Math.max(1, Math.abs(ref[i]) * 1e-6)));
          continue;
        }
        if (vb.length === va.length) {
          // Full-length and late-starting series: identical values and times, numeric-looking strings as numbers.
          expect(va).toEqual(vb);
          expect([a[key].startTime, a[key].endTime]).toEqual([b[key].startTime, b[key].endTime]);
          exact++;
        } else {
          // Series with holes: Chromium drops them, we keep them as null so that index spans align.
          expect(va.filter((v) => v !== null)).toEqual(vb);
        }
      }
      expect(exact).toBeGreaterThan(200);
    }
  });

  it('writes the same update-log vocabulary and values for the same events', () => {
    for (const [mine, theirs] of PAIRS) {
      const a = ours.PeerConnections[mine].updateLog;
      const b = corpus.PeerConnections[theirs].updateLog.filter((e) => !e.type.startsWith('transceiver'));
      expect(a.map((e) => e.type)).toEqual(b.map((e) => e.type));
      a.forEach((entry, i) => {
        expect(Object.keys(entry)).toEqual(['type', 'value', 'timestamp']);
        expect(entry.timestamp).toBe(b[i].timestamp);
        // The fixture's addTrack calls carry no stream arguments; every other value is Chromium's, byte for byte.
        if (entry.type !== 'addTrack') expect(entry.value).toBe(b[i].value);
      });
    }
  });

  it('writes getUserMedia request and success entries like Chromium', () => {
    expect(ours.getUserMedia).toHaveLength(2);
    ours.getUserMedia.forEach((entry, i) => {
      const ref = corpus.getUserMedia[i];
      expect(Object.keys(entry)).toEqual(Object.keys(ref));
      expect({ ...entry, pid: 0, rid: 0 }).toEqual({ ...ref, pid: 0, rid: 0 });
    });
  });
});

describe('exportWebrtcInternals: applyConstraints', () => {
  it('has no place in Chromium\'s getUserMedia list: left out, the requests as before', () => {
    const bundle = callBundle();
    const cam = { id: 'cam', kind: 'video', label: 'fake_device_0' };
    const t = bundle.events[bundle.events.length - 1].record.t;
    const extra = new EventStream().media(t, 'applyConstraints', [{ width: 320 }], { value: { width: 320, height: 240 } }, 2, cam).events;
    bundle.events = [...bundle.events, ...extra.map((e, i) => ({ ...e, frame: 0, seq: bundle.events.length + i }))];
    const dump = JSON.parse(exportWebrtcInternals(bundle, options)) as Dump;
    expect(dump.getUserMedia).toEqual(ours.getUserMedia);
    expect(JSON.stringify(dump)).not.toContain('applyConstraints');
  });
});

describe('exportWebrtcInternals details', () => {
  it('pads holes with null, keeps late starts short, never caps series', () => {
    const bundle = edgeBundle();
    const dump = JSON.parse(exportWebrtcInternals(bundle)) as Dump;
    const stats = dump.PeerConnections['1-1'].stats;
    // T01 is in samples 0–2; dtlsState only from sample 1: a late start, not padded.
    expect(JSON.parse(stats['T01-dtlsState'].values)).toEqual(['connected']);
    expect(stats['T01-dtlsState'].startTime).toBe(new Date(1_002_000).toISOString());
    // The codec object is in samples 0 and 3: its timestamp series has 2 points.
    expect(JSON.parse(stats['COT01_111_minptime=10;useinbandfec=1-timestamp'].values)).toEqual([1_001_000, 1_005_000]);
    expect(JSON.parse(stats['COT01_111_minptime=10;useinbandfec=1-sdpFmtpLine'].values)).toEqual(['minptime=10;useinbandfec=1']);
    expect(JSON.parse(stats['OT01V1-qualityLimitationDurations'].values)).toEqual([{ none: 1, cpu: 0 }, { none: 2, cpu: 0 }]);
    expect(JSON.parse(stats['T01-[bytesSent_in_bits/s]'].values)).toEqual([80, 80]);

    const long: SessionBundle = { ...bundle, samples: { '0-1': Array.from({ length: 1500 }, (_, i) => ({ index: i, t: 1_000_000 + i * 1000, report: { T01: { type: 'transport', timestamp: 1_000_000 + i * 1000, bytesSent: i * 10 } } })) } };
    const longDump = JSON.parse(exportWebrtcInternals(long)) as Dump;
    expect(JSON.parse(longDump.PeerConnections['1-1'].stats['T01-bytesSent'].values)).toHaveLength(1500);

    // Hole: an object present in 3 polls, a field missing in the middle one.
    const holes: SessionBundle = { ...bundle, samples: { '0-1': [1, 2, 3].map((n, i) => ({ index: i, t: n * 1000, report: { RIA1: { type: 'remote-inbound-rtp', timestamp: n * 1000, ...(n === 2 ? {} : { roundTripTime: n / 100 }) } } })) } };
    const holeStats = (JSON.parse(exportWebrtcInternals(holes)) as Dump).PeerConnections['1-1'].stats;
    expect(JSON.parse(holeStats['RIA1-roundTripTime'].values)).toEqual([0.01, null, 0.03]);
    expect(JSON.parse(holeStats['RIA1-timestamp'].values)).toHaveLength(3);
  });

  it('gives an object without a valid timestamp the poll time as its point time, so its series align', () => {
    const bundle = edgeBundle();
    bundle.samples = { '0-1': [1, 2, 3].map((n, i) => ({ index: i, t: n * 1000, report: { X: { type: 'transport', ...(n === 2 ? { timestamp: 'late' } : {}), bytesSent: n } } })) };
    const stats = (JSON.parse(exportWebrtcInternals(bundle)) as Dump).PeerConnections['1-1'].stats;
    expect(JSON.parse(stats['X-timestamp'].values)).toEqual([1000, 2000, 3000]);
    // Read back: every value in its poll (a shorter timestamp series made the importer drop or misplace them).
    const back = importDump('x.txt', new TextEncoder().encode(exportWebrtcInternals(bundle)));
    expect(back.problems).toEqual([]);
    expect(pcSamples(back.bundles[0], '0-1').map((s) => s.report.X.bytesSent)).toEqual([1, 2, 3]);
  });

  it('exported a day later, reads back with the session\'s own start and end (the download time does not bound it)', () => {
    const [original] = importDump('corpus.json', new TextEncoder().encode(JSON.stringify(corpus))).bundles;
    const later = original.session.endedAt! + 86_400_000;
    const [back] = importDump('again.json', new TextEncoder().encode(exportWebrtcInternals(original, { exportedAt: later }))).bundles;
    expect(JSON.parse(exportWebrtcInternals(original, { exportedAt: later })).timestamp).toBe(later);
    expect(back.session.startedAt).toBe(original.session.startedAt);
    expect(back.session.endedAt).toBe(original.session.endedAt);
  });

  it('maps failures, configuration and events without Chromium entries', () => {
    const dump = JSON.parse(exportWebrtcInternals(edgeBundle())) as Dump;
    const pc = dump.PeerConnections['1-1'];
    expect(JSON.parse(pc.rtcConfiguration)).toEqual({ iceServers: [{ urls: ['stun:stun.example.org:3478'] }], bundlePolicy: 'max-bundle' });
    const types = pc.updateLog.map((e) => e.type);
    expect(types).toEqual(['createOffer', 'createOfferOnSuccess', 'setRemoteDescription', 'setRemoteDescriptionOnFailure', 'sender.setParameters', 'onicecandidate', 'onconnectionstatechange', 'close']);
    expect(pc.updateLog[3].value).toBe('OperationError: Failed to parse SessionDescription.');
    expect(pc.updateLog[6].value).toBe('"connected"');
    expect(JSON.parse(pc.updateLog[5].value)).toEqual({ sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host' });
    expect(JSON.parse(pc.constraints!)).toEqual({ optional: [{ googIPv6: true }] });
    // Firefox has no userAgentData: the importer still needs a truthy one.
    expect(dump.UserAgentData).toEqual({ brands: [], mobile: false, platform: '' });
    expect(dump.getUserMedia.map((e) => Object.keys(e).includes('error') ? `${e.request_type} failed` : e.request_type)).toEqual(['getUserMedia', 'getUserMedia', 'getDisplayMedia', 'getDisplayMedia failed']);
    expect(dump.getUserMedia[3]).toMatchObject({ error: 'NotAllowedError', error_message: 'Permission denied', request_id: 1 });
  });

  it('leaves out the page-only mediaType of RTP objects, as Chromium\'s own dump does', () => {
    const bundle = callBundle();
    for (const sample of bundle.samples['0-1']) {
      for (const obj of Object.values(sample.report)) if (obj.type === 'outbound-rtp' || obj.type === 'remote-inbound-rtp') obj.mediaType = obj.kind ?? 'audio';
    }
    const dump = JSON.parse(exportWebrtcInternals(bundle)) as Dump;
    const keys = Object.keys(dump.PeerConnections['1-1'].stats);
    expect(keys.filter((k) => k.endsWith('-kind')).length).toBeGreaterThan(0);
    expect(keys.filter((k) => k.endsWith('-mediaType'))).toEqual([]);
  });

  it('keeps PC keys unique across several sessions', () => {
    const dump = JSON.parse(exportWebrtcInternals([edgeBundle(), callBundle(), edgeBundle()])) as Dump;
    expect(Object.keys(dump.PeerConnections)).toEqual(['1-1', '2-1', '2-2', '3-1']);
  });

  it('logs null candidates, implicit setLocalDescription and data channel events like Chromium', () => {
    const s = new EventStream();
    s.callOk('0-1', 1, 'setLocalDescription', [], undefined);
    s.event('0-1', 2, 'icecandidate', null);
    s.event('0-1', 3, 'datachannel', { id: 3, label: 'x', protocol: '', ordered: false, maxRetransmits: 0, maxPacketLifeTime: null, negotiated: false, readyState: 'open' });
    s.callOk('0-1', 4, 'createDataChannel', ['y', { negotiated: true, id: 5 }]);
    const log = chromiumUpdateLog(s.events);
    expect(log.map((e) => [e.type, e.value])).toEqual([
      ['setLocalDescription', ''],
      ['setLocalDescriptionOnSuccess', ''],
      ['ondatachannel', '{"label":"x","ordered":false,"maxRetransmits":0}'],
      ['createDataChannel', '{"label":"y","ordered":true,"negotiated":true,"id":5}'],
    ]);
    expect(chromiumConfiguration({ iceServers: [{ urls: 'turn:t', username: 'u', credential: 'c' }], iceTransportPolicy: 'all', certificates: [] })).toEqual({ iceServers: [{ urls: ['turn:t'] }] });
  });

  it('an implicit setLocalDescription whose settlement recorded the description logs it on success, as Chromium', () => {
    const s = new EventStream();
    s.callOk('0-1', 1, 'setLocalDescription', [], { type: 'offer', sdp: 'v=0\r\n' });
    s.callOk('0-1', 2, 'setLocalDescription', [{ type: 'answer', sdp: 'v=0\r\n' }]);
    expect(chromiumUpdateLog(s.events).map((e) => [e.type, e.value])).toEqual([
      ['setLocalDescription', ''],
      ['setLocalDescriptionOnSuccess', '{"type":"offer","sdp":"v=0\\r\\n"}'],
      ['setLocalDescription', '{"type":"answer","sdp":"v=0\\r\\n"}'],
      ['setLocalDescriptionOnSuccess', ''],
    ]);
  });
});

describe('exportWebrtcInternals: which strings become numbers', () => {
  it('converts only foundation and mid when they are plain integers, never ids or references to them', () => {
    const bundle = edgeBundle();
    const t = 1_001_000;
    bundle.samples = {
      '0-1': [
        {
          index: 0,
          t,
          report: {
            // Firefox-style ids that read as numbers: "12345678", "51775e14" (5.1775e18 as a number).
            '12345678': { type: 'local-candidate', timestamp: t, foundation: '51775e14', address: '192.0.2.1' },
            '51775e14': { type: 'remote-candidate', timestamp: t, foundation: '3049697979' },
            CP1: { type: 'candidate-pair', timestamp: t, localCandidateId: '12345678', remoteCandidateId: '51775e14', transportId: '7' },
            '1': { type: 'codec', timestamp: t, payloadType: 111 },
            IT1: { type: 'inbound-rtp', timestamp: t, mid: '1', remoteId: '99', codecId: '1' },
            IT2: { type: 'inbound-rtp', timestamp: t, mid: '0', trackIdentifier: '0123' },
          },
        },
      ],
    };
    const stats = (JSON.parse(exportWebrtcInternals(bundle)) as Dump).PeerConnections['1-1'].stats;
    const value = (key: string) => (JSON.parse(stats[key].values) as unknown[])[0];
    // As Chromium's own dump has them (formats.md §1.6): a decimal foundation and mid as numbers.
    expect(value('51775e14-foundation')).toBe(3049697979);
    expect(value('IT2-mid')).toBe(0);
    // Not a plain integer, a reference, or a value that is also an id of the report: as they were.
    expect(value('12345678-foundation')).toBe('51775e14');
    expect(value('CP1-localCandidateId')).toBe('12345678');
    expect(value('CP1-remoteCandidateId')).toBe('51775e14');
    expect(value('CP1-transportId')).toBe('7');
    expect(value('IT1-remoteId')).toBe('99');
    expect(value('IT1-codecId')).toBe('1');
    expect(value('IT1-mid')).toBe('1');
    expect(value('IT2-trackIdentifier')).toBe('0123');
  });

  it('a Firefox recording (ids like "51775e14") keeps every …Id reference through export and import', () => {
    const [first] = importDump('sfu', new Uint8Array(readFileSync(`${CORPUS_DIR}/dumps/rtcstats-legacy/firefox-standard-stats-sfu`))).bundles;
    const [back] = importDump('again.txt', new TextEncoder().encode(exportWebrtcInternals(first))).bundles;
    expect(back.pcs.map((p) => p.pcId)).toEqual(first.pcs.map((p) => p.pcId));
    let references = 0;
    for (const pc of first.pcs) {
      const before = pcSamples(first, pc.pcId);
      const after = pcSamples(back, pc.pcId);
      expect(after).toHaveLength(before.length);
      before.forEach((sample, i) => {
        for (const [id, object] of Object.entries(sample.report)) {
          for (const [field, v] of Object.entries(object)) {
            if (!field.endsWith('Id')) continue;
            references++;
            expect(after[i].report[id]?.[field], `${pc.pcId}[${i}] ${id}.${field}`).toStrictEqual(v);
          }
        }
      });
    }
    expect(references).toBeGreaterThan(1000);
  });
});
