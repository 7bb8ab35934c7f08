/**
 * The isolated-world relay: takes the page hook's records off `window`, distrusts them (tag, version, guards,
 * size and rate caps), batches them and forwards them to the background on a port. Every batch is kept until
 * the background acknowledges that it is stored, and resent after the worker restarts, so nothing is lost.
 *
 * The relay stays dormant (no port, no storage read) until the page's first WebRTC record: pages that never use
 * WebRTC cost the extension nothing.
 */
import { ENVELOPE_PREFIX, HELLO_LIMITS, PAGE_TO_RELAY_EVENT, PROTOCOL_VERSION, RELAY_LIMITS, RELAY_TO_PAGE_EVENT, SOURCE_TAG } from '../protocol/constants';
import { pageEventEnvelopes, parsePageEnvelope } from '../protocol/guards';
import { truncateText } from '../protocol/text';
import type { BackgroundToRelay, PageRecord, RelayToBackground, RelayToPage } from '../protocol/messages';
import type { PortLike } from '../protocol/port';
import { captureAllowed, hostOf, type Settings } from '../model/settings';

export type RelayPort = PortLike<BackgroundToRelay, RelayToBackground>;

export interface RelayEnvironment {
  /** This frame's window, as the isolated world sees it. */
  win: Window;
  /** Opens a port to the background (`runtime.connect`). May throw once the extension is reloaded. */
  connect(): RelayPort;
  loadSettings(): Promise<Settings>;
  /** Calls back on every settings change; returns an unsubscribe function. */
  watchSettings(onChange: (settings: Settings) => void): () => void;
  /** Random id of this document, fixed for its lifetime. */
  frameLoadId: string;
  signal: AbortSignal;
  limits?: Partial<Record<keyof typeof RELAY_LIMITS, number>>;
}

export interface RelayHandle {
  /** For tests and diagnostics. */
  stats(): { sentBatches: number; unacked: number; refused: Record<string, number>; connected: boolean; enabled: boolean | null };
  /** Sends everything queued now (tests; pagehide uses it too). */
  flush(): void;
}

interface Batch {
  seq: number;
  message: Extract<RelayToBackground, { type: 'batch' }>;
  chars: number;
}

/**
 * How much earlier than usual a polling tick's records may come and still be left to the timer set for them
 * (the hook's ticks drift by a few milliseconds); at most this much longer than flushIntervalMs is any record held.
 */
const FLUSH_EARLY_SLACK_MS = 50;

