/**
 * Every file of the real-world dump corpus (../shared/corpus/dumps next to the repository; CI has it there) must
 * import, with the numbers of PCs and samples established independently of the importer, by inspecting the files
 * in the shell (commands in the comments). A new corpus file without an entry here fails the test.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import type { DumpFormat } from '../../../lib/dump/session-bundle';
import { pcSamples } from '../../../lib/dump/bundle-stats';

const CORPUS = resolve(__dirname, '../../../../shared/corpus/dumps');

interface Expected {
  format: DumpFormat;
  /** Sessions the file makes (absent: 1). */
  sessions?: number;
  /**
   * Samples per PC id (PC ids `0-<n>`: the file's own number where it has one); of a file of several sessions,
   * keyed `<session number from 1>/<PC id>`.
   */
  samples: Record<string, number>;
  /** getUserMedia/getDisplayMedia calls. */
  mediaCalls: number;
  /** A PC's entries without a record of their own, kept as generic `dump-entry` pc-events (see GENERIC below). */
  generic: number;
  /** Entries of no PC without a record of their own (rtcstats app events), kept as `file-entry`s (see FILE_ENTRIES). */
  fileEntries?: number;
  /** The file's own PC ids (`PcSummary.fileId`) by our PC id; a stand-in PC for entries without an id is 'entries without a PC id'. */
  fileIds?: Record<string, string>;
  /** Extra checks for this file. */
  check?: (result: ReturnType<typeof importDump>) => void;
}

const pcEvents = (r: ReturnType<typeof importDump>, pcId: string, type: string) =>
  r.bundles[0].events.filter((e) => e.pcId === pcId && e.record.type === type);

/*
 * GENERIC, the `generic` counts: a PC's entries whose name the importers map to none of our records, counted with
 * the names they do map (M; `remove`, `create`, `constraints` and getStats are read into PCs and stats):
 *   M='^(getstats|getStats|create|constraints|remove|close|(createOffer|createAnswer|setLocalDescription|setRemoteDescription|addIceCandidate|addTrack)(OnSuccess|OnFailure)?|addTransceiver|removeTrack|createDataChannel|on(icecandidate|icecandidateerror|track|negotiationneeded|signalingstatechange|iceconnectionstatechange|icegatheringstatechange|connectionstatechange|datachannel))$'
 *   webrtc-internals: jq -r '.PeerConnections[].updateLog[].type' FILE | grep -cvE "$M"
 *     (chromium156: 10 = transceiverAdded 2+2, transceiverModified 4+2)
 *   rtcstats legacy (lines with a string PC id; null-id app events such as `identity`, `logs` are page-level):
 *     grep -v '^{' FILE | jq -r 'select(type=="array" and (.[1]|type)=="string") | .[0]' | grep -cvE "$M"
 *     (onaddstream, onremovestream, addStream, removeStream, ondtlsstatechange)
 *   rtcstats v3: zcat FILE | tail -n +3 | jq -r 'select(type=="array" and (.[1]|type)=="string") | .[0]' | grep -v '^navigator\.' | grep -cvE "$M"
 *   about:webrtc has no entry log: 0.
 * FILE_ENTRIES, the `fileEntries` counts (absent: 0): lines with a null PC id whose name is neither in M nor a media,
 * track or metadata entry, counted with
 *   MED='getUserMedia|getDisplayMedia|enumerateDevices|^MediaStreamTrack\.|^navigator\.|connectionInfo'
 *   grep -v '^{' FILE | jq -r 'select(type=="array" and .[1]==null) | .[0]' | grep -vE "$M" | grep -vE "$MED" | wc -l
 *   (identity, dominantSpeaker, conferenceStartTimestamp, logs); rtcstats v3 gumonly's only such line is code 39,
 *   the browser's metadata (read into the session, not an entry): 0.
 */
