/**
 * The header of a peer connection: its states, DTLS, the selected candidate pair, the codecs in use, and when it
 * was created and closed. Reads the latest sample through the feed: RTT and bitrate every 2 s of sample time, a
 * change of state, pair or codec at once (useFeedVersion; the parent does not re-render for samples).
 */
import { useRef } from 'preact/hooks';
import type { SessionData } from '../../lib/model/session';
import type { StatsFeed } from '../../lib/views/stats-feed';
import { candidateLabel, type CandidateInfo } from '../../lib/model/candidate-pairs';
import { codecText, connectionHeader, connectionHeaderKey, tlsVersionName } from '../../lib/model/connection-header';
import { formatAbsolute, formatBitrate, formatSecondsAsMs, formatSince, noSamplesText, orDash, stateClass } from './format';
import { LiveText } from './LiveText';
import { LIVE_VALUES_INTERVAL_MS, useFeedVersion } from './use-feed-version';
import './connection.css';

export interface ConnectionHeaderProps {
  data: SessionData;
  pcId: string;
  feed: StatsFeed;
}

/** availableOutgoingBitrate is no send rate: the send-bitrate chart has what is sent. */
const AVAILABLE_OUT_TITLE =
  "availableOutgoingBitrate: the congestion controller's estimate of the bitrate this candidate pair can carry out (the budget for all outgoing streams), not the rate being sent";

const CLOSED_BY: Record<string, string> = { close: 'close()', unload: 'page unloaded', 'session-end': 'session ended' };

/**
 * One state. A closed PC's states read "closed" in the muted closed colour (a close is no failure), with the last
 * state recorded before the close after it when that was something else: "closed (last: connected)".
 */
function State({ label, value, last }: { label: string; value: string | null; last?: string | null }) {
  return (
    <div class="ch-item">
      <dt>{label}</dt>
      <dd>
        <span class={value === 'closed' && last !== undefined ? 'state-closed' : stateClass(value)}>{orDash(value)}</span>
        {last !== undefined && last !== null && last !== value ? <span class="ch-muted ch-last"> (last: {last})</span> : null}
      </dd>
    </div>
  );
}

function Candidate({ side, c }: { side: string; c: CandidateInfo | null }) {
  return (
    <span class="ch-candidate">
      <span class="ch-muted">{side} </span>
      {c ? (
        <>
          <span class="ch-candidate-type">{c.candidateType ?? '?'}</span> {c.protocol ?? '?'} {c.address ?? '?'}:{c.port ?? '?'}
          {c.relayProtocol ? <span> relay {c.relayProtocol}</span> : null}
          {c.networkType && c.networkType !== 'unknown' ? <span class="ch-muted"> ({c.networkType})</span> : null}
        </>
      ) : (
        candidateLabel(null)
      )}
    </span>
  );
}

