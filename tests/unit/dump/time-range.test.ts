/**
 * Times a Date cannot hold (finite, but beyond ±8.64e15 ms): every importer and our own format's reader refuse them
 * with where and why (one check, lib/dump/time-range.ts), and the export helpers that format stored times never
 * throw on one (sessions stored before the check may hold them).
 */
import { describe, expect, it } from 'vitest';
import { strToU8 } from 'fflate';
import { importDump } from '../../../lib/dump/import-dump';
import { DumpError, type SessionBundle } from '../../../lib/dump/session-bundle';
import { readScopeDump, scopeDumpJson } from '../../../lib/dump/format-scope';
import { exportFileName } from '../../../lib/dump/dump-jobs';
import { exportWebrtcInternals } from '../../../lib/dump/export-webrtc-internals';
import { exportCsv } from '../../../lib/dump/export-csv';
import { isoTime, isValidTime, timeProblem } from '../../../lib/dump/time-range';
import { aboutWebrtcPage, bytes, internalsDump, legacyLines, objectSeries, series, v3Lines } from '../../fixtures/dumps/dump-fixtures';
import { edgeBundle } from '../../fixtures/bundles/call-bundle';

const T0 = 1_700_000_000_000;
const TOO_LATE = 1e16;

/** The DumpError of importing `text` (it must throw one). */
function refusal(text: string): DumpError {
  try {
    importDump('f', bytes(text));
  } catch (error) {
    expect(error).toBeInstanceOf(DumpError);
    return error as DumpError;
  }
  throw new Error('imported without an error');
}

/** Every time a bundle shows: the session's, its PCs', its events' and its polls'. */
function bundleTimes(bundle: SessionBundle): number[] {
  const { session } = bundle;
  const times = [session.startedAt, session.lastActivityAt, session.endedAt ?? 0, ...session.frames.map((f) => f.timeOrigin)];
  for (const pc of bundle.pcs) times.push(pc.createdAt, pc.closedAt ?? 0, pc.lastSampleAt ?? 0);
  for (const event of bundle.events) times.push(event.record.t);
  return times;
}

describe('the time check', () => {
  it('accepts the Date range and nothing beyond it', () => {
    expect([0, 8.64e15, T0 + 0.5].every(isValidTime)).toBe(true);
    // Before the epoch too: the page guards refuse such record times, so our own format could not read them back.
    expect([8.64e15 + 1, -1, -1e300, Infinity, NaN, '1', null].some(isValidTime)).toBe(false);
    expect(timeProblem(TOO_LATE)).toBe('timestamp 10000000000000000 is outside the valid time range (epoch ms from 0 to 8640000000000000)');
    expect(timeProblem('x', 'time')).toBe('time is not a number');
  });
});

