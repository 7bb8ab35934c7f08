/**
 * Chrome's legacy ("goog") stats read as standard stats (lib/model/legacy-stats.ts): strict number parsing, each
 * mapping on real legacy objects (tests/fixtures/legacy-goog-stats.ts, four polls of the corpus call 24a93962-…),
 * which streams and polls the view leaves out, incremental growth, and the stored columns left as they were.
 */
import { describe, expect, it } from 'vitest';
import { hasLegacyStats, LegacyStatsView, parseLegacyNumber, standardStatsView } from '../../../lib/model/legacy-stats';
import type { StatsColumns, StatsSample } from '../../../lib/model/session';
import { appendSamples, emptyStatsColumns, samplesToColumns } from '../../../lib/model/stats-columns';
import { LEGACY_IDS, LEGACY_POLLS, legacyPolls } from '../../fixtures/legacy-goog-stats';
import { loadGetStatsFile } from './corpus';

const { videoOut: VIDEO_OUT, audioOut: AUDIO_OUT, audioIn: AUDIO_IN, videoIn: VIDEO_IN, pair: PAIR, idlePair: IDLE_PAIR } = LEGACY_IDS;
const polls = legacyPolls;
const field = (columns: StatsColumns, id: string, name: string) => columns.objects[id]?.fields[name];

describe('parseLegacyNumber', () => {
  it('reads a string that is exactly a decimal number, and nothing else', () => {
    expect(parseLegacyNumber('12965524')).toBe(12965524);
    expect(parseLegacyNumber('-1')).toBe(-1);
    expect(parseLegacyNumber('-30')).toBe(-30);
    expect(parseLegacyNumber('0')).toBe(0);
    expect(parseLegacyNumber('91.36')).toBe(91.36);
    expect(parseLegacyNumber('4.27503e-09')).toBe(4.27503e-9);
    expect(parseLegacyNumber('123456789012345678')).toBe(123456789012345678);
    // Timestamps are numbers already.
    expect(parseLegacyNumber(1593427036755)).toBe(1593427036755);
    // No value, never 0: the empty string (Number('') is 0), words, booleans, padded or partial numbers.
    for (const v of ['', ' ', '-', 'abc', 'true', 'false', ' 12', '12 ', '1.2.3', '0x10', 'NaN', 'Infinity', '1e400']) {
      expect(parseLegacyNumber(v), JSON.stringify(v)).toBeNull();
    }
    expect(parseLegacyNumber(true)).toBeNull();
    expect(parseLegacyNumber(null)).toBeNull();
    expect(parseLegacyNumber(Number.NaN)).toBeNull();
  });
});

