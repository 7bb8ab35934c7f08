/**
 * Every stats object of a PC's latest sample, grouped by type (receive, send, remote, ICE, transport, codecs, …)
 * like webrtc-internals' stats tables; groups and objects fold; a filter box narrows to matching objects or fields
 * (by name or raw value; the unit hints are not matched); each value shows its unit where known (lib/model/stats-units);
 * every numeric field has a button that asks the parent to chart it. Follows live samples every 2 s of sample time
 * (useFeedVersion).
 */
import { memo } from 'preact/compat';
import { useRef, useState } from 'preact/hooks';
import type { SessionData } from '../../lib/model/session';
import type { StatsFeed } from '../../lib/views/stats-feed';
import type { Json } from '../../lib/protocol/json';
import { buildStatsTable, filterStatsTable, formatStatsValue, type StatsGroup, type StatsObjectView } from '../../lib/model/stats-table';
import { statsValueHint } from '../../lib/model/stats-units';
import { formatAbsolute, formatSince, noSamplesText } from '../connection/format';
import { LiveText } from '../connection/LiveText';
import { LIVE_VALUES_INTERVAL_MS, useFeedVersion } from '../connection/use-feed-version';
import './stats.css';

export interface StatsTableProps {
  data: SessionData;
  pcId: string;
  feed: StatsFeed;
  onChartField: (statsId: string, field: string) => void;
}

function toggle(set: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(set);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}

interface StatsObjectProps {
  obj: StatsObjectView;
  open: boolean;
  /** Called with the object's id (a stable function, so unchanged objects skip re-rendering). */
  onToggle: (id: string) => void;
  onChartField: StatsTableProps['onChartField'];
}

/** What an object shows: its heading, and its values only while open (a closed object stays put every second). */
function sameObject(a: StatsObjectProps, b: StatsObjectProps): boolean {
  if (a.open !== b.open || a.onToggle !== b.onToggle || a.onChartField !== b.onChartField) return false;
  const x = a.obj;
  const y = b.obj;
  if (x.id !== y.id || x.type !== y.type || x.label !== y.label || x.fields.length !== y.fields.length) return false;
  if (!a.open) return true;
  return x.fields.every((f, i) => {
    const g = y.fields[i];
    return f.name === g.name && f.numeric === g.numeric && (f.value === g.value || formatStatsValue(f.value) === formatStatsValue(g.value));
  });
}

/**
 * The value in its unit ("912 kB", "0.5 ms", a clock time), after the raw value: muted, in the cell's text (screen
 * readers read it), not selectable (copying the cell copies the raw value, as engineers paste it into their logs). Only
 * open objects render their fields, so only the fields on screen compute a hint.
 */
function ValueHint({ name, value }: { name: string; value: Json }) {
  const hint = statsValueHint(name, value);
  return hint === null ? null : <span class="st-hint"> ({hint})</span>;
}

