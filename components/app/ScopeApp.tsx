/**
 * The WebRTC Scope app, in two modes: `panel` (one tab: its current session live, and its earlier sessions from
 * reloads) and `viewer` (every stored session, imported ones marked). Sessions sidebar → session page with its
 * connections (and the media requests) → per-PC page: header, charts, candidate pairs, event log, stats table.
 *
 * The store ({@link SessionViewStore}) re-renders this tree only on structural change; stats samples reach the
 * charts and latest-value views through the store's StatsFeed without Preact. The selection lives in the URL hash
 * (`#session=…&pc=…`), so a reload or a shared link comes back to the same place.
 */
import { Component, type ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { isLiveSession, type PcSummary, type SessionData, type SessionSummary } from '../../lib/model/session';
import type { BackgroundClient } from '../../lib/views/background-client';
import type { DumpClient } from '../../lib/views/dump-client';
import type { StatsFeed } from '../../lib/views/stats-feed';
import { SessionViewStore, type SessionViewStoreOptions, type ViewState } from '../../lib/views/session-view-store';
import type { Notice } from '../../lib/storage/session-store';
import { SessionList, formatDateTime, formatDuration, sessionDuration, sessionLabel } from '../sessions/SessionList';
import { ConnectionHeader } from '../connection/ConnectionHeader';
import { LiveText } from '../connection/LiveText';
import { useFeedVersion } from '../connection/use-feed-version';
import { ConnectionCharts } from '../charts/ConnectionCharts';
import { refreshChartTheme } from '../charts/TimeSeriesChart';
import { extraChartId } from '../../lib/model/chart-series';
import { isoTime, noSamplesText } from '../connection/format';
import { sessionTimeOrigin } from '../../lib/model/event-log';
import { PcHealthView } from '../health/PcHealthView';
import { ThresholdsContext } from '../health/thresholds-context';
import { DEFAULT_HEALTH_THRESHOLDS } from '../../lib/model/health/thresholds';
import { sessionIssues } from '../../lib/model/health/rules';
import { CandidatePairs } from '../candidates/CandidatePairs';
import { EventLog } from '../events/EventLog';
import { MediaRequests } from '../media/MediaRequests';
import { StatsTable } from '../stats/StatsTable';
import { ImportControl } from '../dump/ImportControl';
import { ExportDialog } from '../dump/ExportDialog';
import './theme.css';
import './app.css';

export interface ScopeAppProps {
  client: BackgroundClient;
  mode: 'panel' | 'viewer';
  /** Panel: the inspected tab (null: none known, e.g. the page opened without `?tabId=`). */
  tabId?: number | null;
  /** Panel: the DevTools theme (or `?theme=`); undefined follows the system (the viewer). */
  theme?: 'light' | 'dark';
  /** Viewer: `?session=<id>` (the hash wins when it names a session). */
  initialSessionId?: string | null;
  /** For tests: throttling and timeouts of the store. */
  storeOptions?: SessionViewStoreOptions;
  /** Import and export (the dump worker). Without it (or without `download`) neither is offered. */
  dumpClient?: DumpClient;
  /** Saves an exported file. */
  download?: (fileName: string, mimeType: string, data: Uint8Array) => void;
}

/** The "connection" entry that is not a PC: the session's getUserMedia/getDisplayMedia requests. */
export const MEDIA_PAGE = 'media';

type ExtraField = { statsId: string; field: string };

export function ScopeApp(props: ScopeAppProps) {
  const themeApplied = useRef<string | undefined | null>(null);
  useLayoutEffect(() => {
    const root = document.documentElement;
    if (props.theme) root.dataset.theme = props.theme;
    else delete root.dataset.theme;
    // Charts read their colours when made: a switch of the DevTools theme (Firefox's onThemeChanged) must have
    // them read again, as a change of the system scheme does by itself.
    if (themeApplied.current !== null && themeApplied.current !== props.theme) refreshChartTheme();
    themeApplied.current = props.theme;
  }, [props.theme]);

  if (props.mode === 'panel' && (props.tabId === null || props.tabId === undefined || !Number.isFinite(props.tabId))) {
    return (
      <div class="scope-app">
        <main class="scope-message" role="alert">
          <h1>WebRTC Scope</h1>
          <p>No tab to show: open this panel in DevTools, or open the page with ?tabId=N.</p>
        </main>
      </div>
    );
  }
  return <ScopeAppWithStore {...props} />;
}

function readHash(): { session: string | null; pc: string | null } {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  return { session: params.get('session'), pc: params.get('pc') };
}

/** The hash this app wrote last: a `hashchange` for it (some environments fire one on replaceState) is no news. */
let writtenHash: string | null = null;

let hashWrite: { cancel(): void; flush(): void } | null = null;

function writeHash(session: string | null, pc: string | null) {
  const params = new URLSearchParams();
  if (session) params.set('session', session);
  if (session && pc) params.set('pc', pc);
  const hash = params.toString();
  // Written when the page is idle: Chromium's replaceState takes 10–20 ms in an extension page, which held back
  // the frame that shows a session just opened. The latest selection wins.
  hashWrite?.cancel();
  const write = () => {
    hashWrite = null;
    writtenHash = hash;
    if (location.hash.replace(/^#/, '') === hash) return;
    // replaceState: moving through sessions should not fill the history; the hash still survives a reload.
    history.replaceState(history.state, '', hash ? `#${hash}` : location.pathname + location.search);
  };
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(write, { timeout: 500 });
    hashWrite = { cancel: () => cancelIdleCallback(id), flush: () => (cancelIdleCallback(id), write()) };
  } else {
    const id = setTimeout(write, 0);
    hashWrite = { cancel: () => clearTimeout(id), flush: () => (clearTimeout(id), write()) };
  }
}

function useStoreState(store: SessionViewStore): ViewState {
  const [state, setState] = useState(store.getState());
  useEffect(() => {
    const unsubscribe = store.subscribe(() => setState(store.getState()));
    setState(store.getState());
    return unsubscribe;
  }, [store]);
  return state;
}

function ScopeAppWithStore({ client, mode, tabId, initialSessionId, storeOptions, dumpClient, download }: ScopeAppProps) {
  const initialHash = useMemo(readHash, []);
  const mainRef = useRef<HTMLElement>(null);
  const store = useMemo(
    () =>
      new SessionViewStore(client, mode === 'panel' ? { kind: 'tab', tabId: tabId! } : { kind: 'all' }, {
        ...storeOptions,
        initialSessionId: initialHash.session ?? initialSessionId ?? null,
      }),
    [client, mode, tabId],
  );
  useEffect(() => {
    void store.start();
    return () => {
      store.dispose();
      hashWrite?.flush(); // the hash says where we were, now
    };
  }, [store]);
  const state = useStoreState(store);
  const [thresholds, setThresholds] = useState(DEFAULT_HEALTH_THRESHOLDS);
  useEffect(() => {
    // The user's issue thresholds; the defaults until (or unless) the settings answer.
    client.request({ type: 'get-settings' }).then((s) => setThresholds(s.health), () => undefined);
  }, [client]);

  // The chosen connection, per session (so going back to a session shows the connection left there).
  const [pcChoice, setPcChoice] = useState<{ session: string | null; pc: string | null }>({ session: initialHash.session, pc: initialHash.pc });
  const selectSession = useCallback((id: string) => store.select(id, { user: true }), [store]);
  const selectPc = useCallback((pc: string) => setPcChoice({ session: store.getState().selectedId, pc }), [store]);

  const data = state.dataStatus === 'ready' ? state.data : null;
  const pcKey = data ? pickPc(data, pcChoice.session === state.selectedId ? pcChoice.pc : null) : null;

  useLayoutEffect(() => {
    // The connection shown by default becomes the session's choice: when it closes later the view stays on it (it
    // would jump to another open one), until the user picks another. Not the media page, the default only while
    // the session has no PC yet.
    if (data && pcKey !== null && pcKey !== MEDIA_PAGE && (pcChoice.session !== state.selectedId || pcChoice.pc === null)) {
      setPcChoice({ session: state.selectedId, pc: pcKey });
    }
  }, [data, pcKey, state.selectedId, pcChoice]);

  useLayoutEffect(() => {
    // While loading keep the requested pc in the hash (a reload during loading must not lose it).
    const pc = data ? pcKey : pcChoice.session === state.selectedId ? pcChoice.pc : null;
    writeHash(state.selectedId, pc);
  }, [state.selectedId, pcKey, data !== null]);

  useEffect(() => {
    // A pasted or edited link in the same tab.
    const onHash = () => {
      if (location.hash.replace(/^#/, '') === writtenHash) return;
      const { session, pc } = readHash();
      if (session && session !== store.getState().selectedId) store.select(session, { user: true });
      setPcChoice({ session, pc });
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [store]);

  const [extraFields, setExtraFields] = useState<Record<string, ExtraField[]>>({});
  const extraKey = `${state.selectedId}|${pcKey}`;
  const addExtraField = useCallback(
    (statsId: string, field: string) => {
      setExtraFields((all) => {
        const list = all[extraKey] ?? [];
        if (list.some((f) => f.statsId === statsId && f.field === field)) return all;
        return { ...all, [extraKey]: [...list, { statsId, field }] };
      });
      // The chart comes at the end of the charts, far from the table: show it and move focus there (the figure is
      // focusable and named), whether new or charted before, so the click visibly did something.
      showChartSoon(extraChartId({ statsId, field }));
    },
    [extraKey],
  );
  const removeExtraField = useCallback(
    (statsId: string, field: string) =>
      setExtraFields((all) => ({ ...all, [extraKey]: (all[extraKey] ?? []).filter((f) => !(f.statsId === statsId && f.field === field)) })),
    [extraKey],
  );

  const deleteSessions = useCallback((ids: string[]) => store.deleteSessions(ids), [store]);
  const retry = useCallback(() => void store.retry(), [store]);

  // Import (viewer only: the panel shows one tab's recordings) and export (both; the panel the current session).
  const canImport = mode === 'viewer' && dumpClient !== undefined;
  const canExport = dumpClient !== undefined && download !== undefined;
  const [exportIds, setExportIds] = useState<string[] | null>(null);
  const onImported = useCallback(
    async (ids: string[]) => {
      await store.refreshList();
      if (ids[0] !== undefined) store.select(ids[0], { user: true });
    },
    [store],
  );
  const exportCurrent = useCallback(() => {
    const id = store.getState().selectedId;
    if (id !== null) setExportIds([id]);
  }, [store]);
  const exportLabel = (ids: string[]) => {
    if (ids.length !== 1) return `${ids.length} sessions`;
    const s = state.sessions.find((x) => x.id === ids[0]);
    return s ? sessionLabel(s) : ids[0];
  };

  return (
    <div class={`scope-app scope-${mode}`}>
      {/* The page's outline starts here: the session list and the session are its two parts (h2), the session's
          sections theirs (h3). A button, not a link to #…: the viewer keeps its session and PC in the hash. */}
      <h1 class="visually-hidden">{mode === 'panel' ? 'WebRTC Scope panel' : 'WebRTC Scope viewer'}</h1>
      <button type="button" class="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to the session
      </button>
      <Notices notices={state.notices} />
      <div class="scope-layout">
        <aside class="scope-sidebar" aria-label={mode === 'panel' ? 'Sessions in this tab' : 'Sessions'}>
          {canImport && <ImportControl client={dumpClient!} onImported={(ids) => void onImported(ids)} onOpen={selectSession} />}
          <SlotBoundary title="The session list">
            <SessionList
              sessions={state.sessions}
              selectedId={state.selectedId}
              onSelect={selectSession}
              onDelete={deleteSessions}
              onExport={canExport && mode === 'viewer' ? setExportIds : undefined}
              mode={mode}
              status={state.listStatus}
              error={state.listError}
              onRetry={retry}
            />
          </SlotBoundary>
        </aside>
        <main ref={mainRef} class="scope-main" aria-label="Session" tabIndex={-1}>
          <ThresholdsContext.Provider value={thresholds}>
          <MainContent
            mode={mode}
            state={state}
            data={data}
            pcKey={pcKey}
            feed={store}
            onSelectPc={selectPc}
            extraFields={extraFields[extraKey] ?? NO_FIELDS}
            onChartField={addExtraField}
            onRemoveExtraField={removeExtraField}
            onRetry={retry}
            onShowNewest={() => state.sessions[0] && store.select(state.sessions[0].id, { user: true })}
            onExport={canExport ? exportCurrent : undefined}
          />
          </ThresholdsContext.Provider>
        </main>
      </div>
      {exportIds && canExport && (
        <ExportDialog
          client={dumpClient!}
          download={download!}
          sessionIds={exportIds}
          subject={exportLabel(exportIds)}
          onClose={() => setExportIds(null)}
          // CSV needs the session's columns: the loaded session's, from the store's feed.
          csv={exportIds.length === 1 && data && data.session.id === exportIds[0] ? { pcs: data.pcs, feed: store } : undefined}
        />
      )}
    </div>
  );
}

const NO_FIELDS: ExtraField[] = [];

/**
 * The PC to show: the requested one when it exists; else, in a live session, the first PC still open (a page that
 * hung up and called again, or replaced a failed connection, has its current call there, not in PC 0-1); else the
 * first PC, else the media page.
 */
function pickPc(data: SessionData, requested: string | null): string {
  if (requested === MEDIA_PAGE) return MEDIA_PAGE;
  if (requested !== null && data.pcs.some((p) => p.pcId === requested)) return requested;
  const open = isLiveSession(data.session) ? data.pcs.find((p) => p.closedAt === null) : undefined;
  return open?.pcId ?? data.pcs[0]?.pcId ?? MEDIA_PAGE;
}

function MainContent(props: {
  mode: 'panel' | 'viewer';
  state: ViewState;
  data: SessionData | null;
  pcKey: string | null;
  feed: StatsFeed;
  onSelectPc(pc: string): void;
  extraFields: ExtraField[];
  onChartField(statsId: string, field: string): void;
  onRemoveExtraField(statsId: string, field: string): void;
  onRetry(): void;
  onShowNewest(): void;
  onExport?(): void;
}) {
  const { state, mode } = props;
  if (state.listStatus === 'error' && state.selectedId === null) {
    return (
      <Message role="alert" title="The extension's background is unreachable">
        <p>{state.listError}</p>
        <p>Reload the extension or this page if this persists.</p>
        <button type="button" onClick={props.onRetry}>
          Retry
        </button>
      </Message>
    );
  }
  if (state.selectedId === null) {
    if (state.listStatus === 'loading') return <Message role="status" title="Loading sessions…" />;
    if (state.sessions.length === 0) {
      return mode === 'panel' ? (
        <Message title="No WebRTC activity in this tab yet">
          <p>Everything the page does with RTCPeerConnection, getUserMedia and getDisplayMedia shows here live, from the page's first line.</p>
        </Message>
      ) : (
        <Message title="No sessions stored">
          <p>Sessions are recorded while pages use WebRTC; open the panel in DevTools or come back here after a call.</p>
        </Message>
      );
    }
    return <Message title="Choose a session from the list" />;
  }
  switch (state.dataStatus) {
    case 'loading':
    case 'none':
      return <Message role="status" title="Loading session…" />;
    case 'missing':
      return (
        <Message role="alert" title="This session no longer exists">
          <p>It was deleted (here, in another view, or by retention), or the link names a session that was never stored.</p>
          {state.sessions.length > 0 && (
            <button type="button" onClick={props.onShowNewest}>
              Show the newest session
            </button>
          )}
        </Message>
      );
    case 'error':
      return (
        <Message role="alert" title="Could not load the session">
          <p>{state.dataError}</p>
          <button type="button" onClick={props.onRetry}>
            Retry
          </button>
        </Message>
      );
  }
  const data = props.data!;
  // The header reads the list's summary: its counters and duration move with the soft (every few seconds) updates.
  const summary = state.sessions.find((s) => s.id === data.session.id) ?? data.session;
  return (
    // Keyed by session: whatever one session's data breaks (its own sections have their own boundaries), picking
    // another session shows that one.
    <SlotBoundary key={data.session.id} title="This session">
      <SessionHeader session={summary} pcs={data.pcs} feed={props.feed} pcKey={props.pcKey!} onExport={props.onExport} failedMedia={sessionIssues(data.events).length} />
      <SessionPage data={data} pcKey={props.pcKey!} feed={props.feed} onSelectPc={props.onSelectPc} extraFields={props.extraFields} onChartField={props.onChartField} onRemoveExtraField={props.onRemoveExtraField} />
    </SlotBoundary>
  );
}

function Message(props: { title: string; role?: 'status' | 'alert'; children?: ComponentChildren }) {
  return (
    <section class="scope-message" role={props.role} aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

interface SessionPageProps {
  data: SessionData;
  pcKey: string;
  feed: StatsFeed;
  onSelectPc(pc: string): void;
  extraFields: ExtraField[];
  onChartField(statsId: string, field: string): void;
  onRemoveExtraField(statsId: string, field: string): void;
}

/**
 * Re-renders only when its own props change: the sidebar's counters (soft updates every few seconds) must not
 * re-render the charts' and tables' parents.
 */
class SessionPage extends Component<SessionPageProps> {
  override shouldComponentUpdate(next: SessionPageProps) {
    const prev = this.props as unknown as Record<string, unknown>;
    return Object.keys(next).some((k) => (next as unknown as Record<string, unknown>)[k] !== prev[k]);
  }
  /**
   * Another connection opens at its top: scrolled down the previous one (its stats table, say), the main column
   * would show the new one mid-page. Scrolls back only as far as the connection tabs (the session header may stay
   * out of view), and only when scrolled past them. Reads layout once, on a user's switch, not on live updates.
   */
  override componentDidUpdate(prev: SessionPageProps) {
    if (prev.pcKey === this.props.pcKey) return;
    const page = this.base instanceof HTMLElement ? this.base : null;
    const main = page?.closest('.scope-main');
    if (!page || !main) return;
    const top = main.scrollTop + page.getBoundingClientRect().top - main.getBoundingClientRect().top;
    if (main.scrollTop > top) main.scrollTop = Math.max(0, top);
  }
  render() {
    const { data, pcKey } = this.props;
    const session = data.session;
    const tabIdFor = (key: string) => `scope-conn-${key}`;
    return (
      <div class="session-page">
        <ConnectionTabs data={data} selected={pcKey} onSelect={this.props.onSelectPc} tabIdFor={tabIdFor} />
        <div class="connection-page" role="tabpanel" id="scope-connection-page" aria-labelledby={tabIdFor(pcKey)}>
          {pcKey === MEDIA_PAGE ? (
            <MediaPage key={`${session.id}/media`} data={data} />
          ) : (
            <PcPage
              key={`${session.id}/${pcKey}`}
              data={data}
              pcId={pcKey}
              feed={this.props.feed}
              extraFields={this.props.extraFields}
              onChartField={this.props.onChartField}
              onRemoveExtraField={this.props.onRemoveExtraField}
            />
          )}
        </div>
      </div>
    );
  }
}

/**
 * "live for 5 min 12 s", counted from the view's clock: the summary's activity time moves only with the soft updates
 * (every few seconds) and stops when the page goes quiet. Re-renders only this text, and only when it changes:
 * every second in the first hour, every minute after (formatDuration's precision).
 */
/**
 * Without a render from its parent for this long, "live for" moves by itself (a page with no live stats: media
 * requests only). Not every second: a timer of its own fires at its own phase, and a DOM change in a frame of its own
 * costs the panel a style, layout and paint of the page (~3–6 ms) every second; the session header renders with the
 * live values' steps instead (useFeedVersion: one DOM frame per step for every live view).
 */
export const LIVE_FOR_FALLBACK_MS = 10_000;

/** The session's running time, as of the last render (the header's, with the live values' steps, or its own timer). */
export function LiveFor({ startedAt, now = Date.now }: { startedAt: number; now?: () => number }) {
  const [, setTick] = useState(0);
  const elapsed = Math.max(0, now() - startedAt);
  useEffect(() => {
    const timer = setTimeout(() => setTick((n) => n + 1), LIVE_FOR_FALLBACK_MS);
    return () => clearTimeout(timer);
  });
  return <LiveText chars={10}>{formatDuration(elapsed)}</LiveText>;
}

/** The session's PCs are all closed (it had some): the page is open, but nothing is connected any more. */
function allPcsClosed(pcs: readonly PcSummary[]): number | null {
  if (pcs.length === 0) return null;
  let last = -Infinity;
  for (const pc of pcs) {
    if (pc.closedAt === null) return null;
    last = Math.max(last, pc.closedAt);
  }
  return last;
}

function SessionHeader({ session, pcs, feed, pcKey, onExport, failedMedia = 0 }: { session: SessionSummary; pcs: readonly PcSummary[]; feed: StatsFeed; pcKey: string; onExport?(): void; failedMedia?: number }) {
  const live = isLiveSession(session);
  const lastClosed = live ? allPcsClosed(pcs) : null;
  // Renders (and so moves "live for") with the shown PC's live-value steps, in the frame the other views change in.
  const stepPc = pcs.some((pc) => pc.pcId === pcKey && pc.closedAt === null) ? pcKey : (pcs.find((pc) => pc.closedAt === null)?.pcId ?? '');
  useFeedVersion(feed, stepPc);
  return (
    <header class="session-head">
      <div class="session-head-top">
        <h2 class="session-head-title">{sessionLabel(session)}</h2>
        {onExport && (
          <button type="button" class="session-head-export" onClick={onExport}>
            Export…
          </button>
        )}
      </div>
      <p class="session-head-meta">
        {session.url && <span class="session-head-url">{session.url}</span>}
        <span>
          started{' '}
          <time dateTime={isoTime(session.startedAt)} title={isoTime(session.startedAt)}>
            {formatDateTime(session.startedAt)}
          </time>
        </span>
        {live && lastClosed !== null ? (
          <span class="session-head-idle" title="Every peer connection of this page is closed; the page is still open and may make new ones.">
            {`no live connection (all closed after ${formatDuration(Math.max(0, lastClosed - session.startedAt))})`}
          </span>
        ) : live ? (
          <span>
            {'live for '}
            <LiveFor startedAt={session.startedAt} />
          </span>
        ) : (
          <span>{`ended after ${formatDuration(sessionDuration(session))}`}</span>
        )}
        <span>
          {session.pcCount} peer connection{session.pcCount === 1 ? '' : 's'}, {session.mediaCallCount} media request
          {session.mediaCallCount === 1 ? '' : 's'}
          {failedMedia > 0 ? (
            <strong class="state-bad" data-testid="session-media-failed" title="Camera, microphone or screen requests that failed: see Media requests">
              {` (${failedMedia} failed)`}
            </strong>
          ) : null}
        </span>
        {session.imported && (
          <span>
            imported from {session.imported.fileName} ({session.imported.format})
          </span>
        )}
        <span class={live ? 'badge live' : 'badge'}>{live ? 'live' : 'ended'}</span>
      </p>
    </header>
  );
}

function stateClass(pc: PcSummary): string {
  if (pc.closedAt !== null || pc.connectionState === 'closed') return 'state-closed';
  switch (pc.connectionState) {
    case 'connected':
      return 'state-good';
    case 'failed':
      return 'state-bad';
    case 'disconnected':
    case 'connecting':
      return 'state-warn';
    default:
      return 'state-new';
  }
}

function relativeSeconds(t: number, origin: number): string {
  const s = (t - origin) / 1000;
  return `${s >= 0 ? '+' : '−'}${Math.abs(s).toFixed(3)} s`;
}

/**
 * The connections of the session as tabs (roving tabindex; arrows, j/k, Home/End move and select). The arrows wrap
 * around at either end, as the WAI-ARIA tabs pattern has them; j/k stop there.
 */
function ConnectionTabs(props: { data: SessionData; selected: string; onSelect(pc: string): void; tabIdFor(key: string): string }) {
  const { data, selected } = props;
  const ref = useRef<HTMLDivElement>(null);
  const keys = [...data.pcs.map((p) => p.pcId), MEDIA_PAGE];
  const topFrames = new Set(data.session.frames.filter((f) => f.isTop).map((f) => f.index));
  const eventCount = data.events.length;
  const origin = useMemo(() => sessionTimeOrigin(data), [data, data.events, eventCount]);
  const isTop = (pc: PcSummary) => (data.session.frames.length === 0 ? pc.frame === 0 : topFrames.has(pc.frame));

  const onKeyDown = (event: KeyboardEvent) => {
    const index = keys.indexOf(selected);
    let next = -1;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') next = (index + 1) % keys.length;
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') next = (index - 1 + keys.length) % keys.length;
    else if (event.key === 'j') next = Math.min(keys.length - 1, index + 1);
    else if (event.key === 'k') next = Math.max(0, index - 1);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = keys.length - 1;
    else return;
    event.preventDefault();
    props.onSelect(keys[next]);
    ref.current?.querySelectorAll<HTMLElement>('[role="tab"]')[next]?.focus();
  };

  return (
    <nav class="connection-nav" aria-label="Connections">
      <div class="connection-tabs" role="tablist" aria-label="Peer connections and media requests" ref={ref} onKeyDown={onKeyDown}>
        {data.pcs.map((pc) => (
          <button
            key={pc.pcId}
            type="button"
            role="tab"
            id={props.tabIdFor(pc.pcId)}
            class="connection-tab"
            aria-selected={pc.pcId === selected}
            aria-controls="scope-connection-page"
            tabIndex={pc.pcId === selected ? 0 : -1}
            onClick={() => props.onSelect(pc.pcId)}
          >
            <span class="connection-tab-id">PC {pc.pcId}</span>{pc.fileId !== undefined ? <span class="connection-tab-file" title={`In file: ${pc.fileId}`}> ({pc.fileId.length > 24 ? `${pc.fileId.slice(0, 23)}…` : pc.fileId})</span> : null}{' '}
            <span class={`connection-tab-state ${stateClass(pc)}`}>{pc.closedAt !== null ? 'closed' : pc.connectionState}</span>{' '}
            <time class="connection-tab-time" dateTime={isoTime(pc.createdAt)} title={isoTime(pc.createdAt)}>
              {relativeSeconds(pc.createdAt, origin)}
            </time>
            {!isTop(pc) && (
              <span class="connection-tab-frame" title={pc.frameUrl}>
                {' '}
                in frame {pc.frameUrl}
              </span>
            )}
          </button>
        ))}
        <button
          type="button"
          role="tab"
          id={props.tabIdFor(MEDIA_PAGE)}
          class="connection-tab"
          aria-selected={selected === MEDIA_PAGE}
          aria-controls="scope-connection-page"
          tabIndex={selected === MEDIA_PAGE ? 0 : -1}
          onClick={() => props.onSelect(MEDIA_PAGE)}
        >
          Media requests
        </button>
      </div>
    </nav>
  );
}

function PcPage(props: {
  data: SessionData;
  pcId: string;
  feed: StatsFeed;
  extraFields: ExtraField[];
  onChartField(statsId: string, field: string): void;
  onRemoveExtraField(statsId: string, field: string): void;
}) {
  const { data, pcId, feed } = props;
  const pc = data.pcs.find((p) => p.pcId === pcId);
  const chartStatus = pc?.closedAt != null ? 'closed' : !isLiveSession(data.session) ? 'ended' : 'live';
  return (
    <>
      <Slot id="connection" title="Connection">
        <ConnectionHeader data={data} pcId={pcId} feed={feed} />
      </Slot>
      <Slot id="health" title="Health">
        <PcHealthView data={data} pcId={pcId} feed={feed} />
      </Slot>
      <Slot id="charts" title="Charts" skippable>
        <ConnectionCharts feed={feed} pcId={pcId} extraFields={props.extraFields} onRemoveExtraField={props.onRemoveExtraField} status={chartStatus} noSamples={noSamplesText(data, pcId)} />
      </Slot>
      <Slot id="candidates" title="Candidate pairs">
        <CandidatePairs data={data} pcId={pcId} feed={feed} />
      </Slot>
      <Slot id="events" title="Events">
        <EventLog data={data} pcId={pcId} />
      </Slot>
      <Slot id="stats" title="Stats">
        <StatsTable data={data} pcId={pcId} feed={feed} onChartField={props.onChartField} />
      </Slot>
    </>
  );
}

function MediaPage({ data }: { data: SessionData }) {
  return (
    <>
      <Slot id="media" title="Media requests">
        <MediaRequests data={data} />
      </Slot>
      <Slot id="session-events" title="Session events">
        <EventLog data={data} pcId={null} />
      </Slot>
    </>
  );
}

/**
 * One part of a page under its heading (headings are how assistive technology skips between parts; the
 * components inside name their own regions). A part that throws shows its error instead of blanking the app.
 */
function Slot(props: { id: string; title: string; skippable?: boolean; children: ComponentChildren }) {
  // The charts are some 30 Tab stops (each chart and its legend's series): a keyboard user can jump past them to
  // the next section's title (focusable for that, not a Tab stop).
  const skip = (e: MouseEvent) => {
    const next = (e.currentTarget as HTMLElement).closest('.scope-slot')?.nextElementSibling?.querySelector<HTMLElement>(':scope > .scope-slot-title');
    next?.focus();
  };
  return (
    <div class={`scope-slot scope-slot-${props.id}`}>
      <h3 id={`scope-slot-${props.id}`} class="scope-slot-title" tabIndex={-1}>
        {props.title}
      </h3>
      {props.skippable ? (
        <button type="button" class="skip-link" onClick={skip}>
          Skip the {props.title.toLowerCase()}
        </button>
      ) : null}
      <SlotBoundary title={props.title}>{props.children}</SlotBoundary>
    </div>
  );
}

class SlotBoundary extends Component<{ title: string; children: ComponentChildren }, { error: string | null }> {
  override state = { error: null as string | null };
  static override getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  override componentDidCatch(error: unknown) {
    console.error(`[webrtc-scope] ${this.props.title} failed`, error);
  }
  override render() {
    if (this.state.error !== null) {
      return (
        <p class="scope-slot-error" role="alert">
          {this.props.title} could not be shown: {this.state.error}
        </p>
      );
    }
    return this.props.children;
  }
}

const SEEN_KEY = 'webrtc-scope:notices-seen';

/** Retention notices, once: dismissing hides them until a newer one appears. */
function Notices({ notices }: { notices: Notice[] }) {
  const [seen, setSeen] = useState(() => {
    try {
      return Number(localStorage.getItem(SEEN_KEY)) || 0;
    } catch {
      return 0;
    }
  });
  const fresh = notices.filter((n) => n.t > seen).sort((a, b) => b.t - a.t);
  if (fresh.length === 0) return null;
  const dismiss = () => {
    const latest = fresh[0].t;
    setSeen(latest);
    try {
      localStorage.setItem(SEEN_KEY, String(latest));
    } catch {
      /* storage unavailable: dismissed for this view only */
    }
  };
  return (
    <div class="scope-notices" role="status" aria-label="Retention notices">
      <ul>
        {fresh.slice(0, 3).map((n) => (
          <li key={`${n.t}-${n.id ?? ''}`}>
            <time dateTime={isoTime(n.t)}>{formatDateTime(n.t)}</time>: {n.message}
          </li>
        ))}
        {fresh.length > 3 && <li>…and {fresh.length - 3} earlier notice(s).</li>}
      </ul>
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/**
 * Scrolls the chart `chartId` into view and focuses it once it is in the DOM (after the render that adds it; a few
 * frames at most).
 */
function showChartSoon(chartId: string, framesLeft = 10): void {
  requestAnimationFrame(() => {
    const figure = [...document.querySelectorAll<HTMLElement>('figure[data-chart-id]')].find((f) => f.dataset.chartId === chartId);
    if (!figure) {
      if (framesLeft > 0) showChartSoon(chartId, framesLeft - 1);
      return;
    }
    figure.scrollIntoView({ block: 'nearest' });
    figure.focus({ preventScroll: true });
  });
}
