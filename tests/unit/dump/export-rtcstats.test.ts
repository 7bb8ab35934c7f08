import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import type { StatsReportJson, StatsSample } from '../../../lib/model/session';
import { exportRtcstats, rtcstatsText } from '../../../lib/dump/export-rtcstats';
import { callBundle, edgeBundle } from '../../fixtures/bundles/call-bundle';
import { RTCSTATS_V3_CALL } from '../model/corpus';
import { importDump } from '../../../lib/dump/import-dump';
import type { SessionBundle } from '../../../lib/dump/session-bundle';
import { bytes as textBytes, internalsDump, legacyLines } from '../../fixtures/dumps/dump-fixtures';
import { EventStream } from '../../fixtures/session-builders';

type Entry = [string, string | null, unknown, ...unknown[]];
const corpusText = new TextDecoder().decode(gunzipSync(readFileSync(RTCSTATS_V3_CALL)));
const corpusLines = corpusText.split('\n');
const corpusEntries = corpusLines.slice(2).map((l) => JSON.parse(l) as Entry);

const bundle = callBundle();
const bytes = exportRtcstats(bundle);
const text = new TextDecoder().decode(gunzipSync(bytes));
const lines = text.split('\n');
const entries = lines.slice(2).map((l) => JSON.parse(l) as Entry);
const KEY: Record<string, string> = { '1-0': '10-0', '1-1': '10-1', '1-2': '10-2' };

