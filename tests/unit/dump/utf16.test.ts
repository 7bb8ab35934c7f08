/**
 * Dumps saved as UTF-16 (Windows PowerShell's `>` writes UTF-16LE with a BOM; editors save "Unicode" either way, with
 * or without a BOM) import exactly like the same dump in UTF-8, gzip-compressed or not, in every format.
 */
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { readScopeDump, scopeDumpJson, looksLikeScopeDump } from '../../../lib/dump/format-scope';
import { utf16ByteOrder } from '../../../lib/dump/text-encoding';
import { DumpError } from '../../../lib/dump/session-bundle';
import { pcSamples } from '../../../lib/dump/bundle-stats';
import { edgeBundle } from '../../fixtures/bundles/call-bundle';
import { aboutWebrtcPage, bytes, internalsDump, legacyLines, objectSeries, v3Lines } from '../../fixtures/dumps/dump-fixtures';

const T0 = 1_700_000_000_000;
/** Characters outside ASCII and outside the BMP (a surrogate pair in UTF-16). */
const UNICODE = 'Büro-Kamera 🎧';

const utf16le = (text: string, bom: boolean): Uint8Array => new Uint8Array(Buffer.from(`${bom ? '\uFEFF' : ''}${text}`, 'utf16le'));
function utf16be(text: string, bom: boolean): Uint8Array {
  const out = utf16le(text, bom);
  for (let i = 0; i + 1 < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1], out[i]];
  return out;
}

const SAMPLES: { name: string; text: string }[] = [
  {
    name: 'webrtc-internals',
    text: internalsDump({
      '1-1': {
        url: `https://example.test/${UNICODE}`,
        updateLog: [{ type: 'transceiverAdded', value: UNICODE, timestamp: T0 }],
        stats: objectSeries('IT01A', 'inbound-rtp', [T0, T0 + 1000], { packetsReceived: [1, 2], trackIdentifier: [UNICODE, UNICODE] }),
      },
    }),
  },
  {
    name: 'rtcstats-legacy',
    text: legacyLines([
      ['create', 'PC_0', {}, T0],
      ['addTrack', 'PC_0', `audio:${UNICODE} stream:s`, T0 + 1],
      ['getstats', 'PC_0', { A: { timestamp: T0 + 2, type: 'peer-connection', label: UNICODE }, timestamp: T0 + 2 }, T0 + 2],
    ]),
  },
  {
    name: 'rtcstats-v3',
    text: v3Lines({ url: `https://example.test/${UNICODE}` }, [
      ['create', 'PC_0', {}, T0],
      ['getStats', 'PC_0', { A: { id: 'A', type: 'peer-connection', timestamp: T0 + 1000, label: UNICODE } }, 1000],
    ]),
  },
  {
    name: 'firefox-about-webrtc',
    text: aboutWebrtcPage([{ uuid: 'a-b', createdUs: T0 * 1000, url: `https://x.test/${UNICODE}`, closed: true, now: '2025-01-01T00:00:00Z', history: [{ side: 'local', t: T0 + 5, sdp: 'v=0\r\n' }] }]),
  },
  { name: 'webrtc-scope', text: scopeDumpJson([edgeBundle()], { extensionVersion: 'x', exportedAt: T0, userAgent: UNICODE }) },
];

const ENCODINGS: { name: string; encode: (text: string) => Uint8Array }[] = [
  { name: 'UTF-16LE with BOM (PowerShell >)', encode: (text) => utf16le(text, true) },
  { name: 'UTF-16BE with BOM', encode: (text) => utf16be(text, true) },
  { name: 'UTF-16LE without BOM', encode: (text) => utf16le(text, false) },
  { name: 'UTF-16BE without BOM', encode: (text) => utf16be(text, false) },
  { name: 'gzip of UTF-16LE with BOM', encode: (text) => gzipSync(utf16le(text, true)) },
  { name: 'gzip of UTF-16BE without BOM', encode: (text) => gzipSync(utf16be(text, false)) },
];

/**
 * An import result without what differs from run to run (the sessions' random ids) and from file to file (the
 * file's size, which an imported bundle carries in its `bytes` until the store counts what it stored).
 */
function comparable(result: ReturnType<typeof importDump>) {
  const out = JSON.parse(JSON.stringify(result).replace(/import:[0-9a-f-]{36}/g, 'import:id'));
  for (const bundle of out.bundles) delete bundle.session.bytes;
  return out;
}

describe('UTF-16 dumps', () => {
  for (const sample of SAMPLES) {
    const expected = comparable(importDump('dump', bytes(sample.text)));
    it.each(ENCODINGS)(`${sample.name}: $name imports as the UTF-8 file does`, ({ encode }) => {
      const result = comparable(importDump('dump', encode(sample.text)));
      expect(result.format).toBe(sample.name);
      expect(result).toEqual(expected);
    });
  }

  it('keeps characters outside the BMP', () => {
    const bundle = importDump('dump', utf16le(SAMPLES[1].text, true)).bundles[0];
    expect(pcSamples(bundle, bundle.pcs[0].pcId)[0].report.A.label).toBe(UNICODE);
  });

  it('our own format: the reader takes UTF-16 too, and refuses broken UTF-16 saying so', () => {
    const text = SAMPLES[4].text;
    expect(readScopeDump('f.json', utf16le(text, true))).toEqual(readScopeDump('f.json', bytes(text)));
    expect(looksLikeScopeDump(utf16be(text, false))).toBe(true);
    // A lone high surrogate before the closing brace.
    const broken = utf16le(`${text.slice(0, -1)}\uD800}`, true);
    let error: unknown;
    try {
      readScopeDump('f.json', broken);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DumpError);
    expect((error as DumpError).reason).toBe('not UTF-16LE text');
  });
});

describe('utf16ByteOrder', () => {
  it.each([
    ['LE BOM', [0xff, 0xfe, 0x7b, 0x00], 'utf-16le'],
    ['BE BOM', [0xfe, 0xff, 0x00, 0x7b], 'utf-16be'],
    ['LE ASCII with NULs', [0x7b, 0x00, 0x0a, 0x00, 0x20, 0x00], 'utf-16le'],
    ['BE ASCII with NULs', [0x00, 0x5b, 0x00, 0x5b], 'utf-16be'],
    ['UTF-8', [...new TextEncoder().encode('{"a":1}')], null],
    ['UTF-8 with BOM', [0xef, 0xbb, 0xbf, 0x7b, 0x7d], null],
    ['one character', [0x7b, 0x00], null],
    ['NULs only', [0, 0, 0, 0], null],
    ['UTF-32LE', [0x7b, 0, 0, 0, 0x7d, 0, 0, 0], null],
  ])('%s', (_name, input, expected) => {
    expect(utf16ByteOrder(new Uint8Array(input))).toBe(expected);
  });
});