describe('LegacyStatsView: the real objects as their standard counterparts', () => {
  const raw = samplesToColumns(polls());
  const view = standardStatsView(raw);

  it('keeps standard columns as they are (the same object)', () => {
    const standard = samplesToColumns([{ index: 0, t: 1, report: loadGetStatsFile('chromium156.json').pc1 }]);
    expect(hasLegacyStats(standard)).toBe(false);
    expect(standardStatsView(standard)).toBe(standard);
    expect(hasLegacyStats(raw)).toBe(true);
    expect(view).not.toBe(raw);
    expect(view.t).toBe(raw.t);
  });

  it('a send ssrc: outbound-rtp with its counters and levels as numbers', () => {
    expect(view.objects[VIDEO_OUT].type).toBe('outbound-rtp');
    const f = (name: string) => field(view, VIDEO_OUT, name);
    expect(f('kind')).toEqual(['video', 'video', 'video', 'video']);
    expect(f('ssrc')).toEqual([408222511, 408222511, 408222511, 408222511]);
    expect(f('bytesSent')).toEqual([12965524, 13197348, 13375418, 13599840]);
    expect(f('packetsSent')).toEqual([14276, 14520, 14712, 14946]);
    expect(f('framesEncoded')).toEqual([5109, 5199, 5280, 5364]);
    expect(f('timestamp')).toEqual([1593427036755, 1593427037759, 1593427038756, 1593427039757]);
    // googFrameRateSent, googFrameWidthSent / googFrameHeightSent.
    expect(f('framesPerSecond')).toEqual([30, 30, 28, 29]);
    expect(f('frameWidth')).toEqual([960, 960, 960, 960]);
    expect(f('frameHeight')).toEqual([540, 540, 540, 540]);
    // googCpuLimitedResolution "true", googBandwidthLimitedResolution "false".
    expect(f('qualityLimitationReason')).toEqual(['cpu', 'cpu', 'cpu', 'cpu']);
    expect(f('pliCount')).toEqual([19, 19, 19, 19]);
    // Other fields kept, numbers parsed, strings and ids as they were.
    expect(f('googAvgEncodeMs')?.every((v) => typeof v === 'number')).toBe(true);
    expect(f('googCodecName')).toEqual(['VP8', 'VP8', 'VP8', 'VP8']);
    expect(f('transportId')).toEqual(['Channel-audio-1', 'Channel-audio-1', 'Channel-audio-1', 'Channel-audio-1']);
    expect(f('mediaSourceId')).toEqual([`${VIDEO_OUT}/source`, `${VIDEO_OUT}/source`, `${VIDEO_OUT}/source`, `${VIDEO_OUT}/source`]);
  });

  it("the peer's receiver reports on a send ssrc: a remote-inbound-rtp whose timestamp moves with each new report", () => {
    const audio = (name: string) => field(view, `${AUDIO_OUT}/remote`, name);
    expect(view.objects[`${AUDIO_OUT}/remote`].type).toBe('remote-inbound-rtp');
    expect(audio('localId')).toEqual([AUDIO_OUT, AUDIO_OUT, AUDIO_OUT, AUDIO_OUT]);
    expect(audio('kind')).toEqual(['audio', 'audio', 'audio', 'audio']);
    expect(audio('packetsLost')).toEqual([109, 109, 109, 109]);
    // googRtt "213", "218", "212", "216" ms; googJitterReceived "0" ms.
    expect(audio('roundTripTime')).toEqual([0.213, 0.218, 0.212, 0.216]);
    expect(audio('jitter')).toEqual([0, 0, 0, 0]);
    // The RTT changed in every poll: a report each time.
    expect(audio('timestamp')).toEqual([1593427036755, 1593427037759, 1593427038756, 1593427039757]);
    // The video sender's RTT ("215") and loss ("539") did not change: one report, at the first poll.
    expect(field(view, `${VIDEO_OUT}/remote`, 'timestamp')).toEqual([1593427036755, 1593427036755, 1593427036755, 1593427036755]);
    expect(field(view, `${VIDEO_OUT}/remote`, 'roundTripTime')).toEqual([0.215, 0.215, 0.215, 0.215]);
  });

  it('the capture side of a send ssrc: a media-source', () => {
    expect(view.objects[`${AUDIO_OUT}/source`].type).toBe('media-source');
    // audioInputLevel "49", "3", "14", "9" of 32767.
    expect(field(view, `${AUDIO_OUT}/source`, 'audioLevel')).toEqual([49 / 32767, 3 / 32767, 14 / 32767, 9 / 32767]);
    expect(field(view, `${AUDIO_OUT}/source`, 'totalSamplesDuration')).toEqual([91.36, 92.37, 93.36, 94.36]);
    expect(field(view, `${VIDEO_OUT}/source`, 'framesPerSecond')).toEqual([30, 30, 30, 31]);
    expect(field(view, `${VIDEO_OUT}/source`, 'height')).toEqual([720, 720, 720, 720]);
  });

  it('a receive ssrc: inbound-rtp, jitter in seconds, decoded frame rate, audio level 0…1', () => {
    expect(view.objects[AUDIO_IN].type).toBe('inbound-rtp');
    expect(field(view, AUDIO_IN, 'jitter')).toEqual([0.005, 0.007, 0.01, 0.008]);
    expect(field(view, AUDIO_IN, 'audioLevel')).toEqual([188 / 32767, 236 / 32767, 232 / 32767, 302 / 32767]);
    expect(field(view, AUDIO_IN, 'packetsLost')).toEqual([13, 13, 13, 13]);
    expect(field(view, VIDEO_IN, 'framesPerSecond')).toEqual([28, 25, 23, 27]);
    expect(field(view, VIDEO_IN, 'frameHeight')).toEqual([180, 180, 180, 180]);
    // No googJitterReceived on received video: no jitter field at all (not a column of nulls).
    expect(field(view, VIDEO_IN, 'jitter')).toBeUndefined();
  });

  it('candidate pairs: the active one selected, its RTT once answered, the bandwidth estimate on it', () => {
    expect(view.objects[PAIR].type).toBe('candidate-pair');
    expect(field(view, PAIR, 'selected')).toEqual([true, true, true, true]);
    expect(field(view, PAIR, 'currentRoundTripTime')).toEqual([0.229, 0.229, 0.229, 0.225]);
    expect(field(view, PAIR, 'availableOutgoingBitrate')).toEqual([3092695, 3092695, 3092695, 3092695]);
    // googAvailableReceiveBandwidth "0": no estimate, no field.
    expect(field(view, PAIR, 'availableIncomingBitrate')).toBeUndefined();
    // The idle pair: googRtt "3000" without any STUN response is ICE's default, not a measurement.
    expect(field(view, IDLE_PAIR, 'selected')).toEqual([false, false, false, false]);
    expect(field(view, IDLE_PAIR, 'currentRoundTripTime')).toBeUndefined();
    expect(field(view, IDLE_PAIR, 'availableOutgoingBitrate')).toBeUndefined();
    // VideoBwe itself keeps its type, its numbers parsed (for a field charted from the stats table).
    expect(view.objects.bweforvideo.type).toBe('VideoBwe');
    expect(field(view, 'bweforvideo', 'googAvailableSendBandwidth')).toEqual([3092695, 3092695, 3092695, 3092695]);
    expect(raw.objects.bweforvideo.fields.googAvailableSendBandwidth[0]).toBe('3092695');
  });

  it('candidates get the standard type names', () => {
    const columns = samplesToColumns([{
      index: 0, t: 1000, report: {
        'Cand-GkM8XxtQ': { type: 'localcandidate', timestamp: 1000, portNumber: '61686', networkType: 'lan', ipAddress: '104.140.52.83', transport: 'udp', candidateType: 'peerreflexive', priority: '1853824767' },
        'Cand-XgLyfUAa': { type: 'remotecandidate', timestamp: 1000, portNumber: '10000', ipAddress: '10.212.4.15', transport: 'udp', candidateType: 'relayed', priority: '2130706431' },
        S: structuredClone(LEGACY_POLLS[0].report[VIDEO_OUT]),
      },
    }]);
    const v = standardStatsView(columns);
    expect(v.objects['Cand-GkM8XxtQ'].type).toBe('local-candidate');
    expect(field(v, 'Cand-GkM8XxtQ', 'candidateType')).toEqual(['prflx']);
    expect(field(v, 'Cand-GkM8XxtQ', 'address')).toEqual(['104.140.52.83']);
    expect(field(v, 'Cand-GkM8XxtQ', 'port')).toEqual([61686]);
    expect(field(v, 'Cand-GkM8XxtQ', 'protocol')).toEqual(['udp']);
    expect(field(v, 'Cand-XgLyfUAa', 'candidateType')).toEqual(['relay']);
  });

  it('leaves the stored columns exactly as they were', () => {
    const columns = samplesToColumns(polls());
    const before = JSON.stringify(columns);
    const v = new LegacyStatsView();
    v.update(columns);
    expect(JSON.stringify(columns)).toBe(before);
    expect(columns.objects[VIDEO_OUT].type).toBe('ssrc');
    expect(columns.objects[VIDEO_OUT].fields.bytesSent[0]).toBe('12965524');
  });
});

