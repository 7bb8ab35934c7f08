import { describe, expect, it } from 'vitest';
import { deflateSync, inflateSync, strToU8 } from 'fflate';
import { inflateReused } from '../../../lib/model/inflate';

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) & (i % 3 === 0 ? 255 : 15); // partly compressible
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('inflateReused', () => {
  it('gives the same bytes as inflateSync, one call after another (the buffer is reused)', () => {
    const inputs = [pseudoRandom(1000, 1), new Uint8Array(0), pseudoRandom(50_000, 2), strToU8('abcabcabc'.repeat(500)), pseudoRandom(3, 3)];
    for (const input of inputs) {
      const packed = deflateSync(input, { level: 9 });
      expect(Array.from(inflateReused(packed))).toEqual(Array.from(inflateSync(packed)));
    }
  });

  it('inflates output larger than its buffer exactly (and again after growing), stored blocks included', () => {
    for (const level of [0, 6] as const) {
      const big = pseudoRandom(700_000, 7 + level);
      const packed = deflateSync(big, { level });
      expect(sameBytes(inflateReused(packed), big)).toBe(true);
      expect(sameBytes(inflateReused(packed), big)).toBe(true);
    }
  });

  it('with a preset dictionary', () => {
    const dictionary = strToU8('{"type":"api","method":"setLocalDescription","args":[{"type":"offer","sdp":"v=0');
    const text = strToU8('{"type":"api","method":"setLocalDescription","args":[{"type":"offer","sdp":"v=0\\r\\no=- 1 2 IN IP4"}]}');
    const packed = deflateSync(text, { level: 9, dictionary });
    expect(inflateReused(packed, dictionary)).toEqual(text);
    expect(inflateReused(packed, dictionary)).toEqual(inflateSync(packed, { dictionary }));
  });

  it('throws on corrupt data like inflateSync', () => {
    const packed = deflateSync(pseudoRandom(5000, 9));
    const corrupt = packed.slice(0, 20);
    expect(() => inflateSync(corrupt)).toThrow();
    expect(() => inflateReused(corrupt)).toThrow();
    expect(() => inflateReused(new Uint8Array([0xff, 0xff, 0xff]))).toThrow();
  });
});
