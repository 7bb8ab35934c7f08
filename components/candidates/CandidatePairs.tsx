/**
 * ICE candidate pairs of a peer connection: a table of every pair in the latest sample (selected first), and a
 * timeline of each pair's state over the whole recording with the selected pair over time. The timeline is drawn
 * as boxes on a track per pair; a text version of it sits right below for screen readers and copy/paste.
 */
import { useRef } from 'preact/hooks';
import { isLiveSession, type SessionData } from '../../lib/model/session';
import type { StatsFeed } from '../../lib/views/stats-feed';
import {
  candidatePairTable,
  candidatePairsKey,
  candidatePairTimeline,
  pairsSharingEndpoints,
  type CandidateInfo,
  type CandidatePairTimeline,
} from '../../lib/model/candidate-pairs';
import { formatAbsolute, formatBytes, formatCount, formatSecondsAsMs, formatSince, noSamplesText, orDash, stateClass } from '../connection/format';
import { LazyDetails } from '../connection/LazyDetails';
import { LiveText } from '../connection/LiveText';
import { finalAxisEnd, LIVE_VALUES_INTERVAL_MS, liveAxisEnd, useFeedVersion } from '../connection/use-feed-version';
import './candidates.css';

export interface CandidatePairsProps {
  data: SessionData;
  pcId: string;
  feed: StatsFeed;
}

function CandidateCell({ c, transport, pairId }: { c: CandidateInfo | null; transport?: string | null; pairId?: string | null }) {
  if (!c) return <td class="cp-muted">unknown</td>;
  return (
    // Three unbreakable parts (type and protocol, address and port, relay/TCP details) that may go on lines of their
    // own when the column is narrow: on one line each cell took a fifth of a 1000 px column (more with IPv6
    // addresses), and the table had to scroll sideways in a DevTools panel at 1280 px.
    <td class="cp-candidate" title={c.url ?? undefined}>
      <span class="cp-part">
        <span class="cp-type">{orDash(c.candidateType)}</span> {orDash(c.protocol)}
      </span>{' '}
      <span class="cp-part">
        {c.address ?? '?'}:{c.port ?? '?'}
      </span>
      {c.relayProtocol || c.tcpType ? ' ' : null}
      {c.relayProtocol || c.tcpType ? (
        <span class="cp-part cp-muted">
          {c.relayProtocol ? `relay ${c.relayProtocol}` : null}
          {c.relayProtocol && c.tcpType ? ' ' : null}
          {c.tcpType ?? null}
        </span>
      ) : null}
      {transport ? (
        <>
          {' '}
          <span class="cp-part cp-muted">on {transport}</span>
        </>
      ) : null}
      {pairId ? (
        <>
          {' '}
          <span class="cp-part cp-muted">pair {pairId}</span>
        </>
      ) : null}
    </td>
  );
}

const pair = (a: number | null, b: number | null) => `${formatCount(a)} / ${formatCount(b)}`;

/** The right end of a live timeline (epoch ms): as the charts' x axis (liveAxisEnd). */
export function timelineEnd(first: number, last: number, current: number | null): number {
  return liveAxisEnd(first, last, current, 1000);
}

/** Pair states the timeline's key gives a colour of their own (candidates.css). */
const KEYED_STATES = new Set(['succeeded', 'failed', 'in-progress', 'waiting', 'frozen']);

