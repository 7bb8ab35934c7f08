/**
 * Builds one SessionBundle from what an importer finds: peer connections keyed by the file's own ids, trace
 * records in any order, and full stats reports per poll. The records are folded through the recorder's own reducer
 * (lib/model/session-reducer), so an imported session's PC states, close times and counts follow exactly the rules
 * of a recorded one.
 */
import type { Json, JsonObject } from '../protocol/json';
import type { FrameInfo, PcSummary, SessionSummary, StatsColumns, StatsReportJson, StatsSample, TraceEvent, TraceRecord } from '../model/session';
import { applyPageRecords, closePc, pcIdOf, type LiveSession } from '../model/session-reducer';
import { limitColumns, PollLimiter } from './import-stats-limits';
import type { DumpFormat, EncodedStats, SessionBundle } from './session-bundle';
import { isoTime } from './time-range';

/** Every PC is in the one synthetic frame of an imported session. */
const FRAME = 0;
/** The file id shown for the PC that holds a file's entries without a PC id (a stand-in key starting with NUL). */
export const NO_PC_ID_LABEL = 'entries without a PC id';

/** What an importer knows about one peer connection. */
export interface PcDraft {
  /** The file's id for it (`"10-1"`, `"PC_0"`, a Firefox pcid), for messages. */
  key: string;
  /** Our per-session number (the `<n>` of `"0-<n>"`). */
  pc: number;
  pcId: string;
  /** Earliest time known for it: its creation, else its first record. */
  createdAt: number;
  /** Creation is known from the file (a `create` line, a PC record); else the first record stands in. */
  created: boolean;
  config: JsonObject;
  constraints?: Json;
  url: string | null;
  /** Closed without a `close` call in the trace (Chrome's `remove`, Firefox's "closed" heading). */
  closedAt: number | null;
  closedBy: PcSummary['closedBy'];
  samples: StatsSample[];
  /** Polls as columns instead (see {@link ImportBuilder.addColumns}); then `samples` stays empty. */
  columns: StatsColumns | null;
  /** Or those columns already encoded (with {@link ImportBuilderOptions.encodeColumns}). */
  encoded: EncodedStats | null;
  /** Holds the polls given to {@link ImportBuilder.addSample} to the recorder's caps (import-stats-limits.ts). */
  limiter: PollLimiter | null;
  /** The polls left out past a cap, from the first one: reported when the bundle is built. */
  statsStopped: { where: string; t: number; reason: string; dropped: number } | null;
  /**
   * States of an open PC that the file gives, or says nothing of, without any state-change entry (Firefox's saved
   * page): they replace the reducer's initial "new"/"stable", which would claim the PC never connected.
   */
  openStates?: Partial<Pick<PcSummary, 'signalingState' | 'iceConnectionState' | 'iceGatheringState' | 'connectionState'>>;
}

export interface ImportBuilderOptions {
  /**
   * Reports a part of the file that is left out (ImportContext.problem): here, a PC's polls past the recorder's
   * stats caps.
   */
  problem: (where: string, reason: string) => void;
  /**
   * Encodes a PC's columns as soon as {@link ImportBuilder.addColumns} receives them; the bundle then holds the
   * chunks (`encoded`) and the columns can be freed at once (a large file's PCs are never all alive as columns).
   */
  encodeColumns?: (columns: StatsColumns) => EncodedStats;
}

/** A record waiting for the final sort: `order` keeps the file's order among records of the same time. */
interface PendingRecord {
  t: number;
  order: number;
  pcKey: string | null;
  record: TraceRecord;
}

/** What the file says about the page and browser (empty strings where it says nothing). */
export interface SessionMeta {
  url: string;
  title: string;
  userAgent: string;
  /** Times the file states outside its records (a report time, a recording's start), to bound the session. */
  extraTimes: number[];
  /**
   * Times that bound the session only when nothing else in the file has a time: a webrtc-internals dump's download
   * time is when the file was saved, maybe hours after the call (or, for our own export, when it was exported).
   * Counting it made every re-imported export end at its export time ("ended after 33 h 54 min").
   */
  fallbackTimes: number[];
}

