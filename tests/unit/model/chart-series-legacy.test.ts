/**
 * The default charts of a PC with Chrome's legacy ("goog") stats: every value below is computed by hand from the
 * strings of four real polls (tests/fixtures/legacy-goog-stats.ts, from the corpus call 24a93962-…) with the
 * formulas of the standard charts; then gaps, resets, non-numeric strings and polls that did not update a stream;
 * the incremental model against a rebuild; and the corpus call itself through the real importer and the store's
 * chunk encoding.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { encodeStatsColumns, pcColumns } from '../../../lib/dump/bundle-stats';
import { buildDefaultCharts, ChartModel, DEFAULT_CHARTS, QUALITY_LIMITATION_REASONS, type ChartSpec } from '../../../lib/model/chart-series';
import { appendStatsChunks } from '../../../lib/model/stats-chunk';
import { appendSamples, emptyStatsColumns, samplesToColumns } from '../../../lib/model/stats-columns';
import { LEGACY_IDS, LEGACY_POLLS, legacyPolls } from '../../fixtures/legacy-goog-stats';
import { CORPUS_DIR } from './corpus';
import { connectionHeader } from '../../../lib/model/connection-header';
import { candidatePairTable, candidatePairTimeline, pairsSharingEndpoints } from '../../../lib/model/candidate-pairs';
import type { SessionData } from '../../../lib/model/session';

const { videoOut: VIDEO_OUT, audioOut: AUDIO_OUT, audioIn: AUDIO_IN, videoIn: VIDEO_IN } = LEGACY_IDS;
const polls = legacyPolls;
const seriesOf = (charts: ChartSpec[], chartId: string, label: string) => {
  const chart = charts.find((c) => c.id === chartId);
  if (!chart) throw new Error(`no chart ${chartId}: ${charts.map((c) => c.id).join(', ')}`);
  const s = chart.series.find((x) => x.label === label);
  if (!s) throw new Error(`no series ${label} in ${chartId}: ${chart.series.map((x) => x.label).join(', ')}`);
  return s;
};
const labels = (charts: ChartSpec[], chartId: string) => charts.find((c) => c.id === chartId)?.series.map((s) => s.label);
const round = (values: (number | null)[], digits = 6) => values.map((v) => (v === null ? null : Number(v.toFixed(digits))));
/** The charts' bitrate: webrtc-internals' [X_in_bits/s] (whole bit/s) of Δbytes over Δt ms, in kbit/s. */
const kbit = (bytes: number, ms: number) => Math.round(8 * ((1000 * bytes) / ms)) / 1000;

// The streams' own timestamps (ms) in the four polls: 1593427036755, …37759, …38756, …39757.
const DT = [1593427037759 - 1593427036755, 1593427038756 - 1593427037759, 1593427039757 - 1593427038756];

/** Every default chart but the data channels': a goog `datachannel` report has no byte counters. */
const LEGACY_CHARTS = DEFAULT_CHARTS.map((c) => c.id).filter((id) => id !== 'data-channel-bitrate');