describe('LegacyStatsView: what is no value', () => {
  it('a non-numeric or empty string is no value, not 0', () => {
    const view = standardStatsView(samplesToColumns(polls((p) => {
      p[1].report[VIDEO_OUT].bytesSent = '';
      p[2].report[VIDEO_OUT].bytesSent = 'n/a';
      p[1].report[AUDIO_IN].googJitterReceived = '';
      p[2].report[PAIR].googRtt = 'unknown';
    })));
    expect(field(view, VIDEO_OUT, 'bytesSent')).toEqual([12965524, '', 'n/a', 13599840]);
    expect(field(view, AUDIO_IN, 'jitter')).toEqual([0.005, null, 0.01, 0.008]);
    expect(field(view, PAIR, 'currentRoundTripTime')).toEqual([0.229, 0.229, null, 0.225]);
  });

  it('a googRtt of 0 on a sender is no RTT (what video senders report before any)', () => {
    const view = standardStatsView(samplesToColumns(polls((p) => {
      for (const poll of p) poll.report[VIDEO_OUT].googRtt = '0';
    })));
    expect(field(view, `${VIDEO_OUT}/remote`, 'roundTripTime')).toBeUndefined();
  });

  it('frame sizes and rates of 0 are no value (the standard collector leaves them out)', () => {
    const view = standardStatsView(samplesToColumns(polls((p) => {
      p[0].report[VIDEO_IN].googFrameWidthReceived = '0';
      p[0].report[VIDEO_IN].googFrameHeightReceived = '0';
      p[0].report[VIDEO_IN].googFrameRateDecoded = '0';
    })));
    expect(field(view, VIDEO_IN, 'frameHeight')).toEqual([null, 180, 180, 180]);
    expect(field(view, VIDEO_IN, 'framesPerSecond')).toEqual([null, 25, 23, 27]);
  });

  it('a stream joins the view with its first packet; a poll that did not update its report is no sample of it', () => {
    const view = standardStatsView(samplesToColumns(polls((p) => {
      // Signalled but no media yet in the first two polls (the legacy API reports zero counters).
      for (const poll of p.slice(0, 2)) Object.assign(poll.report[VIDEO_IN], { bytesReceived: '0', packetsReceived: '0' });
      // The third poll did not update the audio stream: its report as in the second, timestamp included.
      p[2].report[AUDIO_IN] = structuredClone(p[1].report[AUDIO_IN]);
    })));
    expect(field(view, VIDEO_IN, 'type')).toEqual([null, null, 'inbound-rtp', 'inbound-rtp']);
    expect(field(view, AUDIO_IN, 'type')).toEqual(['inbound-rtp', 'inbound-rtp', null, 'inbound-rtp']);
    expect(field(view, AUDIO_IN, 'jitter')).toEqual([0.005, 0.007, null, 0.008]);
    // A stream that never carried media is not in the view at all.
    const never = standardStatsView(samplesToColumns(polls((p) => {
      for (const poll of p) Object.assign(poll.report[VIDEO_IN], { bytesReceived: '0', packetsReceived: '0' });
    })));
    expect(Object.keys(never.objects)).not.toContain(VIDEO_IN);
  });
});

