import { describe, expect, it } from 'vitest';
import { applyStatsDelta, type StatsDelta } from '../../../lib/model/stats-delta';
import type { StatsReportJson } from '../../../lib/model/session';
import { clampInterval, collectPlanned, createStatsPoller, collectReport, diffRawReports, diffRawReportsText, FULL_READ_EVERY, planReads, reportStamp, statsRecordFromText, statsRecordJson, statsReportToJson, type StatsRecord } from '../../../lib/page/stats-poller';

/** A manual clock and timer queue. */
function manualTimers() {
  let now = 0;
  let nextHandle = 1;
  const timers = new Map<number, { at: number; cb: () => void }>();
  return {
    now: () => now,
    setTimeout: (cb: () => void, ms: number) => {
      const handle = nextHandle++;
      timers.set(handle, { at: now + ms, cb });
      return handle;
    },
    clearTimeout: (handle: unknown) => {
      timers.delete(handle as number);
    },
    pending: () => timers.size,
    /** Advances the clock, running due timers and then pending promise jobs. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].cb();
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = end;
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

interface FakePc {
  closed: boolean;
  calls: number;
  pending?: Promise<unknown>;
  hold?: boolean;
}

function setup(intervalMs = 1000) {
  const timers = manualTimers();
  const records: StatsRecord[] = [];
  const getStatsOnClosed: FakePc[] = [];
  const poller = createStatsPoller<FakePc>(
    {
      getStats(pc) {
        if (pc.closed) getStatsOnClosed.push(pc);
        pc.calls++;
        const n = pc.calls;
        const report = new Map<string, Record<string, unknown>>([
          ['P', { id: 'P', type: 'peer-connection', timestamp: n }],
          ['O', { id: 'O', type: 'outbound-rtp', timestamp: n, bytesSent: n * 10 }],
        ]);
        if (pc.hold) return new Promise(() => {});
        return Promise.resolve(report);
      },
      isClosed: (pc) => pc.closed,
      collect: (report) => collectReport(report),
      emit: (record) => records.push(statsRecordFromText(record)),
      now: timers.now,
      timeOrigin: 1_000_000,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    },
    { enabled: true, intervalMs },
  );
  return { poller, timers, records, getStatsOnClosed };
}

describe('createStatsPoller', () => {
  it('polls every PC once per interval with gap-free indexes, a first full snapshot, then deltas', async () => {
    const { poller, timers, records } = setup();
    const a: FakePc = { closed: false, calls: 0 };
    const b: FakePc = { closed: false, calls: 0 };
    poller.add(1, a);
    poller.add(2, b);
    poller.add(2, b); // twice is once
    expect(timers.pending()).toBe(1); // one timer for all PCs
    await timers.advance(3000);
    expect(records.map((r) => [r.pc, r.index])).toEqual([
      [1, 0],
      [2, 0],
      [1, 1],
      [2, 1],
      [1, 2],
      [2, 2],
    ]);
    expect(records[0].reset).toBe(true);
    expect(records[0].delta).toEqual({
      added: { P: { type: 'peer-connection', timestamp: 1 }, O: { type: 'outbound-rtp', timestamp: 1, bytesSent: 10 } },
    });
    expect(records[2].reset).toBeUndefined();
    // Objects stamped with the report time (its peer-connection object's) move by one retime pair instead of a
    // timestamp entry each.
    expect(records[2].delta).toEqual({ changed: { O: { bytesSent: 20 } }, retime: [1, 2] });
    expect(records[0].t).toBe(1_000_000 + 1000);
    // The chain rebuilds each report.
    let report: StatsReportJson | null = null;
    for (const r of records.filter((r) => r.pc === 1)) report = applyStatsDelta(r.reset ? null : report, r.delta);
    expect(report).toEqual({ P: { type: 'peer-connection', timestamp: 3 }, O: { type: 'outbound-rtp', timestamp: 3, bytesSent: 30 } });
  });

  it('stops polling a closed PC before calling getStats, and the timer when no PC is left', async () => {
    const { poller, timers, records, getStatsOnClosed } = setup();
    const a: FakePc = { closed: false, calls: 0 };
    poller.add(1, a);
    await timers.advance(1000);
    a.closed = true;
    await timers.advance(5000);
    expect(records).toHaveLength(1);
    expect(getStatsOnClosed).toHaveLength(0);
    expect(poller.ids()).toEqual([]);
    expect(timers.pending()).toBe(0);
    const b: FakePc = { closed: false, calls: 0 };
    poller.add(2, b);
    expect(timers.pending()).toBe(1);
    poller.remove(2);
    expect(timers.pending()).toBe(0);
  });

  /** A poller whose browser runs timers late: `fireAt(asked)` says when a timer due at `asked` runs; a tick takes `tickMs`. */
  function lateTimers(fireAt: (asked: number) => number, tickMs: number, hidden = true) {
    let clock = 0;
    let pending: { at: number; cb: () => void } | null = null;
    const times: number[] = [];
    const pc: FakePc = { closed: false, calls: 0 };
    const poller = createStatsPoller<FakePc>(
      {
        getStats: (p) => {
          p.calls++;
          return Promise.resolve(new Map([['P', { id: 'P', type: 'peer-connection', timestamp: p.calls }]]));
        },
        isClosed: () => false,
        collect: (report) => collectReport(report),
        emit: (record) => times.push(record.t),
        now: () => clock + tickMs,
        timeOrigin: 0,
        setTimeout: (cb: () => void, ms: number) => {
          pending = { at: fireAt(clock + tickMs + ms), cb };
          return 1;
        },
        clearTimeout: () => {
          pending = null;
        },
        isHidden: () => hidden,
      },
      { enabled: true, intervalMs: 1000 },
    );
    poller.add(1, pc);
    return {
      times,
      async runTicks(n: number, delay: (i: number) => number = () => 0) {
        for (let i = 0; i < n; i++) {
          const next = pending!;
          pending = null;
          clock = next.at + delay(i);
          next.cb();
          for (let k = 0; k < 5; k++) await Promise.resolve();
        }
      },
    };
  }

  it('keeps a fixed cadence where timers run only at whole-second wake-ups (a hidden tab in Firefox 153)', async () => {
    // Each timer runs at the first wake-up (3 ms past each second) at or after its due time, and a tick takes 2 ms:
    // a 1000 ms timer set at the end of a tick would wait for the wake-up after next, every time.
    const { times, runTicks } = lateTimers((asked) => Math.ceil((asked - 3) / 1000) * 1000 + 3, 2);
    await runTicks(10);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps).toEqual(new Array(9).fill(1000));
  });

  /**
   * When a hidden tab runs a timer asked for `asked`: at its first wake-up (at 3 + periodMs·m ms) at least 100–250 ms
   * after it (the delays cycle through that range), as Firefox 153 was measured to do with periodMs ≈ 1001.
   */
  function hiddenTabTimers(periodMs: number): (asked: number) => number {
    const delays = [100, 140, 250, 190, 110, 220, 160];
    let n = 0;
    return (asked) => 3 + Math.ceil((asked + delays[n++ % delays.length] - 3) / periodMs) * periodMs;
  }

  it('keeps one sample per wake-up where a hidden tab wakes about every 1001 ms and runs timers 100–250 ms after the time they asked for (Firefox 153)', async () => {
    // A timer asked for most of a second ahead (a tick due one interval after the last, asked on time) would miss the
    // next wake-up whenever its run is delayed more than the tick was late.
    const { times, runTicks } = lateTimers(hiddenTabTimers(1001), 2);
    await runTicks(40);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps).toEqual(new Array(39).fill(1001));
  });

  it('where a hidden tab wakes a little faster than the interval (every 990 ms), a tick run before it was due anchors the cadence: still one sample per wake-up', async () => {
    // Timers run at the first wake-up 100–250 ms or more after the time they asked for. Each tick then runs 10 ms
    // earlier against the cadence than the last: after about 100 ticks they run before they are due, and were the
    // cadence kept, the next timer would be asked for more and more of a second ahead and miss its wake-up.
    const { times, runTicks } = lateTimers(hiddenTabTimers(990), 2);
    await runTicks(250);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps).toEqual(new Array(249).fill(990));
  });

  it('a visible page: after a tick that ran intervals late, polls again at the cadence, not in a burst', async () => {
    const { times, runTicks } = lateTimers((asked) => asked, 0, false);
    // The 3rd tick runs 3.4 s late (a frozen page): the next is due at the cadence's first point after it.
    await runTicks(6, (i) => (i === 2 ? 3400 : 0));
    expect(times).toEqual([1000, 2000, 6400, 7000, 8000, 9000]);
  });

  it('a hidden page: after a tick that ran intervals late, polls again no sooner than 100 ms after it, then at the cadence', async () => {
    const { times, runTicks } = lateTimers((asked) => asked, 0, true);
    // Taken for a throttled tab, the next timer is asked for a second before its tick is due (7000), but at least
    // 100 ms ahead: 6500; that one runs when asked (not throttled), so the next runs on the cadence.
    await runTicks(6, (i) => (i === 2 ? 3400 : 0));
    expect(times).toEqual([1000, 2000, 6400, 6500, 8000, 9000]);
  });

  it('never overlaps two getStats calls of one PC', async () => {
    const { poller, timers } = setup(100);
    const slow: FakePc = { closed: false, calls: 0, hold: true };
    poller.add(1, slow);
    await timers.advance(1000);
    expect(slow.calls).toBe(1);
  });

  it('configure: disabled stops the timer and drops in-flight results; enabled resumes with a snapshot at the new interval', async () => {
    const { poller, timers, records } = setup();
    const a: FakePc = { closed: false, calls: 0 };
    poller.add(1, a);
    await timers.advance(2000);
    poller.configure({ enabled: false, intervalMs: 1000 });
    expect(timers.pending()).toBe(0);
    await timers.advance(5000);
    expect(records).toHaveLength(2);
    poller.configure({ enabled: true, intervalMs: 250 });
    await timers.advance(1000);
    expect(records.slice(2).map((r) => [r.index, r.reset])).toEqual([
      [2, true],
      [3, undefined],
      [4, undefined],
      [5, undefined],
    ]);
    poller.resync();
    await timers.advance(250);
    expect(records.at(-1)!.reset).toBe(true);
    // Changing only the interval restarts the timer at the new period.
    poller.configure({ enabled: true, intervalMs: 2000 });
    const before = records.length;
    await timers.advance(1999);
    expect(records.length).toBe(before);
    await timers.advance(1);
    expect(records.length).toBe(before + 1);
  });

  it('reports what a poll cost', async () => {
    const { poller, timers, records } = setup();
    poller.add(1, { closed: false, calls: 0 });
    await timers.advance(1000);
    expect(records[0].cost).toEqual({ getStatsMs: 0, hookMs: 0 });
  });

  it('a getStats that throws or rejects is skipped, and polling goes on', async () => {
    const timers = manualTimers();
    const records: StatsRecord[] = [];
    let n = 0;
    const poller = createStatsPoller<object>(
      {
        getStats: () => {
          n++;
          if (n === 1) throw new Error('sync');
          if (n === 2) return Promise.reject(new Error('async'));
          return Promise.resolve(new Map([['P', { id: 'P', type: 'peer-connection', timestamp: n }]]));
        },
        isClosed: () => false,
        collect: (report) => collectReport(report),
        emit: (record) => records.push(statsRecordFromText(record)),
        now: timers.now,
        timeOrigin: 0,
        setTimeout: timers.setTimeout,
        clearTimeout: timers.clearTimeout,
      },
      { enabled: true, intervalMs: 100 },
    );
    poller.add(1, {});
    await timers.advance(300);
    expect(records.map((r) => [r.index, r.reset])).toEqual([[0, true]]);
  });
});

