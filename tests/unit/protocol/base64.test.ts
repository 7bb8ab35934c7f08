import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64 } from '../../../lib/protocol/base64';

describe('base64 (port messages carry stats chunks as text)', () => {
  it('matches Node’s encoding for every length and byte value, both ways, without the engine’s native codec', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 97 + length * 13) & 255);
      const expected = Buffer.from(bytes).toString('base64');
      expect(bytesToBase64(bytes, false)).toBe(expected);
      expect([...base64ToBytes(expected, false)]).toEqual([...bytes]);
    }
    const all = new Uint8Array(256).map((_, i) => i);
    expect(bytesToBase64(all, false)).toBe(Buffer.from(all).toString('base64'));
    const big = new Uint8Array(100_003).map((_, i) => (i * 31) & 255);
    expect(base64ToBytes(bytesToBase64(big, false), false)).toEqual(big);
  });

  it('refuses malformed text', () => {
    expect(() => base64ToBytes('abc', false)).toThrow(/length/);
    expect(() => base64ToBytes('ab$=', false)).toThrow(/invalid character at 2/);
    expect(() => base64ToBytes('a=bc', false)).toThrow(/invalid character/);
  });
});
