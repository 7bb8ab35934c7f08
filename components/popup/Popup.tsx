/**
 * The popup: the health of one tab at a glance. Each live peer connection with its state, path, the latest
 * numbers and a verdict with the top issue in words; earlier sessions of the tab with their verdict; buttons to
 * open the viewer, learn how to open the panel, and pause or resume capture on the site. Asks the background
 * once a second (get-tab-health: a few hundred bytes, computed from a small window) while open.
 *
 * Everything from the page (URLs, titles) is rendered as text.
 */
import { useEffect, useState } from 'preact/hooks';
import { adviceApplies, ISSUE_TEXT } from '../../lib/model/health/rules';
import { evidenceText, NO_VERDICT_TEXT, noVerdictReasonText, verdictText } from '../health/health-text';
import type { LivePcHealth, RecentSessionHealth, TabHealth } from '../../lib/protocol/messages';
import type { BackgroundClient } from '../../lib/views/background-client';
import { formatBitrate, formatElapsed } from '../connection/format';
import '../app/theme.css';
import './popup.css';

export const POPUP_REFRESH_MS = 1000;

export interface PopupProps {
  client: BackgroundClient;
  /** The tab to show; null when the active tab could not be found. */
  tabId: number | null;
  openViewer(sessionId: string | null): void;
  /** Opens the panel as a page for this tab (for when DevTools are not at hand). */
  openPanelPage(tabId: number): void;
  now?: () => number;
}

const BITRATE_TITLE = {
  transport: 'Bit rate of the latest interval on the selected candidate pair: all of the connection\'s traffic (media with headers, RTCP, data channels)',
  rtp: 'RTP payload bit rate of the streams in the latest interval (the candidate pair gives no byte counts)',
} as const;
const STREAMS_TITLE = 'Worst stream of the latest interval: received streams as measured here, sent streams as the other side\'s last receiver report says; – when nothing arrived';

const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`);
const percent = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(v < 0.1 ? 1 : 0)} %`);

/**
 * An earlier session's verdict over the call. Without one, its average score tells why (assessSession): media was
 * rated, but on no connection long enough for a verdict; or there was none.
 */
function RecentVerdict({ r }: { r: RecentSessionHealth }) {
  if (!r.assessed) return <span class="popup-verdict verdict-unknown">assessing…</span>;
  if (r.verdict !== null) {
    // Without media the verdict is its critical issue's (a connection that failed before any): name that instead.
    const text = r.score === null && r.topIssue !== null ? r.topIssue : verdictText(r.verdict);
    return <span class={`popup-verdict verdict-${r.verdict}`} data-verdict={r.verdict}>{text}</span>;
  }
  const reason = r.score !== null ? 'too-little-media' : 'no-media';
  return (
    <span class="popup-verdict verdict-unknown" data-verdict="unknown" data-no-verdict={reason} title={`No verdict over the call: ${noVerdictReasonText(reason)}`}>
      {NO_VERDICT_TEXT[reason]}
    </span>
  );
}

/**
 * The tab's verdict (its worst live PC's) in words: when every PC at that verdict has no media rated and is named by
 * its issues instead ("Offer not answered"), those names; else the verdict's.
 */
function tabVerdictText(health: TabHealth): string {
  const worst = health.live.filter((pc) => pc.verdict === health.verdict);
  // Absent from a background of an older version, mid-update.
  const named = worst.map((pc) => pc.verdictText ?? null);
  if (health.verdict === null || worst.length === 0 || named.some((t) => t === null)) return verdictText(health.verdict);
  return [...new Set(named)].join(', ');
}

