import { describe, expect, it } from 'vitest';
import { codecText, connectionHeader, connectionHeaderKey, latestStates, tlsVersionName } from '../../../lib/model/connection-header';
import { appendSamples, samplesToColumns } from '../../../lib/model/stats-columns';
import { legacyPolls } from '../../fixtures/legacy-goog-stats';
import { CHROME_PAIR, columnsOf, EventStream, getStatsColumns, getStatsReport, internalsCallSession, makePc, makeSession } from '../../fixtures/session-builders';

describe('connectionHeader', () => {
  it('Chromium 156 sender: DTLS, the selected pair, codecs sent', () => {
    const data = makeSession({ pcs: [makePc('0-1', 1_000_500)], stats: { '0-1': getStatsColumns('chromium156.json', 'pc1') } });
    const h = connectionHeader(data, '0-1');
    expect(h.dtls).toEqual([
      {
        transportId: 'T01',
        state: 'connected',
        role: 'server',
        tlsVersion: 'FEFC',
        dtlsCipher: 'TLS_AES_128_GCM_SHA256',
        srtpCipher: 'SRTP_AES128_CM_HMAC_SHA1_80',
        iceState: 'connected',
        iceRole: 'controlling',
      },
    ]);
    expect(tlsVersionName('FEFC')).toBe('DTLS 1.3');
    expect(tlsVersionName('fefd')).toBe('DTLS 1.2');
    expect(h.selectedPairs).toHaveLength(1);
    expect(h.selectedPairs[0]).toMatchObject({ id: 'CPaVtnq1Mq_RO1jwMwM', state: 'succeeded', currentRoundTripTime: 0.001, availableOutgoingBitrate: 4092923 });
    expect(h.selectedPairs[0].local).toMatchObject({ candidateType: 'host', protocol: 'udp', address: '127.0.0.1', port: 50274, networkType: 'unknown' });
    expect(h.selectedPairs[0].remote).toMatchObject({ candidateType: 'host', address: '127.0.0.1', port: 36220 });
    expect(h.codecs.map((c) => [c.mimeType, c.directions, c.kind])).toEqual([
      ['audio/opus', ['send'], 'audio'],
      ['video/VP8', ['send'], 'video'],
    ]);
    expect(codecText(h.codecs[0])).toBe('audio/opus PT 111 48000 Hz 2 ch (minptime=10;useinbandfec=1)');
    expect(h.createdAt).toBe(1_000_500);
    expect(h.closedAt).toBeNull();
    expect(h.sampleT).toBe(1_001_000);
  });

  it('Chromium 156 receiver: codecs received', () => {
    const data = makeSession({ pcs: [makePc('0-2', 1)], stats: { '0-2': getStatsColumns('chromium156.json', 'pc2') } });
    const h = connectionHeader(data, '0-2');
    expect(h.codecs.map((c) => [c.id, c.directions])).toEqual([
      ['CIT01_111_minptime=10;useinbandfec=1', ['recv']],
      ['CIT01_96', ['recv']],
    ]);
    expect(h.dtls[0].role).toBe('client');
  });

  it('Firefox 153: prflx remote, GCM SRTP, codecs with fmtp', () => {
    const data = makeSession({ pcs: [makePc('0-1', 1)], stats: { '0-1': getStatsColumns('firefox153.json', 'pc1') } });
    const h = connectionHeader(data, '0-1');
    expect(h.dtls[0]).toMatchObject({ state: 'connected', srtpCipher: 'SRTP_AEAD_AES_128_GCM', role: 'server' });
    expect(h.selectedPairs.map((p) => [p.id, p.remote?.candidateType, p.local?.address])).toEqual([['3dda5d61', 'prflx', '10.213.0.1']]);
    expect(h.codecs.map((c) => [c.mimeType, c.sdpFmtpLine, c.payloadType])).toEqual([
      ['audio/opus', 'maxplaybackrate=48000;stereo=1;useinbandfec=1', 109],
      ['video/VP8', 'max-fs=12288;max-fr=60', 120],
    ]);
  });

  it('Firefox without the transport pointer: the pair flagged selected', () => {
    const report = structuredClone(getStatsReport('firefox153.json', 'pc2'));
    delete (report.f589de65 as Record<string, unknown>).selectedCandidatePairId;
    const columns = getStatsColumns('firefox153.json', 'pc2');
    appendSamples(columns, [{ index: 1, t: 1_002_000, report }]);
    const h = connectionHeader(makeSession({ pcs: [makePc('0-2', 1)] }), '0-2', columns);
    expect(h.selectedPairs.map((p) => p.id)).toEqual(['5ab3b555']);
    expect(h.sampleT).toBe(1_002_000);
  });

  it('reads the latest sample: a later sample with DTLS closed wins', () => {
    const columns = getStatsColumns('chromium156.json', 'pc1');
    const next = structuredClone(getStatsReport('chromium156.json', 'pc1'));
    (next.T01 as Record<string, unknown>).dtlsState = 'closed';
    appendSamples(columns, [{ index: 1, t: 1_002_000, report: next }]);
    expect(connectionHeader(makeSession({ pcs: [makePc('0-1', 1)] }), '0-1', columns).dtls[0].state).toBe('closed');
  });

  it('states: the latest state events win over the summary; the summary fills the rest', () => {
    const events = new EventStream()
      .created('0-1', 10)
      .event('0-1', 20, 'iceconnectionstatechange', 'checking')
      .event('0-2', 21, 'iceconnectionstatechange', 'failed')
      .event('0-1', 30, 'iceconnectionstatechange', 'connected')
      .event('0-1', 40, 'connectionstatechange', 'failed').events;
    const pc = makePc('0-1', 10, { signalingState: 'have-local-offer', iceConnectionState: 'new', connectionState: 'new', iceGatheringState: 'complete' });
    expect(latestStates(pc, events, '0-1')).toEqual({
      signalingState: 'have-local-offer',
      iceConnectionState: 'connected',
      iceGatheringState: 'complete',
      connectionState: 'failed',
    });
    // Without a summary: defaults for what no event said.
    expect(latestStates(undefined, events, '0-1')).toMatchObject({ signalingState: 'stable', iceGatheringState: 'new' });
  });

  it('a PC without samples: states and times only; creation time from the pc-created record when no summary', () => {
    const events = new EventStream().created('0-3', 1234).events;
    const h = connectionHeader(makeSession({ events }), '0-3');
    expect(h).toMatchObject({ createdAt: 1234, dtls: [], selectedPairs: [], codecs: [], sampleT: null, closedAt: null });
  });

  it('the corpus call: a closed PC is closed, with the states the log left kept as its last ones', () => {
    const data = internalsCallSession();
    expect(connectionHeader(data, '0-1')).toMatchObject({ closed: false, lastStates: null, states: { connectionState: 'connected' } });
    data.pcs[0].closedAt = data.pcs[0].createdAt + 61_000;
    data.pcs[0].closedBy = 'close';
    const h = connectionHeader(data, '0-1');
    expect(h.closed).toBe(true);
    expect(h.states).toEqual({ signalingState: 'closed', iceConnectionState: 'closed', iceGatheringState: 'complete', connectionState: 'closed' });
    expect(h.lastStates).toEqual({ signalingState: 'stable', iceConnectionState: 'connected', iceGatheringState: 'complete', connectionState: 'connected' });
    expect(h.closedAt).toBe(data.pcs[0].createdAt + 61_000);
    expect(h.closedBy).toBe('close');
    expect(h.selectedPairs[0].local?.port).toBe(35265);
  });
});