describe('LegacyStatsView: incremental', () => {
  it('grows the same view in place, row by row, to what a one-shot view gives', () => {
    const samples = polls((p) => {
      for (const poll of p.slice(0, 2)) Object.assign(poll.report[VIDEO_IN], { bytesReceived: '0', packetsReceived: '0' });
    });
    const columns = emptyStatsColumns();
    const view = new LegacyStatsView();
    let first: StatsColumns | undefined;
    for (const s of samples) {
      appendSamples(columns, [s]);
      const v = view.update(columns);
      first ??= v;
      expect(v).toBe(first);
      // Every column as long as the rows.
      for (const o of Object.values(v.objects)) for (const c of Object.values(o.fields)) expect(c.length).toBe(columns.t.length);
    }
    const once = standardStatsView(samplesToColumns(samples));
    expect(JSON.parse(JSON.stringify(first))).toEqual(JSON.parse(JSON.stringify(once)));
  });

  it('starts over for other columns, or columns that shrank', () => {
    const view = new LegacyStatsView();
    const a = samplesToColumns(polls());
    const va = view.update(a);
    const b = samplesToColumns(polls().slice(0, 2));
    const vb = view.update(b);
    expect(vb).not.toBe(va);
    expect(vb.t).toBe(b.t);
    expect(field(vb, VIDEO_OUT, 'bytesSent')).toEqual([12965524, 13197348]);
  });

  it('keeps ids the file chose (hostile, or the one a synthetic object would take) apart', () => {
    const samples: StatsSample[] = [0, 1].map((i) => {
      const report: StatsSample['report'] = {
        [VIDEO_OUT]: structuredClone(LEGACY_POLLS[i].report[VIDEO_OUT]),
        // A raw object with the id our synthetic remote would take.
        [`${VIDEO_OUT}/remote`]: { type: 'googTrack', timestamp: 1, googTrackId: 'x' },
      };
      // An ssrc object under a hostile id (not an ssrc_<n>_send|recv id: kept as it is).
      Object.defineProperty(report, '__proto__', { value: structuredClone(LEGACY_POLLS[i].report[AUDIO_IN]), enumerable: true, writable: true, configurable: true });
      return { index: i, t: LEGACY_POLLS[i].t, report };
    });
    const raw = samplesToColumns(samples);
    const view = standardStatsView(raw);
    expect(view.objects[`${VIDEO_OUT}/remote`].type).toBe('googTrack');
    expect(view.objects[`${VIDEO_OUT}/remote_`].type).toBe('remote-inbound-rtp');
    expect(Object.prototype.hasOwnProperty.call(view.objects, '__proto__')).toBe(true);
    expect(view.objects['__proto__' as string]).toBe(raw.objects['__proto__' as string]);
    expect(Object.getPrototypeOf(view.objects)).toBe(Object.prototype);
  });
});