/** Collects one file's PCs, records and polls; {@link ImportBuilder.build} makes the bundle. */
export class ImportBuilder {
  private readonly pcs = new Map<string, PcDraft>();
  private readonly records: PendingRecord[] = [];
  private order = 0;
  private nextCall = 1;
  readonly meta: SessionMeta = { url: '', title: '', userAgent: '', extraTimes: [], fallbackTimes: [] };

  constructor(
    readonly fileName: string,
    readonly format: DumpFormat,
    readonly inputBytes: number,
    private readonly options: ImportBuilderOptions,
  ) {}

  /** A fresh call number (pairs a pc-call or media-call with its settlement). */
  newCall(): number {
    return this.nextCall++;
  }

  getPc(key: string): PcDraft | undefined {
    return this.pcs.get(key);
  }

  get pcCount(): number {
    return this.pcs.size;
  }

  /**
   * The PC the file calls `key`, created on first mention. Its number (the `<n>` of `"0-<n>"`) is given in
   * {@link build}, once every id of the file is known.
   */
  pc(key: string, t: number): PcDraft {
    let draft = this.pcs.get(key);
    if (draft) {
      if (t < draft.createdAt && !draft.created) draft.createdAt = t;
      return draft;
    }
    draft = {
      key,
      pc: -1,
      pcId: '',
      createdAt: t,
      created: false,
      config: {},
      url: null,
      closedAt: null,
      closedBy: null,
      samples: [],
      columns: null,
      encoded: null,
      limiter: null,
      statsStopped: null,
    };
    this.pcs.set(key, draft);
    return draft;
  }

  /** Marks the PC as created at `t` with its configuration (the earlier of this and its first record wins). */
  created(key: string, t: number, config: JsonObject, constraints?: Json): PcDraft {
    const draft = this.pc(key, t);
    draft.createdAt = draft.created ? draft.createdAt : Math.min(draft.createdAt, t);
    draft.created = true;
    draft.config = config;
    if (constraints !== undefined) draft.constraints = constraints;
    return draft;
  }

  /** Queues a record (of `pcKey`'s PC, or of the page for null); its time decides its place. */
  add(pcKey: string | null, record: TraceRecord): void {
    this.records.push({ t: record.t, order: this.order++, pcKey, record });
  }

  /**
   * Appends a poll of `pcKey`'s PC, read at `where` (for messages). Samples must come in time order; a poll earlier
   * than the last one is kept at the last one's time. A report's objects must not change after they are given (a
   * later report may hold the same object again: it is not looked at again). As in the recorder, the PC's stats stop
   * at the first poll that passes a cap of PC_STATS_LIMITS: it and every later poll are left out, and
   * {@link build} reports them.
   */
  addSample(pcKey: string, t: number, report: StatsReportJson, where: string): void {
    const draft = this.pc(pcKey, t);
    if (draft.statsStopped !== null) {
      draft.statsStopped.dropped += 1;
      return;
    }
    const limiter = (draft.limiter ??= new PollLimiter());
    if (!limiter.admit(report)) {
      draft.statsStopped = { where, t, reason: limiter.stopped!, dropped: 1 };
      draft.limiter = null;
      return;
    }
    const last = draft.samples.length > 0 ? draft.samples[draft.samples.length - 1].t : -Infinity;
    draft.samples.push({ index: draft.samples.length, t: Math.max(t, last), report });
  }

