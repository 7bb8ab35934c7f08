/** A recorded call's text caps on every imported session (lib/dump/import-text-limits.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { limitBundleText, MAX_IMPORTED_RECORD_CHARS, MAX_IMPORTED_STRING_CHARS } from '../../../lib/dump/import-text-limits';
import { HELLO_LIMITS } from '../../../lib/protocol/constants';
import { bytes, internalsDump, legacyLines } from '../../fixtures/dumps/dump-fixtures';
import { CORPUS_DIR } from '../model/corpus';

const T0 = 1_700_000_000_000;
const log = [
  { type: 'createOffer', value: 'options: {}', timestamp: T0 },
  { type: 'onsignalingstatechange', value: '"have-local-offer"', timestamp: T0 + 10 },
];

describe('imported text is held to a recorded call\'s caps', () => {
  it('a 5 MB user agent and page URL are cut as a page\'s hello would be, with the rest of the file kept', () => {
    const huge = 'x'.repeat(5_000_000);
    const doc = JSON.parse(internalsDump({ '1-1': { updateLog: log, url: `https://example.test/${huge}` } }, { UserAgent: `Mozilla/5.0 ${huge}` }));
    const result = importDump('huge.json', bytes(JSON.stringify(doc)));
    const [bundle] = result.bundles;
    // Said, where and how long: the import's result lists each cut.
    expect(result.cutCount).toBe(result.cuts.length);
    expect(result.cuts).toContainEqual({ where: 'user agent', reason: `5000012 characters, cut to the ${HELLO_LIMITS.maxUserAgentChars} a recorded call keeps` });
    expect(result.cuts.map((c) => c.where)).toContain('peer connection 1-1: frame URL');
    expect(bundle.session.userAgent.length).toBe(HELLO_LIMITS.maxUserAgentChars);
    expect(bundle.session.userAgent.startsWith('Mozilla/5.0 xxx')).toBe(true);
    expect(bundle.session.userAgent.endsWith('…')).toBe(true);
    expect(bundle.session.url.length).toBeLessThanOrEqual(HELLO_LIMITS.maxUrlChars);
    expect(bundle.pcs[0].frameUrl.length).toBeLessThanOrEqual(HELLO_LIMITS.maxUrlChars);
    expect(bundle.events.map((e) => e.record.type)).toEqual(['pc-created', 'pc-call', 'pc-event']);
  });

  it('a 3 MB SDP is cut to 1 MiB, saying how much was left out; a record keeps at most 2 MiB of text', () => {
    const sdp = `v=0\r\n${'a=x\r\n'.repeat(600_000)}`;
    const text = legacyLines([
      ['create', 'PC_0', { iceServers: [] }, T0],
      ['setRemoteDescription', 'PC_0', { type: 'offer', sdp }, T0 + 1],
    ]);
    const result = importDump('legacy', bytes(text));
    const [bundle] = result.bundles;
    expect(result.cuts).toEqual([{ where: 'peer connection PC_0: setRemoteDescription', reason: expect.stringMatching(/^a string too long \(the longest 3000005 characters\), cut to fit/) }]);
    const call = bundle.events.find((e) => e.record.type === 'pc-call' && e.record.method === 'setRemoteDescription')!;
    const cutSdp = (call.record as unknown as { args: { sdp: string }[] }).args[0].sdp;
    expect(cutSdp.length).toBeLessThanOrEqual(MAX_IMPORTED_STRING_CHARS);
    expect(cutSdp.startsWith('v=0\r\na=x\r\n')).toBe(true);
    const [, left] = /…\[\+(\d+) chars\]$/.exec(cutSdp)!;
    expect(cutSdp.length - `…[+${left} chars]`.length + Number(left)).toBe(sdp.length);
    // Three strings of 900 KB in one record: the third passes the record's 2 MiB and is cut to what is left.
    const created = bundle.events[0];
    created.record = { ...created.record, config: { a: 'a'.repeat(900_000), b: 'b'.repeat(900_000), c: 'c'.repeat(900_000), d: 'd' } } as typeof created.record;
    expect(limitBundleText(bundle)).toBe(1);
    const config = (created.record as { config: Record<string, string> }).config;
    expect(Object.keys(config)).toEqual(['a', 'b', 'c', 'd']);
    expect([config.a.length, config.b.length]).toEqual([900_000, 900_000]);
    expect(config.c.length).toBeLessThanOrEqual(MAX_IMPORTED_RECORD_CHARS - 1_800_000);
    expect(config.c).toMatch(/^c+…\[\+\d+ chars\]$/);
    expect(config.d).toBe('d'); // a few characters of the budget are left after the cut
    expect(JSON.stringify(created.record).length).toBeLessThan(MAX_IMPORTED_RECORD_CHARS + 1000);
  });

  it('cuts nothing of any real dump in the corpus', () => {
    const dirs = ['chrome-webrtc-internals', 'rtcstats-legacy', 'rtcstats-v3', 'firefox-about-webrtc'];
    let files = 0;
    for (const dir of dirs) {
      for (const name of readdirSync(`${CORPUS_DIR}/dumps/${dir}`)) {
        const result = importDump(name, new Uint8Array(readFileSync(`${CORPUS_DIR}/dumps/${dir}/${name}`)), { allowPartial: true });
        expect(result.cutCount, `${dir}/${name}`).toBe(0);
        for (const bundle of result.bundles) {
          // importDump applied the caps already: nothing of it shows a cut.
          expect(JSON.stringify(bundle), `${dir}/${name}`).not.toMatch(/…\[\+\d+ chars\]|\[truncated\]/);
          expect(bundle.session.userAgent.length, `${dir}/${name}`).toBeLessThan(HELLO_LIMITS.maxUserAgentChars);
          expect(limitBundleText(bundle), `${dir}/${name}`).toBe(0);
        }
        files++;
      }
    }
    expect(files).toBeGreaterThanOrEqual(13);
  });
});
