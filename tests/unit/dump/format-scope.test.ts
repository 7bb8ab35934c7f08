import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync, strToU8 } from 'fflate';
import { readFileSync } from 'node:fs';
import { DumpError, type SessionBundle } from '../../../lib/dump/session-bundle';
import {
  looksLikeScopeDump,
  readScopeDump,
  readScopeDumpWithMeta,
  scopeDumpJson,
  writeScopeDump,
  type ScopeDumpMeta,
} from '../../../lib/dump/format-scope';
import { importDump } from '../../../lib/dump/import-dump';
import { callBundle, edgeBundle } from '../../fixtures/bundles/call-bundle';
import { CORPUS_DIR, INTERNALS_DUMP_CALL, RTCSTATS_V3_CALL } from '../model/corpus';
import { exportRtcstats } from '../../../lib/dump/export-rtcstats';
import { MAX_STATS_INDEX } from '../../../lib/protocol/constants';

const RTCSTATS_LEGACY_RELAY = `${CORPUS_DIR}/dumps/rtcstats-legacy/google-standard-stats-relay-p2p`;

const META: ScopeDumpMeta = { extensionVersion: '0.1.0', exportedAt: 1_795_400_000_000, userAgent: 'Mozilla/5.0 test' };
const text = (bytes: Uint8Array) => new TextDecoder().decode(gunzipSync(bytes));

/** Plain JSON document of the edge bundle, for corrupting by hand. */
const edgeDocument = () => JSON.parse(scopeDumpJson([edgeBundle()], META)) as Record<string, any>;
const plain = (doc: unknown) => strToU8(JSON.stringify(doc));

function expectDumpError(run: () => unknown, where: string | RegExp, reason?: RegExp): DumpError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DumpError);
  const error = caught as DumpError;
  expect(error.fileName).toBe('f.json.gz');
  expect(error.format).toBe('webrtc-scope');
  if (typeof where === 'string') expect(error.where).toBe(where);
  else expect(error.where).toMatch(where);
  if (reason) expect(error.reason).toMatch(reason);
  return error;
}