describe('every importer refuses a time outside the Date range, saying where', () => {
  it('rtcstats legacy: a line time', () => {
    const text = legacyLines([['create', 'PC_0', {}, TOO_LATE], ['onsignalingstatechange', 'PC_0', 'stable', T0]]);
    const error = refusal(text);
    expect(error.where).toBe('line 1');
    expect(error.reason).toMatch(/^timestamp \(4th element\) 10000000000000000 is outside the valid time range/);
    // The valid part alone, with allowPartial: no time of the session is out of range.
    const partial = importDump('f', bytes(text), { allowPartial: true });
    expect(partial.problems).toHaveLength(1);
    expect(bundleTimes(partial.bundles[0]).every(isValidTime)).toBe(true);
  });

  it('rtcstats: a stats object\'s own timestamp and a report timestamp (exports write them as point times)', () => {
    const object = legacyLines([['getstats', 'PC_0', { A: { timestamp: -5, type: 'codec' }, timestamp: T0 }, T0]]);
    expect(refusal(object)).toMatchObject({ where: 'line 1', reason: expect.stringMatching(/^stats object "A" refused: timestamp -5 is outside/) });
    const report = legacyLines([['getstats', 'PC_0', { A: { timestamp: 0, type: 'codec' }, timestamp: TOO_LATE }, T0]]);
    expect(refusal(report)).toMatchObject({ where: 'line 1', reason: expect.stringMatching(/^report timestamp 10000000000000000 is outside/) });
  });

  it('RTCStatsDump: the first line time, a sum of deltas, the metadata startTime', () => {
    expect(refusal(v3Lines({}, [['create', 'PC_0', {}, TOO_LATE]]))).toMatchObject({ where: 'line 3', reason: expect.stringMatching(/^timestamp \(last element\) 10000000000000000 is outside/) });
    const summed = refusal(v3Lines({}, [['create', 'PC_0', {}, T0], ['close', 'PC_0', null, 8.639e15]]));
    expect(summed.where).toBe('line 4');
    expect(summed.reason).toMatch(/^time \(the previous line's plus this delta\) \d+ is outside the valid time range/);
    expect(refusal(v3Lines({ startTime: 1e300 }, [['create', 'PC_0', {}, T0]]))).toMatchObject({ where: 'line 2', reason: expect.stringMatching(/^metadata startTime 1e\+300 is outside/) });
  });

  it('webrtc-internals: update-log times, -timestamp values, getUserMedia times, the download time', () => {
    const log = internalsDump({ '1-1': { updateLog: [{ type: 'createOffer', value: 'null', timestamp: TOO_LATE }] } });
    expect(refusal(log)).toMatchObject({ where: 'PeerConnections["1-1"].updateLog[0].timestamp', reason: expect.stringMatching(/outside the valid time range/) });
    const stats = { ...objectSeries('P', 'peer-connection', [T0, T0 + 1000], { dataChannelsOpened: [0, 1] }), 'P-timestamp': series([T0, 1e300], T0, T0 + 1000, 'peer-connection') };
    expect(refusal(internalsDump({ '1-1': { stats } }))).toMatchObject({ where: 'PeerConnections["1-1"].stats["P-timestamp"].values[1]', reason: expect.stringMatching(/^timestamp 1e\+300 is outside/) });
    const gum = internalsDump({}, { getUserMedia: [{ rid: 1, pid: 1, request_id: 0, request_type: 'getUserMedia', audio: '', timestamp: -1e300 }] });
    expect(refusal(gum)).toMatchObject({ where: 'getUserMedia[0].timestamp' });
    const downloaded = internalsDump({ '1-1': { updateLog: [{ type: 'close', value: '', timestamp: T0 }] } }, { timestamp: 1e300 });
    expect(refusal(downloaded)).toMatchObject({ where: 'timestamp', reason: expect.stringMatching(/^download time 1e\+300 is outside/) });
  });

  it('about:webrtc: the pcid creation time (µs) and SDP history times', () => {
    const pc = { uuid: 'a-b', url: 'https://x.test/', closed: false, now: '2025-01-01T00:00:00Z' };
    expect(refusal(aboutWebrtcPage([{ ...pc, createdUs: 1e20 }]))).toMatchObject({ where: 'peer connection section 1', reason: expect.stringMatching(/^creation time from the pcid 100000000000000000 is outside/) });
    const history = [{ side: 'local' as const, t: 1e300, sdp: 'v=0\r\n' }];
    expect(refusal(aboutWebrtcPage([{ ...pc, createdUs: T0 * 1000, history }]))).toMatchObject({ where: 'peer connection section 1 local SDP history' });
  });

  it('our own format: session, PC, event and poll times, and the export time', () => {
    const doc = () => JSON.parse(scopeDumpJson([edgeBundle()], { extensionVersion: 'x', exportedAt: T0, userAgent: '' })) as Record<string, any>;
    const events = doc().sessions[0].events.length;
    const cases: [string, (d: Record<string, any>) => void][] = [
      ['sessions[0].session.startedAt', (d) => (d.sessions[0].session.startedAt = 1e300)],
      ['sessions[0].session.frames[0].timeOrigin', (d) => (d.sessions[0].session.frames[0].timeOrigin = -1e300)],
      ['sessions[0].pcs[0].closedAt', (d) => (d.sessions[0].pcs[0].closedAt = TOO_LATE)],
      [`sessions[0].events[${events}].record.t`, (d) => d.sessions[0].events.push({ seq: events, frame: 0, pcId: null, record: { type: 'file-entry', t: TOO_LATE, value: { name: 'x', text: '' } } })],
      ['sessions[0].stats["0-1"][2].t', (d) => (d.sessions[0].stats['0-1'][2].t = TOO_LATE)],
      ['$.exportedAt', (d) => (d.exportedAt = TOO_LATE)],
      ['sessions[0].stats["0-1"][0].delta.added["T01"].timestamp', (d) => (d.sessions[0].stats['0-1'][0].delta.added.T01.timestamp = -1)],
    ];
    for (const [where, spoil] of cases) {
      const d = doc();
      spoil(d);
      let caught: unknown;
      try {
        readScopeDump('f.json', strToU8(JSON.stringify(d)));
      } catch (error) {
        caught = error;
      }
      expect(caught, where).toBeInstanceOf(DumpError);
      expect(caught).toMatchObject({ where, reason: expect.stringMatching(/^time -?\S+ is outside the valid time range/) });
    }
  });
});

describe('exports of a stored session whose times no Date can hold', () => {
  const spoiled = (): SessionBundle => {
    const bundle = edgeBundle();
    bundle.session.startedAt = 1e300;
    const last = bundle.samples['0-1'].at(-1)!;
    last.t = TOO_LATE;
    for (const object of Object.values(last.report)) object.timestamp = TOO_LATE;
    return bundle;
  };

  it('name the file and write their times without throwing', () => {
    expect(isoTime(TOO_LATE)).toBe('Invalid Date');
    expect(isoTime(T0)).toBe(new Date(T0).toISOString());
    expect(exportFileName([spoiled()], 'webrtc-scope', false)).toMatch(/-unknown-time\.webrtc-scope\.json\.gz$/);
    const dump = JSON.parse(exportWebrtcInternals(spoiled())) as { PeerConnections: Record<string, { stats: Record<string, { endTime: string }> }> };
    expect(Object.values(Object.values(dump.PeerConnections)[0].stats).some((s) => s.endTime === 'Invalid Date')).toBe(true);
    expect(exportCsv(spoiled(), '0-1', [{ statsId: 'T01', field: 'bytesSent' }]).split('\r\n')[4]).toMatch(/^Invalid Date,10000000000000000,/);
  });
});