export function ConnectionHeader({ data, pcId, feed }: ConnectionHeaderProps) {
  const root = useRef<HTMLElement>(null);
  // RTT and bitrate every step of sample time (LIVE_VALUES_INTERVAL_MS), with the charts' legends; the selected pair,
  // DTLS/ICE states and codecs at once.
  useFeedVersion(feed, pcId, LIVE_VALUES_INTERVAL_MS, root, connectionHeaderKey);
  const columns = feed.columns(pcId) ?? data.stats[pcId];
  const h = connectionHeader(data, pcId, columns);
  const dtls = h.dtls[0] ?? null;
  const last = h.lastStates;
  // The transport's DTLS state in the last sample; a closed PC's transport is closed with it.
  const dtlsState = h.closed && dtls ? 'closed' : (dtls?.state ?? null);
  const dtlsLast = h.closed ? (dtls?.state ?? null) : null;
  return (
    <section ref={root} class="connection-header" aria-label={`Connection ${pcId} summary`}>
      <dl class="ch-row">
        <State label="Connection" value={h.states.connectionState} last={last?.connectionState} />
        <State label="ICE" value={h.states.iceConnectionState} last={last?.iceConnectionState} />
        <State label="ICE gathering" value={h.states.iceGatheringState} />
        <State label="Signaling" value={h.states.signalingState} last={last?.signalingState} />
        <div class="ch-item">
          <dt>DTLS</dt>
          <dd>
            <span class={h.closed ? 'state-closed' : stateClass(dtlsState)}>{orDash(dtlsState)}</span>
            {dtlsLast !== null && dtlsLast !== 'closed' ? <span class="ch-muted ch-last"> (last: {dtlsLast})</span> : null}
            {/* dtlsRole: client, server, or "unknown" before the handshake (a bare "unknown" read as the state's). */}
            {dtls?.role ? <span class="ch-muted" title="DTLS role"> {dtls.role === 'unknown' ? 'role not known yet' : dtls.role}</span> : null}
            {dtls?.tlsVersion ? <span class="ch-muted" title={`tlsVersion ${dtls.tlsVersion}`}> {tlsVersionName(dtls.tlsVersion)}</span> : null}
            {dtls?.srtpCipher ? <span class="ch-muted"> {dtls.srtpCipher}</span> : null}
            {h.dtls.length > 1 ? <span class="ch-muted"> (+{h.dtls.length - 1} more transports)</span> : null}
          </dd>
        </div>
      </dl>
      <dl class="ch-row">
        <div class="ch-item ch-wide">
          <dt>Selected pair</dt>
          {h.selectedPairs.length === 0 ? (
            <dd class="ch-muted">{columns && columns.t.length > 0 ? 'none selected' : noSamplesText(data, pcId).live ? 'no stats yet' : 'no stats'}</dd>
          ) : (
            h.selectedPairs.map((p) => (
              <dd key={p.id} class="ch-pair" data-pair-id={p.id}>
                <Candidate side="local" c={p.local} /> <span aria-hidden="true">⇄</span> <Candidate side="remote" c={p.remote} />
                <span class="ch-muted"> RTT </span>
                <LiveText chars={8}>{formatSecondsAsMs(p.currentRoundTripTime)}</LiveText>
                {p.availableOutgoingBitrate !== null ? (
                  <>
                    <span class="ch-muted" title={AVAILABLE_OUT_TITLE}> available out </span>
                    <span title={AVAILABLE_OUT_TITLE}>
                      <LiveText chars={12}>{formatBitrate(p.availableOutgoingBitrate)}</LiveText>
                    </span>
                  </>
                ) : null}
              </dd>
            ))
          )}
        </div>
        <div class="ch-item ch-wide">
          <dt>Codecs</dt>
          {h.codecs.length === 0 ? (
            <dd class="ch-muted">none in use</dd>
          ) : (
            <dd>
              <ul class="ch-codecs">
                {h.codecs.map((c) => (
                  <li key={c.id}>
                    <span class="ch-muted">{c.directions.join('+')} </span>
                    {codecText(c)}
                  </li>
                ))}
              </ul>
            </dd>
          )}
        </div>
        <div class="ch-item">
          <dt>Created</dt>
          <dd>{h.createdAt !== null ? <time title={formatAbsolute(h.createdAt)}>{formatAbsolute(h.createdAt)}</time> : '—'}</dd>
        </div>
        <div class="ch-item">
          <dt>Closed</dt>
          <dd>
            {h.closedAt !== null ? (
              <>
                <time title={formatAbsolute(h.closedAt)}>{h.createdAt !== null ? formatSince(h.closedAt - h.createdAt) : formatAbsolute(h.closedAt)}</time>
                {h.closedBy ? <span class="ch-muted"> ({CLOSED_BY[h.closedBy] ?? h.closedBy})</span> : null}
              </>
            ) : (
              // An imported PC the file never closes was open when the file was made; nothing says what came after.
              <span class="ch-muted">{data.session.imported ? 'open when the file was made' : 'open'}</span>
            )}
          </dd>
        </div>
        {h.fileId !== null ? <div class="ch-item ch-file-id"><dt>In file</dt><dd title={h.fileId}>{h.fileId}</dd></div> : null}
      </dl>
    </section>
  );
}