function PcCard({ pc, now }: { pc: LivePcHealth; now: number }) {
  const verdictClass = pc.verdict ?? 'unknown';
  // The top issue is one of `ongoing` (a copy, after the message port): skip it by position.
  const topIndex = pc.topIssue ? pc.ongoing.findIndex((i) => i.rule === pc.topIssue!.rule && i.subjectId === pc.topIssue!.subjectId && i.from === pc.topIssue!.from) : -1;
  const others = pc.ongoing.filter((_, index) => index !== topIndex);
  return (
    <li class={`popup-pc verdict-${verdictClass}`} aria-label={`Peer connection ${pc.pcId}`} data-pc-id={pc.pcId}>
      <div class="popup-pc__head">
        <span class={`popup-verdict verdict-${verdictClass}`} data-verdict={verdictClass}>
          {pc.verdictText ?? verdictText(pc.verdict)}
          {/* The score is the current one; the verdict waits until a score held for 30 s, so say "now". */}
          {pc.score !== null ? ` · now ${Math.round(pc.score)}/100` : ''}
        </span>
        <span class="popup-pc__id">PC {pc.pcId}</span>
        <span class="popup-muted">{formatElapsed(now - pc.createdAt)}</span>
      </div>
      <dl class="popup-facts">
        <dt>State</dt>
        <dd data-field="state">{pc.connectionState}{pc.iceConnectionState !== pc.connectionState ? ` (ICE ${pc.iceConnectionState})` : ''}</dd>
        <dt>Path</dt>
        <dd data-field="path">{pc.pairType ?? '–'}{pc.relayed ? ' (TURN relay)' : ''}</dd>
        <dt title={BITRATE_TITLE[pc.bitrateSource]}>Send</dt>
        <dd data-field="send-bitrate" title={BITRATE_TITLE[pc.bitrateSource]}>{formatBitrate(pc.sendBitrate)}</dd>
        <dt title={BITRATE_TITLE[pc.bitrateSource]}>Receive</dt>
        <dd data-field="receive-bitrate" title={BITRATE_TITLE[pc.bitrateSource]}>{formatBitrate(pc.receiveBitrate)}</dd>
        <dt>RTT</dt>
        <dd data-field="rtt">{ms(pc.rttMs)}</dd>
        <dt title={STREAMS_TITLE}>Loss</dt>
        <dd data-field="loss" title={STREAMS_TITLE}>{percent(pc.lossFraction)}</dd>
        <dt title={STREAMS_TITLE}>Jitter</dt>
        <dd data-field="jitter" title={STREAMS_TITLE}>{ms(pc.jitterMs)}</dd>
      </dl>
      {pc.topIssue ? (
        <div class={`popup-issue severity-${pc.topIssue.severity}`} data-rule={pc.topIssue.rule}>
          <p class="popup-issue__what">
            {ISSUE_TEXT[pc.topIssue.rule].title} <span class="popup-issue__subject">({pc.topIssue.subject})</span>
          </p>
          <p class="popup-issue__evidence">{evidenceText(pc.topIssue)}</p>
          {pc.topIssue.evidence.note ? <p class="popup-issue__note">{pc.topIssue.evidence.note}</p> : null}
          {!adviceApplies(pc.topIssue.evidence) ? null : <p class="popup-issue__advice">{ISSUE_TEXT[pc.topIssue.rule].advice}</p>}
          {others.length > 0 ? (
            <p class="popup-muted">
              Also: {others.map((i) => `${ISSUE_TEXT[i.rule].title} (${i.subject})`).join('; ')}
            </p>
          ) : null}
        </div>
      ) : (
        <p class="popup-muted popup-issue--none">
          No issue.
          {pc.scoreFactor ? <span data-field="score-factor">{` Score set by ${pc.scoreFactor}.`}</span> : null}
        </p>
      )}
    </li>
  );
}