describe('one post per tick: the stats records of a tick go out together once its last poll settled', () => {
  function batchSetup() {
    const timers = manualTimers();
    const posts: { via: 'batch' | 'emit'; pcs: number[] }[] = [];
    const hookMs: Record<number, number[]> = {};
    let postCost = 0; // ms the fake clock moves while a batch is posted
    const resolvers = new Map<string, (report: unknown) => void>();
    const reportOf = (n: number) => new Map([['P', { id: 'P', type: 'peer-connection', timestamp: n }]]);
    const poller = createStatsPoller<{ name: string; mode: 'now' | 'manual' | 'reject'; calls: number }>(
      {
        getStats(pc) {
          pc.calls++;
          if (pc.mode === 'reject') return Promise.reject(new Error('no'));
          if (pc.mode === 'manual') return new Promise((resolve) => resolvers.set(pc.name, resolve));
          return Promise.resolve(reportOf(pc.calls));
        },
        isClosed: () => false,
        collect: (report) => collectReport(report),
        emit: (record) => {
          posts.push({ via: 'emit', pcs: [record.pc] });
          (hookMs[record.pc] ??= []).push(record.cost.hookMs);
        },
        emitBatch: (records) => {
          posts.push({ via: 'batch', pcs: records.map((r) => r.pc) });
          for (const r of records) (hookMs[r.pc] ??= []).push(r.cost.hookMs);
          postCost += 4;
        },
        now: () => timers.now() + postCost,
        timeOrigin: 0,
        setTimeout: timers.setTimeout,
        clearTimeout: timers.clearTimeout,
      },
      { enabled: true, intervalMs: 1000 },
    );
    return { poller, timers, posts, resolvers, reportOf, hookMs };
  }

  it('waits for every poll of the tick, then posts all records in poll order in one batch', async () => {
    const { poller, timers, posts, resolvers, reportOf } = batchSetup();
    poller.add(1, { name: 'a', mode: 'now', calls: 0 });
    poller.add(2, { name: 'b', mode: 'manual', calls: 0 });
    poller.add(3, { name: 'c', mode: 'reject', calls: 0 });
    await timers.advance(1000);
    expect(posts).toEqual([]); // b has not answered yet
    resolvers.get('b')!(reportOf(1));
    await timers.advance(1);
    expect(posts).toEqual([{ via: 'batch', pcs: [1, 2] }]);
  });

  it('charges each record of a batch its share of the post, in its PC\'s next hookMs', async () => {
    const { poller, timers, hookMs } = batchSetup();
    poller.add(1, { name: 'a', mode: 'now', calls: 0 });
    poller.add(2, { name: 'b', mode: 'now', calls: 0 });
    await timers.advance(2000);
    // Posting a batch takes 4 ms of the fake clock: 2 ms each, shown with the next poll of each PC.
    expect(hookMs).toEqual({ 1: [0, 2], 2: [0, 2] });
  });

  it('a poll slower than the interval does not hold the others back: the next tick posts them, and its late record goes alone', async () => {
    const { poller, timers, posts, resolvers, reportOf } = batchSetup();
    poller.add(1, { name: 'a', mode: 'now', calls: 0 });
    poller.add(2, { name: 'b', mode: 'manual', calls: 0 });
    await timers.advance(1000);
    await timers.advance(1000);
    // tick 2 posted a's tick-1 record; b is still in flight, so only a polled, and that tick's only record left with it
    expect(posts.map((p) => p.via + ':' + p.pcs.join(','))).toEqual(['batch:1', 'batch:1']);
    resolvers.get('b')!(reportOf(1));
    await timers.advance(1);
    // b's late record goes at once, on its own
    expect(posts.map((p) => p.via + ':' + p.pcs.join(','))).toEqual(['batch:1', 'batch:1', 'emit:2']);
  });

  it('switching capture off drops the records the tick was holding (the hook would drop them anyway)', async () => {
    const { poller, timers, posts, resolvers, reportOf } = batchSetup();
    poller.add(1, { name: 'a', mode: 'now', calls: 0 });
    poller.add(2, { name: 'b', mode: 'manual', calls: 0 });
    await timers.advance(1000);
    poller.configure({ enabled: false, intervalMs: 1000 });
    poller.configure({ enabled: true, intervalMs: 1000 });
    resolvers.get('b')!(reportOf(1));
    await timers.advance(1);
    expect(posts).toEqual([{ via: 'batch', pcs: [2] }]);
  });

  it('flush() posts what the tick holds at once (the hook calls it before any other record)', async () => {
    const { poller, timers, posts, resolvers, reportOf } = batchSetup();
    poller.add(1, { name: 'a', mode: 'now', calls: 0 });
    poller.add(2, { name: 'b', mode: 'manual', calls: 0 });
    await timers.advance(1000);
    expect(posts).toEqual([]);
    poller.flush();
    expect(posts).toEqual([{ via: 'batch', pcs: [1] }]);
    poller.flush();
    expect(posts.length).toBe(1);
    resolvers.get('b')!(reportOf(1));
    await timers.advance(1);
    expect(posts).toEqual([{ via: 'batch', pcs: [1] }, { via: 'batch', pcs: [2] }]);
  });
});