describe('default charts of legacy stats: values by hand from the strings', () => {
  const { x, charts } = buildDefaultCharts(samplesToColumns(polls()));

  it('draws every default chart, on the polls\' times', () => {
    expect(x).toEqual(LEGACY_POLLS.map((p) => p.t / 1000));
    expect(charts.map((c) => c.id)).toEqual(LEGACY_CHARTS);
  });

  it('send and receive bitrate per stream and of the connection, Δbytes / Δt of each object', () => {
    expect(labels(charts, 'bitrate-send')).toEqual(['audio out (1228289922)', 'video out (408222511)', 'connection total (selected pair)']);
    // bytesSent "12965524" → "13197348" → "13375418" → "13599840".
    expect(seriesOf(charts, 'bitrate-send', 'video out (408222511)').values).toEqual([
      null, kbit(13197348 - 12965524, DT[0]), kbit(13375418 - 13197348, DT[1]), kbit(13599840 - 13375418, DT[2]),
    ]);
    expect(seriesOf(charts, 'bitrate-send', 'video out (408222511)').values[1]).toBeCloseTo(1847.203, 3);
    expect(seriesOf(charts, 'bitrate-send', 'audio out (1228289922)').values).toEqual([
      null, kbit(431247 - 422378, DT[0]), kbit(440478 - 431247, DT[1]), kbit(449528 - 440478, DT[2]),
    ]);
    // The active pair's bytes (googActiveConnection "true").
    expect(seriesOf(charts, 'bitrate-send', 'connection total (selected pair)').values).toEqual([
      null, kbit(13306925 - 13061966, DT[0]), kbit(13498304 - 13306925, DT[1]), kbit(13735762 - 13498304, DT[2]),
    ]);
    expect(seriesOf(charts, 'bitrate-receive', 'video in (2907324897)').values).toEqual([
      null, kbit(3537126 - 3525010, DT[0]), kbit(3549884 - 3537126, DT[1]), kbit(3562840 - 3549884, DT[2]),
    ]);
    expect(seriesOf(charts, 'bitrate-receive', 'connection total (selected pair)').values).toEqual([
      null, kbit(10238480 - 10157546, DT[0]), kbit(10323107 - 10238480, DT[1]), kbit(10405047 - 10323107, DT[2]),
    ]);
  });

  it('packets per second (not × 8)', () => {
    expect(round(seriesOf(charts, 'packet-rate', 'video out (408222511)').values)).toEqual(round([
      null, (1000 * (14520 - 14276)) / DT[0], (1000 * (14712 - 14520)) / DT[1], (1000 * (14946 - 14712)) / DT[2],
    ]));
    expect(round(seriesOf(charts, 'packet-rate', 'audio in (2072792890)').values)).toEqual(round([
      null, (1000 * (4500 - 4450)) / DT[0], (1000 * (4550 - 4500)) / DT[1], (1000 * (4599 - 4550)) / DT[2],
    ]));
  });

  it('loss per interval: received from packetsLost / packetsReceived, sent from the receiver reports', () => {
    // packetsLost "19", "19", "19", "20"; packetsReceived "4427", "4457", "4487", "4516": 1 of 30 in the last interval.
    expect(round(seriesOf(charts, 'packet-loss', 'video in (2907324897)').values)).toEqual(round([null, 0, 0, 100 / 30]));
    // The audio sender's reports (googRtt changed every poll): packetsLost stayed "109" while 49, 51, 50 were sent.
    expect(seriesOf(charts, 'packet-loss', 'audio out (1228289922) · remote').values).toEqual([null, 0, 0, 0]);
    // The video sender's googRtt "215" and packetsLost "539" never changed: no report after the first, no loss yet.
    expect(seriesOf(charts, 'packet-loss', 'video out (408222511) · remote').values).toEqual([null, null, null, null]);
  });

  it('jitter and round-trip time in ms', () => {
    // googJitterReceived "5", "7", "10", "8" (ms already).
    expect(round(seriesOf(charts, 'jitter', 'audio in (2072792890)').values)).toEqual([5, 7, 10, 8]);
    expect(seriesOf(charts, 'jitter', 'audio out (1228289922) · remote').values).toEqual([0, 0, 0, 0]);
    expect(labels(charts, 'rtt')).toEqual(['audio out (1228289922) · remote', 'video out (408222511) · remote', 'ICE (selected pair)']);
    expect(round(seriesOf(charts, 'rtt', 'audio out (1228289922) · remote').values)).toEqual([213, 218, 212, 216]);
    expect(round(seriesOf(charts, 'rtt', 'video out (408222511) · remote').values)).toEqual([215, 215, 215, 215]);
    expect(round(seriesOf(charts, 'rtt', 'ICE (selected pair)').values)).toEqual([229, 229, 229, 225]);
  });

  it('frames per second, resolution (height, width alongside), quality limitation', () => {
    // googFrameRateInput, googFrameRateSent, googFrameRateDecoded.
    expect(seriesOf(charts, 'fps', 'video capture (out 408222511)').values).toEqual([30, 30, 30, 31]);
    expect(seriesOf(charts, 'fps', 'video out (408222511)').values).toEqual([30, 30, 28, 29]);
    expect(seriesOf(charts, 'fps', 'video in (2907324897)').values).toEqual([28, 25, 23, 27]);
    const sent = seriesOf(charts, 'resolution', 'video out (408222511)');
    expect(sent.values).toEqual([540, 540, 540, 540]);
    expect(sent.aux).toEqual([960, 960, 960, 960]);
    const received = seriesOf(charts, 'resolution', 'video in (2907324897)');
    expect(received.values).toEqual([180, 180, 180, 180]);
    expect(received.aux).toEqual([320, 320, 320, 320]);
    // googCpuLimitedResolution "true".
    expect(seriesOf(charts, 'quality-limitation', 'video out (408222511)').values.map((v) => QUALITY_LIMITATION_REASONS[v!])).toEqual(['cpu', 'cpu', 'cpu', 'cpu']);
  });

  it('available outgoing bitrate from the bandwidth estimate, in kbit/s; no incoming one while it says 0', () => {
    // googAvailableSendBandwidth "3092695" bit/s; googAvailableReceiveBandwidth "0".
    expect(labels(charts, 'available-bitrate')).toEqual(['outgoing (selected pair)']);
    expect(seriesOf(charts, 'available-bitrate', 'outgoing (selected pair)').values).toEqual([3092.695, 3092.695, 3092.695, 3092.695]);
  });

  it('audio level: RMS √(ΔtotalAudioEnergy / ΔtotalSamplesDuration), capture and playout', () => {
    expect(round(seriesOf(charts, 'audio-level', 'audio in (2072792890)').values)).toEqual(round([
      null,
      Math.sqrt((0.00865447 - 0.00860457) / (87.77 - 86.76)),
      Math.sqrt((0.00910726 - 0.00865447) / (88.76 - 87.77)),
      Math.sqrt((0.00914072 - 0.00910726) / (89.76 - 88.76)),
    ]));
    expect(round(seriesOf(charts, 'audio-level', 'audio capture (out 1228289922)').values)).toEqual(round([
      null,
      Math.sqrt((5.00368e-6 - 4.53799e-6) / (92.37 - 91.36)),
      Math.sqrt((5.08728e-6 - 5.00368e-6) / (93.36 - 92.37)),
      Math.sqrt((2.64263e-5 - 5.08728e-6) / (94.36 - 93.36)),
    ]));
  });

  it('without the energy counters, the reported level scaled from 0…32767 to 0…1', () => {
    const { charts: levels } = buildDefaultCharts(samplesToColumns(polls((p) => {
      for (const poll of p) {
        delete poll.report[AUDIO_IN].totalAudioEnergy;
        delete poll.report[AUDIO_IN].totalSamplesDuration;
      }
    })));
    // audioOutputLevel "188", "236", "232", "302".
    expect(seriesOf(levels, 'audio-level', 'audio in (2072792890)').values).toEqual([188 / 32767, 236 / 32767, 232 / 32767, 302 / 32767]);
  });
});