const EXPECTED: Record<string, Expected> = {
  // jq '.PeerConnections | keys' → ["10-1","10-2"];
  // jq -r '.PeerConnections["10-1"].stats["P-timestamp"].values | fromjson | length' → 60 (same for 10-2): one
  // point per poll of the peer-connection object, present in every poll;
  // jq '.getUserMedia | length' → 2 (request + success = 1 call);
  // jq '[.PeerConnections["10-1"].updateLog[] | select(.type | test("statechange$"))] | length' → 8 (10-2: 8).
  'chrome-webrtc-internals/chromium156-loopback-2pc-60s.json': {
    format: 'webrtc-internals',
    samples: { '0-1': 60, '0-2': 60 },
    mediaCalls: 1,
    generic: 10,
    fileIds: { '0-1': '10-1', '0-2': '10-2' },
    check: (r) => {
      expect(pcEvents(r, '0-1', 'pc-event').filter((e) => e.record.type === 'pc-event' && e.record.event.endsWith('statechange'))).toHaveLength(8);
      expect(pcEvents(r, '0-2', 'pc-event').filter((e) => e.record.type === 'pc-event' && e.record.event.endsWith('statechange'))).toHaveLength(8);
      // Every poll has the 16 (sender) and 15 (receiver) objects of SOURCES.md, except the remote ones that
      // appear at the third poll (jq: RIA3015589555-timestamp / ROA3015589555-timestamp have 58 points).
      const s = { '0-1': pcSamples(r.bundles[0], '0-1'), '0-2': pcSamples(r.bundles[0], '0-2') };
      expect(Object.keys(s['0-1'][59].report)).toHaveLength(16);
      expect(Object.keys(s['0-2'][59].report)).toHaveLength(15);
      expect(s['0-1'].filter((x) => x.report.RIA3015589555 !== undefined)).toHaveLength(58);
    },
  },
  // zcat gumonly.gz | jq '.PeerConnections' → {}; '.getUserMedia | length' → 2 (request + success).
  'chrome-webrtc-internals/gumonly.gz': { format: 'webrtc-internals', samples: {}, mediaCalls: 1, generic: 0 },
  // grep -c 'class="peer-connection"' → 19; grep -o 'about-webrtc-connection-closed' | wc -l → 15;
  // grep -o 'data-l10n-id="about-webrtc-sdp-set-timestamp"' | wc -l → 29 SDP history entries. No stats tables
  // with rows (every `<tr><td>` is a raw candidate), so no samples. One session per document (inner window id):
  // grep -ao 'id="pc-heading: [^"]*"' | grep -o '(id=[0-9]*' | sort -u | wc -l → 19, every PC in a page load of its own.
  'firefox-about-webrtc/aboutWebrtc.html': {
    format: 'firefox-about-webrtc',
    sessions: 19,
    samples: Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`${i + 1}/0-1`, 0])),
    mediaCalls: 0,
    generic: 0,
    check: (r) => {
      const pcs = r.bundles.flatMap((b) => b.pcs);
      expect(pcs.filter((p) => p.closedAt !== null)).toHaveLength(15);
      expect(r.bundles.flatMap((b) => b.events).filter((e) => e.record.type === 'pc-call')).toHaveLength(29);
      // grep -ao 'id="pc-heading: [^"]*"' | grep -c 'url=https://chatgpt.com' → 4 PCs, none with an SDP history; the 15
      // others are localhost:5173 page loads.
      expect(r.bundles.filter((b) => b.session.url.startsWith('https://chatgpt.com/'))).toHaveLength(4);
      for (const b of r.bundles) for (const p of b.pcs) expect(p.frameUrl).toBe(b.session.url);
      // No session spans the 1.5 days between the first and the last PC of the file.
      for (const b of r.bundles) expect(b.session.endedAt! - b.session.startedAt).toBeLessThan(2 * 86_400_000);
    },
  },
  // grep -o '^\["getstats","PC_[0-9]*"' | sort | uniq -c → 572 PC_0; lines with a null PC id and a PC method
  // (grep -cE '^\["(createOffer|createDataChannel|setLocalDescription|addIceCandidate)",null' → 16): the
  // stand-in PC for them is 0-1.
  'rtcstats-legacy/24a93962-f981-43b4-8501-48e43f91a4e0': { format: 'rtcstats-legacy', samples: { '0-0': 572, '0-1': 0 }, mediaCalls: 2, generic: 51, fileEntries: 1, fileIds: { '0-0': 'PC_0', '0-1': 'entries without a PC id' } },
  // getstats: 19 PC_0, 32 PC_1, 32 PC_2, 33 PC_3, 5 PC_4, 4 PC_5, 4 PC_6; 40 null-id PC lines → stand-in 0-7;
  // grep -c '"navigator.mediaDevices.getUserMedia",' → 2.
  'rtcstats-legacy/chrome-standard-multiple-p2p': {
    format: 'rtcstats-legacy',
    samples: { '0-0': 19, '0-1': 32, '0-2': 32, '0-3': 33, '0-4': 5, '0-5': 4, '0-6': 4, '0-7': 0 },
    mediaCalls: 2,
    generic: 17, fileEntries: 2,
    fileIds: { '0-0': 'PC_0', '0-1': 'PC_1', '0-2': 'PC_2', '0-3': 'PC_3', '0-4': 'PC_4', '0-5': 'PC_5', '0-6': 'PC_6', '0-7': 'entries without a PC id' },
  },
  // getstats: 7 PC_0, 6 PC_1, 6 PC_2; 40 null-id PC lines → 0-3; 3 getUserMedia (one fails).
  'rtcstats-legacy/chrome-standard-pc-failed': {
    format: 'rtcstats-legacy',
    samples: { '0-0': 7, '0-1': 6, '0-2': 6, '0-3': 0 },
    mediaCalls: 3,
    generic: 5, fileEntries: 2,
    fileIds: { '0-0': 'PC_0', '0-1': 'PC_1', '0-2': 'PC_2', '0-3': 'entries without a PC id' },
    check: (r) => {
      const b = r.bundles[0];
      // grep statechange: PC_0 ends connected → failed, PC_1/PC_2 disconnected → failed.
      expect(b.pcs.find((p) => p.pcId === '0-0')?.connectionState).toBe('failed');
      expect(b.pcs.find((p) => p.pcId === '0-1')?.iceConnectionState).toBe('disconnected');
      const failures = b.events.filter((e) => e.record.type === 'media-settled' && !e.record.ok);
      expect(failures).toHaveLength(1);
    },
  },
  // getstats: 79 PC_0; 2 getUserMedia.
  'rtcstats-legacy/firefox-standard-stats-sfu': { format: 'rtcstats-legacy', samples: { '0-0': 79 }, mediaCalls: 2, generic: 11, fileEntries: 2, fileIds: { '0-0': 'PC_0' } },
  // getstats: 119 PC_0; 20 null-id PC lines → 0-1; 2 getUserMedia + 1 getDisplayMedia.
  'rtcstats-legacy/google-legacy-screenshare-p2p': { format: 'rtcstats-legacy', samples: { '0-0': 119, '0-1': 0 }, mediaCalls: 3, generic: 7, fileEntries: 1, fileIds: { '0-0': 'PC_0', '0-1': 'entries without a PC id' } },
  // getstats: 45 PC_0, 201 PC_1, 28 PC_2; no null-id PC lines.
  'rtcstats-legacy/google-legacy-stats-multiple-pc': { format: 'rtcstats-legacy', samples: { '0-0': 45, '0-1': 201, '0-2': 28 }, mediaCalls: 2, generic: 29, fileEntries: 1, fileIds: { '0-0': 'PC_0', '0-1': 'PC_1', '0-2': 'PC_2' } },
  // getstats: 10 PC_0, 10 PC_1 (5-element lines with a sequence number).
  'rtcstats-legacy/google-standard-stats-relay-p2p': { format: 'rtcstats-legacy', samples: { '0-0': 10, '0-1': 10 }, mediaCalls: 0, generic: 5, fileEntries: 6, fileIds: { '0-0': 'PC_0', '0-1': 'PC_1' } },
  // getstats: 82 PC_0.
  'rtcstats-legacy/safari-standard-stats': { format: 'rtcstats-legacy', samples: { '0-0': 82 }, mediaCalls: 2, generic: 13, fileEntries: 2, fileIds: { '0-0': 'PC_0' } },
  // zcat | grep -c '^\["getStats","10-1"' → 60 (10-2: 60); one getUserMedia on "10-0" (not a PC).
  'rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz': { format: 'rtcstats-v3', samples: { '0-1': 60, '0-2': 60 }, mediaCalls: 1, generic: 10, fileIds: { '0-1': '10-1', '0-2': '10-2' } },
  // cat: code 60 (getUserMedia) + 61 (OnSuccess), no PC.
  'rtcstats-v3/gumonly.jsonl': { format: 'rtcstats-v3', samples: {}, mediaCalls: 1, generic: 0 },
};

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return corpusFiles(full);
    return name.endsWith('.md') ? [] : [relative(CORPUS, full)];
  });
}

