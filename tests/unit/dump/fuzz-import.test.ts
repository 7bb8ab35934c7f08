/**
 * Fuzzing the importers with thousands of mutations of small real files and fixtures (seeded, so a failure
 * reproduces: the seed and the mutation are in the assertion message). Whatever the input, importDump either
 * returns a consistent result or throws a DumpError: never a TypeError or RangeError, never a hang, and never a
 * polluted Object.prototype.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../../lib/dump/import-dump';
import { DumpError } from '../../../lib/dump/session-bundle';
import { aboutWebrtcPage, bytes, gz, internalsDump, legacyLines, objectSeries, v3Lines } from '../../fixtures/dumps/dump-fixtures';
import { pcSamples } from '../../../lib/dump/bundle-stats';

const CORPUS = resolve(__dirname, '../../../../shared/corpus/dumps');

/** mulberry32: a tiny seeded PRNG (public-domain algorithm). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = 1_700_000_000_000;
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:actpass\r\na=mid:0\r\n';

/** Seeds: small corpus files (or their first lines) and fixtures of every format. */
function seeds(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  const corpus = (path: string) => resolve(CORPUS, path);
  if (existsSync(CORPUS)) {
    out.push({ name: 'gumonly.jsonl', text: readFileSync(corpus('rtcstats-v3/gumonly.jsonl'), 'utf8') });
    out.push({ name: 'gumonly.gz', text: new TextDecoder().decode(gunzipSync(readFileSync(corpus('chrome-webrtc-internals/gumonly.gz')))) });
    out.push({ name: 'pc-failed (40 lines)', text: readFileSync(corpus('rtcstats-legacy/chrome-standard-pc-failed'), 'utf8').split('\n').slice(0, 40).join('\n') });
    const relay = readFileSync(corpus('rtcstats-legacy/google-standard-stats-relay-p2p'), 'utf8').split('\n');
    out.push({ name: 'relay-p2p (12 lines)', text: relay.slice(0, 12).join('\n') });
    const v3 = new TextDecoder().decode(gunzipSync(readFileSync(corpus('rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz')))).split('\n');
    out.push({ name: 'chromium156 v3 (first 62 lines)', text: v3.slice(0, 62).join('\n') });
  }
  const times = [T0, T0 + 1000, T0 + 2000];
  out.push({
    name: 'internals fixture',
    text: internalsDump(
      {
        '1-1': {
          updateLog: [
            { type: 'setLocalDescription', value: JSON.stringify({ type: 'offer', sdp: SDP }), timestamp: T0 },
            { type: 'onsignalingstatechange', value: '"have-local-offer"', timestamp: T0 + 1 },
            { time: '11/5/2020, 9:34:11 PM', type: 'onIceCandidate', value: 'sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:1 1 udp 1 1.1.1.1 1 typ host' },
          ],
          stats: { ...objectSeries('P', 'peer-connection', times, { dataChannelsOpened: [0, 1, 1] }), ...objectSeries('RIA1', 'remote-inbound-rtp', [T0 - 5, T0 - 5, T0 + 1500], { jitter: [0.1, 0.2, 0.3] }) },
        },
      },
      { getUserMedia: [{ rid: 1, pid: 1, request_id: 0, request_type: 'getUserMedia', audio: '', timestamp: T0 }] },
    ),
  });
  out.push({
    name: 'v3 fixture',
    text: v3Lines({ clientProtocol: 'rtcstats#4.0' }, [
      [39, 'PC_0', {}, T0],
      ['g', 'PC_0', { 0: { type: 10, t: 5 }, 1: { type: 1, 10: 1, 14: 7 }, t: T0 + 1 }, 1000],
      ['g', 'PC_0', { 1: null, t: T0 + 2 }, 1000],
      [3, 'PC_0', { type: 'offer', sdp: SDP }, '2-0', 1],
      [3, 'PC_0', { type: 'offer', sdp: 'v=\r\nm=\r\n' }, '2-1', 1],
      [60, null, { audio: true }, '60-0', 1],
      [61, null, [['audio', 't', 'l', 's']], '60-0', 1],
    ]),
  });
  out.push({
    name: 'legacy fixture',
    text: legacyLines([
      ['create', 'PC_0', {}, T0],
      ['getstats', 'PC_0', { A: { timestamp: 0, type: 'codec', x: 1 }, timestamp: T0 + 1 }, T0 + 1],
      ['getstats', 'PC_0', { A: { timestamp: 0 }, timestamp: T0 + 2 }, T0 + 2],
      ['addTrack', 'PC_0', 'audio:t stream:s', T0 + 3],
      ['createDataChannel', null, { 0: 'x' }, T0 + 4],
    ]),
  });
  out.push({
    name: 'about:webrtc fixture',
    text: aboutWebrtcPage([
      { uuid: 'a-b', createdUs: T0 * 1000, url: 'https://x.test/', closed: true, now: '2025-01-01T00:00:00Z', history: [{ side: 'local', t: T0 + 5, sdp: SDP }], iceServerUrls: ['stun:a'] },
    ]),
  });
  return out;
}

type Mutation = (text: string, rnd: () => number) => string;
const at = (text: string, rnd: () => number) => Math.floor(rnd() * (text.length + 1));