export function Popup({ client, tabId, openViewer, openPanelPage, now = Date.now }: PopupProps) {
  const [health, setHealth] = useState<TabHealth | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (tabId === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      try {
        const next = await client.request({ type: 'get-tab-health', tabId });
        if (stopped) return;
        setHealth(next);
        setError(null);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
      // Chained, not setInterval: a slow answer never stacks requests.
      if (!stopped) timer = setTimeout(refresh, POPUP_REFRESH_MS);
    };
    void refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, tabId]);

  if (tabId === null) return <main class="popup"><p role="alert">No tab to show: open the popup from a browser tab.</p></main>;
  if (!health) return <main class="popup"><p>{error ? <span role="alert">Cannot reach WebRTC Scope's background: {error}</span> : 'Loading…'}</p></main>;

  const site = health.capture.site;
  const captureOff = health.capture.sitePaused || health.capture.excluded || health.capture.pausedEverywhere;
  const toggleSite = async () => {
    if (!site) return;
    setBusy(true);
    try {
      const settings = await client.request({ type: 'get-settings' });
      const pausedSites = health.capture.sitePaused ? settings.pausedSites.filter((s) => s !== site) : [...settings.pausedSites, site];
      await client.request({ type: 'set-settings', settings: { pausedSites } });
      setHealth(await client.request({ type: 'get-tab-health', tabId }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const t = now();
  // Absent from a background of an older version, mid-update.
  const mediaFailures = health.mediaFailures ?? [];

  return (
    <main class="popup" aria-label="WebRTC Scope: this tab">
      <header class="popup-header">
        <h1>WebRTC Scope</h1>
        {health.live.length > 0 ? (
          <span class={`popup-verdict verdict-${health.verdict ?? 'unknown'}`} data-testid="tab-verdict">
            {health.live.length} live {health.live.length === 1 ? 'connection' : 'connections'}: {tabVerdictText(health)}
          </span>
        ) : null}
      </header>
      {error ? <p role="alert">{error}</p> : null}
      {health.current ? (
        <p class="popup-page" title={health.current.url}>
          {health.current.title || health.current.url}
        </p>
      ) : null}
      {mediaFailures.length > 0 ? (
        // Whether a call followed or not: a camera or microphone the page asked for and did not get.
        <section class="popup-media-failed" aria-label="Failed camera and microphone requests" data-testid="popup-media-failed">
          <strong class="verdict-low">{ISSUE_TEXT['getusermedia-failed'].title}</strong>
          <ul>
            {mediaFailures.slice(-3).map((issue, i) => (
              <li key={i}>
                {issue.subject}: {String(issue.evidence.value)}
              </li>
            ))}
          </ul>
          {mediaFailures.length > 3 ? <span class="popup-muted">{`and ${mediaFailures.length - 3} earlier`}</span> : null}
        </section>
      ) : null}
      {health.live.length > 0 ? (
        <ul class="popup-pcs" aria-label="Live peer connections">
          {health.live.map((pc) => <PcCard key={pc.pcId} pc={pc} now={t} />)}
        </ul>
      ) : (
        <p class="popup-empty" data-testid="popup-empty">
          {health.current && health.current.pcCount > 0
            ? captureOff
              ? 'Capture is off for this page: what its connections do now is not recorded.'
              : 'No live peer connection in this tab now; its connections have closed.'
            : mediaFailures.length > 0
              ? 'No peer connection in this tab yet.'
              : 'No WebRTC in this tab yet. WebRTC Scope records every peer connection the page creates, from its first line.'}
          {health.currentOverall ? (
            <>
              {' '}
              Over the call: <RecentVerdict r={health.currentOverall} />
              {health.currentOverall.topIssue ? <span class="popup-muted"> · {health.currentOverall.topIssue}</span> : null}
            </>
          ) : null}
        </p>
      )}
      <nav class="popup-actions" aria-label="Actions">
        <button type="button" onClick={() => openViewer(health.current?.id ?? null)}>
          {health.current ? 'Open this session in the viewer' : 'Open the viewer'}
        </button>
        <button type="button" onClick={() => openPanelPage(tabId)}>Open the panel for this tab</button>
        {site ? (
          <button type="button" disabled={busy || health.capture.excluded || health.capture.pausedEverywhere} aria-pressed={health.capture.sitePaused} onClick={toggleSite}>
            {health.capture.sitePaused ? `Resume capture on ${site}` : `Pause capture on ${site}`}
          </button>
        ) : null}
      </nav>
      {health.capture.pausedEverywhere ? <p class="popup-muted" role="status">Capture is paused everywhere (settings).</p> : null}
      {health.capture.excluded ? <p class="popup-muted" role="status">{site} is excluded from capture in the settings.</p> : null}
      {health.capture.sitePaused ? <p class="popup-muted" role="status">Capture is paused on {site}: nothing more of its pages is recorded until you resume it (here or in the settings).</p> : null}
      <details class="popup-help">
        <summary>How to open the WebRTC panel</summary>
        <p>
          Open DevTools on the page (F12, or Ctrl+Shift+I; ⌥⌘I on macOS) and choose the <strong>WebRTC</strong> tab
          (it may sit behind the » overflow). It shows this tab's calls live and everything recorded since the page's
          first line.
        </p>
      </details>
      {health.recent.length > 0 ? (
        <section aria-label="Earlier sessions of this tab">
          <h2>Earlier in this tab</h2>
          <ul class="popup-recent">
            {health.recent.map((r) => (
              <li key={r.session.id}>
                <button type="button" class="popup-link" onClick={() => openViewer(r.session.id)} title={r.session.url}>
                  {new Date(r.session.startedAt).toLocaleTimeString()} · {r.session.pcCount} {r.session.pcCount === 1 ? 'PC' : 'PCs'} · {formatElapsed((r.session.endedAt ?? r.session.lastActivityAt) - r.session.startedAt)}
                </button>{' '}
                <RecentVerdict r={r} />
                {r.topIssue ? <span class="popup-muted"> · {r.topIssue}</span> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}
