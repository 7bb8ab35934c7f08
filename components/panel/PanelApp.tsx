/**
 * Interim panel: the inspected tab's sessions, each PC's states and sample count, the latest stats of its RTP
 * streams, and the newest trace events, refreshed live. The full panel (charts, candidate pairs, SDP) is
 * issue 3; this one proves the data path end to end and renders everything as text.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SessionData, SessionSummary, StatsColumns } from '../../lib/model/session';
import type { BackgroundClient } from '../../lib/views/background-client';

const REFRESH_MS = 1000;

export function PanelApp({ client, tabId }: { client: BackgroundClient; tabId: number | null }) {
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [data, setData] = useState<SessionData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (tabId === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      timer = undefined;
      try {
        const list = await client.request({ type: 'list-sessions', tabId });
        if (controller.signal.aborted) return;
        setSessions(list);
        const [latest] = await client.request({ type: 'get-notices' });
        setNotice(latest ? `${new Date(latest.t).toLocaleString()}: ${latest.message}` : null);
        setData(list[0] ? await client.request({ type: 'get-session', sessionId: list[0].id }) : null);
        setError(null);
      } catch (e) {
        setError(String((e as Error).message ?? e));
      }
    };
    void refresh();
    // Live updates only trigger a (throttled) re-read: the store is the single source of truth.
    client.subscribeTab(tabId, () => (timer ??= setTimeout(refresh, REFRESH_MS)), controller.signal);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [client, tabId]);

  if (tabId === null) return <p>No tab: open this panel in DevTools, or with <code>?tabId=N</code>.</p>;
  return (
    <main>
      <h1>WebRTC Scope — tab {tabId}</h1>
      {error && <p class="bad">Error: {error}</p>}
      {notice && <p role="note">Retention: {notice}</p>}
      {sessions.length === 0 && <p class="muted">No WebRTC activity recorded in this tab yet.</p>}
      {data && <SessionView data={data} />}
      {sessions.length > 1 && (
        <>
          <h2>Earlier sessions in this tab</h2>
          <ul>
            {sessions.slice(1).map((s) => (
              <li key={s.id}>
                {new Date(s.startedAt).toLocaleString()} — {s.url} — {s.pcCount} PC(s){s.endedAt ? '' : ' (live)'}
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}

function SessionView({ data }: { data: SessionData }) {
  const { session } = data;
  return (
    <section aria-label="Current session">
      <p>
        <strong>{session.title || session.url}</strong> <span class="muted">{session.url}</span>
        <br />
        started {new Date(session.startedAt).toLocaleTimeString()} · {session.pcCount} peer connection(s) ·{' '}
        {session.eventCount} events · {session.sampleCount} stats samples · {(session.bytes / 1024).toFixed(1)} KB stored ·{' '}
        {session.endedAt ? 'ended' : 'live'}
      </p>
      {data.pcs.map((pc) => (
        <div key={pc.pcId} aria-label={`Peer connection ${pc.pcId}`}>
          <h2>
            PC {pc.pcId} <span class="muted">{pc.frameUrl}</span>
          </h2>
          <table>
            <tbody>
              <tr>
                <th>connection</th><td>{pc.connectionState}</td>
                <th>ICE</th><td>{pc.iceConnectionState}</td>
                <th>gathering</th><td>{pc.iceGatheringState}</td>
                <th>signaling</th><td>{pc.signalingState}</td>
                <th>samples</th><td data-testid="sample-count">{pc.sampleCount}</td>
              </tr>
            </tbody>
          </table>
          <RtpTable columns={data.stats[pc.pcId]} />
        </div>
      ))}
      <h2>Latest events</h2>
      <table>
        <thead>
          <tr><th>time</th><th>PC</th><th>record</th><th>detail</th></tr>
        </thead>
        <tbody>
          {data.events.slice(-25).reverse().map((e) => (
            <tr key={e.seq}>
              <td>{new Date(e.record.t).toLocaleTimeString()}</td>
              <td>{e.pcId ?? '—'}</td>
              <td>{e.record.type}</td>
              <td>{describe(e.record)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function describe(record: SessionData['events'][number]['record']): string {
  switch (record.type) {
    case 'pc-call':
    case 'media-call':
      return record.method;
    case 'pc-settled':
    case 'media-settled':
      return `${record.method} ${record.ok ? 'ok' : `failed: ${record.error?.name} ${record.error?.message}`}`;
    case 'pc-event':
      return `${record.event} ${typeof record.value === 'string' ? record.value : ''}`;
    case 'channel-event':
      return `${record.channel.label} ${record.event}`;
    case 'track-event':
      return `${record.track.kind} ${record.event}`;
    default:
      return '';
  }
}

const RTP_FIELDS = ['kind', 'packetsSent', 'bytesSent', 'packetsReceived', 'bytesReceived', 'packetsLost', 'jitter', 'framesPerSecond'];

function RtpTable({ columns }: { columns?: StatsColumns }) {
  if (!columns || columns.t.length === 0) return <p class="muted">No stats yet.</p>;
  const last = columns.t.length - 1;
  const rows = Object.entries(columns.objects).filter(([, o]) => o.type === 'inbound-rtp' || o.type === 'outbound-rtp');
  return (
    <table>
      <thead>
        <tr><th>stats id</th><th>type</th>{RTP_FIELDS.map((f) => <th key={f}>{f}</th>)}</tr>
      </thead>
      <tbody>
        {rows.map(([id, o]) => (
          <tr key={id}>
            <td><code>{id}</code></td>
            <td>{o.type}</td>
            {RTP_FIELDS.map((f) => <td key={f}>{String(o.fields[f]?.[last] ?? '')}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
