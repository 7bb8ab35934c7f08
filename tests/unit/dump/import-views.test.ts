/**
 * Imported sessions must read in the views like recorded ones: the event log pairs calls with outcomes and shows
 * SDP with its diff, the connection header finds states, the selected pair and codecs in the imported stats.
 * Checked on the corpus (the same Chromium 156 call in webrtc-internals and RTCStatsDump form, and a Chrome 99
 * rtcstats file with pre-2022 long stats ids).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { connectionHeader } from '../../../lib/model/connection-header';
import { buildEventLog } from '../../../lib/model/event-log';
import type { SessionData } from '../../../lib/model/session';
import { samplesToColumns } from '../../../lib/model/stats-columns';
import { pcSamples } from '../../../lib/dump/bundle-stats';

const CORPUS = resolve(__dirname, '../../../../shared/corpus/dumps');

function sessionData(bundle: SessionBundle): SessionData {
  const stats: SessionData['stats'] = {};
  for (const pc of bundle.pcs) stats[pc.pcId] = samplesToColumns(pcSamples(bundle, pc.pcId));
  return { session: bundle.session, pcs: bundle.pcs, events: bundle.events, stats };
}

const load = (path: string) => sessionData(importDump(path, new Uint8Array(readFileSync(resolve(CORPUS, path)))).bundles[0]);

describe.skipIf(!existsSync(CORPUS))('imported sessions in the views', () => {
  it.each(['chrome-webrtc-internals/chromium156-loopback-2pc-60s.json', 'rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz'])(
    '%s: event log and connection header of the sender',
    (path) => {
      const data = load(path);
      const log = buildEventLog(data, '0-1');
      const sld = log.find((e) => e.name === 'setLocalDescription')!;
      expect(sld).toMatchObject({ kind: 'call', outcome: 'ok', sdp: { side: 'local', type: 'offer' } });
      // The offer applied is the one created: the diff against it is empty (nothing munged).
      expect(sld.sdp!.previous?.name).toBe('createOffer');
      expect(log.find((e) => e.name === 'setRemoteDescription')).toMatchObject({ outcome: 'ok', sdp: { side: 'remote', type: 'answer' } });
      expect(log.filter((e) => e.name === 'icecandidate')).toHaveLength(3);
      expect(log.some((e) => e.outcome === 'pending')).toBe(false);

      const header = connectionHeader(data, '0-1');
      expect(header.states).toEqual({ signalingState: 'stable', iceConnectionState: 'connected', iceGatheringState: 'complete', connectionState: 'connected' });
      expect(header.selectedPairs).toHaveLength(1);
      expect(header.selectedPairs[0].local?.address).toBe('127.0.0.1');
      expect(header.codecs.map((c) => c.mimeType).sort()).toEqual(['audio/opus', 'video/VP8']);
      expect(header.dtls[0].state).toBe('connected');

      const media = buildEventLog(data, null);
      expect(media[0]).toMatchObject({ kind: 'media', name: 'getUserMedia', outcome: 'ok' });
    },
  );

  it('rtcstats legacy (Chrome 99, long RTC… ids): header and failed states', () => {
    const data = load('rtcstats-legacy/chrome-standard-pc-failed');
    const header = connectionHeader(data, '0-0');
    expect(header.states.connectionState).toBe('failed');
    expect(header.codecs.length).toBeGreaterThan(0);
    const log = buildEventLog(data, '0-0');
    expect(log.some((e) => e.failure)).toBe(true);
    // This client ran with jitsi's sendSdp=false: descriptions are "" (formats.md §2.2), so there is no SDP to show.
    expect(log.filter((e) => e.name === 'setRemoteDescription').map((e) => e.sdp)).toEqual([null]);
    expect(log.find((e) => e.name === 'icecandidate' && e.summary.includes('relay'))).toBeDefined();
  });
});
