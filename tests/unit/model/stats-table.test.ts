import { describe, expect, it } from 'vitest';
import { appendSamples, samplesToColumns } from '../../../lib/model/stats-columns';
import { buildStatsTable, filterStatsTable, objectAt, objectsAt, presentAt } from '../../../lib/model/stats-table';
import { columnsOf, getStatsColumns, getStatsReport } from '../../fixtures/session-builders';
import { LEGACY_IDS, legacyPolls } from '../../fixtures/legacy-goog-stats';

describe('buildStatsTable', () => {
  it('groups Chromium 156 pc2 (receiver) in debugging order', () => {
    const groups = buildStatsTable(getStatsColumns('chromium156.json', 'pc2'));
    expect(groups.map((g) => g.title)).toEqual([
      'inbound-rtp (audio)',
      'inbound-rtp (video)',
      'remote-outbound-rtp',
      'candidate-pair',
      'local-candidate',
      'remote-candidate',
      'transport',
      'codec',
      'data-channel',
      'media-playout',
      'peer-connection',
      'certificate',
    ]);
    const total = groups.reduce((n, g) => n + g.objects.length, 0);
    expect(total).toBe(Object.keys(getStatsReport('chromium156.json', 'pc2')).length);
  });

  it('groups Chromium 156 pc1 (sender): outbound audio before video, then remote-inbound', () => {
    const groups = buildStatsTable(getStatsColumns('chromium156.json', 'pc1'));
    expect(groups.slice(0, 3).map((g) => [g.title, g.objects.map((o) => o.id)])).toEqual([
      ['outbound-rtp (audio)', ['OT01A3630373197']],
      ['outbound-rtp (video)', ['OT01V893251156']],
      ['remote-inbound-rtp', ['RIA3630373197', 'RIV893251156']],
    ]);
    expect(groups.map((g) => g.type)).toContain('media-source');
  });

  it('lists fields with latest values, marks numbers chartable but not type or timestamps', () => {
    const groups = buildStatsTable(getStatsColumns('chromium156.json', 'pc1'));
    const video = groups.find((g) => g.key === 'outbound-rtp:video')!.objects[0];
    expect(video.label).toBe('video ssrc 893251156 mid 1');
    const field = (name: string) => video.fields.find((f) => f.name === name);
    expect(field('type')).toBeUndefined();
    expect(field('bytesSent')).toEqual({ name: 'bytesSent', value: 911958, numeric: true });
    expect(field('framesPerSecond')?.numeric).toBe(true);
    expect(field('timestamp')?.numeric).toBe(false);
    // Identifiers are numbers but no measurements: no chart offered.
    for (const name of ['ssrc', 'rtxSsrc', 'encodingIndex']) {
      expect(field(name), name).toBeDefined();
      expect(field(name)?.numeric, name).toBe(false);
    }
    expect(field('qualityLimitationReason')).toEqual({ name: 'qualityLimitationReason', value: 'none', numeric: false });
    expect(field('qualityLimitationDurations')?.numeric).toBe(false);
    expect(field('active')).toEqual({ name: 'active', value: true, numeric: false });
    // Field order is the report's order.
    expect(video.fields.slice(0, 3).map((f) => f.name)).toEqual(['timestamp', 'codecId', 'kind']);
  });

  it('Firefox 153 shapes: hex ids, {uuid} peer-connection, no media-playout', () => {
    const groups = buildStatsTable(getStatsColumns('firefox153.json', 'pc2'));
    expect(groups.map((g) => g.title)).toEqual([
      'inbound-rtp (audio)',
      'inbound-rtp (video)',
      'remote-outbound-rtp',
      'candidate-pair',
      'local-candidate',
      'remote-candidate',
      'transport',
      'codec',
      'data-channel',
      'peer-connection',
    ]);
    expect(groups.find((g) => g.type === 'peer-connection')!.objects[0].id).toBe('{1c0926f6-90e5-4c50-a91a-0745e74cd0af}');
    const pair = groups.find((g) => g.type === 'candidate-pair')!.objects[0];
    expect(pair.fields.find((f) => f.name === 'selected')).toEqual({ name: 'selected', value: true, numeric: false });
  });

  it('reads the latest row only: objects gone from the last sample are not listed, new fields are', () => {
    const first = getStatsReport('chromium156.json', 'pc1');
    const second = structuredClone(first);
    delete second.D1;
    (second.OT01A3630373197 as Record<string, unknown>).bytesSent = 50000;
    const columns = columnsOf([first, second]);
    const groups = buildStatsTable(columns);
    expect(groups.some((g) => g.type === 'data-channel')).toBe(false);
    const audio = groups.find((g) => g.key === 'outbound-rtp:audio')!.objects[0];
    expect(audio.fields.find((f) => f.name === 'bytesSent')?.value).toBe(50000);
    expect(presentAt(columns, 'D1', 0)).toBe(true);
    expect(presentAt(columns, 'D1', 1)).toBe(false);
    expect(objectAt(columns, 'D1', 1)).toBeNull();
    expect(objectsAt(columns, 1)).toHaveLength(Object.keys(second).length);
  });

  it('puts unknown types last, alphabetically, and is empty without samples', () => {
    const columns = columnsOf([{ Z: { type: 'zeta', timestamp: 1, x: 1 }, A: { type: 'alpha', timestamp: 1 }, T: { type: 'transport', timestamp: 1 } }]);
    expect(buildStatsTable(columns).map((g) => g.title)).toEqual(['transport', 'alpha', 'zeta']);
    expect(buildStatsTable(undefined)).toEqual([]);
    expect(buildStatsTable(columnsOf([]))).toEqual([]);
  });

  it('follows appended samples (the same columns object grows in place)', () => {
    const columns = getStatsColumns('chromium156.json', 'pc1');
    const next = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (next.T01 as Record<string, unknown>).dtlsState = 'closed';
    appendSamples(columns, [{ index: 1, t: 1_002_000, report: next }]);
    const transport = buildStatsTable(columns).find((g) => g.type === 'transport')!.objects[0];
    expect(transport.fields.find((f) => f.name === 'dtlsState')?.value).toBe('closed');
  });
});

