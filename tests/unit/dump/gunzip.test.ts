/**
 * gzip integrity (RFC 1952): each member's CRC-32 and size are checked against what it inflates to, and bytes
 * after the last member are refused. fflate checks neither, so a damaged or cut file imported silently.
 */
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { gunzipBounded, InflateError } from '../../../lib/dump/bundle-util';
import { crc32 } from '../../../lib/dump/crc32';
import { importDump } from '../../../lib/dump/import-dump';
import { readScopeDump, writeScopeDump } from '../../../lib/dump/format-scope';
import { bytes } from '../../fixtures/dumps/dump-fixtures';
import { edgeBundle } from '../../fixtures/bundles/call-bundle';

const LINES = '["create","PC_0",{},1700000000000]\n["getstats","PC_0",{"A":{"timestamp":0,"type":"inbound-rtp","bytesReceived":123456},"timestamp":1700000000001},1700000000001]';
const member = gzipSync(bytes(LINES));
const join = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));

function inflateError(data: Uint8Array): string {
  try {
    gunzipBounded(data, 1 << 20);
  } catch (error) {
    expect(error).toBeInstanceOf(InflateError);
    return (error as Error).message;
  }
  throw new Error('inflated without an error');
}

describe('crc32', () => {
  it('gives the standard check value and continues across pieces', () => {
    const data = bytes('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe('gunzipBounded checks every member', () => {
  it('inflates one member, and several members one after the other', () => {
    expect(new TextDecoder().decode(gunzipBounded(member, 1 << 20))).toBe(LINES);
    expect(new TextDecoder().decode(gunzipBounded(join(member, gzipSync(bytes('\n'))), 1 << 20))).toBe(`${LINES}\n`);
  });

  it('refuses stored data that changed (a flipped bit in a level-0 member inflates fine)', () => {
    const stored = gzipSync(bytes(LINES), { level: 0 });
    const flipped = stored.slice();
    flipped[flipped.indexOf(0x31, 20)] ^= 0x08; // a "1" of 123456 becomes "9"
    expect(inflateError(flipped)).toMatch(/^gzip member 1 \(from byte 0\): the CRC-32 or size in its trailer does not match/);
    // The import says what the damaged file looked like (it had said "not a dump format WebRTC Scope reads", and
    // then that the file was damaged: a QA pass read the two as contradicting each other).
    expect(() => importDump('flipped.log.gz', flipped)).toThrow(/^flipped\.log\.gz: looks like an rtcstats-legacy dump; at gzip stream: gzip member 1 \(from byte 0\): the CRC-32/);
  });

  it('refuses a wrong CRC-32 or size in the trailer, and a file cut inside its trailer', () => {
    const crc = member.slice();
    crc[crc.length - 8] ^= 0xff;
    expect(inflateError(crc)).toMatch(/CRC-32 or size in its trailer does not match/);
    const size = member.slice();
    size[size.length - 1] ^= 0x01;
    expect(inflateError(size)).toMatch(/CRC-32 or size in its trailer does not match/);
    for (const cut of [1, 4, 8]) expect(inflateError(member.subarray(0, member.length - cut))).toMatch(/does not match .* cut short/);
    // A damaged first member of two is found at the second member's start.
    const first = crc.slice();
    expect(inflateError(join(first, member))).toMatch(/^gzip member 1 \(from byte 0\)/);
    expect(inflateError(join(member, crc))).toMatch(new RegExp(`^gzip member 2 \\(from byte ${member.length}\\)`));
  });

  it('refuses bytes after the last member, however few', () => {
    expect(inflateError(join(member, [1]))).toBe(`1 byte after the end of the gzip data (from byte ${member.length}) is not gzip data`);
    expect(inflateError(join(member, [0x1f, 0x8b, 8]))).toMatch(/^3 bytes after the end of the gzip data/);
    expect(inflateError(join(member, new Uint8Array(512)))).toMatch(/^512 bytes after the end of the gzip data/);
    expect(inflateError(join(member, member, [9, 9, 9, 9, 9]))).toBe(`5 bytes after the end of the gzip data (from byte ${2 * member.length}) are not gzip data`);
  });

  it('still stops early for sniffing without reading the rest', () => {
    expect(gunzipBounded(join(member, [1, 2, 3]), 1 << 20, 4).length).toBeGreaterThanOrEqual(4);
  });
});

describe('importers refuse a damaged gzip file with a clear message', () => {
  it('importDump (every format behind gzip)', () => {
    const damaged = member.slice();
    damaged[damaged.length - 6] ^= 0x40;
    expect(() => importDump('calls.gz', damaged)).toThrow(/^calls\.gz: looks like an rtcstats-legacy dump; at gzip stream: gzip member 1 \(from byte 0\): the CRC-32/);
    expect(() => importDump('calls.gz', join(member, [0, 0]))).toThrow(/at gzip stream: 2 bytes after the end of the gzip data/);
  });

  it('our own format', () => {
    const file = writeScopeDump([edgeBundle()], { extensionVersion: 'x', exportedAt: 0, userAgent: '' });
    expect(() => readScopeDump('f.json.gz', file.subarray(0, file.length - 2))).toThrow(/at byte 0: gzip: gzip member 1 .*cut short/);
  });
});