describe('default charts of legacy stats: no value across gaps, resets, bad strings and stale polls', () => {
  it('a stats gap: no rate across it', () => {
    const { charts, x } = buildDefaultCharts(samplesToColumns(polls((p) => {
      // 60 s later from the third poll on (a throttled tab), the objects' own timestamps with it.
      for (const poll of p.slice(2)) {
        poll.t += 60_000;
        for (const o of Object.values(poll.report)) if (typeof o.timestamp === 'number') o.timestamp += 60_000;
      }
    })));
    const model = new ChartModel();
    model.update(samplesToColumns(polls((p) => {
      for (const poll of p.slice(2)) poll.t += 60_000;
    })), 0);
    expect(model.gapRows).toEqual([2]);
    expect(x[2] - x[1]).toBeCloseTo(60.996, 3);
    expect(seriesOf(charts, 'bitrate-send', 'video out (408222511)').values).toEqual([null, kbit(13197348 - 12965524, DT[0]), null, kbit(13599840 - 13375418, DT[2])]);
    expect(seriesOf(charts, 'bitrate-send', 'connection total (selected pair)').values[2]).toBeNull();
  });

  it('a counter that went backwards (reset): no value, then rates of the new counter', () => {
    const { charts } = buildDefaultCharts(samplesToColumns(polls((p) => {
      p[2].report[VIDEO_OUT].bytesSent = '100';
      p[3].report[VIDEO_OUT].bytesSent = '5100';
    })));
    expect(seriesOf(charts, 'bitrate-send', 'video out (408222511)').values).toEqual([null, kbit(13197348 - 12965524, DT[0]), null, kbit(5000, DT[2])]);
  });

  it('an empty or non-numeric string is no value, not 0 (no drop to 0, no jump from 0)', () => {
    const { charts } = buildDefaultCharts(samplesToColumns(polls((p) => {
      p[1].report[VIDEO_OUT].bytesSent = '';
      p[2].report[AUDIO_OUT].googRtt = 'n/a';
      p[2].report[AUDIO_IN].googJitterReceived = '';
    })));
    expect(seriesOf(charts, 'bitrate-send', 'video out (408222511)').values).toEqual([null, null, null, kbit(13599840 - 13375418, DT[2])]);
    expect(round(seriesOf(charts, 'rtt', 'audio out (1228289922) · remote').values)).toEqual([213, 218, null, 216]);
    expect(round(seriesOf(charts, 'jitter', 'audio in (2072792890)').values)).toEqual([5, 7, null, 8]);
  });

  it('a poll that did not update a stream (its timestamp did not advance) is no sample of it', () => {
    const { charts } = buildDefaultCharts(samplesToColumns(polls((p) => {
      p[2].report[AUDIO_IN] = structuredClone(p[1].report[AUDIO_IN]);
    })));
    // As for an object missing from a poll: nothing there, and no rate on its return (as Chromium derives them).
    expect(seriesOf(charts, 'bitrate-receive', 'audio in (2072792890)').values).toEqual([null, kbit(832571 - 823389, DT[0]), null, null]);
    expect(round(seriesOf(charts, 'jitter', 'audio in (2072792890)').values)).toEqual([5, 7, null, 8]);
  });

  it('a stream that never carried media has no series; one that starts later gets its series then', () => {
    const samples = polls((p) => {
      for (const poll of p.slice(0, 2)) Object.assign(poll.report[VIDEO_IN], { bytesReceived: '0', packetsReceived: '0', framesDecoded: '0' });
    });
    const model = new ChartModel();
    const columns = emptyStatsColumns();
    appendSamples(columns, samples.slice(0, 2));
    model.update(columns, 0);
    expect(labels(model.charts, 'bitrate-receive')).toEqual(['audio in (2072792890)', 'connection total (selected pair)']);
    appendSamples(columns, samples.slice(2));
    expect(model.update(columns, 2)).toEqual({ structural: true, fromRow: 2 });
    expect(labels(model.charts, 'bitrate-receive')).toEqual(['audio in (2072792890)', 'video in (2907324897)', 'connection total (selected pair)']);
    // Its first poll with media has no previous one: the rate starts at the next.
    expect(seriesOf(model.charts, 'bitrate-receive', 'video in (2907324897)').values).toEqual([null, null, null, kbit(3562840 - 3549884, DT[2])]);
  });
});

