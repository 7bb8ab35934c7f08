/**
 * CRC-32 (ISO-HDLC: the polynomial and bit order of gzip, zip and PNG), byte-wise over a 256-entry table. fflate
 * 0.8 computes it only when compressing and exports no function for it; gzip members are checked against it.
 */

/** Each byte's remainder under the reflected polynomial 0xEDB88320. */
const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** The CRC-32 of `data` appended to data whose CRC-32 is `crc` (0 to start), as an unsigned 32-bit number. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