  /**
   * Sets all polls of `pcKey`'s PC at once, as columns (the bundle's `columns` form), read at `where` (for
   * messages): rows in ascending `t`, every row with at least one object, no JSON null values. Instead of
   * {@link addSample}, not together with it. The columns are taken over: rows past a cap of PC_STATS_LIMITS are cut
   * off in place (as {@link addSample} leaves out polls) and reported at once. With
   * {@link ImportBuilderOptions.encodeColumns} they are encoded now and not kept.
   */
  addColumns(pcKey: string, columns: StatsColumns, where: string): void {
    const draft = this.pc(pcKey, columns.t.length > 0 ? columns.t[0] : Infinity);
    if (draft.samples.length > 0 || draft.columns !== null || draft.encoded !== null) throw new Error(`stats of ${pcKey} given twice`);
    const cut = limitColumns(columns);
    if (cut !== null) {
      const left = cut.rows - cut.row;
      this.options.problem(
        where,
        `${pcName(pcKey)}: its stats stop at poll ${cut.row + 1} of ${cut.rows} (${isoTime(cut.t)}), as a recorded call's would: ${cut.reason}; ${leftOut(left)}`,
      );
      if (columns.t.length === 0) return;
    }
    if (this.options.encodeColumns) draft.encoded = this.options.encodeColumns(columns);
    else draft.columns = columns;
  }

  /** The bundle: records sorted by time (file order among equal times), folded through the recorder's reducer. */
  build(): SessionBundle {
    const drafts = [...this.pcs.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const draft of drafts) {
      draft.limiter = null;
      const stopped = draft.statsStopped;
      if (stopped === null) continue;
      this.options.problem(stopped.where, `${pcName(draft.key)}: its stats stop at this poll (${isoTime(stopped.t)}), as a recorded call's would: ${stopped.reason}; ${leftOut(stopped.dropped)}`);
    }
    numberPcs(drafts);
    for (const r of this.records) {
      // Records were queued before numbers were known; the number belongs in the record itself.
      if (r.pcKey !== null && 'pc' in r.record) (r.record as { pc: number }).pc = this.pcs.get(r.pcKey)!.pc;
    }
    const pending: PendingRecord[] = [];
    for (const draft of drafts) {
      const record: TraceRecord = { type: 'pc-created', pc: draft.pc, t: draft.createdAt, config: draft.config };
      if (draft.constraints !== undefined) record.constraints = draft.constraints;
      // Before every other record of the same time, so that the reducer knows the PC when its records arrive.
      pending.push({ t: draft.createdAt, order: -1, pcKey: draft.key, record });
    }
    for (const r of this.records) pending.push(r);
    pending.sort((a, b) => a.t - b.t || a.order - b.order);

    let startedAt = Infinity;
    let lastAt = -Infinity;
    const see = (t: number) => {
      if (!Number.isFinite(t)) return;
      if (t < startedAt) startedAt = t;
      if (t > lastAt) lastAt = t;
    };
    for (const r of pending) see(r.t);
    for (const draft of drafts) {
      for (const s of draft.samples) see(s.t);
      if (draft.columns !== null && draft.columns.t.length > 0) {
        see(draft.columns.t[0]);
        see(draft.columns.t[draft.columns.t.length - 1]);
      }
      const chunks = draft.encoded?.chunks;
      if (chunks !== undefined && chunks.length > 0) {
        see(chunks[0].startT);
        see(chunks[chunks.length - 1].endT);
      }
    }
    for (const t of this.meta.extraTimes) see(t);
    if (!Number.isFinite(startedAt)) for (const t of this.meta.fallbackTimes) see(t);
    if (!Number.isFinite(startedAt)) startedAt = lastAt = 0;

    const sessionId = `import:${crypto.randomUUID()}`;
    const frame: FrameInfo = {
      index: FRAME,
      frameLoadId: sessionId,
      url: this.meta.url,
      isTop: true,
      timeOrigin: startedAt,
      lastBatchSeq: 0,
    };
    const summary: SessionSummary = {
      id: sessionId,
      tabId: null,
      url: this.meta.url,
      origin: originOf(this.meta.url),
      title: this.meta.title,
      userAgent: this.meta.userAgent,
      startedAt,
      lastActivityAt: startedAt,
      endedAt: lastAt,
      pcCount: 0,
      mediaCallCount: 0,
      eventCount: 0,
      sampleCount: 0,
      bytes: this.inputBytes,
      frames: [frame],
      refused: {},
      imported: { fileName: this.fileName, format: this.format },
    };
    const live: LiveSession = { summary, pcs: new Map() };
    const outcome = applyPageRecords(
      live,
      frame,
      pending.map((r) => r.record),
    );
    const events: TraceEvent[] = outcome.events;

    const pcs: PcSummary[] = [];
    const samples: Record<string, StatsSample[]> = {};
    let columns: Record<string, StatsColumns> | undefined;
    let encoded: Record<string, EncodedStats> | undefined;
    for (const draft of drafts) {
      const livePc = live.pcs.get(draft.pcId);
      if (!livePc) continue;
      const pc = livePc.summary;
      if (draft.url !== null) pc.frameUrl = draft.url;
      // The stand-in for entries without a PC id (a legacy rtcstats file's null ids) is named for what it is; it had
      // no name at all, an unexplained extra connection beside the file's PC_0, PC_1, ….
      pc.fileId = draft.key.startsWith('\u0000') ? NO_PC_ID_LABEL : draft.key;
      // Closed by the browser's own account (Chrome `remove`, Firefox "closed"), not by a traced close() call.
      if (draft.closedAt !== null) closePc(livePc, Math.max(draft.closedAt, pc.createdAt), draft.closedBy ?? 'close');
      else if (draft.openStates !== undefined) Object.assign(pc, draft.openStates);
      // A PC the file never closes stays open (closedAt null): the dump says nothing about its end, and its
      // states stay those of its last state events.
      if (draft.encoded !== null) {
        const chunks = draft.encoded.chunks;
        pc.sampleCount = draft.encoded.count;
        pc.lastSampleAt = chunks.length > 0 ? chunks[chunks.length - 1].endT : null;
        summary.sampleCount += draft.encoded.count;
        (encoded ??= {})[draft.pcId] = draft.encoded;
      } else {
        const times = draft.columns !== null ? draft.columns.t : draft.samples.map((s) => s.t);
        pc.sampleCount = times.length;
        pc.lastSampleAt = times.length > 0 ? times[times.length - 1] : null;
        summary.sampleCount += times.length;
        if (draft.columns !== null) (columns ??= {})[draft.pcId] = draft.columns;
        else samples[draft.pcId] = draft.samples;
      }
      pcs.push(pc);
    }
    summary.lastActivityAt = Math.max(summary.lastActivityAt, lastAt);
    const bundle: SessionBundle = { session: summary, pcs, events, samples };
    if (columns) bundle.columns = columns;
    if (encoded) bundle.encoded = encoded;
    return bundle;
  }
}