describe('filterStatsTable', () => {
  const groups = buildStatsTable(getStatsColumns('chromium156.json', 'pc1'));

  it('by field name keeps only matching fields', () => {
    const out = filterStatsTable(groups, 'framesPerSecond');
    expect(out.map((g) => g.title)).toEqual(['outbound-rtp (video)', 'media-source']);
    expect(out[0].objects[0].fields.map((f) => f.name)).toEqual(['framesPerSecond']);
  });

  it('by id or type keeps whole objects/groups; case-insensitive; empty text keeps all', () => {
    const byId = filterStatsTable(groups, 'ria3630373197');
    // The object itself, whole; and the outbound stream that points to it, with just that field.
    expect(byId.map((g) => g.title)).toEqual(['outbound-rtp (audio)', 'remote-inbound-rtp']);
    expect(byId[0].objects[0].fields.map((f) => f.name)).toEqual(['remoteId']);
    expect(byId[1].objects.map((o) => o.id)).toEqual(['RIA3630373197']);
    expect(byId[1].objects[0].fields.length).toBeGreaterThan(5);
    expect(filterStatsTable(groups, 'TRANSPORT').map((g) => g.type)).toContain('transport');
    expect(filterStatsTable(groups, '  ')).toBe(groups);
    expect(filterStatsTable(groups, 'no-such-thing-anywhere')).toEqual([]);
  });

  it('by value', () => {
    const out = filterStatsTable(groups, 'SRTP_AES128');
    expect(out.map((g) => g.type)).toEqual(['transport']);
    expect(out[0].objects[0].fields.map((f) => f.name)).toEqual(['srtpCipher']);
  });
});

describe('buildStatsTable: Chrome\'s legacy (goog) stats', () => {
  it('marks numbers given as strings chartable (the charts parse them), but not words, ids, empty strings or SSRCs', () => {
    const groups = buildStatsTable(samplesToColumns(legacyPolls((p) => {
      p[3].report[LEGACY_IDS.videoOut].googAvgEncodeMs = '';
    })));
    const object = (id: string) => groups.flatMap((g) => g.objects).find((o) => o.id === id)!;
    const numeric = (id: string, name: string) => object(id).fields.find((f) => f.name === name)?.numeric;
    expect(object(LEGACY_IDS.videoOut).fields.find((f) => f.name === 'bytesSent')).toEqual({ name: 'bytesSent', value: '13599840', numeric: true });
    expect(numeric(LEGACY_IDS.videoOut, 'googRtt')).toBe(true);
    expect(numeric(LEGACY_IDS.videoOut, 'googAvgEncodeMs')).toBe(false);
    expect(numeric(LEGACY_IDS.videoOut, 'googCodecName')).toBe(false);
    expect(numeric(LEGACY_IDS.videoOut, 'googCpuLimitedResolution')).toBe(false);
    expect(numeric(LEGACY_IDS.videoOut, 'ssrc')).toBe(false);
    expect(numeric(LEGACY_IDS.videoOut, 'timestamp')).toBe(false);
    expect(numeric(LEGACY_IDS.audioIn, 'totalAudioEnergy')).toBe(true);
    expect(numeric('bweforvideo', 'googAvailableSendBandwidth')).toBe(true);
    expect(numeric(LEGACY_IDS.pair, 'localCandidateId')).toBe(false);
  });
});

describe('record fields', () => {
  it('lists each numeric key of a record (qualityLimitationDurations) as a chartable row after it', () => {
    const groups = buildStatsTable(
      samplesToColumns([{ index: 0, t: 1000, report: { O: { type: 'outbound-rtp', timestamp: 1000, kind: 'video', qualityLimitationDurations: { none: 9.5, bandwidth: 0.5, cpu: 0, other: 0 } } } }]),
    );
    const fields = groups[0].objects[0].fields.map((f) => [f.name, f.value, f.numeric]);
    const at = fields.findIndex(([name]) => name === 'qualityLimitationDurations');
    expect(fields.slice(at, at + 5)).toEqual([
      ['qualityLimitationDurations', { none: 9.5, bandwidth: 0.5, cpu: 0, other: 0 }, false],
      ['qualityLimitationDurations.none', 9.5, true],
      ['qualityLimitationDurations.bandwidth', 0.5, true],
      ['qualityLimitationDurations.cpu', 0, true],
      ['qualityLimitationDurations.other', 0, true],
    ]);
  });
});