/** Starts the relay for one frame. Stops when `env.signal` aborts. */
export function startRelay(env: RelayEnvironment): RelayHandle {
  const limits = { ...RELAY_LIMITS, ...env.limits };
  const { win, signal } = env;

  let enabled: boolean | null = null; // null: settings not read yet
  let settings: Settings | null = null;
  let activated = false;
  let port: RelayPort | null = null;
  let connectFailures = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending flush timer is due (Date.now() time); meaningful while flushTimer is set. */
  let flushDue = 0;
  /** When the first record waiting for the next flush came (Date.now() time); 0: none waiting. */
  let firstArrival = 0;
  let invalidated = false;

  /** Records as the page sent them (JSON text), not parsed yet: parsing waits for the batch timer (see onPageEvent). */
  let incoming: string[] = [];
  let incomingChars = 0;
  /** Parsed and validated records waiting for the next batch. */
  let queue: PageRecord[] = [];
  let queueChars = 0;
  let refused: Record<string, number> = {};
  let refusedTotal = 0;
  const unacked: Batch[] = [];
  let unackedChars = 0;
  let nextSeq = 1;
  let sentBatches = 0;

  // Fixed one-second windows for the rate caps.
  let windowStart = 0;
  let windowRecords = 0;
  let windowChars = 0;

  const refuse = (reason: string) => {
    refused[reason] = (refused[reason] ?? 0) + 1;
    refusedTotal += 1;
  };

  const sendToPage = (message: Omit<RelayToPage, 'source' | 'v' | 'type'>) => {
    const full: RelayToPage = { source: SOURCE_TAG, v: PROTOCOL_VERSION, type: 'config', ...message };
    win.dispatchEvent(new CustomEvent(RELAY_TO_PAGE_EVENT, { detail: JSON.stringify(full) }));
  };

  /**
   * The hosts this frame's capture is judged by (captureAllowed): its own (a frame without one, about:blank, srcdoc
   * or blob:, has its creator's origin) and its tab's top-level site's where the browser tells it (Chromium's
   * `location.ancestorOrigins`; Firefox has none, and there the background says 'capture-off').
   */
  const frameHosts = (): string[] => {
    const hosts = [hostOf(win.location.href) || hostOf(win.origin)];
    try {
      const ancestors = (win.location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
      if (ancestors && ancestors.length > 0) hosts.push(hostOf(ancestors[ancestors.length - 1] ?? undefined));
    } catch {
      // no ancestors to go by
    }
    return hosts;
  };
  /** The background said the tab's top-level site is paused or excluded; until the settings change. */
  let topSiteOff = false;

  const applySettings = (next: Settings) => {
    settings = next;
    topSiteOff = false;
    refreshEnabled();
  };

  const refreshEnabled = () => {
    const next = settings!;
    const wasEnabled = enabled;
    enabled = !topSiteOff && captureAllowed(next, frameHosts());
    sendToPage({ enabled, pollIntervalMs: next.pollIntervalMs, ...(wasEnabled === false && enabled ? { resync: true } : {}) });
    if (!enabled) {
      queue = [];
      queueChars = 0;
      incoming = [];
      incomingChars = 0;
    } else if (activated) {
      ensurePort();
      scheduleFlush();
    }
  };

  const activate = () => {
    if (activated) return;
    activated = true;
    env
      .loadSettings()
      .then((loaded) => !signal.aborted && applySettings(loaded))
      .catch(() => !signal.aborted && applySettings({ ...(settings ?? ({} as Settings)), paused: true } as Settings));
    const unwatch = env.watchSettings((next) => !signal.aborted && applySettings(next));
    signal.addEventListener('abort', unwatch, { once: true });
  };

  /**
   * The hook's listener. It runs inside the hook's `dispatchEvent`, i.e. on the page's main thread while the page
   * waits, so it does only what must happen at once (size and rate caps, recognising our records by their prefix)
   * and leaves parsing and validation to the batch timer ({@link validateIncoming}), where the records of 150 ms
   * are handled together. Nothing unvalidated leaves the relay.
   */
  const onPageEvent = (event: Event) => {
    if (signal.aborted || invalidated) return;
    const detail = (event as CustomEvent).detail;
    if (typeof detail !== 'string') return refuse('not-a-string');
    if (detail.length > limits.maxRecordChars) {
      // Checked before anything else touches the text, and not charged to the rate window.
      refuse('too-large');
      requestResyncSoon();
      return;
    }
    if (!detail.startsWith(ENVELOPE_PREFIX)) return; // someone else's event of the same name: not ours to count
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      windowRecords = 0;
      windowChars = 0;
    }
    // One envelope per line (the hook joins the stats records of a polling tick): each counts as a record.
    let records = 1;
    for (let at = detail.indexOf('\n'); at !== -1; at = detail.indexOf('\n', at + 1)) records += 1;
    windowRecords += records;
    windowChars += detail.length;
    if (windowRecords > limits.maxRecordsPerSecond || windowChars > limits.maxCharsPerSecond) {
      // Dropping may cut a stats delta chain; the hook resends full snapshots once asked.
      refuse('rate-limit');
      requestResyncSoon();
      return;
    }
    activate();
    if (enabled === false) return;
    incoming.push(detail);
    incomingChars += detail.length;
    if (firstArrival === 0) firstArrival = now;
    if (queueChars + incomingChars >= limits.maxBatchChars) flush();
    // A timer already due soon enough takes it (usually the one the last flush set for this poll: see onFlushTimer).
    else if (flushTimer === undefined || flushDue > now + limits.flushIntervalMs + FLUSH_EARLY_SLACK_MS) armFlush(now + limits.flushIntervalMs, now);
  };

  /** Parses and validates the records received since the last batch; refused ones are counted, not forwarded. */
  const validateIncoming = () => {
    if (incoming.length === 0) return;
    const texts = incoming;
    incoming = [];
    incomingChars = 0;
    for (const joined of texts) {
      for (const text of pageEventEnvelopes(joined)) {
        const parsed = parsePageEnvelope(text, limits.maxRecordChars);
        if (!parsed.ok) {
          refuse('invalid');
          continue;
        }
        queue.push(parsed.value);
        queueChars += text.length;
      }
    }
  };

  let resyncWanted = false;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;
  /** Asks the hook for full snapshots, at most once a second, once settings are known. */
  const requestResyncSoon = () => {
    resyncWanted = true;
    if (resyncTimer !== undefined) return;
    resyncTimer = setTimeout(() => {
      resyncTimer = undefined;
      if (!resyncWanted || signal.aborted) return;
      if (!settings) return requestResyncSoon();
      resyncWanted = false;
      if (enabled) sendToPage({ enabled, pollIntervalMs: settings.pollIntervalMs, resync: true });
    }, 1000);
  };

  const armFlush = (due: number, now: number) => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushDue = due;
    flushTimer = setTimeout(onFlushTimer, due > now ? due - now : 0);
  };

  const scheduleFlush = () => {
    if (flushTimer === undefined) {
      const now = Date.now();
      armFlush(now + limits.flushIntervalMs, now);
    }
  };

  /**
   * The batch timer. Besides flushing, it sets the timer for the hook's next polling tick, whose records come about
   * one poll interval after this batch's first ones: that way the page's `dispatchEvent` of a tick's records finds
   * a timer due within {@link RELAY_LIMITS}.flushIntervalMs (+ {@link FLUSH_EARLY_SLACK_MS}) and does not pay for a
   * `setTimeout` (15–25 µs in Chromium 156 on that once-a-second path, as much as the rest of the relay's listener).
   * A record that comes at another time gets its own timer as before; a timer that finds nothing sets no next one.
   */
  const onFlushTimer = () => {
    flushTimer = undefined;
    const anchor = firstArrival;
    const pending = incoming.length > 0 || queue.length > 0;
    flush();
    if (!pending || anchor === 0 || enabled !== true || settings === null || signal.aborted) return;
    const now = Date.now();
    const due = anchor + settings.pollIntervalMs + limits.flushIntervalMs;
    if (due > now) armFlush(due, now);
  };

  function flush() {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    firstArrival = 0;
    validateIncoming();
    if (queue.length === 0 && refusedTotal === 0) return;
    if (enabled !== true) return; // settings unknown yet: keep queueing; disabled: queue was cleared
    const message: Batch['message'] = { type: 'batch', seq: nextSeq++, records: queue };
    if (refusedTotal > 0) message.refused = refused;
    const batch: Batch = { seq: message.seq, message, chars: queueChars };
    queue = [];
    queueChars = 0;
    refused = {};
    refusedTotal = 0;
    unacked.push(batch);
    unackedChars += batch.chars;
    // A worker that stays away cannot make the page's memory grow without bound: forget the oldest.
    while (unackedChars > limits.maxUnackedChars && unacked.length > 1) {
      const dropped = unacked.shift()!;
      unackedChars -= dropped.chars;
      refused['unacked-overflow'] = (refused['unacked-overflow'] ?? 0) + dropped.message.records.length;
      refusedTotal += dropped.message.records.length;
    }
    // A new port resends everything unacknowledged, this batch included.
    if (port) send(batch);
    else ensurePort();
  }

  const send = (batch: Batch) => {
    try {
      port!.postMessage(batch.message);
      sentBatches += 1;
    } catch {
      // The port died under us; onDisconnect reconnects and resends.
    }
  };

  const onPortMessage = (message: BackgroundToRelay) => {
    if (message.type === 'ack') {
      while (unacked.length > 0 && unacked[0].seq <= message.seq) unackedChars -= unacked.shift()!.chars;
    } else if (message.type === 'resync' && settings && enabled) {
      sendToPage({ enabled, pollIntervalMs: settings.pollIntervalMs, resync: true });
    } else if (message.type === 'capture-off' && settings) {
      topSiteOff = true;
      // Hung up, so that capture turned on again by a settings change says hello again and is judged anew.
      const current = port;
      port = null;
      try {
        current?.disconnect();
      } catch {
        /* already gone */
      }
      unacked.length = 0;
      unackedChars = 0;
      refreshEnabled();
    }
  };

  const onPortDisconnect = () => {
    port = null;
    if (signal.aborted || invalidated) return;
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (reconnectTimer !== undefined) return;
    const delay = Math.min(2000, 50 * 2 ** Math.min(connectFailures, 6));
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      ensurePort();
    }, delay);
  };

  function ensurePort() {
    if (port || !activated || enabled !== true || signal.aborted || invalidated) return;
    try {
      port = env.connect();
    } catch {
      // "Extension context invalidated": the extension was reloaded or removed; this relay is orphaned.
      connectFailures += 1;
      if (connectFailures > 8) {
        invalidated = true;
        sendToPage({ enabled: false, pollIntervalMs: settings?.pollIntervalMs ?? 1000 });
      } else scheduleReconnect();
      return;
    }
    connectFailures = 0;
    port.onMessage.addListener(onPortMessage);
    port.onDisconnect.addListener(onPortDisconnect);
    const doc = win.document;
    try {
      port.postMessage({
        type: 'hello',
        v: PROTOCOL_VERSION,
        frameLoadId: env.frameLoadId,
        isTop: win === win.top,
        // The page chooses both (a 5 MB title is one assignment away); the background refuses longer ones.
        url: truncateText(win.location.href, HELLO_LIMITS.maxUrlChars),
        title: truncateText(doc?.title ?? '', HELLO_LIMITS.maxTitleChars),
        timeOrigin: win.performance.timeOrigin,
        userAgent: win.navigator.userAgent,
      });
      for (const batch of unacked) send(batch);
    } catch {
      // disconnect handler takes it from here
    }
  }

  const onPageHide = (event: PageTransitionEvent) => {
    flush();
    // A page kept in the back/forward cache may come back; only a real unload ends its PCs.
    if (!event.persisted && port) {
      try {
        port.postMessage({ type: 'unload', t: Date.now() });
      } catch {
        /* gone already */
      }
    }
  };
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) ensurePort();
  };

  win.addEventListener(PAGE_TO_RELAY_EVENT, onPageEvent);
  win.addEventListener('pagehide', onPageHide);
  win.addEventListener('pageshow', onPageShow);
  signal.addEventListener(
    'abort',
    () => {
      win.removeEventListener(PAGE_TO_RELAY_EVENT, onPageEvent);
      win.removeEventListener('pagehide', onPageHide);
      win.removeEventListener('pageshow', onPageShow);
      clearTimeout(flushTimer);
      clearTimeout(reconnectTimer);
      clearTimeout(resyncTimer);
      port?.disconnect();
      port = null;
    },
    { once: true },
  );

  return {
    stats: () => ({ sentBatches, unacked: unacked.length, refused: { ...refused }, connected: port !== null, enabled }),
    flush,
  };
}
