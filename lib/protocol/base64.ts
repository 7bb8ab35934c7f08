/**
 * Bytes ⇄ base64 for port messages (Chrome passes them as JSON, so binary data travels as text). Uses the
 * engine's Uint8Array.prototype.toBase64 / Uint8Array.fromBase64 where present (Chrome 140+, Firefox 133+),
 * else a plain implementation (Node 20 in tests, older browsers).
 */
type Base64Native = { toBase64?: (this: Uint8Array) => string };
type Base64Static = { fromBase64?: (text: string) => Uint8Array };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array, useNative = true): string {
  const native = (Uint8Array.prototype as Base64Native).toBase64;
  if (useNative && typeof native === 'function') return native.call(bytes);
  let out = '';
  const parts: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
    if (out.length >= 8192) {
      parts.push(out);
      out = '';
    }
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + '=';
  }
  parts.push(out);
  return parts.join('');
}

/** Decodes standard base64 (with padding); throws on any other character or a wrong length. */
export function base64ToBytes(text: string, useNative = true): Uint8Array {
  const native = (Uint8Array as unknown as Base64Static).fromBase64;
  if (useNative && typeof native === 'function') return native(text);
  if (text.length % 4 !== 0) throw new Error('base64 text has a wrong length');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = text[i + 2] === '=' && i + 4 === text.length ? 0 : sextet(text, i + 2);
    const d = text[i + 3] === '=' && i + 4 === text.length ? 0 : sextet(text, i + 3);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? LOOKUP[code] : -1;
  if (v < 0) throw new Error(`base64 text has an invalid character at ${i}`);
  return v;
}
