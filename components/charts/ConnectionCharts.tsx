/**
 * The live charts of one peer connection: the default set (lib/model/chart-series) plus one chart per extra field
 * the user picked in the stats table, in a grid, with one shared cursor and x window per connection.
 *
 * A new sample never re-renders this tree: the feed's append extends the series in place (O(new rows)) and marks
 * the charts dirty for the shared frame loop. Preact re-renders only on a structural change (a new stream or
 * chart, a rebuilt session, extra fields added or removed), when the zoom state flips (the reset button) and when
 * the PC can no longer get samples (`status`: its charts then end at the last sample, redrawn once).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ChartModel, type ExtraField } from '../../lib/model/chart-series';
import type { StatsFeed } from '../../lib/views/stats-feed';
import { ChartGroup } from './chart-group';
import type { FrameLoop } from './frame-loop';
import { CHART_KEYS, TimeSeriesChart } from './TimeSeriesChart';
import './charts.css';

export interface ConnectionChartsProps {
  feed: StatsFeed;
  pcId: string;
  extraFields: ExtraField[];
  onRemoveExtraField: (statsId: string, field: string) => void;
  /** Optional: the PC's creation time (epoch ms); legend times count from it (default: the first sample). */
  createdAt?: number;
  /** Optional: the frame loop to draw with (default: the page's shared loop). */
  loop?: FrameLoop;
  /** Optional: plot height in CSS px. */
  chartHeight?: number;
  /**
   * Optional: whether samples can still come (default `live`): `closed` (the PC has a close time) and `ended` (the
   * session ended, or was imported) say so instead of "Following live data".
   */
  status?: 'live' | 'closed' | 'ended';
  /** Why there are no samples, when there are none (connection/format.ts noSamplesText); default: none yet. */
  noSamples?: { text: string; live: boolean };
}

const NOT_LIVE_HINT = {
  closed: 'Connection closed: the whole recording is shown.',
  ended: 'Recording ended: the whole connection is shown.',
} as const;

let groupCounter = 0;

export function ConnectionCharts(props: ConnectionChartsProps) {
  const { feed, pcId } = props;
  const model = useMemo(() => {
    const m = new ChartModel({ extraFields: props.extraFields });
    m.update(feed.columns(pcId), 0);
    return m;
  }, [feed, pcId]);
  const group = useMemo(
    () => new ChartGroup(`webrtc-scope:${pcId}:${++groupCounter}`, () => (model.x.length > 0 ? [model.x[0], model.x[model.x.length - 1]] : null)),
    [model, pcId],
  );
  group.origin = props.createdAt !== undefined ? props.createdAt / 1000 : null;
  // A live PC's x axis runs a step past its newest sample; one that can get no more samples ends at its last one.
  // When a shown PC closes (or its session ends) every chart redraws once, with its new axis.
  group.setLive(props.status === undefined || props.status === 'live');
  // Cheap when unchanged (compares ids); a change is structural and shows in this very render.
  model.setExtraFields(props.extraFields);

  const [, setVersion] = useState(model.version);
  const [zoomed, setZoomed] = useState(group.zoomed);

  useEffect(() => {
    const apply = (fromRow: number) => {
      const result = model.update(feed.columns(pcId), fromRow);
      group.dataChanged();
      if (result.structural) setVersion(model.version);
    };
    const unsubscribe = feed.onAppend((id, fromRow) => {
      if (id === pcId) apply(fromRow);
    });
    // Rows that arrived between the render and this subscription.
    const columns = feed.columns(pcId);
    if ((columns?.t.length ?? 0) !== model.x.length) apply(model.x.length);
    return unsubscribe;
  }, [feed, pcId, model, group]);

  useEffect(() => {
    setZoomed(group.zoomed);
    return group.onViewChange((view) => setZoomed(view !== null));
  }, [group]);

  const charts = model.charts;
  if (model.x.length === 0) {
    return (
      <section class="conn-charts conn-charts--empty" aria-label="Charts">
        <p class="conn-charts__empty">{props.noSamples && !props.noSamples.live ? `${props.noSamples.text}.` : 'No stats samples for this connection yet. Charts appear with the first sample.'}</p>
      </section>
    );
  }
  return (
    <section class="conn-charts" aria-label="Charts">
      <div class="conn-charts__toolbar">
        <button
          type="button"
          class="conn-charts__reset"
          disabled={!zoomed}
          onClick={(e) => {
            // The button disables itself: its focus goes to the first chart, not to <body>.
            const focused = document.activeElement === e.currentTarget;
            group.setView(null);
            if (focused) (e.currentTarget.closest('.conn-charts')?.querySelector('figure.ts-chart') as HTMLElement | null)?.focus();
          }}
          aria-label="Reset zoom"
        >
          Reset zoom
        </button>
        <span class="conn-charts__hint">
          {props.status === 'closed' || props.status === 'ended'
            ? zoomed
              ? 'Zoomed.'
              : NOT_LIVE_HINT[props.status]
            : zoomed
              ? 'Zoomed: live samples keep the window.'
              : 'Following live data.'}{' '}
          Drag to zoom, shift+drag or shift+wheel to pan, ctrl+wheel to zoom, double-click to reset. On a focused chart: {CHART_KEYS.replace(/^Keys: /, '')}
        </span>
      </div>
      {charts.length === 0 ? <p class="conn-charts__empty">No chartable stats yet (no RTP streams or candidate pair in the samples).</p> : null}
      <div class="conn-charts__grid">
        {charts.map((spec) => (
          <TimeSeriesChart
            key={spec.id}
            spec={spec}
            x={model.x}
            gapRows={model.gapRows}
            group={group}
            loop={props.loop}
            height={props.chartHeight}
            onRemove={spec.extra ? () => props.onRemoveExtraField(spec.extra!.statsId, spec.extra!.field) : undefined}
          />
        ))}
      </div>
    </section>
  );
}