describe('default charts of legacy stats: incremental', () => {
  it('appending poll by poll equals a full rebuild, series grown in place', () => {
    const samples = polls();
    const full = new ChartModel();
    full.update(samplesToColumns(samples), 0);
    const model = new ChartModel();
    const columns = emptyStatsColumns();
    appendSamples(columns, samples.slice(0, 2));
    model.update(columns, 0);
    const video = seriesOf(model.charts, 'bitrate-send', 'video out (408222511)');
    for (let i = 2; i < samples.length; i++) {
      appendSamples(columns, [samples[i]]);
      expect(model.update(columns, i)).toEqual({ structural: false, fromRow: i });
    }
    expect(seriesOf(model.charts, 'bitrate-send', 'video out (408222511)')).toBe(video);
    expect(model.x).toEqual(full.x);
    expect(model.charts.map((c) => c.signature)).toEqual(full.charts.map((c) => c.signature));
    model.charts.forEach((chart, i) => chart.series.forEach((s, j) => {
      expect(s.values, `${chart.id} ${s.label}`).toEqual(full.charts[i].series[j].values);
      expect(s.aux).toEqual(full.charts[i].series[j].aux);
    }));
  });

  it('a legacy field charted from the stats table is charted by its parsed value (or its rate)', () => {
    const model = new ChartModel({
      extraFields: [
        { statsId: VIDEO_OUT, field: 'googAvgEncodeMs' }, { statsId: VIDEO_OUT, field: 'bytesSent' }, { statsId: 'bweforvideo', field: 'googTransmitBitrate' },
      ],
    });
    model.update(samplesToColumns(polls()), 0);
    const extras = model.charts.filter((c) => c.extra);
    expect(extras.map((c) => c.series[0].values)).toEqual([
      LEGACY_POLLS.map((p) => Number(p.report[VIDEO_OUT].googAvgEncodeMs)),
      [null, kbit(13197348 - 12965524, DT[0]), kbit(13375418 - 13197348, DT[1]), kbit(13599840 - 13375418, DT[2])],
      LEGACY_POLLS.map((p) => Number(p.report.bweforvideo.googTransmitBitrate)),
    ]);
    expect(extras.map((c) => c.series[0].label)).toEqual(['video out (408222511)', 'video out (408222511)', 'VideoBwe bweforvideo']);
    expect(extras[2].unit).toBe('bit/s');
  });
});