describe('connectionHeaderKey', () => {
  it('changes with the DTLS state, the selected pair and the codecs, not with RTT or bitrate', () => {
    const base = getStatsReport('chromium156.json', 'pc1');
    const key = (edit: (r: Record<string, Record<string, unknown>>) => void) => {
      const r = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
      edit(r);
      return connectionHeaderKey(columnsOf([r as never]));
    };
    const same = key(() => undefined);
    expect(same).not.toBe('');
    expect(key((r) => ((r[CHROME_PAIR].currentRoundTripTime = 0.9), (r[CHROME_PAIR].availableOutgoingBitrate = 1)))).toBe(same);
    expect(key((r) => (r.T01.dtlsState = 'failed'))).not.toBe(same);
    expect(key((r) => (r.T01.selectedCandidatePairId = 'other'))).not.toBe(same);
    expect(
      key((r) => {
        for (const obj of Object.values(r)) if (obj.type === 'outbound-rtp') obj.codecId = 'another';
      }),
    ).not.toBe(same);
    expect(connectionHeaderKey(getStatsColumns('chromium156.json', 'pc1'))).toBe(same);
  });
});

describe('legacy ("goog") stats', () => {
  it('name the codecs in use from the streams\' googCodecName (no codec objects), and the key follows them', () => {
    const columns = samplesToColumns(legacyPolls());
    const h = connectionHeader(makeSession({ pcs: [makePc('0-1', 1)], stats: { '0-1': columns } }), '0-1');
    // The corpus call 24a93962-…: opus both ways, VP8 both ways (ssrc_*_send / ssrc_*_recv).
    expect(h.codecs.map((c) => [codecText(c), c.directions])).toEqual([
      ['audio/opus', ['send', 'recv']],
      ['video/VP8', ['send', 'recv']],
    ]);
    const renamed = samplesToColumns(
      legacyPolls((polls) => {
        for (const p of polls) for (const o of Object.values(p.report)) if ((o as Record<string, unknown>).googCodecName === 'VP8') (o as Record<string, unknown>).googCodecName = 'H264';
      }),
    );
    expect(connectionHeaderKey(renamed)).not.toBe(connectionHeaderKey(columns));
    // An empty name (the codec not known yet) is no codec.
    const unknown = samplesToColumns(
      legacyPolls((polls) => {
        for (const p of polls) for (const o of Object.values(p.report)) if ((o as Record<string, unknown>).googCodecName !== undefined) (o as Record<string, unknown>).googCodecName = '';
      }),
    );
    expect(connectionHeader(makeSession({ pcs: [makePc('0-1', 1)], stats: { '0-1': unknown } }), '0-1').codecs).toEqual([]);
  });
});
