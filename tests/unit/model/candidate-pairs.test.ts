import { describe, expect, it } from 'vitest';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { candidateLabel, candidatePairsKey, candidatePairTable, candidatePairTimeline, pairsSharingEndpoints, selectedPairIdsAt } from '../../../lib/model/candidate-pairs';
import { columnsOf, getStatsColumns, getStatsReport, iceStory } from '../../fixtures/session-builders';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { StatsReportJson } from '../../../lib/model/session';
import { loadCallSamples, RTCSTATS_V3_CALL } from './corpus';

const obj = (o: Record<string, unknown>) => o as StatsReportJson[string];

const CHROME_PAIR = 'CPaVtnq1Mq_RO1jwMwM';

describe('candidatePairTable', () => {
  it('Chromium 156: resolves both candidates, RTT, counters; selected by transport.selectedCandidatePairId', () => {
    const [row] = candidatePairTable(getStatsColumns('chromium156.json', 'pc1'));
    expect(row).toMatchObject({
      id: CHROME_PAIR,
      transportId: 'T01',
      state: 'succeeded',
      nominated: true,
      selected: true,
      currentRoundTripTime: 0.001,
      bytesSent: 1032521,
      bytesReceived: 16378,
      requestsSent: 9,
      requestsReceived: 9,
      responsesSent: 9,
      responsesReceived: 9,
      consentRequestsSent: 8,
    });
    expect(row.averageRoundTripTime).toBeCloseTo(0.012 / 9, 9);
    expect(row.local).toMatchObject({ candidateType: 'host', protocol: 'udp', address: '127.0.0.1', port: 50274, networkType: 'unknown', relayProtocol: null });
    expect(row.remote).toMatchObject({ candidateType: 'host', address: '127.0.0.1', port: 36220 });
    expect(candidateLabel(row.local)).toBe('host udp 127.0.0.1:50274');
  });

  it('Firefox 153: prflx remote candidate, no request counters, selected', () => {
    const rows = candidatePairTable(getStatsColumns('firefox153.json', 'pc1'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: '3dda5d61', selected: true, state: 'succeeded', requestsSent: null, consentRequestsSent: null, responsesReceived: 2 });
    expect(rows[0].remote).toMatchObject({ candidateType: 'prflx', address: '10.213.0.1', port: 45489 });
    expect(rows[0].averageRoundTripTime).toBeCloseTo(0.001, 9);
  });

  it('Firefox without transport.selectedCandidatePairId (older builds): the `selected` flag decides', () => {
    const report = structuredClone(getStatsReport('firefox153.json', 'pc2'));
    delete (report.f589de65 as Record<string, unknown>).selectedCandidatePairId;
    const columns = columnsOf([report]);
    expect([...selectedPairIdsAt(columns, 0)]).toEqual(['5ab3b555']);
    // The flag says "not selected": no fallback guess.
    (report['5ab3b555'] as Record<string, unknown>).selected = false;
    expect([...selectedPairIdsAt(columnsOf([report]), 0)]).toEqual([]);
    // No transport pointer, no flag: a nominated, succeeded pair.
    delete (report['5ab3b555'] as Record<string, unknown>).selected;
    expect([...selectedPairIdsAt(columnsOf([report]), 0)]).toEqual(['5ab3b555']);
    (report['5ab3b555'] as Record<string, unknown>).nominated = false;
    expect([...selectedPairIdsAt(columnsOf([report]), 0)]).toEqual([]);
  });

  it('orders selected first, then by state, then priority; shows the latest sample only', () => {
    const story = iceStory();
    const early = candidatePairTable(columnsOf(story.slice(0, 2)));
    expect(early.map((r) => [r.id, r.state, r.selected])).toEqual([
      [CHROME_PAIR, 'succeeded', true],
      ['CPrelay', 'failed', false],
    ]);
    expect(early[1].local).toMatchObject({ candidateType: 'relay', relayProtocol: 'tls', address: '203.0.113.7', url: 'turns:turn.example.org:443?transport=tcp' });
    const late = candidatePairTable(columnsOf(story.slice(0, 4)));
    expect(late.map((r) => [r.id, r.selected])).toEqual([
      ['CPrelay2', true],
      [CHROME_PAIR, false],
    ]);
    expect(candidatePairTable(columnsOf(story)).map((r) => r.id)).toEqual(['CPrelay2']);
  });

  it('keeps a candidate that left the latest sample as last seen', () => {
    const story = iceStory();
    const last = structuredClone(story[4]);
    delete last.Irelay2;
    const rows = candidatePairTable(columnsOf([...story.slice(0, 4), last]));
    expect(rows[0].local).toMatchObject({ candidateType: 'relay', port: 62000 });
  });

  it('Avg RTT is webrtc-internals\' [totalRoundTripTime/responsesReceived] of the last interval with responses, pinned to Chromium\'s', () => {
    // The corpus call's rtcstats export carries Chromium's own value wherever a poll brought STUN responses.
    const lines = gunzipSync(readFileSync(RTCSTATS_V3_CALL)).toString('utf8').split('\n').filter(Boolean).slice(2);
    const chrome = lines.map((l) => JSON.parse(l)).filter((e) => e[0] === 'getStats' && e[1] === '10-1').map((e) => e[2] as Record<string, Record<string, unknown>>);
    const samples = loadCallSamples()['10-1'];
    const pairId = Object.keys(chrome[0]).find((id) => chrome[0][id].type === 'candidate-pair')!;
    let expected: number | null = null;
    let pinned = 0;
    let held = 0;
    for (let i = 1; i < samples.length; i++) {
      const value = chrome[i][pairId]['[totalRoundTripTime/responsesReceived]'];
      const row = candidatePairTable(samplesToColumns(samples.slice(0, i + 1))).find((r) => r.id === pairId)!;
      if (typeof value === 'number') {
        expected = value;
        pinned++;
      } else held++;
      // Between responses: the last interval's value, held.
      expect(row.averageRoundTripTime, `poll ${i}`).toBeCloseTo(expected!, 12);
    }
    expect(pinned).toBeGreaterThan(20);
    expect(held).toBeGreaterThan(5);
  });

  it('Avg RTT follows the last interval, not the average since the pair began; the first sample has only the cumulative one', () => {
    const pair = (i: number, total: number, responses: number) => ({
      T: obj({ type: 'transport', timestamp: i * 1000, selectedCandidatePairId: 'CP' }),
      CP: obj({ type: 'candidate-pair', timestamp: i * 1000, state: 'succeeded', nominated: true, totalRoundTripTime: total, responsesReceived: responses, currentRoundTripTime: 0.3 }),
    });
    // An hour of responses at 20 ms, then 2 at 300 ms, then a poll without any.
    const table = (rows: ReturnType<typeof pair>[]) => candidatePairTable(columnsOf(rows))[0].averageRoundTripTime;
    expect(table([pair(0, 72, 3600)])).toBeCloseTo(0.02, 12);
    expect(table([pair(0, 72, 3600), pair(1, 72.6, 3602)])).toBeCloseTo(0.3, 12);
    expect(table([pair(0, 72, 3600), pair(1, 72.6, 3602), pair(2, 72.6, 3602)])).toBeCloseTo(0.3, 12);
    // A reset (counters going back) gives no interval.
    expect(table([pair(0, 72, 3600), pair(1, 0.1, 2)])).toBeNull();
  });

  it('is empty without samples', () => {
    expect(candidatePairTable(undefined)).toEqual([]);
    expect(candidatePairTable(columnsOf([]))).toEqual([]);
  });
});