const MUTATIONS: Record<string, Mutation> = {
  flipChars: (text, rnd) => {
    const chars = text.split('');
    const n = 1 + Math.floor(rnd() * 5);
    for (let i = 0; i < n && chars.length > 0; i++) chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 128));
    return chars.join('');
  },
  truncate: (text, rnd) => text.slice(0, at(text, rnd)),
  dropLine: (text, rnd) => {
    const lines = text.split('\n');
    lines.splice(Math.floor(rnd() * lines.length), 1);
    return lines.join('\n');
  },
  duplicateLine: (text, rnd) => {
    const lines = text.split('\n');
    const i = Math.floor(rnd() * lines.length);
    lines.splice(Math.floor(rnd() * lines.length), 0, lines[i]);
    return lines.join('\n');
  },
  swapLines: (text, rnd) => {
    const lines = text.split('\n');
    const i = Math.floor(rnd() * lines.length);
    const j = Math.floor(rnd() * lines.length);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  },
  deepNesting: (text, rnd) => {
    const n = rnd() < 0.5 ? 30 : 5000;
    const open = rnd() < 0.5 ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    const i = at(text, rnd);
    return `${text.slice(0, i)}${open.repeat(n)}1${close.repeat(n)}${text.slice(i)}`;
  },
  protoKey: (text, rnd) => {
    const keys = [...text.matchAll(/"[\w-]+"\s*:/g)];
    if (keys.length === 0) return text;
    const m = keys[Math.floor(rnd() * keys.length)];
    const name = rnd() < 0.7 ? '__proto__' : rnd() < 0.5 ? 'constructor' : 'prototype';
    return `${text.slice(0, m.index)}"${name}":${text.slice(m.index! + m[0].length)}`;
  },
  protoObject: (text, rnd) => {
    const braces = [...text.matchAll(/\{/g)];
    if (braces.length === 0) return text;
    const m = braces[Math.floor(rnd() * braces.length)];
    return `${text.slice(0, m.index! + 1)}"__proto__":{"polluted":1,"toString":"x"},${text.slice(m.index! + 1)}`;
  },
  absurdNumber: (text, rnd) => {
    const numbers = [...text.matchAll(/\d{3,}/g)];
    if (numbers.length === 0) return text;
    const m = numbers[Math.floor(rnd() * numbers.length)];
    const values = ['1e308', '-1e308', '0', '-1', '99999999999999999999999', '1.5'];
    return `${text.slice(0, m.index)}${values[Math.floor(rnd() * values.length)]}${text.slice(m.index! + m[0].length)}`;
  },
  splice: (text, rnd) => {
    const a = at(text, rnd);
    const b = Math.min(text.length, a + Math.floor(rnd() * 200));
    const i = at(text, rnd);
    return text.slice(0, i) + text.slice(a, b) + text.slice(i);
  },
};

describe('importDump under fuzzing', () => {
  const inputs = seeds();
  const names = Object.keys(MUTATIONS);

  it('every seed imports as is', () => {
    for (const seed of inputs) expect(() => importDump(seed.name, bytes(seed.text)), seed.name).not.toThrow();
  });

  it('thousands of mutations end in a result or a DumpError, never anything else', () => {
    const started = Date.now();
    const rnd = prng(0x5eed);
    let results = 0;
    let dumpErrors = 0;
    const ITERATIONS = 3000;
    for (let i = 0; i < ITERATIONS; i++) {
      const seed = inputs[i % inputs.length];
      const steps = 1 + Math.floor(rnd() * 3);
      const applied: string[] = [];
      let text = seed.text;
      for (let s = 0; s < steps; s++) {
        const name = names[Math.floor(rnd() * names.length)];
        applied.push(name);
        text = MUTATIONS[name](text, rnd);
      }
      const gzipped = rnd() < 0.15;
      const content = gzipped ? gz(text) : bytes(text);
      // Byte-level damage too (also inside gzip streams).
      if (rnd() < 0.1 && content.length > 0) content[Math.floor(rnd() * content.length)] ^= 1 << Math.floor(rnd() * 8);
      const label = `iteration ${i}: ${seed.name} + ${applied.join(', ')}${gzipped ? ' (gzip)' : ''}`;
      try {
        const r = importDump('fuzz.bin', content, { allowPartial: rnd() < 0.5 });
        results++;
        for (const b of r.bundles) {
          b.events.forEach((e, k) => expect(e.seq, label).toBe(k));
          for (const pc of b.pcs) expect(pcSamples(b, pc.pcId).length, label).toBe(pc.sampleCount);
        }
      } catch (error) {
        if (!(error instanceof DumpError)) throw new Error(`${label} threw ${String(error)}`, { cause: error });
        // importDump turns any unexpected exception into a DumpError "could not be read (…)": that would be a bug.
        if (/^could not be read \(/.test(error.reason)) throw new Error(`${label}: internal error ${error.reason}`, { cause: error });
        dumpErrors++;
      }
    }
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof ({} as { toString: unknown }).toString).toBe('function');
    // Both outcomes occur (the mutations are neither all harmless nor all fatal).
    expect(results).toBeGreaterThan(100);
    expect(dumpErrors).toBeGreaterThan(100);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
