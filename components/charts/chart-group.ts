/**
 * The charts of one peer connection share a cursor (uPlot.sync key) and one x view: `null` follows the live data
 * (the whole recorded range, growing), `{min, max}` is a zoom/pan window the user chose, kept while samples
 * arrive. Charts join the group and get marked dirty when its data, view or liveness changes.
 */
import { liveAxisEnd } from '../connection/use-feed-version';

export interface XView {
  /** Epoch seconds. */
  min: number;
  max: number;
}

export interface GroupMember {
  markDirty(): void;
}

export class ChartGroup {
  /** uPlot.sync key: one per connection. */
  readonly syncKey: string;
  /** Epoch seconds the legend's "+t" times count from (the PC's creation); null = the first sample. */
  origin: number | null;
  private current: XView | null = null;
  /** Following live data: the x axis's right end shared by every chart of the group (see liveEnd). */
  private liveEndX: number | null = null;
  private isLive = true;
  private members = new Set<GroupMember>();
  private viewListeners = new Set<(view: XView | null) => void>();
  private extentOf: () => [number, number] | null;

  constructor(syncKey: string, extent: () => [number, number] | null, origin: number | null = null) {
    this.syncKey = syncKey;
    this.extentOf = extent;
    this.origin = origin;
  }

  get view(): XView | null {
    return this.current;
  }

  get zoomed(): boolean {
    return this.current !== null;
  }

  /**
   * Whether samples can still come (true until said otherwise). Following a live PC the x axis runs a step past the
   * newest sample (followMax); a PC that can get no more (closed, its session ended, imported) shows its whole
   * recording up to its last sample (finalAxisEnd).
   */
  get live(): boolean {
    return this.isLive;
  }

  /**
   * The right end of the x axis while following live data (epoch s), a step ahead of the newest sample
   * (liveAxisEnd), one for all charts of the group. Kept per chart, a chart created later (a series that appears
   * with the first RTCP report, an extra field) or drawn at another moment started its steps elsewhere, and the
   * charts of one connection showed different windows under one shared cursor.
   */
  liveEnd(first: number, last: number): number {
    this.liveEndX = liveAxisEnd(first, last, this.liveEndX, 1);
    return this.liveEndX;
  }

  /** Says whether samples can still come; a change redraws every chart of the group once (its x axis changes). */
  setLive(live: boolean): void {
    if (live === this.isLive) return;
    this.isLive = live;
    this.dataChanged();
  }

  /** The data's [first, last] x, or null without data. */
  extent(): [number, number] | null {
    return this.extentOf();
  }

  /**
   * Sets the window (null = follow live). A window reaching past both ends of the data is the same as following;
   * a window that would be empty or inverted is ignored.
   */
  setView(view: XView | null): void {
    let next = view;
    if (next !== null) {
      if (!(next.max > next.min) || !Number.isFinite(next.min) || !Number.isFinite(next.max)) return;
      const extent = this.extentOf();
      if (extent && next.min <= extent[0] && next.max >= extent[1]) next = null;
    }
    const prev = this.current;
    if (prev === next || (prev && next && prev.min === next.min && prev.max === next.max)) return;
    this.current = next;
    for (const m of this.members) m.markDirty();
    for (const l of this.viewListeners) l(next);
  }

  /** Shifts the window by `seconds`, kept within the data (no-op while following). */
  pan(seconds: number): void {
    const view = this.current;
    const extent = this.extentOf();
    if (!view || !extent) return;
    const width = view.max - view.min;
    let min = view.min + seconds;
    min = Math.max(extent[0], Math.min(min, extent[1] - width));
    this.setView({ min, max: min + width });
  }

  /** Zooms by `factor` (< 1 in, > 1 out) around `center` (epoch seconds). */
  zoom(factor: number, center: number): void {
    const extent = this.extentOf();
    if (!extent) return;
    const view = this.current ?? { min: extent[0], max: extent[1] };
    const min = center - (center - view.min) * factor;
    const max = center + (view.max - center) * factor;
    // Never narrower than ~2 samples at 1 s.
    if (max - min < 2) return;
    this.setView({ min: Math.max(min, extent[0]), max: Math.min(max, extent[1]) });
  }

  join(member: GroupMember): () => void {
    this.members.add(member);
    return () => this.members.delete(member);
  }

  /** New samples: every chart of the group redraws (when visible). */
  dataChanged(): void {
    for (const m of this.members) m.markDirty();
  }

  onViewChange(listener: (view: XView | null) => void): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }
}