describe('candidatePairTimeline', () => {
  it('segments states per pair over samples, with gaps where a pair is absent, and the selected pair over time', () => {
    const t0 = 1_001_000;
    const tl = candidatePairTimeline(columnsOf(iceStory(), t0, 1000));
    expect(tl.startT).toBe(t0);
    expect(tl.endT).toBe(t0 + 4000);
    expect(tl.pairs.map((p) => p.id)).toEqual([CHROME_PAIR, 'CPrelay', 'CPrelay2']);
    const byId = Object.fromEntries(tl.pairs.map((p) => [p.id, p.segments]));
    expect(byId[CHROME_PAIR]).toEqual([
      { state: 'in-progress', fromT: t0, toT: t0 + 1000 },
      { state: 'succeeded', fromT: t0 + 1000, toT: t0 + 4000 },
    ]);
    expect(byId.CPrelay).toEqual([
      { state: 'waiting', fromT: t0, toT: t0 + 1000 },
      { state: 'failed', fromT: t0 + 1000, toT: t0 + 2000 },
    ]);
    expect(byId.CPrelay2).toEqual([{ state: 'succeeded', fromT: t0 + 3000, toT: t0 + 4000 }]);
    expect(tl.pairs[1].label).toBe('relay udp 203.0.113.7:61000 (relay tls) ⇄ host udp 127.0.0.1:36220');
    // The whole pair for tooltips: both candidates with types, protocol, addresses, relay details; the stats id last.
    expect(tl.pairs[1].title).toBe(
      'local relay udp 203.0.113.7:61000 (relay tls, turns:turn.example.org:443?transport=tcp) ⇄ remote host udp 127.0.0.1:36220 · stats id CPrelay',
    );
    expect(tl.selected).toEqual([
      { pairId: CHROME_PAIR, fromT: t0 + 1000, toT: t0 + 3000 },
      { pairId: 'CPrelay2', fromT: t0 + 3000, toT: t0 + 4000 },
    ]);
  });

  it('a pair that leaves and comes back gets two segments', () => {
    const story = iceStory();
    const columns = columnsOf([story[1], story[2], story[1]]);
    const relay = candidatePairTimeline(columns).pairs.find((p) => p.id === 'CPrelay')!;
    expect(relay.segments.map((s) => [s.state, s.fromT - 1_001_000, s.toT - 1_001_000])).toEqual([
      ['failed', 0, 1000],
      ['failed', 2000, 2000],
    ]);
  });

  it('the real 60 s call: one succeeded pair, selected from the first to the last sample', () => {
    const samples = loadCallSamples()['10-1'];
    const tl = candidatePairTimeline(samplesToColumns(samples));
    expect(tl.pairs).toHaveLength(1);
    expect(tl.pairs[0].segments).toEqual([{ state: 'succeeded', fromT: samples[0].t, toT: samples[59].t }]);
    expect(tl.selected).toEqual([{ pairId: tl.pairs[0].id, fromT: samples[0].t, toT: samples[59].t }]);
    expect(tl.pairs[0].label).toBe('host udp 127.0.0.1:35265 ⇄ host udp 127.0.0.1:41822');
  });

  it('is empty without samples', () => {
    expect(candidatePairTimeline(undefined)).toEqual({ startT: null, endT: null, pairs: [], selected: [] });
  });
});

