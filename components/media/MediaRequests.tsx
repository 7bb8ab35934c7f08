/**
 * The session's getUserMedia / getDisplayMedia / enumerateDevices requests: the constraints asked for, the tracks
 * obtained (kind, label, settings) with what later happened to them (mute, ended), or the error; and the page's
 * `applyConstraints` calls on its tracks: the track, the constraints and the track's settings after, or the error.
 */
import { useMemo } from 'preact/hooks';
import { errorText, type Json, type JsonObject } from '../../lib/protocol/json';
import type { SessionData } from '../../lib/model/session';
import { buildEventLog, sessionTimeOrigin, trackSettingsText, type LogEntry } from '../../lib/model/event-log';
import { formatAbsolute, formatDuration, formatSince } from '../connection/format';
import './media.css';

export interface MediaRequestsProps {
  data: SessionData;
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: Json | undefined): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/**
 * Constraints as they read: Chrome's rtcstats dumps (RTCStatsDump) store a track's constraints as JSON text
 * (`"video": "{\"width\": {\"ideal\": 640}}"`), shown escaped inside the request's JSON. Such a string that is a JSON
 * object is shown as that object; the stored record is left as the file had it.
 */
export function readableConstraints(value: Json): Json {
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    let shown: Json = v;
    if (typeof v === 'string' && v.startsWith('{') && v.length <= 10_000) {
      try {
        const parsed = JSON.parse(v) as Json;
        if (isObject(parsed)) shown = parsed;
      } catch {
        /* not JSON: shown as the string it is */
      }
    }
    // An own property whatever the key (a page's "__proto__" must not become the object's prototype).
    Object.defineProperty(out, key, { value: shown, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A track's events are matched by id and label: a page that is both ends of a call (a loopback demo or test) gets
 * remote tracks with the ids of its local ones in Chromium, but they carry other labels.
 */
function trackKey(track: JsonObject): string {
  return `${text(track.id)}\u0000${text(track.label)}`;
}

function TrackTable({ tracks, trackEvents, origin }: { tracks: JsonObject[]; trackEvents: Map<string, LogEntry[]>; origin: number }) {
  return (
    <table class="mr-tracks">
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Label</th>
          <th scope="col">Settings</th>
          <th scope="col">Later</th>
        </tr>
      </thead>
      <tbody>
        {tracks.map((t, i) => {
          const id = text(t.id);
          const events = trackEvents.get(trackKey(t)) ?? [];
          return (
            <tr key={`${id}-${i}`} title={id}>
              <td>{text(t.kind)}</td>
              <td>{text(t.label)}</td>
              <td title={isObject(t.settings) ? JSON.stringify(t.settings) : undefined}>{trackSettingsText(t.settings)}</td>
              <td>
                {events.map((e) => (
                  <span key={e.seq} class={e.name === 'ended' || e.name === 'stop' ? 'mr-ended' : undefined}>
                    {e.name === 'stop' ? 'stopped by the page' : e.name} <time title={formatAbsolute(e.t)}>{formatSince(e.t - origin)}</time>{' '}
                  </span>
                ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Request({ entry, trackEvents, origin }: { entry: LogEntry; trackEvents: Map<string, LogEntry[]>; origin: number }) {
  const value = entry.value;
  const tracks = isObject(value) && Array.isArray(value.tracks) ? value.tracks.filter(isObject) : [];
  const devices = entry.name === 'enumerateDevices' && Array.isArray(value) ? value.filter(isObject) : [];
  const applied = entry.name === 'applyConstraints';
  return (
    <li class={`mr-request${entry.failure ? ' mr-failure' : ''}`} data-seq={entry.seq}>
      <h4 class="mr-title">
        {entry.name} <time title={formatAbsolute(entry.t)}>{formatSince(entry.sinceMs)}</time>
        {entry.durationMs !== null ? <span class="mr-muted"> took {formatDuration(entry.durationMs)}</span> : null}
        {entry.outcome === 'error' ? <span class="mr-badge"> failed</span> : null}
        {entry.outcome === 'pending' ? <span class="mr-muted"> pending</span> : null}
      </h4>
      {applied && entry.track ? (
        <div class="mr-track" title={text(entry.track.id)}>
          <span class="mr-muted">Track: </span>
          {text(entry.track.kind)} {text(entry.track.label) || '(no label)'}
        </div>
      ) : null}
      {entry.name !== 'enumerateDevices' ? (
        <div class="mr-constraints">
          <span class="mr-muted">Constraints: </span>
          <code>{entry.args && entry.args.length > 0 ? JSON.stringify(readableConstraints(entry.args.length === 1 ? entry.args[0] : entry.args)) : '(none)'}</code>
        </div>
      ) : null}
      {entry.outcome === 'error' && entry.error ? (
        <p class="mr-error" role="note">
          {errorText(entry.error)}
        </p>
      ) : null}
      {tracks.length > 0 ? <TrackTable tracks={tracks} trackEvents={trackEvents} origin={origin} /> : null}
      {applied && entry.outcome === 'ok' ? (
        <div class="mr-settings" title={isObject(value) ? JSON.stringify(value) : undefined}>
          <span class="mr-muted">Settings after: </span>
          {trackSettingsText(value ?? undefined) || '(none reported)'}
        </div>
      ) : null}
      {entry.outcome === 'ok' && entry.name !== 'enumerateDevices' && !applied && tracks.length === 0 ? <p class="mr-muted">No tracks.</p> : null}
      {entry.name === 'enumerateDevices' && entry.outcome === 'ok' ? (
        <ul class="mr-devices">
          {devices.map((d, i) => (
            <li key={i}>
              {text(d.kind)}: {text(d.label) || '(no label: permission not granted)'}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function MediaRequests({ data }: MediaRequestsProps) {
  const eventCount = data.events.length;
  const entries = useMemo(() => buildEventLog(data, null), [data, data.events, eventCount]);
  const origin = useMemo(() => sessionTimeOrigin(data), [data, data.events, eventCount]);
  const requests = entries.filter((e) => e.kind === 'media');
  const trackEvents = useMemo(() => {
    const map = new Map<string, LogEntry[]>();
    for (const e of entries) {
      if (e.kind !== 'track' || !isObject(e.value)) continue;
      const key = trackKey(e.value);
      const list = map.get(key) ?? [];
      list.push(e);
      map.set(key, list);
    }
    return map;
  }, [entries]);
  return (
    <section class="media-requests" aria-label="getUserMedia and getDisplayMedia requests">
      {requests.length === 0 ? (
        <p class="mr-muted">No getUserMedia, getDisplayMedia or enumerateDevices requests in this session.</p>
      ) : (
        <ol class="mr-list">
          {requests.map((e) => (
            <Request key={e.seq} entry={e} trackEvents={trackEvents} origin={origin} />
          ))}
        </ol>
      )}
    </section>
  );
}