const StatsObject = memo(function StatsObject({ obj, open, onToggle, onChartField }: StatsObjectProps) {
  return (
    <li class="st-object" data-stats-id={obj.id}>
      <button type="button" class="st-object-toggle" aria-expanded={open} onClick={() => onToggle(obj.id)}>
        <span class="st-id">{obj.id}</span>
        {obj.label ? <span class="st-label"> {obj.label}</span> : null}
        <span class="st-muted">
          {' '}
          ({obj.fields.length} field{obj.fields.length === 1 ? '' : 's'})
        </span>
      </button>
      {open ? (
        <table class="st-fields">
          <caption class="visually-hidden">
            {obj.type} {obj.id}
          </caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Value</th>
              <th scope="col">
                <span class="visually-hidden">Chart</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {obj.fields.map((f) => (
              <tr key={f.name}>
                <th scope="row" class="st-field-name">
                  {f.name}
                </th>
                <td class="st-value">
                  <span class="st-raw">{formatStatsValue(f.value)}</span>
                  <ValueHint name={f.name} value={f.value} />
                </td>
                <td>
                  {f.numeric ? (
                    <button type="button" class="st-chart" aria-label={`Chart ${obj.id} ${f.name}`} title={`Chart ${f.name}`} onClick={() => onChartField(obj.id, f.name)}>
                      chart
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </li>
  );
}, sameObject);

interface StatsGroupsProps {
  groups: StatsGroup[];
  filtering: boolean;
  closedGroups: ReadonlySet<string>;
  openObjects: ReadonlySet<string>;
  onToggleGroup: (key: string) => void;
  onToggleObject: (id: string) => void;
  onChartField: StatsTableProps['onChartField'];
  /** What the list shows (see listSignature): an unchanged list skips its render. */
  signature: string;
}

/**
 * What the groups list shows: groups, objects and field counts, and the values of open objects only. Most seconds of
 * a live call change none of it (objects are folded), so the list keeps its DOM without a render.
 */
function listSignature(groups: StatsGroup[], filtering: boolean, openObjects: ReadonlySet<string>): string {
  let sig = '';
  for (const g of groups) {
    sig += `\u0001${g.key}\u0002${g.title}`;
    for (const o of g.objects) {
      sig += `\u0003${o.id}\u0002${o.label}\u0002${o.fields.length}`;
      if (filtering || openObjects.has(o.id)) for (const f of o.fields) sig += `\u0004${f.name}\u0002${f.numeric ? 1 : 0}\u0002${formatStatsValue(f.value)}`;
    }
  }
  return sig;
}

const StatsGroups = memo(
  function StatsGroups({ groups, filtering, closedGroups, openObjects, onToggleGroup, onToggleObject, onChartField }: StatsGroupsProps) {
    return (
      <ul class="st-groups">
        {groups.map((g) => {
          const open = filtering || !closedGroups.has(g.key);
          return (
            <li key={g.key} class="st-group" data-group={g.key}>
              <h4 class="st-group-title">
                <button type="button" class="st-group-toggle" aria-expanded={open} onClick={() => onToggleGroup(g.key)}>
                  {g.title} <span class="st-muted">({g.objects.length})</span>
                </button>
              </h4>
              {open ? (
                <ul class="st-objects">
                  {g.objects.map((obj) => (
                    <StatsObject key={obj.id} obj={obj} open={filtering || openObjects.has(obj.id)} onToggle={onToggleObject} onChartField={onChartField} />
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
    );
  },
  (a, b) =>
    a.signature === b.signature &&
    a.filtering === b.filtering &&
    a.closedGroups === b.closedGroups &&
    a.openObjects === b.openObjects &&
    a.onToggleGroup === b.onToggleGroup &&
    a.onToggleObject === b.onToggleObject &&
    a.onChartField === b.onChartField,
);

export function StatsTable({ data, pcId, feed, onChartField }: StatsTableProps) {
  const root = useRef<HTMLElement>(null);
  // Every step of sample time (LIVE_VALUES_INTERVAL_MS), with the charts' legends and the other latest-value views.
  useFeedVersion(feed, pcId, LIVE_VALUES_INTERVAL_MS, root);
  const [text, setText] = useState('');
  const [closedGroups, setClosedGroups] = useState<ReadonlySet<string>>(() => new Set());
  const [openObjects, setOpenObjects] = useState<ReadonlySet<string>>(() => new Set());
  const [toggleObject] = useState(() => (id: string) => setOpenObjects((open) => toggle(open, id)));
  const [toggleGroup] = useState(() => (key: string) => setClosedGroups((closed) => toggle(closed, key)));
  const columns = feed.columns(pcId) ?? data.stats[pcId];
  const all = buildStatsTable(columns);
  const groups: StatsGroup[] = filterStatsTable(all, text);
  const filtering = text.trim() !== '';
  const latestT = columns && columns.t.length > 0 ? columns.t[columns.t.length - 1] : null;
  const createdAt = data.pcs.find((p) => p.pcId === pcId)?.createdAt ?? null;

  return (
    <section ref={root} class="stats-table" aria-label={`Stats of connection ${pcId}`}>
      <div class="st-controls">
        <input
          type="search"
          class="st-filter"
          placeholder="Filter (type, id, field, value…)"
          aria-label="Filter stats"
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        />
        {latestT !== null ? (
          <span class="st-muted">
            latest sample{' '}
            <time title={formatAbsolute(latestT)}>
              {createdAt !== null ? <LiveText chars={13}>{formatSince(latestT - createdAt)}</LiveText> : <LiveText chars={25}>{formatAbsolute(latestT)}</LiveText>}
            </time>
          </span>
        ) : null}
      </div>
      {all.length === 0 ? (
        <p class="st-muted">{`${noSamplesText(data, pcId).text}.`}</p>
      ) : groups.length === 0 ? (
        <p class="st-muted">No stats match the filter.</p>
      ) : (
        <StatsGroups
          groups={groups}
          filtering={filtering}
          closedGroups={closedGroups}
          openObjects={openObjects}
          onToggleGroup={toggleGroup}
          onToggleObject={toggleObject}
          onChartField={onChartField}
          signature={listSignature(groups, filtering, openObjects)}
        />
      )}
    </section>
  );
}