describe('candidatePairsKey', () => {
  it('changes with a pair’s state, nomination or selection, not with its counters', () => {
    const story = iceStory();
    const keys = story.map((_, i) => candidatePairsKey(columnsOf(story.slice(0, i + 1), 1_000_000, 1000)));
    // The story moves states and the selection at every step.
    expect(new Set(keys).size).toBe(keys.length);
    const report = structuredClone(story[story.length - 1]);
    const busier = structuredClone(report);
    for (const obj of Object.values(busier) as Record<string, unknown>[]) {
      if (obj.type === 'candidate-pair') {
        obj.bytesSent = 123_456_789;
        obj.currentRoundTripTime = 0.5;
      }
    }
    expect(candidatePairsKey(columnsOf([busier]))).toBe(candidatePairsKey(columnsOf([report])));
    expect(candidatePairsKey(columnsOf([]))).toBe('');
  });
});

describe('pairs on several transports (no BUNDLE)', () => {
  it('the timeline tells lanes of the same two addresses apart by their transport; one transport adds none', () => {
    const cand = (id: string, type: string, address: string) => ({ id, type, candidateType: 'host', protocol: 'udp', address, port: 5000, timestamp: 1 });
    const report = (transports: [string, string]): StatsReportJson =>
      ({
        L: cand('L', 'local-candidate', '10.0.0.1'),
        R: cand('R', 'remote-candidate', '10.0.0.2'),
        P1: { id: 'P1', type: 'candidate-pair', transportId: transports[0], localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', timestamp: 1 },
        P2: { id: 'P2', type: 'candidate-pair', transportId: transports[1], localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', timestamp: 1 },
      }) as unknown as StatsReportJson;
    expect(candidatePairTimeline(columnsOf([report(['T-audio', 'T-video'])])).pairs.map((p) => p.label)).toEqual([
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.2:5000 on T-audio',
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.2:5000 on T-video',
    ]);
    // One transport: no transport in the labels (the two pairs are then told apart by their ids, below).
    expect(candidatePairTimeline(columnsOf([report(['T', 'T'])])).pairs.map((p) => p.label)).toEqual([
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.2:5000 (P1)',
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.2:5000 (P2)',
    ]);
  });
});

describe('pairs between the same two candidates on one transport (legacy connections)', () => {
  const cand = (id: string, type: string, address: string) => ({ id, type, candidateType: 'host', protocol: 'udp', address, port: 5000, timestamp: 1 });
  const pair = (id: string, remote: string) => ({ id, type: 'candidate-pair', transportId: 'T', localCandidateId: 'L', remoteCandidateId: remote, state: 'succeeded', timestamp: 1 });
  const report = {
    L: cand('L', 'local-candidate', '10.0.0.1'),
    R: cand('R', 'remote-candidate', '10.0.0.2'),
    R2: cand('R2', 'remote-candidate', '10.0.0.3'),
    'Conn-1': pair('Conn-1', 'R'),
    'Conn-2': pair('Conn-2', 'R'),
    'Conn-3': pair('Conn-3', 'R2'),
  } as unknown as StatsReportJson;

  it('names only the pairs another pair duplicates, in the table and on the timeline', () => {
    const columns = columnsOf([report]);
    expect([...pairsSharingEndpoints(candidatePairTable(columns))].sort()).toEqual(['Conn-1', 'Conn-2']);
    expect(candidatePairTimeline(columns).pairs.map((p) => p.label)).toEqual([
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.2:5000 (Conn-1)',
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.2:5000 (Conn-2)',
      'host udp 10.0.0.1:5000 ⇄ host udp 10.0.0.3:5000',
    ]);
  });

  it('an unknown candidate on both sides is the same endpoint too; distinct transports are not', () => {
    expect([...pairsSharingEndpoints([{ id: 'a', local: null, remote: null, transportId: 'T' }, { id: 'b', local: null, remote: null, transportId: 'T' }])]).toEqual(['a', 'b']);
    expect(pairsSharingEndpoints([{ id: 'a', local: null, remote: null, transportId: 'T1' }, { id: 'b', local: null, remote: null, transportId: 'T2' }]).size).toBe(0);
  });
});