const CALL = `${CORPUS_DIR}/dumps/rtcstats-legacy/24a93962-f981-43b4-8501-48e43f91a4e0`;

describe.skipIf(!existsSync(CALL))('the corpus call 24a93962-… (plan-b SFU, legacy stats only) through the importer', () => {
  const median = (values: (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    return known[known.length >> 1];
  };
  const [bundle] = importDump('24a93962-f981-43b4-8501-48e43f91a4e0', new Uint8Array(readFileSync(CALL))).bundles;
  const pc = bundle.pcs.find((p) => p.fileId === 'PC_0')!;
  const columns = pcColumns(bundle, pc.pcId);

  it('charts bitrates, RTT, loss, fps, resolution and the bandwidth estimate with plausible values', () => {
    const stored = JSON.stringify(columns);
    const { x, charts } = buildDefaultCharts(columns);
    expect(x).toHaveLength(572);
    expect(charts.map((c) => c.id)).toEqual(LEGACY_CHARTS);
    const video = seriesOf(charts, 'bitrate-send', 'video out (408222511)').values;
    expect(video.filter((v) => v !== null).length).toBeGreaterThan(550);
    // A 720p/540p VP8 sender: 1–3 Mbit/s most of the time (the bandwidth estimate says 3 Mbit/s).
    expect(median(video)).toBeGreaterThan(1000);
    expect(median(video)).toBeLessThan(3000);
    // Opus: ~70 kbit/s of payload.
    expect(median(seriesOf(charts, 'bitrate-send', 'audio out (1228289922)').values)).toBeGreaterThan(30);
    expect(median(seriesOf(charts, 'bitrate-send', 'audio out (1228289922)').values)).toBeLessThan(120);
    // The SFU's streams: only the SSRCs that carried media (14 of 36 signalled), each with values.
    const received = charts.find((c) => c.id === 'bitrate-receive')!.series;
    expect(received).toHaveLength(15);
    for (const s of received) expect(s.values.some((v) => v !== null && v > 0), s.label).toBe(true);
    // RTT to the SFU (us-west) ~220 ms, from STUN and from the receiver reports alike.
    for (const label of ['ICE (selected pair)', 'audio out (1228289922) · remote', 'video out (408222511) · remote']) {
      const rtt = seriesOf(charts, 'rtt', label).values;
      expect(rtt.filter((v) => v !== null).length, label).toBeGreaterThan(550);
      expect(median(rtt), label).toBeGreaterThan(200);
      expect(median(rtt), label).toBeLessThan(240);
    }
    expect(median(seriesOf(charts, 'available-bitrate', 'outgoing (selected pair)').values)).toBeGreaterThan(2000);
    expect(median(seriesOf(charts, 'fps', 'video out (408222511)').values)).toBeGreaterThan(20);
    expect(median(seriesOf(charts, 'resolution', 'video out (408222511)').values)).toBe(540);
    for (const s of charts.find((c) => c.id === 'packet-loss')!.series) {
      for (const v of s.values) if (v !== null) expect(v >= 0 && v <= 100, s.label).toBe(true);
    }
    // The stored columns are still the file's strings.
    expect(JSON.stringify(columns)).toBe(stored);
  });

  it('the connection header and the candidate-pair table and timeline read the same view: the selected pair', () => {
    const stored = JSON.stringify(columns);
    const session = { session: bundle.session, pcs: bundle.pcs, events: bundle.events, stats: { [pc.pcId]: columns } } as unknown as SessionData;
    const header = connectionHeader(session, pc.pcId);
    expect(header.selectedPairs).toHaveLength(1);
    const table = candidatePairTable(columns);
    const selected = table.filter((r) => r.selected);
    expect(selected).toHaveLength(1);
    expect(selected[0].id).toBe(header.selectedPairs[0].id);
    // A relay (TURN over TLS to the SFU's TURN server, the config's turns: URL) or the SFU's own address: some type.
    expect(selected[0].local?.candidateType).toMatch(/^(host|srflx|prflx|relay)$/);
    expect(selected[0].currentRoundTripTime).toBeGreaterThan(0.2);
    const timeline = candidatePairTimeline(columns);
    expect(timeline.selected.length).toBeGreaterThan(0);
    expect(JSON.stringify(columns)).toBe(stored);
  });

  it('the same charts from the chunks the store keeps', () => {
    const fromChunks = emptyStatsColumns();
    appendStatsChunks(fromChunks, encodeStatsColumns(columns).chunks.map((c) => c.data));
    const direct = buildDefaultCharts(columns);
    const stored = buildDefaultCharts(fromChunks);
    expect(stored.x).toEqual(direct.x);
    expect(stored.charts.map((c) => c.signature)).toEqual(direct.charts.map((c) => c.signature));
    stored.charts.forEach((chart, i) => chart.series.forEach((s, j) => expect(s.values, `${chart.id} ${s.label}`).toEqual(direct.charts[i].series[j].values)));
  });
});

describe.skipIf(!existsSync(CALL))('the corpus call 24a93962-…: its candidate pairs', () => {
  it("names the legacy connections that pair the same two addresses by their id (Chrome kept Conn-audio-1-3, -4 and -9 alive together)", () => {
    const [bundle] = importDump('24a93962-f981-43b4-8501-48e43f91a4e0', new Uint8Array(readFileSync(CALL))).bundles;
    const pc = bundle.pcs.find((p) => p.fileId === 'PC_0')!;
    const rows = candidatePairTable(pcColumns(bundle, pc.pcId));
    expect(rows).toHaveLength(10);
    expect([...pairsSharingEndpoints(rows)].sort()).toEqual(['Conn-audio-1-1', 'Conn-audio-1-2', 'Conn-audio-1-3', 'Conn-audio-1-4', 'Conn-audio-1-7', 'Conn-audio-1-8', 'Conn-audio-1-9']);
    // The selected pair and the pairs of their own endpoints keep their plain labels.
    const lanes = candidatePairTimeline(pcColumns(bundle, pc.pcId)).pairs;
    const labels = new Set(lanes.map((l) => l.label));
    expect(labels.size).toBe(lanes.length);
  });
});