describe('exportRtcstats against Chromium 156\'s rtcstats export of the same call', () => {
  it('has the same header, line shape and no trailing newline', () => {
    expect(lines[0]).toBe(corpusLines[0]);
    expect(corpusLines[1]).toBe('{"fileFormat":3}');
    // Chromium writes fileFormat alone; we add the page, the browser and the start, as rtcstats-server does.
    expect(JSON.parse(lines[1])).toEqual({ fileFormat: 3, url: bundle.session.url, origin: bundle.session.origin, userAgent: bundle.session.userAgent, startTime: bundle.session.startedAt });
    expect(bundle.session.userAgent).toMatch(/Chrome\//);
    expect(text.endsWith('\n')).toBe(false);
    for (const entry of entries) {
      expect(Array.isArray(entry)).toBe(true);
      expect(typeof entry[0]).toBe('string');
      expect(typeof entry[entry.length - 1]).toBe('number');
    }
    // The first delta is absolute epoch ms, the others are small.
    expect(entries[0][entries[0].length - 1]).toBeGreaterThan(1.7e12);
    expect(entries.slice(1).every((e) => (e[e.length - 1] as number) < 1e6)).toBe(true);
    expect(Buffer.from(exportRtcstats(bundle)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('writes the same method vocabulary, connection ids and event values', () => {
    const methods = (list: Entry[]) => new Set(list.map((e) => e[0]));
    const missing = [...methods(corpusEntries)].filter((m) => !methods(entries).has(m));
    // Client metadata is given by the caller; transceiver snapshots are not visible to a page.
    expect(missing.sort()).toEqual(['transceiverAdded', 'transceiverModified']);
    expect([...methods(entries)].filter((m) => !methods(corpusEntries).has(m))).toEqual([]);
    expect(entries.filter((e) => e[0] === 'getStats')).toHaveLength(corpusEntries.filter((e) => e[0] === 'getStats').length);

    for (const key of ['1-0', '1-1', '1-2']) {
      const ours = entries.filter((e) => e[1] === key && e[0] !== 'getStats');
      const theirs = corpusEntries.filter((e) => e[1] === KEY[key] && e[0] !== 'getStats' && !e[0].startsWith('transceiver'));
      expect(ours.map((e) => e[0])).toEqual(theirs.map((e) => e[0]));
      ours.forEach((entry, i) => {
        const ref = theirs[i];
        expect(entry.length).toBe(ref.length);
        // The fixture's addTrack calls have no stream arguments; the request id names our rid and pid 0.
        if (entry[0] === 'addTrack') expect((entry[2] as unknown[]).slice(0, 2)).toEqual((ref[2] as unknown[]).slice(0, 2));
        else expect(entry[2]).toEqual(ref[2]);
      });
    }
    const request = entries.find((e) => e[0] === 'navigator.mediaDevices.getUserMedia')!;
    expect(request.slice(3, 5)).toEqual(['getUserMedia-1-0-0', 'http://127.0.0.1:44231/?mode=gum']);
  });

  it('writes full getStats reports like Chromium: id among sorted fields, rates, then [codec]', () => {
    const ours = entries.filter((e) => e[0] === 'getStats' && e[1] === '1-1');
    const theirs = corpusEntries.filter((e) => e[0] === 'getStats' && e[1] === '10-1');
    for (const poll of [0, 2, 59]) {
      const a = ours[poll][2] as Record<string, Record<string, unknown>>;
      const b = theirs[poll][2] as Record<string, Record<string, unknown>>;
      expect(Object.keys(a)).toEqual(Object.keys(b));
      for (const id of Object.keys(b)) {
        const notReproducible = (k: string) => /^\[(last|estimated|remote|framesReceived-|interFrameDelayStDev)/.test(k);
        expect(Object.keys(a[id])).toEqual(Object.keys(b[id]).filter((k) => !notReproducible(k)));
        for (const field of Object.keys(a[id])) {
          const x = a[id][field];
          const y = b[id][field];
          if (field.startsWith('[') && typeof x === 'number') expect(Math.abs(x - (y as number))).toBeLessThanOrEqual(Math.max(1, Math.abs(y as number) * 1e-6));
          else expect(x).toEqual(y);
        }
      }
    }
  });
});

/** The rtcstats-shared reader of formats.md §3.4 (without the property table, which our writer does not use). */
function decompress(deltas: Record<string, unknown>[]): StatsReportJson[] {
  let base: StatsReportJson = {};
  return deltas.map((raw) => {
    const delta = { ...raw };
    const T = delta.t as number;
    delete delta.t;
    const next: StatsReportJson = {};
    for (const id of Object.keys(base)) {
      if (delta[id] === null) continue;
      if (!(id in delta)) {
        next[id] = { ...base[id], timestamp: T };
        continue;
      }
      const d = delta[id] as Record<string, unknown>;
      const merged: Record<string, unknown> = { ...base[id] };
      for (const [k, v] of Object.entries(d)) {
        const old = merged[k];
        merged[k] = v && typeof v === 'object' && !Array.isArray(v) && old && typeof old === 'object' ? { ...old, ...v } : v;
      }
      if (!('timestamp' in d)) merged.timestamp = T;
      next[id] = merged as StatsReportJson[string];
    }
    for (const [id, d] of Object.entries(delta)) {
      if (id in base || d === null) continue;
      next[id] = { ...(d as object), ...('timestamp' in (d as object) ? {} : { timestamp: T }) } as StatsReportJson[string];
    }
    base = next;
    return next;
  });
}

/**
 * Our samples as an rtcstats reader sees them: ids renamed the way the writer numbers them (first appearance,
 * report order), and a field that vanished from a still-present object carried forward from the previous poll
 * (rtcstats deltas cannot say "field removed"; Chromium's optional remote-outbound-rtp roundTripTime does that).
 */
function asRtcstatsReaderSees(samples: StatsSample[]): StatsReportJson[] {
  const map = new Map<string, string>();
  for (const s of samples) for (const id of Object.keys(s.report)) if (!map.has(id)) map.set(id, String(map.size));
  let prev: StatsReportJson = {};
  return samples.map((s) => {
    const out: StatsReportJson = {};
    for (const [id, object] of Object.entries(s.report)) {
      const key = map.get(id)!;
      const renamedObject = Object.fromEntries(Object.entries(object).map(([k, v]) => [k, k.endsWith('Id') && typeof v === 'string' && map.has(v) ? map.get(v)! : v]));
      out[key] = { ...(prev[key] ?? {}), ...renamedObject } as StatsReportJson[string];
    }
    prev = out;
    return out;
  });
}

describe('exportRtcstats: applyConstraints', () => {
  it('has no rtcstats entry: left out, every other line as before', () => {
    const withApply = callBundle();
    const cam = { id: 'cam', kind: 'video', label: 'fake_device_0' };
    const t = withApply.events[withApply.events.length - 1].record.t;
    const extra = new EventStream().media(t, 'applyConstraints', [{ width: 320 }], { error: { name: 'OverconstrainedError', message: '' } }, 2, cam).events;
    withApply.events = [...withApply.events, ...extra.map((e, i) => ({ ...e, frame: 0, seq: withApply.events.length + i }))];
    expect(new TextDecoder().decode(gunzipSync(exportRtcstats(withApply)))).toBe(text);
  });
});

describe('exportRtcstats with rtcstats-js delta compression', () => {
  for (const [name, make] of [['the corpus call', callBundle], ['the edge bundle', edgeBundle]] as const) {
    it(`decompresses back to our samples (${name})`, () => {
      const b = make();
      const out = rtcstatsText(b, { stats: 'delta' }).split('\n').slice(2).map((l) => JSON.parse(l) as Entry);
      let t = 0;
      const times: number[] = [];
      const perPc = new Map<string, Record<string, unknown>[]>();
      for (const entry of out) {
        t = times.length === 0 && t === 0 ? (entry[entry.length - 1] as number) : t + (entry[entry.length - 1] as number);
        times.push(t);
        if (entry[0] !== 'getStats') continue;
        const list = perPc.get(entry[1]!) ?? [];
        list.push(entry[2] as Record<string, unknown>);
        perPc.set(entry[1]!, list);
      }
      for (const pc of b.pcs) {
        const samples = b.samples[pc.pcId] ?? [];
        const key = `1-${pc.pcId.split('-')[1]}`;
        expect(decompress(perPc.get(key) ?? [])).toEqual(asRtcstatsReaderSees(samples));
      }
      const getStatsTimes = out.map((e, i) => (e[0] === 'getStats' ? times[i] : null)).filter((x): x is number => x !== null);
      const sampleTimes = Object.values(b.samples).flat().map((s) => s.t).sort((x, y) => x - y);
      getStatsTimes.forEach((x, i) => expect(x).toBeCloseTo(sampleTimes[i], 3));
    });
  }

  it('is much smaller than full reports', () => {
    const full = rtcstatsText(bundle).length;
    const delta = rtcstatsText(bundle, { stats: 'delta' }).length;
    expect(delta).toBeLessThan(full / 3);
  });

  it('writes client metadata first and gets failures, removals and other media requests right', () => {
    const b = edgeBundle();
    b.pcs[0] = { ...b.pcs[0], closedBy: 'unload' };
    const out = rtcstatsText(b, { client: { hardwareConcurrency: 8 } }).split('\n').slice(2).map((l) => JSON.parse(l) as Entry);
    expect(out[0].slice(0, 3)).toEqual(['create', null, { hardwareConcurrency: 8 }]);
    expect(out.map((e) => e[0])).toContain('remove');
    const failure = out.find((e) => e[0] === 'navigator.mediaDevices.getDisplayMediaOnFailure')!;
    expect(failure.slice(1, 4)).toEqual(['1-0', { error: 'NotAllowedError', error_message: 'Permission denied' }, 'getDisplayMedia-1-0-1']);
    expect(out.find((e) => e[0] === 'constraints')![2]).toEqual({ optional: [{ googIPv6: true }] });
    expect(out.find((e) => e[0] === 'setRemoteDescriptionOnFailure')![2]).toBe('OperationError: Failed to parse SessionDescription.');
  });
});

describe('exportRtcstats: imported entries without a record of their own', () => {
  const T0 = 1_700_000_000_000;
  /** Entries of no record of ours: a PC's (dump-entry) and the session's (file-entry), as the trace keeps them. */
  const entries = (b: SessionBundle) =>
    b.events.flatMap((e) => {
      const r = e.record;
      if (r.type === 'file-entry' || (r.type === 'pc-event' && r.event === 'dump-entry')) return [{ pcId: e.pcId, t: r.t, value: r.value }];
      return [];
    });

  it('come back as they were, also when their names are method codes or lines the reader reads itself', () => {
    // Names the RTCStatsDump reader would take for getStats ("g", "1"), create (39), close (36), getUserMedia (60),
    // its own lines (create, remove, getStats, constraints), an app event (":x") or a media entry.
    const names = ['g', '1', '39', '36', '60', 'create', 'remove', 'getStats', 'constraints', ':x', 'MediaStreamTrack.foo', 'transceiverAdded'];
    const internals = internalsDump({ '1-1': { updateLog: names.map((type, i) => ({ type, value: `value ${i}`, timestamp: T0 + i })) } });
    const appEvents = legacyLines([['create', 'PC_0', {}, T0], ...['39', 'g', '36', 'websocket', ':app', 'identity'].map((name, i) => [name, null, { n: i }, T0 + 100 + i])]);
    for (const file of [internals, appEvents]) {
      const first = importDump('in', textBytes(file)).bundles[0];
      expect(entries(first).length).toBeGreaterThanOrEqual(6);
      const again = importDump('again.gz', exportRtcstats(first));
      expect(again.problems).toEqual([]);
      expect(entries(again.bundles[0])).toEqual(entries(first));
    }
    // Written as app events (`:<name>`, formats.md §3.2) only where needed: transceiverAdded keeps its own name.
    const methods = rtcstatsText(importDump('in', textBytes(internals)).bundles).split('\n').slice(2).map((l) => (JSON.parse(l) as Entry)[0]);
    expect(methods).toEqual(expect.arrayContaining([':g', ':39', ':create', '::x', ':MediaStreamTrack.foo', 'transceiverAdded']));
  });
});