/** A PC named for messages by the file's own id. */
function pcName(key: string): string {
  // The stand-in PC of entries without a PC id has a key no file can hold (import-rtcstats.ts).
  return key.startsWith('\u0000') ? 'the peer connection of entries without a PC id' : `peer connection ${JSON.stringify(key)}`;
}

/** What was left out of `count` polls from the first past a cap. */
function leftOut(count: number): string {
  return count === 1 ? 'that poll is left out' : `that poll and the ${count - 1} after it are left out`;
}

/**
 * Numbers the PCs (in creation order): an id ending in digits keeps them when free (`PC_3` → `0-3`, `10-2` →
 * `0-2`), so the ids a user knows from the file stay recognisable; other ids (Firefox pcids, the stand-in for
 * events without an id) get the next numbers after the highest, from 1 like the recorder's counter.
 */
function numberPcs(drafts: PcDraft[]): void {
  const used = new Set<number>();
  const rest: PcDraft[] = [];
  for (const draft of drafts) {
    const digits = /(\d{1,6})$/.exec(draft.key);
    const n = digits ? Number(digits[1]) : -1;
    if (n >= 0 && !used.has(n)) {
      used.add(n);
      draft.pc = n;
    } else {
      rest.push(draft);
    }
  }
  let next = 1;
  for (const n of used) if (n + 1 > next) next = n + 1;
  for (const draft of rest) draft.pc = next++;
  for (const draft of drafts) draft.pcId = pcIdOf(FRAME, draft.pc);
}

/** `https://host:port` of a URL, or '' when it has none (about:webrtc, a relative path in rtcstats metadata). */
export function originOf(url: string): string {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? '' : origin;
  } catch {
    return '';
  }
}