describe('statsReportToJson', () => {
  it('converts a maplike report: id → object without id, NaN → null, nested values copied', () => {
    const inner = { none: 1.5, cpu: 0 };
    const report = new Map<string, Record<string, unknown>>([
      ['A', { id: 'A', type: 'outbound-rtp', timestamp: 1, bytesSent: 5, qualityLimitationDurations: inner, bad: NaN, list: [1, NaN], fn: () => 1 }],
      ['__proto__', { id: '__proto__', type: 'x' }],
    ]);
    const json = statsReportToJson(report);
    expect(json).toEqual({
      A: { type: 'outbound-rtp', timestamp: 1, bytesSent: 5, qualityLimitationDurations: { none: 1.5, cpu: 0 }, bad: null, list: [1, null] },
    });
    expect(json.A.qualityLimitationDurations).not.toBe(inner);
  });

  it('uses the captured native forEach, and accepts a plain id → object record', () => {
    const report = { forEach: () => { throw new Error('page replaced forEach'); } };
    const native = function (this: unknown, cb: (v: unknown, k: unknown) => void) {
      cb({ id: 'X', type: 'codec', timestamp: 1 }, 'X');
    };
    expect(statsReportToJson(report, native)).toEqual({ X: { type: 'codec', timestamp: 1 } });
    expect(statsReportToJson({ Y: { id: 'Y', type: 'transport', timestamp: 2 } }, undefined)).toEqual({ Y: { type: 'transport', timestamp: 2 } });
    expect(statsReportToJson(null)).toEqual({});
  });
});