function Timeline({ tl, origin, pcId, live }: { tl: CandidatePairTimeline; origin: number; pcId: string; live: boolean }) {
  // A live PC's track runs a step past its newest sample (timelineEnd): between steps every segment keeps its place
  // and a new sample only lengthens the current ones. Ending at the newest sample moved every segment of every lane
  // every second (a new place, layout and repaint of each). A PC that can get no more samples (closed, its session
  // ended or imported) has its track end at its last sample (finalAxisEnd), from the render that says so.
  const liveEnd = useRef<number | null>(null);
  if (tl.startT === null || tl.endT === null || tl.pairs.length === 0) return null;
  const start = tl.startT;
  liveEnd.current = live ? timelineEnd(start, tl.endT, liveEnd.current) : null;
  const span = (liveEnd.current ?? finalAxisEnd(start, tl.endT, 1000)) - start;
  // Absolutely placed boxes inside the track, left and width in % of the span (at least 2 px wide, so a short state
  // stays visible); the tooltip is the title. Not SVG: Chromium re-layerizes the whole page (PaintArtifactCompositor
  // ::Update) in every frame that repaints an SVG's content, as for any paint chunk of its own (live-text.css), and
  // the current segments grow with every step. A box's new width lays out the main column (contain: strict), which
  // the step's new latest values do anyway.
  const pct = (v: number) => `${(v * 100).toFixed(3)}%`;
  const seg = (key: string, cls: string, from: number, to: number, title: string) => (
    <div key={key} class={cls} title={title} style={{ left: pct((from - start) / span), width: pct((to - from) / span) }} />
  );
  const since = (t: number) => formatSince(t - origin);
  const labels = new Map(tl.pairs.map((p) => [p.id, p.label]));
  const titles = new Map(tl.pairs.map((p) => [p.id, p.title]));
  // The selected lane: a switch to another pair (an ICE restart, a better path) must show even when the two
  // segments touch. The shade alternates at every change of pair, and a segment that starts where the previous one
  // ended has a divider at its left edge.
  let shade = false;
  const selectedSegs = tl.selected.map((s, i) => {
    const prev = i > 0 ? tl.selected[i - 1] : null;
    if (prev && prev.pairId !== s.pairId) shade = !shade;
    const cls = `cp-seg cp-seg-selected${shade ? ' cp-seg-selected-alt' : ''}${prev && prev.toT >= s.fromT ? ' cp-seg-switch' : ''}`;
    return seg(`${s.pairId}-${s.fromT}`, cls, s.fromT, s.toT, `selected ${since(s.fromT)} – ${since(s.toT)}: ${titles.get(s.pairId) ?? s.pairId}`);
  });
  const switched = tl.selected.some((s, i) => i > 0 && tl.selected[i - 1].pairId !== s.pairId);
  // States the key's colours do not name (cancelled, a browser's own): drawn grey, named as they are.
  const otherStates = [...new Set(tl.pairs.flatMap((p) => p.segments.map((s) => s.state)))].filter((state) => !KEYED_STATES.has(state)).sort();
  const captionId = `cp-timeline-caption-${pcId}`;
  return (
    <figure class="cp-timeline" aria-labelledby={captionId}>
      <figcaption id={captionId}>
        Candidate pair states over time ({since(tl.startT)} to <LiveText chars={13}>{`${since(tl.endT)})`}</LiveText>
      </figcaption>
      <div class="cp-lanes" aria-hidden="true">
        <div class="cp-lane cp-lane-selected">
          <div class="cp-lane-label">selected pair</div>
          <div class="cp-track">{selectedSegs}</div>
        </div>
        {tl.pairs.map((p) => (
          <div class="cp-lane" key={p.id} data-pair-id={p.id}>
            <div class="cp-lane-label" title={p.title}>
              {p.label}
            </div>
            <div class="cp-track">{p.segments.map((s) => seg(String(s.fromT), `cp-seg cp-seg-${s.state}`, s.fromT, s.toT, `${s.state} ${since(s.fromT)} – ${since(s.toT)}`))}</div>
          </div>
        ))}
      </div>
      {/* What the colours mean (the text version below says it in words). */}
      <ul class="cp-key" aria-hidden="true">
        <li>
          <span class="cp-swatch cp-swatch-selected" />
          {switched ? (
            <>
              <span class="cp-swatch cp-swatch-selected-alt" />
              selected (the shade changes with the pair)
            </>
          ) : (
            'selected'
          )}
        </li>
        <li><span class="cp-swatch cp-swatch-succeeded" />succeeded</li>
        <li><span class="cp-swatch cp-swatch-in-progress" />waiting, in progress or frozen</li>
        <li><span class="cp-swatch cp-swatch-failed" />failed</li>
        {otherStates.length > 0 ? (
          <li>
            <span class="cp-swatch cp-swatch-other" />
            {otherStates.join(', ')}
          </li>
        ) : null}
      </ul>
      <LazyDetails class="cp-timeline-text" summary="Timeline as text">
        {() => (
          <ul>
            {tl.pairs.map((p) => (
              <li key={p.id}>
                {p.label}: {p.segments.map((s) => `${s.state} ${since(s.fromT)} – ${since(s.toT)}`).join('; ')}
              </li>
            ))}
            {tl.selected.length === 0 ? (
              <li>No pair was selected.</li>
            ) : (
              tl.selected.map((s) => (
                <li key={`sel-${s.pairId}-${s.fromT}`}>
                  Selected {since(s.fromT)} – {since(s.toT)}: {labels.get(s.pairId) ?? s.pairId}
                </li>
              ))
            )}
          </ul>
        )}
      </LazyDetails>
    </figure>
  );
}

export function CandidatePairs({ data, pcId, feed }: CandidatePairsProps) {
  const root = useRef<HTMLElement>(null);
  // Counters every step of sample time (LIVE_VALUES_INTERVAL_MS), with the charts' legends; states and the selection
  // at once.
  useFeedVersion(feed, pcId, LIVE_VALUES_INTERVAL_MS, root, candidatePairsKey);
  const columns = feed.columns(pcId) ?? data.stats[pcId];
  const rows = candidatePairTable(columns);
  const tl = candidatePairTimeline(columns);
  const pc = data.pcs.find((p) => p.pcId === pcId);
  const origin = pc?.createdAt ?? tl.startT ?? 0;
  // As the charts' status (ScopeApp): an imported session gets no samples, whether or not the file gave it an end.
  const live = pc !== undefined && pc.closedAt === null && isLiveSession(data.session);
  if (!columns || columns.t.length === 0) {
    const noSamples = noSamplesText(data, pcId);
    return (
      <section ref={root} class="candidate-pairs" aria-label="Candidate pairs">
        <p class="cp-empty">{noSamples.live ? `${noSamples.text}: candidate pairs appear with the first sample.` : `${noSamples.text}.`}</p>
      </section>
    );
  }
  const latestT = columns.t[columns.t.length - 1];
  // Without BUNDLE (one transport per m-line: bundlePolicy max-compat, or a peer that does not bundle) the same two addresses pair on each transport:
  // the rows would look duplicated without it.
  const severalTransports = new Set(rows.map((r) => r.transportId)).size > 1;
  // Pairs between the same two candidates on the same transport (Chrome's legacy connections) by their id.
  const sharingEndpoints = pairsSharingEndpoints(rows);
  return (
    <section ref={root} class="candidate-pairs" aria-label="Candidate pairs">
      {/* Wider than the column with twelve columns (the main column does not scroll sideways: its slots are
          contained): the table scrolls in its own box, which the keyboard can focus and scroll too. */}
      <div class="cp-table-scroll" role="region" aria-label={`Candidate pairs table of connection ${pcId}`} tabIndex={0}>
        {/* Named without the caption's live time: Chromium glued the two into "Candidate pairs at+1.004 s". */}
        <table class="cp-table" aria-label={`Candidate pairs of connection ${pcId}`}>
          <caption>
            Candidate pairs at{' '}
            <time title={formatAbsolute(latestT)}>
              <LiveText chars={13}>{formatSince(latestT - origin)}</LiveText>
            </time>
          </caption>
          <thead>
            <tr>
              <th scope="col">Selected</th>
              <th scope="col">Local candidate</th>
              <th scope="col">Remote candidate</th>
              <th scope="col">State</th>
              <th scope="col">Nominated</th>
              <th scope="col">RTT</th>
              <th scope="col" title="ΔtotalRoundTripTime / ΔresponsesReceived over the last interval between samples that brought STUN responses (webrtc-internals' [totalRoundTripTime/responsesReceived])">
                Avg RTT
              </th>
              <th scope="col">Bytes sent</th>
              <th scope="col">Bytes received</th>
              <th scope="col">Requests sent / received</th>
              <th scope="col">Responses sent / received</th>
              <th scope="col">Consent requests</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={12} class="cp-muted">
                  No candidate pairs in the latest sample.
                </td>
              </tr>
            ) : (
              rows.map((r) => (
                <tr key={r.id} class={r.selected ? 'cp-selected' : undefined} data-pair-id={r.id} title={r.id}>
                  {/* The tick alone (the row is highlighted too); the word is for assistive technology and copies. */}
                  <td>
                    {r.selected ? (
                      <strong>
                        ✓<span class="visually-hidden"> selected</span>
                      </strong>
                    ) : (
                      ''
                    )}
                  </td>
                  <CandidateCell c={r.local} transport={severalTransports ? r.transportId : null} pairId={sharingEndpoints.has(r.id) ? r.id : null} />
                  <CandidateCell c={r.remote} />
                  <td class={stateClass(r.state)}>{orDash(r.state)}</td>
                  <td>{r.nominated === null ? '—' : r.nominated ? 'yes' : 'no'}</td>
                  <td>
                    <LiveText chars={7}>{formatSecondsAsMs(r.currentRoundTripTime)}</LiveText>
                  </td>
                  <td>
                    <LiveText chars={7}>{formatSecondsAsMs(r.averageRoundTripTime)}</LiveText>
                  </td>
                  <td>
                    <LiveText chars={7}>{formatBytes(r.bytesSent)}</LiveText>
                  </td>
                  <td>
                    <LiveText chars={7}>{formatBytes(r.bytesReceived)}</LiveText>
                  </td>
                  <td>
                    <LiveText chars={12}>{pair(r.requestsSent, r.requestsReceived)}</LiveText>
                  </td>
                  <td>
                    <LiveText chars={12}>{pair(r.responsesSent, r.responsesReceived)}</LiveText>
                  </td>
                  <td>
                    <LiveText chars={6}>{formatCount(r.consentRequestsSent)}</LiveText>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Timeline tl={tl} origin={origin} pcId={pcId} live={live} />
    </section>
  );
}

