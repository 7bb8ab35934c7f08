/**
 * What every importer shares while it reads one file: the problems found so far, cancellation and progress.
 * Importers report a bad part (a line, a PC, a stats series) with {@link ImportContext.problem} and go on; at the
 * end {@link ImportContext.finish} decides: without `allowPartial` the first problem becomes a DumpError (with the
 * count of the others), with it the valid part is returned next to the list.
 */
import type { ImportBuilderOptions } from './import-builder';
import { DumpError, type DumpFormat } from './session-bundle';
import { timeProblem } from './time-range';

/** One part of a file that could not be read. */
export interface DumpProblem {
  /** `line 12`, `PeerConnections["10-1"].stats["IT01V-bytesReceived"].values`, `peer connection 3`… */
  where: string;
  reason: string;
}

/** Options every importer honours (see importDump). */
export interface ImportOptions {
  /** Return what is valid plus the problems instead of throwing on the first problem. */
  allowPartial?: boolean;
  /** Called now and then with the fraction of the input consumed (0…1). */
  onProgress?: (fraction: number) => void;
  /** Checked between lines and PCs; an aborted signal ends the import with an AbortError DOMException. */
  signal?: AbortSignal;
  /** Importers that build stats columns (webrtc-internals) encode each PC's with this at once (ImportBuilderOptions). */
  encodeColumns?: ImportBuilderOptions['encodeColumns'];
}

/** Problems kept in full; beyond this only counted (a broken 100 MB file must not build a huge list). */
const MAX_KEPT_PROBLEMS = 1000;
/** Progress is reported at most this often (fraction of the input). */
const PROGRESS_STEP = 0.01;

/** The state of one import: problems, options, progress. One per file. */
export class ImportContext {
  readonly problems: DumpProblem[] = [];
  /** Problems found, including those beyond {@link MAX_KEPT_PROBLEMS}. */
  problemCount = 0;
  private lastProgress = -1;

  constructor(
    readonly fileName: string,
    readonly format: DumpFormat,
    readonly options: ImportOptions = {},
  ) {}

  /** A DumpError for this file and format (for a failure that leaves nothing to import). */
  error(where: string, reason: string): DumpError {
    return new DumpError(this.fileName, this.format, where, reason);
  }

  problem(where: string, reason: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push({ where, reason });
  }

  /**
   * Whether `value` is a time a Date can hold (time-range.ts); if not, reports why at `where` (`what` names it in
   * the reason: `timestamp 1e+16 is outside the valid time range …`). Every time an importer takes from a file
   * passes here.
   */
  validTime(where: string, value: unknown, what?: string): value is number {
    const reason = timeProblem(value, what);
    if (reason === null) return true;
    this.problem(where, reason);
    return false;
  }

  /** Throws the AbortError a worker expects when the caller cancelled. */
  checkAbort(): void {
    if (this.options.signal?.aborted) throw new DOMException('Import cancelled', 'AbortError');
  }

  /** Reports progress when it moved by at least a percent; also checks for cancellation. */
  progress(fraction: number): void {
    this.checkAbort();
    const onProgress = this.options.onProgress;
    if (!onProgress) return;
    const f = Math.min(1, Math.max(0, fraction));
    if (f - this.lastProgress < PROGRESS_STEP && f !== 1) return;
    this.lastProgress = f;
    onProgress(f);
  }

  /**
   * Ends the import: throws the first problem as a DumpError unless partial results are allowed. The error's
   * reason says how many more there were, so the user knows whether "import what is valid" is worth it.
   */
  finish(): DumpProblem[] {
    if (this.problemCount > 0 && !this.options.allowPartial) {
      const first = this.problems[0];
      const more = this.problemCount - 1;
      const tail = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'}; import with allowPartial to keep the valid part)` : '';
      throw this.error(first.where, `${first.reason}${tail}`);
    }
    if (this.problemCount > this.problems.length) {
      this.problems.push({ where: 'file', reason: `${this.problemCount - this.problems.length} more problems not listed` });
    }
    return this.problems;
  }
}