describe('clampInterval', () => {
  it('applies the protocol minimum and default', () => {
    expect(clampInterval(50)).toBe(100);
    expect(clampInterval(250)).toBe(250);
    expect(clampInterval(NaN)).toBe(1000);
    expect(clampInterval('5')).toBe(1000);
  });
});

/** The rule a read plan follows: objects came or went, or a field naming another object (…Id) changed. */
function referencesOthers(delta: StatsDelta): boolean {
  if (delta.added !== undefined || delta.removed !== undefined) return true;
  return Object.values(delta.changed ?? {}).some((fields) => Object.keys(fields).some((key) => key.length > 2 && key.endsWith('Id')));
}

describe('diffRawReports (the hook compares the browser\'s own objects, copying only what changed)', () => {
  /** Reports as the browser hands them over: objects with `id`, in a maplike. */
  const asBrowserReport = (report: StatsReportJson) => new Map(Object.entries(report).map(([id, o]) => [id, { id, ...o }]));

  function expectSameAsCopyThenDiff(sequence: StatsReportJson[]) {
    let prevRaw = null as ReturnType<typeof collectReport> | null;
    let prevJson: StatsReportJson | null = null;
    let rebuilt: StatsReportJson | null = null;
    for (const report of sequence) {
      const browserReport = asBrowserReport(report);
      const raw = collectReport(browserReport);
      const json = statsReportToJson(browserReport);
      const fused = diffRawReports(prevRaw, raw);
      expect(fused).toEqual(diffStatsReportsRef(prevJson, json));
      // The text the hook posts is exactly the serialised delta, and it flags what a read plan must not miss.
      const info = { refersToOthers: false };
      expect(diffRawReportsText(prevRaw, raw, undefined, (v) => JSON.stringify(v), info)).toBe(JSON.stringify(fused));
      expect(info.refersToOthers).toBe(referencesOthers(fused));
      rebuilt = applyStatsDelta(rebuilt, fused);
      expect(rebuilt).toEqual(json);
      prevRaw = raw;
      prevJson = json;
    }
  }

  it('equals copy-then-diff on 60 s of a real call (both PCs) and rebuilds every report', () => {
    for (const pc of ['10-1', '10-2'] as const) expectSameAsCopyThenDiff(loadCallReports(pc));
  });

  it('equals copy-then-diff for fields and objects that appear, change shape, go non-finite and disappear', () => {
    expectSameAsCopyThenDiff([
      { A: { type: 'outbound-rtp', timestamp: 1, n: 1, q: { none: 1, cpu: 0 } } },
      { A: { type: 'outbound-rtp', timestamp: 2, n: 1, q: { none: 2, cpu: 0 }, late: 'x' }, B: { type: 'codec', timestamp: 2 } },
      { A: { type: 'outbound-rtp', timestamp: 3, n: Number.NaN, q: { none: 2, cpu: 0 } }, B: { type: 'codec', timestamp: 2 } },
      { A: { type: 'outbound-rtp', timestamp: 4, n: Number.NaN, q: null, late: 'y', arr: [1, 2] } },
      { A: { type: 'outbound-rtp', timestamp: 5, arr: [1, 3] }, C: { type: 'transport', timestamp: 5, f: () => 1 } as never },
      { A: { type: 'outbound-rtp', timestamp: 5, arr: [1, 3] }, C: { type: 'transport', timestamp: 6 } },
      // A field comes while a reference changes (the read plan must hear of it), and one goes from the middle.
      { A: { type: 'outbound-rtp', timestamp: 7, codecId: 'C1', arr: [1, 3] }, C: { type: 'transport', timestamp: 7, x: 1, y: 2 } },
      { A: { type: 'outbound-rtp', timestamp: 8, codecId: 'C2', arr: [1, 3], rtt: 0.5 }, C: { type: 'transport', timestamp: 8, y: 2 } },
      { A: { type: 'outbound-rtp', rtt: 0.5, timestamp: 9, codecId: 'C2' }, C: { type: 'transport', timestamp: 9, y: 3, x: 1 } },
    ]);
  });

  it('equals copy-then-diff when objects come, go or move in the middle of the report (the side-by-side walk falls back to lookups)', () => {
    const o = (t: number, n: number) => ({ type: 'outbound-rtp', timestamp: t, n });
    expectSameAsCopyThenDiff([
      { A: o(1, 1), B: o(1, 1), C: o(1, 1), D: o(1, 1) },
      { A: o(2, 2), B: o(2, 2), C: o(2, 2), D: o(2, 2) }, // in step
      { A: o(3, 3), X: o(3, 0), B: o(3, 3), C: o(3, 3), D: o(3, 3) }, // one added in the middle
      { A: o(4, 4), B: o(4, 4), D: o(4, 4) }, // X and C gone, from the middle
      { D: o(5, 5), A: o(5, 5), B: o(5, 5) }, // moved
      { D: o(6, 6), A: o(6, 6) }, // the last one gone, the rest in step
      { D: o(7, 7), A: o(7, 7), E: o(7, 0) }, // one added at the end
      {}, // all gone
      { F: o(9, 1) },
    ]);
  });

  it('ids that look like array indices (Firefox: "72976340"): the delta is the same, the text keeps report order', () => {
    const o = (t: number, n: number) => ({ type: 'candidate-pair', timestamp: t, n });
    const reports: StatsReportJson[] = [{ b1: o(1, 1), '72976340': o(1, 1), a2: o(1, 1) }, { b1: o(2, 2), '72976340': o(2, 2) }, { '12': o(3, 0), b1: o(3, 3) }];
    let prevRaw = null as ReturnType<typeof collectReport> | null;
    let prevJson: StatsReportJson | null = null;
    for (const report of reports) {
      const raw = collectReport(asBrowserReport(report));
      const json = statsReportToJson(asBrowserReport(report));
      const text = diffRawReportsText(prevRaw, raw, undefined, (v) => JSON.stringify(v), { refersToOthers: false });
      expect(JSON.parse(text)).toEqual(diffStatsReportsRef(prevJson, json));
      prevRaw = raw;
      prevJson = json;
    }
    // In a maplike's order (here the page's own Map, '72976340' last), the text keeps it: a record would not.
    const browserOrder = new Map<string, object>([['b1', { id: 'b1', ...o(1, 1) }], ['72976340', { id: '72976340', ...o(1, 1) }]]);
    const text = diffRawReportsText(null, collectReport(browserOrder), undefined, (v) => JSON.stringify(v), { refersToOthers: false });
    expect(text.indexOf('"b1"')).toBeLessThan(text.indexOf('"72976340"'));
  });
});