describe('writeScopeDump / readScopeDump', () => {
  const call = callBundle();
  const edge = edgeBundle();
  const bytes = writeScopeDump([call, edge], META);

  it('gives back exactly the same bundles (several sessions per file)', () => {
    const back = readScopeDump('f.json.gz', bytes);
    expect(back).toHaveLength(2);
    expect(back[0]).toStrictEqual(call);
    expect(back[1]).toStrictEqual(edge);
  });

  it('export → import → export is byte-identical', () => {
    const again = writeScopeDump(readScopeDump('f.json.gz', bytes), META);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    // …and stable run to run (gzip mtime 0, no file name).
    expect(Buffer.from(writeScopeDump([call, edge], META)).equals(Buffer.from(bytes))).toBe(true);
    expect([...bytes.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
  });

  it('leaves out when a store imported a session (its own bookkeeping; the format names file and format only)', () => {
    const imported = { ...callBundle(), session: { ...callBundle().session, id: 'import:x', imported: { fileName: 'a.json', format: 'webrtc-internals', importedAt: 1_795_400_000_000 } } };
    const [back] = readScopeDump('f.json.gz', writeScopeDump([imported], META));
    expect(back.session.imported).toStrictEqual({ fileName: 'a.json', format: 'webrtc-internals' });
  });

  it('does not depend on the key order of the reports it is given', () => {
    const shuffled: SessionBundle = structuredClone(edge);
    for (const sample of shuffled.samples['0-1']) {
      sample.report = Object.fromEntries(Object.entries(sample.report).reverse().map(([id, o]) => [id, Object.fromEntries(Object.entries(o).reverse())]));
    }
    expect(Buffer.from(writeScopeDump([shuffled], META)).equals(Buffer.from(writeScopeDump([edge], META)))).toBe(true);
  });

  it('starts with the format header and keeps the export metadata', () => {
    expect(text(bytes).startsWith('{"format":"webrtc-scope","version":2,"extensionVersion":"0.1.0","exportedAt":1795400000000,')).toBe(true);
    expect(readScopeDumpWithMeta('f.json.gz', bytes).meta).toStrictEqual(META);
  });

  it('is far smaller than the raw reports', () => {
    const raw = JSON.stringify(call.samples).length;
    expect(bytes.length).toBeLessThan(raw / 12);
  });

  it('reads the uncompressed JSON as well (a user may have gunzipped it)', () => {
    expect(readScopeDump('f.json.gz', strToU8(text(bytes)))).toStrictEqual([call, edge]);
  });

  it('writes an empty file list and empty sessions', () => {
    expect(readScopeDump('f.json.gz', writeScopeDump([], META))).toEqual([]);
    const empty: SessionBundle = { session: edge.session, pcs: [], events: [], samples: {} };
    expect(readScopeDump('f.json.gz', writeScopeDump([empty], META))).toStrictEqual([empty]);
  });
});

describe('looksLikeScopeDump', () => {
  const bytes = writeScopeDump([edgeBundle()], META);
  it('recognises gzip bytes, plain bytes and text', () => {
    expect(looksLikeScopeDump(bytes)).toBe(true);
    expect(looksLikeScopeDump(gunzipSync(bytes))).toBe(true);
    expect(looksLikeScopeDump('\uFEFF { "format" : "webrtc-scope", "version": 2 }')).toBe(true);
  });
  it('rejects other dumps and garbage', () => {
    expect(looksLikeScopeDump(readFileSync(INTERNALS_DUMP_CALL))).toBe(false);
    expect(looksLikeScopeDump(readFileSync(RTCSTATS_V3_CALL))).toBe(false);
    expect(looksLikeScopeDump('{"sessions":[],"format":"webrtc-scope"}')).toBe(false);
    expect(looksLikeScopeDump(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toBe(false);
    expect(looksLikeScopeDump('')).toBe(false);
  });
});

describe('version 2: file PC ids and generic entries of imported dumps', () => {
  const entry = { type: 'pc-event', pc: 1, t: 1_795_400_000_500, event: 'dump-entry', value: { name: 'transceiverAdded', text: '{"mid":null,"kind":"audio"}' } };
  /** The edge document with a file id on its first PC and a generic entry appended to its trace. */
  function v2Document() {
    const doc = edgeDocument();
    const session = doc.sessions[0];
    session.pcs[0].fileId = '12-1';
    session.events.push({ seq: session.events.length, frame: 0, pcId: session.pcs[0].pcId, record: structuredClone(entry) });
    return doc;
  }

  it('reads them back and writes the same bytes again', () => {
    const bytes = gzipSync(plain(v2Document()), { mtime: 0 });
    const back = readScopeDump('f.json.gz', bytes);
    expect(back[0].pcs[0].fileId).toBe('12-1');
    expect(back[0].events[back[0].events.length - 1].record).toStrictEqual(entry);
    const again = writeScopeDump(back, META);
    expect(text(again)).toBe(JSON.stringify(v2Document()));
    expect(Buffer.from(writeScopeDump(readScopeDump('f.json.gz', again), META)).equals(Buffer.from(again))).toBe(true);
  });

  it('keeps reading version 1 files, whose member set stays closed', () => {
    const v1 = edgeDocument();
    v1.version = 1;
    expect(readScopeDump('f.json.gz', plain(v1))).toStrictEqual([edgeBundle()]);
    const withId = v2Document();
    withId.version = 1;
    withId.sessions[0].events.pop();
    expectDumpError(() => readScopeDump('f.json.gz', plain(withId)), 'sessions[0].pcs[0].fileId', /unexpected member/);
    const withEntry = v2Document();
    withEntry.version = 1;
    delete withEntry.sessions[0].pcs[0].fileId;
    expectDumpError(() => readScopeDump('f.json.gz', plain(withEntry)), /^sessions\[0\]\.events\[\d+\]\.record$/, /pc-event/);
  });

  it.each([
    ['an extra record member', (r: any) => (r.extra = 1), /\.record\.extra$/],
    ['an extra value member', (r: any) => (r.value.more = ''), /\.record\.value\.more$/],
    ['a text that is not a string', (r: any) => (r.value.text = { a: 1 }), /\.record\.value\.text$/],
    ['an empty name', (r: any) => (r.value.name = ''), /\.record\.value\.name$/],
    ['a name too long', (r: any) => (r.value.name = 'x'.repeat(257)), /\.record\.value\.name$/],
    ['no PC number', (r: any) => delete r.pc, /\.record\.pc$/],
    ['a time that is not a number', (r: any) => (r.t = '1'), /\.record\.t$/],
  ])('refuses a generic entry with %s', (_name, spoil, where) => {
    const doc = v2Document();
    const events = doc.sessions[0].events;
    spoil(events[events.length - 1].record);
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc)), where);
  });

  it('an imported corpus dump with generic entries and file ids round-trips exactly', () => {
    const bundles = importDump('d.json', new Uint8Array(readFileSync(INTERNALS_DUMP_CALL))).bundles;
    expect(bundles[0].pcs.map((p) => p.fileId)).toEqual(['10-1', '10-2']);
    const bytes = writeScopeDump(bundles, META);
    const back = readScopeDump('f.json.gz', bytes);
    expect(back[0].events.filter((e) => e.record.type === 'pc-event' && e.record.event === 'dump-entry')).toHaveLength(10);
    expect(back[0].pcs).toStrictEqual(bundles[0].pcs);
    expect(back[0].events).toStrictEqual(bundles[0].events);
    expect(Buffer.from(writeScopeDump(back, META)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('version 2: entries of no PC (file-entry)', () => {
  const fileEntry = { type: 'file-entry', t: 1_795_400_000_700, value: { name: 'identity', text: '{"displayName":"<b>x</b>"}' } };
  function withFileEntry() {
    const doc = edgeDocument();
    const events = doc.sessions[0].events;
    events.push({ seq: events.length, frame: 0, pcId: null, record: structuredClone(fileEntry) });
    return doc;
  }

  it('reads them back and writes the same bytes again', () => {
    const back = readScopeDump('f.json.gz', plain(withFileEntry()));
    const events = back[0].events;
    expect(events[events.length - 1]).toMatchObject({ pcId: null, record: fileEntry });
    expect(text(writeScopeDump(back, META))).toBe(JSON.stringify(withFileEntry()));
  });

  it.each([
    ['in a version 1 file', (doc: any) => (doc.version = 1), /\.record$/],
    ['on a PC', (doc: any) => (doc.sessions[0].events.at(-1).pcId = doc.sessions[0].pcs[0].pcId), /\.pcId$/],
    ['with an extra member', (doc: any) => (doc.sessions[0].events.at(-1).record.pc = 1), /\.record\.pc$/],
    ['with an empty name', (doc: any) => (doc.sessions[0].events.at(-1).record.value.name = ''), /\.record\.value\.name$/],
    ['with a text that is not a string', (doc: any) => (doc.sessions[0].events.at(-1).record.value.text = 5), /\.record\.value\.text$/],
  ])('refuses one %s', (_name, spoil, where) => {
    const doc = withFileEntry();
    spoil(doc);
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc)), where);
  });

  it('an imported rtcstats dump keeps its app events through our format, and the RTCStatsDump export writes them back', () => {
    const file = RTCSTATS_LEGACY_RELAY;
    const bundles = importDump('relay', new Uint8Array(readFileSync(file))).bundles;
    const names = (b: SessionBundle[]) => b[0].events.filter((e) => e.record.type === 'file-entry').map((e) => (e.record as { value: { name: string } }).value.name);
    expect(names(bundles)).toEqual(['identity', 'logs', 'conferenceStartTimestamp', 'identity', 'logs', 'logs']);
    const bytes = writeScopeDump(bundles, META);
    const back = readScopeDump('f.json.gz', bytes);
    expect(back[0].events).toStrictEqual(bundles[0].events);
    const again = importDump('again.rtcstats.gz', exportRtcstats(back)).bundles;
    expect(names(again)).toEqual(names(bundles));
    const texts = (b: SessionBundle[]) => b[0].events.filter((e) => e.record.type === 'file-entry').map((e) => (e.record as { value: { text: string } }).value.text);
    expect(texts(again)).toEqual(texts(bundles));
  });
});

describe('readScopeDump on bad or hostile input', () => {
  it('rejects a newer version with a clear reason', () => {
    const doc = edgeDocument();
    doc.version = 3;
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc)), '$.version', /newer WebRTC Scope/);
  });

  it('names the key path of a wrong field', () => {
    const doc = edgeDocument();
    doc.sessions[0].pcs[0].createdAt = 'yesterday';
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc)), 'sessions[0].pcs[0].createdAt', /finite number/);
    const doc2 = edgeDocument();
    delete doc2.sessions[0].session.origin;
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc2)), 'sessions[0].session.origin', /missing/);
    const doc3 = edgeDocument();
    doc3.sessions[0].events[3].seq = 7;
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc3)), 'sessions[0].events[3].seq', /gap-free/);
    const doc4 = edgeDocument();
    doc4.sessions[0].stats['0-1'][1].delta.changed.T01 = 5;
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc4)), 'sessions[0].stats["0-1"][1].delta.changed["T01"]', /object/);
    const doc5 = edgeDocument();
    doc5.sessions[0].events[0].record.type = 'pc-exploded';
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc5)), 'sessions[0].events[0].record', /unknown record type/);
    const doc6 = edgeDocument();
    doc6.sessions[0].pcs[0].closedBy = 'gremlins';
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc6)), 'sessions[0].pcs[0].closedBy', /one of/);
    const doc7 = edgeDocument();
    doc7.sessions[0].stats['0-1'][2].t = 5;
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc7)), 'sessions[0].stats["0-1"][2].t', /backwards/);
    const doc8 = edgeDocument();
    doc8.sessions[0].extra = 1;
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc8)), 'sessions[0].extra', /unexpected/);
  });

  it('refuses __proto__ keys anywhere without polluting prototypes', () => {
    const inject = (path: string, make: (doc: Record<string, any>) => void) => {
      const doc = edgeDocument();
      make(doc);
      // JSON.stringify cannot write a "__proto__" own key made by assignment; splice it into the text instead.
      const json = JSON.stringify(doc).replace('"__PROTO__"', '"__proto__"');
      expectDumpError(() => readScopeDump('f.json.gz', strToU8(json)), path, /forbidden key/);
    };
    inject('sessions[0].session.__proto__', (d) => (d.sessions[0].session.__PROTO__ = { polluted: true }));
    inject('sessions[0].session.refused.__proto__', (d) => (d.sessions[0].session.refused.__PROTO__ = 1));
    inject('sessions[0].stats["__proto__"]', (d) => (d.sessions[0].stats.__PROTO__ = []));
    inject('sessions[0].stats["0-1"][0].delta.added.__proto__', (d) => (d.sessions[0].stats['0-1'][0].delta.added.__PROTO__ = { polluted: true }));
    inject('sessions[0].pcs[0].config.__proto__', (d) => (d.sessions[0].pcs[0].config.__PROTO__ = { polluted: true }));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses hostile nesting without overflowing the stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const json = scopeDumpJson([edgeBundle()], META).replace('"args":[{"offerToReceiveAudio":true}]', `"args":[${deep}]`);
    expectDumpError(() => readScopeDump('f.json.gz', strToU8(json)), /^sessions\[0\]\.events\[1\]\.record$|^\$$/);
  });

  it('stops inflating a gzip bomb at the size cap', () => {
    const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024), { mtime: 0 });
    expectDumpError(() => readScopeDump('f.json.gz', bomb, { maxBytes: 1024 * 1024 }), 'byte 0', /more than 1048576 bytes/);
    expectDumpError(() => readScopeDump('f.json.gz', new Uint8Array(2 * 1024 * 1024).fill(32), { maxBytes: 1024 * 1024 }), 'byte 0', /larger/);
  });

  it('rejects broken gzip, non-UTF-8 and non-JSON', () => {
    const bytes = writeScopeDump([edgeBundle()], META);
    expectDumpError(() => readScopeDump('f.json.gz', bytes.subarray(0, bytes.length / 2)), 'byte 0', /gzip/);
    expectDumpError(() => readScopeDump('f.json.gz', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 'byte 0', /not UTF-8 text/);
    // FF FE is the UTF-16LE byte order mark: then the text must be UTF-16 (here it ends in half a code unit).
    expectDumpError(() => readScopeDump('f.json.gz', new Uint8Array([0xff, 0xfe, 0x7b])), 'byte 0', /not UTF-16LE text/);
    expectDumpError(() => readScopeDump('f.json.gz', strToU8('{"format":"webrtc-scope",')), '$', /not valid JSON/);
    expectDumpError(() => readScopeDump('f.json.gz', strToU8('[]')), '$', /object/);
    expectDumpError(() => readScopeDump('f.json.gz', strToU8('{"format":"other"}')), '$.format');
  });

  it('refuses a PC id twice in a session, stats of a PC not in it, and an event whose PC id is not its record\'s', () => {
    const twice = edgeDocument();
    twice.sessions[0].pcs.push({ ...twice.sessions[0].pcs[0], createdAt: 1_000_200 });
    expectDumpError(() => readScopeDump('f.json.gz', plain(twice)), 'sessions[0].pcs[1].pcId', /^duplicate of pcs\[0\]$/);
    const stray = edgeDocument();
    stray.sessions[0].stats.zz = stray.sessions[0].stats['0-1'];
    expectDumpError(() => readScopeDump('f.json.gz', plain(stray)), 'sessions[0].stats["zz"]', /not in sessions\[0\]\.pcs/);
    const renamed = edgeDocument();
    renamed.sessions[0].events[3].pcId = 'nope';
    expectDumpError(() => readScopeDump('f.json.gz', plain(renamed)), 'sessions[0].events[3].pcId', /expected "0-1"/);
    const media = edgeDocument();
    const gum = media.sessions[0].events.findIndex((e: { record: { type: string } }) => e.record.type === 'media-call');
    media.sessions[0].events[gum].pcId = '0-1';
    expectDumpError(() => readScopeDump('f.json.gz', plain(media)), `sessions[0].events[${gum}].pcId`, /expected null/);
    // A record of a PC the session does not list stays readable: the recorder keeps those of a refused pc-created.
    const orphan = edgeDocument();
    orphan.sessions[0].events[3].record.pc = 9;
    orphan.sessions[0].events[3].pcId = '0-9';
    expect(readScopeDump('f.json.gz', plain(orphan))[0].events[3].pcId).toBe('0-9');
  });

  it('refuses a poll index past MAX_STATS_INDEX, saying which PC and poll (the store cannot pack it)', () => {
    // The edge bundle's polls of "0-1" have indexes 0, 1, 2, 4.
    for (const index of [MAX_STATS_INDEX + 1, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER]) {
      const doc = edgeDocument();
      doc.sessions[0].stats['0-1'][3].index = index;
      expectDumpError(() => readScopeDump('f.json.gz', plain(doc)), 'sessions[0].stats["0-1"][3].index', new RegExp(`^poll index ${index} is above ${MAX_STATS_INDEX}, the highest a recording reaches`));
    }
    const first = edgeDocument();
    first.sessions[0].stats['0-1'][0].index = MAX_STATS_INDEX + 1;
    expectDumpError(() => readScopeDump('f.json.gz', plain(first)), 'sessions[0].stats["0-1"][0].index', /is above/);
    // The highest index a recording can reach is read.
    const highest = edgeDocument();
    highest.sessions[0].stats['0-1'][3].index = MAX_STATS_INDEX;
    expect(readScopeDump('f.json.gz', plain(highest))[0].samples['0-1'][3].index).toBe(MAX_STATS_INDEX);
  });

  it('refuses frame indexes that are not the frames\' positions, and PCs or events of a frame the session does not have', () => {
    const moved = edgeDocument();
    moved.sessions[0].session.frames[0].index = 2 ** 40;
    expectDumpError(() => readScopeDump('f.json.gz', plain(moved)), 'sessions[0].session.frames[0].index', /^expected 0 \(frames are numbered by position from 0\)$/);
    const pc = edgeDocument();
    pc.sessions[0].pcs[0].frame = 3;
    expectDumpError(() => readScopeDump('f.json.gz', plain(pc)), 'sessions[0].pcs[0].frame', /^frame 3 is not one of the 1 frames of sessions\[0\]\.session\.frames$/);
    const event = edgeDocument();
    const gum = event.sessions[0].events.findIndex((e: { record: { type: string } }) => e.record.type === 'media-call');
    event.sessions[0].events[gum].frame = 1;
    expectDumpError(() => readScopeDump('f.json.gz', plain(event)), `sessions[0].events[${gum}].frame`, /^frame 1 is not one of the 1 frames/);
  });

  it('refuses a stats record in the trace', () => {
    const doc = edgeDocument();
    doc.sessions[0].events[0].record = { type: 'pc-stats', pc: 1, index: 0, t: 1, delta: {}, cost: { getStatsMs: 0, hookMs: 0 } };
    expectDumpError(() => readScopeDump('f.json.gz', plain(doc)), 'sessions[0].events[0].record.type', /stats records/);
  });
});
