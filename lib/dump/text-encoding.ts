/**
 * Which text encoding a dump's bytes are in, beyond UTF-8: UTF-16, which is what Windows PowerShell 5 writes when a
 * dump is saved with `>` or `Out-File` (little-endian with a BOM), and what some editors save as "Unicode". Every dump
 * format starts with ASCII (`{`, `[`, `RTCStatsDump`, `<`, whitespace), and UTF-8 text never holds a NUL byte there,
 * so ASCII characters interleaved with NULs identify UTF-16 even without a BOM.
 */

export type Utf16ByteOrder = 'utf-16le' | 'utf-16be';

/** Code units looked at when there is no BOM. */
const SNIFF_UNITS = 8;

const isAsciiText = (b: number) => b >= 0x01 && b <= 0x7f;

/**
 * The UTF-16 byte order of `bytes` (a file's content, inflated): from its BOM (FF FE little-endian, FE FF big-endian),
 * else from its first code units being ASCII characters with a NUL high byte; null for anything else (UTF-8 or a
 * legacy encoding).
 */
export function utf16ByteOrder(bytes: Uint8Array): Utf16ByteOrder | null {
  if (bytes.length >= 2) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  }
  const units = Math.min(SNIFF_UNITS, bytes.length >> 1);
  // One character is too little to tell: `{` then a NUL is no dump in any encoding.
  if (units < 2) return null;
  let little = true;
  let big = true;
  for (let i = 0; i < units; i++) {
    const first = bytes[2 * i];
    const second = bytes[2 * i + 1];
    if (!(isAsciiText(first) && second === 0)) little = false;
    if (!(first === 0 && isAsciiText(second))) big = false;
  }
  return little ? 'utf-16le' : big ? 'utf-16be' : null;
}
