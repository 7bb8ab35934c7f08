/**
 * The import job over a real SessionStore (fake-indexeddb): a malformed file is refused with where and why, the
 * stored sessions stay as they were, and the offer to import the valid part counts every problem.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { runImport } from '../../../lib/dump/dump-jobs';
import { importDump } from '../../../lib/dump/import-dump';
import { scopeDumpJson } from '../../../lib/dump/format-scope';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import { bytes, legacyLines } from '../../fixtures/dumps/dump-fixtures';
import { edgeBundle } from '../../fixtures/bundles/call-bundle';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CORPUS_DIR } from '../model/corpus';

let n = 0;
const openStore = async () => new SessionStore(await openScopeDb(`dump-jobs-${++n}`));
const T0 = 1_700_000_000_000;

describe('runImport', () => {
  it('refuses our own format with a PC id twice, saying where, before the store sees it', async () => {
    const store = await openStore();
    const [kept] = await runImport(store, [{ name: 'kept.log', bytes: bytes(legacyLines([['create', 'PC_0', {}, T0]])) }]);
    const doc = JSON.parse(scopeDumpJson([edgeBundle()], { extensionVersion: 'x', exportedAt: 0, userAgent: '' }));
    doc.sessions[0].pcs.push({ ...doc.sessions[0].pcs[0] });
    const [refused] = await runImport(store, [{ name: 'twice.json.gz', bytes: gzipSync(bytes(JSON.stringify(doc))) }]);
    // Not "could not be stored: AbortError" (the store's transaction failing on the second key).
    expect(refused.error).toBe('twice.json.gz: looks like a webrtc-scope dump; at sessions[0].pcs[1].pcId: duplicate of pcs[0]');
    expect((await store.listSessions()).map((s) => s.id)).toEqual([kept.sessions[0].id]);
  });

  it('refuses our own format with a poll index past what the store can pack, saying where, before the store sees it', async () => {
    const store = await openStore();
    const [kept] = await runImport(store, [{ name: 'kept.log', bytes: bytes(legacyLines([['create', 'PC_0', {}, T0]])) }]);
    const doc = JSON.parse(scopeDumpJson([edgeBundle()], { extensionVersion: 'x', exportedAt: 0, userAgent: '' }));
    doc.sessions[0].stats['0-1'][3].index = Number.MAX_SAFE_INTEGER;
    const [refused] = await runImport(store, [{ name: 'far.json.gz', bytes: gzipSync(bytes(JSON.stringify(doc))) }]);
    // Not "could not be stored: sample index … is too far from 2" (the chunk codec, after the whole file was read).
    expect(refused.error).toBe(
      `far.json.gz: looks like a webrtc-scope dump; at sessions[0].stats["0-1"][3].index: poll index ${Number.MAX_SAFE_INTEGER} is above ${2 ** 31}, the highest a recording reaches (2^31 polls take 6.8 years at the fastest poll interval)`,
    );
    expect((await store.listSessions()).map((s) => s.id)).toEqual([kept.sessions[0].id]);
  });

  it('offers the valid part with the number of all problems, not of those listed', async () => {
    const lines: unknown[] = [['create', 'PC_0', {}, T0]];
    for (let i = 0; i < 1500; i++) lines.push(['onsignalingstatechange', 'PC_0', 'stable', 'not a time']);
    const file = bytes(legacyLines(lines));
    const probe = importDump('many.log', file, { allowPartial: true });
    expect(probe.problemCount).toBe(1500);
    // The first 1000 in full, then one entry for the rest.
    expect(probe.problems).toHaveLength(1001);
    const [refused] = await runImport(await openStore(), [{ name: 'many.log', bytes: file }]);
    expect(refused.error).toMatch(/^many\.log: looks like an rtcstats-legacy dump; at line 2: timestamp \(4th element\) is not a number \(and 1499 more problems/);
    expect(refused.partial?.problemCount).toBe(1500);
    expect(refused.partial?.problems).toHaveLength(20);
  });

  const V3 = resolve(CORPUS_DIR, 'dumps/rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz');
  it.skipIf(!existsSync(V3))('offers the whole lines of an rtcstats file cut short (a stopped download) and stores them, saying what was left out', async () => {
    const whole = new Uint8Array(readFileSync(V3));
    const cut = whole.subarray(0, whole.length >> 1);
    const store = await openStore();
    const [refused] = await runImport(store, [{ name: 'cut.jsonl.gz', bytes: cut }]);
    expect(refused.error).toMatch(/^cut\.jsonl\.gz: looks like an rtcstats-v3 dump; at gzip stream: the compressed data ends early/);
    expect(refused.partial?.problemCount).toBe(1);
    expect(refused.partial?.problems[0].reason).toMatch(/read up to its last whole line; the \d+ bytes of the line the cut fell in were left out$/);
    expect(await store.listSessions()).toEqual([]);

    const [kept] = await runImport(store, [{ name: 'cut.jsonl.gz', bytes: cut }], { allowPartial: true });
    expect(kept.error).toBeNull();
    expect(kept.skipped.map((p) => p.where)).toEqual(['gzip stream']);
    const [full] = await runImport(store, [{ name: 'whole.jsonl.gz', bytes: whole }]);
    const pcs = (await store.getPcs(kept.sessions[0].id)).filter((pc) => pc.sampleCount > 0);
    const fullPcs = await store.getPcs(full.sessions[0].id);
    // The first half of the call: its PCs, with fewer samples than the whole file's.
    expect(pcs.length).toBeGreaterThan(0);
    for (const pc of pcs) expect(pc.sampleCount).toBeLessThan(fullPcs.find((p) => p.pcId === pc.pcId)!.sampleCount);
  });
});