describe.skipIf(!existsSync(CORPUS))('dump corpus', () => {
  const files = existsSync(CORPUS) ? corpusFiles(CORPUS).sort() : [];

  it('has an expectation for every corpus file', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s imports with the expected PCs and samples', (file) => {
    const expected = EXPECTED[file];
    const content = new Uint8Array(readFileSync(join(CORPUS, file)));
    const result = importDump(file.split('/').pop()!, content);
    expect(result.format).toBe(expected.format);
    expect(result.problems).toEqual([]);
    expect(result.bundles).toHaveLength(expected.sessions ?? 1);
    const several = result.bundles.length > 1;
    const perPc = Object.fromEntries(result.bundles.flatMap((b, i) => b.pcs.map((p) => [several ? `${i + 1}/${p.pcId}` : p.pcId, p.sampleCount])));
    expect(perPc).toEqual(expected.samples);
    const total = Object.values(expected.samples).reduce((a, n) => a + n, 0);
    expect(result.bundles.reduce((n, b) => n + b.session.sampleCount, 0)).toBe(total);
    expect(result.bundles.reduce((n, b) => n + b.session.mediaCallCount, 0)).toBe(expected.mediaCalls);
    const allEvents = result.bundles.flatMap((b) => b.events);
    const generic = allEvents.filter((e) => e.record.type === 'pc-event' && e.record.event === 'dump-entry');
    expect(generic).toHaveLength(expected.generic);
    for (const e of generic) expect(e.pcId).not.toBeNull();
    const fileEntries = allEvents.filter((e) => e.record.type === 'file-entry');
    expect(fileEntries).toHaveLength(expected.fileEntries ?? 0);
    for (const e of fileEntries) expect(e.pcId).toBeNull();
    if (expected.fileIds) {
      const ids = Object.fromEntries(result.bundles[0].pcs.filter((p) => p.fileId !== undefined).map((p) => [p.pcId, p.fileId]));
      expect(ids).toEqual(expected.fileIds);
    }
    for (const b of result.bundles) {
      expect(b.session.pcCount).toBe(b.pcs.length);
      expect(b.session.eventCount).toBe(b.events.length);
      expect(b.session.imported).toEqual({ fileName: file.split('/').pop(), format: expected.format });
      expect(b.session.id).toMatch(/^import:[0-9a-f-]{36}$/);
      expect(b.session.tabId).toBeNull();
      // Contract of SessionBundle: gap-free seq in time order, samples indexed from 0 with ascending t.
      b.events.forEach((e, i) => expect(e.seq).toBe(i));
      for (let i = 1; i < b.events.length; i++) expect(b.events[i].record.t).toBeGreaterThanOrEqual(b.events[i - 1].record.t);
      for (const pc of b.pcs) {
        const samples = pcSamples(b, pc.pcId);
        samples.forEach((s, i) => expect(s.index).toBe(i));
        for (let i = 1; i < samples.length; i++) expect(samples[i].t).toBeGreaterThanOrEqual(samples[i - 1].t);
        expect(pc.lastSampleAt).toBe(samples.length > 0 ? samples[samples.length - 1].t : null);
        expect(b.events.some((e) => e.pcId === pc.pcId && e.record.type === 'pc-created')).toBe(true);
      }
      expect(b.session.startedAt).toBeLessThanOrEqual(b.session.lastActivityAt);
    }
    expected.check?.(result);
  });
});