describe('read plans: fixed-type objects read every FULL_READ_EVERY polls, restamped by retime in between', () => {
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get as (this: unknown) => unknown;
  const mapGet = Map.prototype.get as (this: unknown, id: string) => unknown;
  const asBrowserReport = (report: StatsReportJson) => new Map(Object.entries(report).map(([id, o]) => [id, { id, ...o }]));

  /** Runs the real poller over `reports` (one per poll) and returns what it emitted plus how objects were read. */
  async function pollSequence(reports: StatsReportJson[]) {
    const timers = manualTimers();
    const records: StatsRecord[] = [];
    let poll = 0;
    let fullReads = 0;
    let gets = 0;
    const pc = { n: 0 };
    const poller = createStatsPoller<typeof pc>(
      {
        getStats: () => Promise.resolve(asBrowserReport(reports[Math.min(poll++, reports.length - 1)])),
        isClosed: () => poll >= reports.length,
        collect: (report) => {
          fullReads++;
          return collectReport(report);
        },
        collectPlanned: (report, _pc, prev, plan) =>
          collectPlanned(report, prev, plan, mapSize, function (this: unknown, id: string) {
            gets++;
            return mapGet.call(this, id);
          }),
        emit: (record) => records.push(statsRecordFromText(record)),
        now: timers.now,
        timeOrigin: 0,
        setTimeout: timers.setTimeout,
        clearTimeout: timers.clearTimeout,
      },
      { enabled: true, intervalMs: 1000 },
    );
    poller.add(1, pc);
    await timers.advance(1000 * (reports.length + 1));
    return { records, fullReads, gets };
  }

  /** Applies the records in order and checks every poll rebuilds its report exactly. */
  function expectExactChain(records: StatsRecord[], reports: StatsReportJson[]) {
    expect(records).toHaveLength(reports.length);
    let rebuilt: StatsReportJson | null = null;
    records.forEach((record, i) => {
      rebuilt = applyStatsDelta(record.reset ? null : rebuilt, record.delta);
      expect(rebuilt, `poll ${i}`).toEqual(reports[i]);
    });
  }

  it('rebuilds every report of a real 60 s Chromium call exactly while reading fixed-type objects only every 10th poll', async () => {
    for (const pcId of ['10-1', '10-2'] as const) {
      const reports = loadCallReports(pcId);
      const { records, fullReads, gets } = await pollSequence(reports);
      expectExactChain(records, reports);
      // Polls after the first: a full read once every FULL_READ_EVERY polls (plus when something structural changed).
      expect(fullReads).toBeLessThan(reports.length / 2);
      expect(fullReads).toBeGreaterThanOrEqual(Math.floor(reports.length / FULL_READ_EVERY));
      expect(gets).toBeGreaterThan(0);
      // The report time goes into retime instead of a timestamp entry per object.
      const later = records.slice(2);
      expect(later.every((r) => r.delta.retime !== undefined)).toBe(true);
      const fixedIds = Object.entries(reports[5]).filter(([, o]) => ['codec', 'certificate', 'local-candidate', 'remote-candidate'].includes(o.type as string)).map(([id]) => id);
      expect(fixedIds.length).toBeGreaterThan(0);
      expect(later.some((r) => fixedIds.some((id) => r.delta.changed?.[id] !== undefined))).toBe(false);
    }
  });

  it('writes the same delta text as serialising the object delta, with retime and objects a plan reused', () => {
    for (const pcId of ['10-1', '10-2'] as const) {
      const reports = loadCallReports(pcId);
      let prev = collectReport(asBrowserReport(reports[0]));
      let stamp = reportStamp(prev);
      let plan = planReads(prev, stamp);
      let planned = 0;
      for (let i = 1; i < reports.length; i++) {
        const report = asBrowserReport(reports[i]);
        const viaPlan = plan === null || i % FULL_READ_EVERY === 0 ? null : collectPlanned(report, prev, plan, mapSize, mapGet);
        if (viaPlan !== null) planned++;
        const raw = viaPlan ?? collectReport(report);
        const next = reportStamp(raw);
        const retime: [number, number] | undefined = stamp !== undefined && next !== undefined && next !== stamp ? [stamp, next] : undefined;
        const info = { refersToOthers: true };
        const text = diffRawReportsText(prev, raw, retime, (v) => JSON.stringify(v), info);
        const object = diffRawReports(prev, raw, retime);
        expect(text, `poll ${i}`).toBe(JSON.stringify(object));
        expect(info.refersToOthers).toBe(referencesOthers(object));
        if (viaPlan === null) plan = planReads(raw, next);
        prev = raw;
        stamp = next;
      }
      expect(planned).toBeGreaterThan(reports.length / 2);
    }
  });

  it('posts a record as the text JSON.stringify gives for its protocol form', () => {
    const record = { type: 'pc-stats' as const, pc: 3, index: 7, t: 1763800000000.125, deltaJson: '{"changed":{"O":{"bytesSent":20}},"retime":[1,2]}', cost: { getStatsMs: 0.912, hookMs: 0.2 } };
    expect(statsRecordJson(record)).toBe(JSON.stringify(statsRecordFromText(record)));
    expect(statsRecordJson({ ...record, reset: true })).toBe(JSON.stringify(statsRecordFromText({ ...record, reset: true })));
    expect(JSON.parse(statsRecordJson({ ...record, cost: { getStatsMs: NaN, hookMs: 1 } })).cost.getStatsMs).toBeNull();
  });

  const base = (t: number, extra: Record<string, StatsReportJson[string]> = {}): StatsReportJson => ({
    P: { type: 'peer-connection', timestamp: t, dataChannelsOpened: 0 },
    O: { type: 'outbound-rtp', timestamp: t, bytesSent: t * 10, codecId: 'C1' },
    RI: { type: 'remote-inbound-rtp', timestamp: Math.floor(t / 3) * 3 + 0.5, packetsLost: Math.floor(t / 3) },
    C1: { type: 'codec', timestamp: t, mimeType: 'video/VP8', payloadType: 96 },
    L1: { type: 'local-candidate', timestamp: t, address: '10.0.0.1', port: 1000 },
    ...extra,
  });

  it('reads whole when the ids or a reference change, and catches a same-count swap at the next full read', async () => {
    const reports: StatsReportJson[] = [];
    for (let t = 1; t <= 12 + FULL_READ_EVERY + 5; t++) {
      const r = base(t);
      if (t >= 5) r.C2 = { type: 'codec', timestamp: t, mimeType: 'video/VP9', payloadType: 98 }; // new id: size changes
      if (t >= 8) (r.O as Record<string, unknown>).codecId = 'C2'; // a reference changes
      if (t >= 13) {
        // Same count, one fixed-type object replaced by another: visible at the next full read only.
        delete r.L1;
        r.L2 = { type: 'local-candidate', timestamp: t, address: '10.0.0.2', port: 2000 };
      }
      reports.push(r);
    }
    const { records } = await pollSequence(reports);
    // Exact up to the swap, and from the first full read after it on.
    let rebuilt: StatsReportJson | null = null;
    const swapSeen = records.findIndex((r, i) => i >= 12 && r.delta.removed?.includes('L1'));
    expect(swapSeen).toBeGreaterThanOrEqual(12);
    expect(swapSeen).toBeLessThan(12 + FULL_READ_EVERY);
    records.forEach((record, i) => {
      rebuilt = applyStatsDelta(record.reset ? null : rebuilt, record.delta);
      if (i < 12 || i >= swapSeen) expect(rebuilt, `poll ${i}`).toEqual(reports[i]);
    });
    // The new codec and the reference to it were recorded on the poll they appeared.
    expect(records[4].delta.added?.C2).toBeDefined();
    expect(records[7].delta.changed?.O?.codecId).toBe('C2');
  });

  it('records a fixed-type value that changes after all, at the next full read, and keeps reports whose objects are stamped one by one whole', async () => {
    const reports: StatsReportJson[] = [];
    for (let t = 1; t <= 3 + FULL_READ_EVERY + 5; t++) {
      const r = base(t);
      if (t >= 4) (r.C1 as Record<string, unknown>).sdpFmtpLine = 'x=1';
      reports.push(r);
    }
    const { records } = await pollSequence(reports);
    const seen = records.findIndex((r, i) => i >= 3 && r.delta.changed?.C1?.sdpFmtpLine !== undefined);
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThan(3 + FULL_READ_EVERY);
    let rebuilt: StatsReportJson | null = null;
    records.forEach((record, i) => {
      rebuilt = applyStatsDelta(record.reset ? null : rebuilt, record.delta);
      if (i >= seen) expect(rebuilt, `poll ${i}`).toEqual(reports[i]);
    });

    // Firefox-like: fixed-type objects stamped apart from the report time → no plan, every poll read whole, exact.
    const ff: StatsReportJson[] = [];
    for (let t = 1; t <= 15; t++) {
      const r = base(t);
      (r.L1 as Record<string, unknown>).timestamp = t - 0.25;
      ff.push(r);
    }
    const run = await pollSequence(ff);
    expect(run.fullReads).toBe(ff.length);
    expect(run.gets).toBe(0);
    expectExactChain(run.records, ff);
    expect(planReads(collectReport(asBrowserReport(ff[0])), 1)).toBeNull();
    // No peer-connection object: no report time, no plan.
    const noPc = base(1);
    delete noPc.P;
    expect(planReads(collectReport(asBrowserReport(noPc)), undefined)).toBeNull();
  });

  it('writes an RTCP timestamp that stayed at the previous report time, which retime would otherwise move (same shape, new shape, restamped)', () => {
    // Firefox stamps in whole ms: a receiver report that came in the millisecond of the previous getStats carries
    // that report time, and keeps it until the next report. Restamped with the others, it would look like a new RR
    // at every poll (loss and RTT are derived per RR) and the stored value would not be the browser's.
    const prevBrowser = {
      P: { type: 'peer-connection', timestamp: 1_800_000_001_000 },
      O: { type: 'outbound-rtp', timestamp: 1_800_000_001_000, packetsSent: 100 },
      R: { type: 'remote-inbound-rtp', timestamp: 1_800_000_001_000, packetsLost: 3, localId: 'O' },
      S: { type: 'remote-inbound-rtp', timestamp: 1_800_000_001_000, packetsLost: 1, localId: 'O' },
    };
    const nextBrowser = {
      P: { type: 'peer-connection', timestamp: 1_800_000_002_000 },
      O: { type: 'outbound-rtp', timestamp: 1_800_000_002_000, packetsSent: 200 },
      R: { type: 'remote-inbound-rtp', timestamp: 1_800_000_001_000, packetsLost: 3, localId: 'O' }, // no new RR
      S: { type: 'remote-inbound-rtp', timestamp: 1_800_000_001_000, packetsLost: 1, localId: 'O', fractionLost: 0 }, // new field, same time
    };
    const prevRaw = collectReport(asBrowserReport(prevBrowser));
    const nextRaw = collectReport(asBrowserReport(nextBrowser));
    const retime: [number, number] = [reportStamp(prevRaw)!, reportStamp(nextRaw)!];
    const delta = diffRawReports(prevRaw, nextRaw, retime);
    expect(delta.retime).toEqual(retime);
    expect(applyStatsDelta(statsReportToJson(prevBrowser), delta)).toEqual(statsReportToJson(nextBrowser));
    // The text the hook posts says the same.
    expect(JSON.parse(diffRawReportsText(prevRaw, nextRaw, retime, (v) => JSON.stringify(v), { refersToOthers: false }))).toEqual(delta);

    // An object a read plan reused (restamped: the receiver holds the previous report time) that is read again with
    // its timestamp still the one read before.
    const reused = collectReport(asBrowserReport({ ...prevBrowser, R: { ...prevBrowser.R, timestamp: 1_800_000_000_500 } }));
    let entry = reused.first;
    while (entry !== null && entry.id !== 'R') entry = entry.next;
    entry!.stat.restamped = true;
    const receiverHas = { ...statsReportToJson(prevBrowser) };
    const third = { ...nextBrowser, R: { ...nextBrowser.R, timestamp: 1_800_000_000_500 } };
    const restampedDelta = diffRawReports(reused, collectReport(asBrowserReport(third)), retime);
    expect(applyStatsDelta(receiverHas, restampedDelta).R).toEqual(statsReportToJson(third).R);
  });

  it('retime restamps only objects carrying the previous report time', () => {
    const prev: StatsReportJson = { A: { type: 'codec', timestamp: 5 }, R: { type: 'remote-inbound-rtp', timestamp: 3.5 } };
    expect(applyStatsDelta(prev, { retime: [5, 6] })).toEqual({ A: { type: 'codec', timestamp: 6 }, R: { type: 'remote-inbound-rtp', timestamp: 3.5 } });
    expect(prev.A.timestamp).toBe(5); // prev untouched
    expect(applyStatsDelta(prev, { retime: [5, 6], changed: { R: { timestamp: 6 } }, dropped: { A: ['timestamp'] } })).toEqual({
      A: { type: 'codec' },
      R: { type: 'remote-inbound-rtp', timestamp: 6 },
    });
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { diffStatsReports as diffStatsReportsRef } from '../../../lib/model/stats-delta';

/** The real 60 s call of the shared corpus (Chromium's own rtcstats export), page-visible fields only. */
function loadCallReports(pc: '10-1' | '10-2'): StatsReportJson[] {
  const corpus = process.env.WEBRTC_SCOPE_CORPUS ?? resolve(__dirname, '../../../../shared/corpus');
  const lines = gunzipSync(readFileSync(`${corpus}/dumps/rtcstats-v3/chromium156-loopback-2pc-60s.jsonl.gz`)).toString('utf8').split('\n').slice(2);
  return lines
    .map((line) => JSON.parse(line))
    .filter((entry) => entry[0] === 'getStats' && entry[1] === pc)
    .map((entry) => {
      const report: StatsReportJson = {};
      for (const [id, stat] of Object.entries<Record<string, never>>(entry[2])) {
        report[id] = Object.fromEntries(Object.entries(stat).filter(([k]) => k !== 'id' && !k.startsWith('[')));
      }
      return report;
    });
}
