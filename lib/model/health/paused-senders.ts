/**
 * Senders a session's own page paused on purpose (`sender.replaceTrack(null)`, or a transceiver direction without
 * "send"), with the SSRCs they send, and senders it capped (`setParameters` with a `maxBitrate`), so that a PC of the same session receiving those SSRCs (a loopback call, a test page, an app with both ends
 * in one tab) knows its stream was paused by its sender, not broken by the network.
 *
 * The SSRCs of a sender come from its PC's latest local description (`a=ssrc` lines of the section with the sender's
 * mid): the trace has them, and a receiver's inbound-rtp `ssrc` is the sender's. A PC of another session, tab or
 * browser cannot be linked so; there a receiver only sees what the stats show.
 *
 * Folded incrementally like pc-events.ts: a live trace only grows, and the fold resumes where it stopped.
 *
 * Pure: no UI or browser API.
 */
import { isMediaRequest } from '../../protocol/messages';
import { iceUfrags, parseSdp } from '../sdp';
import type { TraceEvent } from '../session';
import type { StreamMetrics } from './metrics';

/**
 * A sender without a track: from a `sender.replaceTrack(null)` that succeeded to the next successful replaceTrack
 * with a track (`to` null: still without one), or a transceiver whose direction the page set to "inactive" or
 * "recvonly" until it sets one that sends again, per transceiver, named by its mid and index at the call, with the
 * SSRCs its transceiver sends. Chromium stops sending then; Firefox keeps sending black video at one frame a
 * second, which read as a starved encoder ("Low or collapsing bitrate") though the page paused it. Also a removeTrack
 * (until its transceiver sends again), and a PC's close: `how` closed, `mid` null, `index` −1, every SSRC of its
 * latest local description, for its receivers in the session only.
 */
export interface PausedSender {
  pcId: string;
  /** How the page paused it: `sender.replaceTrack(null)`, or the transceiver's direction ("inactive", "recvonly"). */
  how: PauseHow;
  mid: string | null;
  /** The transceiver's index in the PC (getTransceivers() order). */
  index: number;
  from: number;
  to: number | null;
  ssrcs: number[];
}

/**
 * A sender the page capped with `sender.setParameters` (an encoding's `maxBitrate`), from the call that set it to
 * the next one that changed or lifted it (`to` null: still capped), per transceiver. A stream held at its cap is the
 * page's choice, not congestion control starving it.
 */
export interface SenderCap {
  pcId: string;
  mid: string | null;
  index: number;
  from: number;
  to: number | null;
  /** bit/s, summed over the encodings that have one. */
  maxBitrate: number;
}

/**
 * The frame rate a video sender's source was asked to capture at (`getSettings().frameRate` of the getUserMedia or
 * getDisplayMedia track it sends), from the moment it sends that track (its mid's `a=msid` in a local description, or
 * a replaceTrack), with the SSRCs its transceiver sends then. `fps` null: a track of unknown rate (a canvas capture, a
 * track from another document). A receiver of the same session rates its frame rate against this, not a fixed 30:
 * a 15 fps camera received at 15 fps is what was sent.
 */
export interface SourceRate {
  pcId: string;
  mid: string;
  from: number;
  fps: number | null;
  ssrcs: number[];
}

/**
 * A sender whose track the page replaced with another (`sender.replaceTrack(track)` while it sent a different one):
 * a new source (another camera, another size) needs another bitrate, so a drop right after it is not a collapse.
 */
export interface TrackSwap {
  pcId: string;
  mid: string | null;
  index: number;
  at: number;
}

/**
 * How the page stopped a sender: `replaceTrack(null)`; a transceiver direction without "send"; `removeTrack` (until a
 * later addTrack reuses its transceiver, or a direction that sends); every encoding set inactive (`inactive`); or
 * `closed`: the whole PC was closed, which ends every stream it sent (for the receivers of the same session only).
 * `peer-closed`: an outbound stream whose receiving peer on this page was closed.
 */
export type PauseHow =
  | { kind: 'replaceTrack' }
  | { kind: 'direction'; direction: string }
  | { kind: 'removeTrack' }
  | { kind: 'inactive' }
  | { kind: 'closed' }
  | { kind: 'peer-closed' };

export interface SessionSenderGaps {
  folded: number;
  lastFolded: TraceEvent | undefined;
  /** Per PC: its latest local description (parsed only when one of its senders pauses). */
  localSdp: Map<string, string>;
  /**
   * replaceTrack, removeTrack and direction calls not settled yet, by `<pcId> <call>`: `stops` whether the call stops
   * the sender (replaceTrack(null); removeTrack; a direction without "send"), else it resumes it; `track`: the id of
   * the track a replaceTrack gives (null: none).
   */
  pending: Map<string, { mid: string | null; index: number; stops: boolean; how: PauseHow; track?: string | null }>;
  /** Every PC's paused senders, in the order the pauses began. */
  paused: PausedSender[];
  /** setParameters calls not settled yet, by `<pcId> <call>`, with the cap they set (null: none). */
  pendingCaps: Map<string, { mid: string | null; index: number; maxBitrate: number | null }>;
  /** Every PC's capped senders, in the order the caps were set. */
  caps: SenderCap[];
  /** Capture frame rate of every video track the session's getUserMedia/getDisplayMedia calls returned, by track id. */
  trackFps: Map<string, number>;
  /**
   * The track each sender (by `<pcId> #<transceiver index>`) was given: by addTrack or addTransceiver (`added`), and
   * last by replaceTrack (`replaced`; later descriptions keep the old msid).
   */
  addedTrack: Map<string, string | null>;
  replacedTrack: Map<string, string | null>;
  /** Transceiver index of each `<pcId> <mid>`, from the calls whose target had both. */
  midIndex: Map<string, number>;
  /** Every PC's video senders' source rates, in time order. */
  sourceRates: SourceRate[];
  /** Every PC's track swaps, in time order. */
  swaps: TrackSwap[];
  /**
   * The ICE ufrags of each PC's local and remote descriptions. ICE ufrags are random per PC (and per ICE restart),
   * so a PC whose remote ufrag is another PC's local one talks to that PC: its peer is on this page (a loopback
   * call), whatever it sends or receives (media, data channels only, no SSRC in common).
   */
  ufrags: Map<string, { local: Set<string>; remote: Set<string> }>;
  /** When each PC of the session was closed by the page (its first close() call). */
  closedAt: Map<string, number>;
}

/**
 * Whether a setParameters argument turns its sender off (every encoding `active: false`: nothing is sent) or on
 * (an encoding active); null when it has no encodings to say.
 */
function encodingsActive(parameters: unknown): boolean | null {
  const encodings = typeof parameters === 'object' && parameters !== null ? (parameters as { encodings?: unknown }).encodings : undefined;
  if (!Array.isArray(encodings) || encodings.length === 0) return null;
  return encodings.some((e) => typeof e !== 'object' || e === null || (e as { active?: unknown }).active !== false);
}

/** The summed `maxBitrate` of a setParameters argument's encodings; null when none has one. */
function maxBitrateOf(parameters: unknown): number | null {
  const encodings = typeof parameters === 'object' && parameters !== null ? (parameters as { encodings?: unknown }).encodings : undefined;
  if (!Array.isArray(encodings)) return null;
  let sum: number | null = null;
  for (const e of encodings) {
    const cap = typeof e === 'object' && e !== null ? (e as { maxBitrate?: unknown }).maxBitrate : undefined;
    if (typeof cap === 'number' && Number.isFinite(cap) && cap > 0) sum = (sum ?? 0) + cap;
  }
  return sum;
}

export function emptySenderGaps(): SessionSenderGaps {
  return {
    folded: 0, lastFolded: undefined, localSdp: new Map(), pending: new Map(), paused: [], pendingCaps: new Map(), caps: [],
    trackFps: new Map(), addedTrack: new Map(), replacedTrack: new Map(), midIndex: new Map(), sourceRates: [], swaps: [],
    ufrags: new Map(), closedAt: new Map(),
  };
}

/** The SSRCs of the section with `mid` of a description (none without it). */
function ssrcsOfMid(sdp: string | undefined, mid: string | null): number[] {
  if (sdp === undefined || mid === null) return [];
  const section = parseSdp(sdp).sections.find((s) => s.mid === mid);
  return section ? section.ssrcs.map((s) => s.ssrc) : [];
}

/** The frame rates of the video tracks a getUserMedia/getDisplayMedia result (`{tracks: [{id, kind, settings}]}`) holds. */
function noteTrackRates(out: SessionSenderGaps, value: unknown): void {
  const tracks = typeof value === 'object' && value !== null ? (value as { tracks?: unknown }).tracks : undefined;
  if (!Array.isArray(tracks)) return;
  for (const track of tracks) {
    if (typeof track !== 'object' || track === null) continue;
    const { id, kind, settings } = track as { id?: unknown; kind?: unknown; settings?: unknown };
    const fps = typeof settings === 'object' && settings !== null ? (settings as { frameRate?: unknown }).frameRate : undefined;
    if (typeof id === 'string' && kind === 'video' && typeof fps === 'number' && Number.isFinite(fps) && fps > 0) out.trackFps.set(id, fps);
  }
}

/** A sender (pcId, mid) starts sending `track` at `t` (null: a track not known): a new source rate when it changed. */
function noteSenderTrack(out: SessionSenderGaps, pcId: string, mid: string, track: string | null, t: number, ssrcs: number[]): void {
  const fps = track === null ? null : out.trackFps.get(track) ?? null;
  let last: SourceRate | undefined;
  for (let i = out.sourceRates.length - 1; i >= 0 && last === undefined; i--) {
    if (out.sourceRates[i].pcId === pcId && out.sourceRates[i].mid === mid) last = out.sourceRates[i];
  }
  if (last !== undefined && last.fps === fps && last.ssrcs.length === ssrcs.length && last.ssrcs.every((v, i) => v === ssrcs[i])) return;
  if (last === undefined && fps === null) return;
  out.sourceRates.push({ pcId, mid, from: t, fps, ssrcs });
}

/**
 * A local description was set: each video section sends the track its transceiver was last given. Which transceiver
 * a section is: the one a call's target named with that mid, else the one at the section's position (an offerer's
 * m-lines follow its transceivers). Which track: the last replaceTrack's; else the `a=msid` track when it is a capture
 * of the session (Chromium writes the track id there; Firefox a random one); else the track addTrack or addTransceiver
 * gave it; else the `a=msid` track, whatever it is.
 */
function noteLocalDescription(out: SessionSenderGaps, pcId: string, sdp: string, t: number): void {
  for (const section of parseSdp(sdp).sections) {
    if (section.kind !== 'video' || section.mid === null) continue;
    const index = `${pcId} #${out.midIndex.get(`${pcId} ${section.mid}`) ?? section.index}`;
    // `a=msid:<stream> <track>`, or the older `a=ssrc:<ssrc> msid:<stream> <track>`.
    const msid = section.msids[0] ?? section.ssrcs.flatMap((x) => x.attributes).find((a) => a.name === 'msid')?.value;
    const msidTrack = msid?.trim().split(/\s+/)[1] ?? null;
    const track = out.replacedTrack.has(index)
      ? out.replacedTrack.get(index)!
      : msidTrack !== null && out.trackFps.has(msidTrack)
        ? msidTrack
        : out.addedTrack.get(index) ?? msidTrack;
    noteSenderTrack(out, pcId, section.mid, track, t, section.ssrcs.map((x) => x.ssrc));
  }
}

/** Notes the ICE ufrags (`a=ice-ufrag`, session or media level) of a PC's local or remote description. */
function noteUfrags(out: SessionSenderGaps, pcId: string, side: 'local' | 'remote', sdp: string): void {
  const found = iceUfrags(sdp);
  if (found.length === 0) return;
  let ufrags = out.ufrags.get(pcId);
  if (!ufrags) out.ufrags.set(pcId, (ufrags = { local: new Set(), remote: new Set() }));
  for (const ufrag of found) ufrags[side].add(ufrag);
}

/** The id of a serialised track (`{id, kind, label}`), else null. */
function trackIdOf(value: unknown): string | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : null;
}

/** What addTrack (a sender) or addTransceiver (a transceiver) returned: its transceiver's index and its track. */
function addedSender(value: unknown): { index: number; track: string | null } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as { target?: { index?: unknown }; track?: unknown; sender?: { track?: unknown } };
  const index = v.target?.index;
  if (typeof index !== 'number') return null;
  return { index, track: trackIdOf(v.track ?? v.sender?.track) };
}

const sdpOf = (value: unknown): string | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { sdp?: unknown }).sdp === 'string' ? (value as { sdp: string }).sdp : null;

/** A pending replaceTrack, removeTrack, direction or setParameters call settled: the sender paused or resumed. */
function settlePause(out: SessionSenderGaps, pcId: string, key: string, ok: boolean, t: number): void {
  const call = out.pending.get(key);
  out.pending.delete(key);
  if (!call || !ok) return;
  if (call.track !== undefined) {
    const sender = `${pcId} #${call.index}`;
    // The track it sent before (unknown counts as another; none, a pause, does not: its end is a resume).
    const before = out.replacedTrack.has(sender) ? out.replacedTrack.get(sender)! : out.addedTrack.get(sender);
    if (call.track !== null && before !== null && before !== call.track) out.swaps.push({ pcId, mid: call.mid, index: call.index, at: t });
    out.replacedTrack.set(sender, call.track);
    if (call.mid !== null) noteSenderTrack(out, pcId, call.mid, call.track, t, ssrcsOfMid(out.localSdp.get(pcId), call.mid));
  }
  let open: PausedSender | undefined;
  for (let p = out.paused.length - 1; p >= 0; p--) {
    const gap = out.paused[p];
    if (gap.pcId === pcId && gap.index === call.index && gap.to === null) {
      open = gap;
      break;
    }
  }
  if (call.stops) {
    // A second replaceTrack(null) (or a direction without send) continues the pause.
    if (!open) out.paused.push({ pcId, how: call.how, mid: call.mid, index: call.index, from: t, to: null, ssrcs: ssrcsOfMid(out.localSdp.get(pcId), call.mid) });
  } else if (open && (open.how.kind === call.how.kind || (open.how.kind === 'removeTrack' && call.how.kind === 'direction'))) {
    // A track again ends a replaceTrack(null); a sending direction ends an inactive one or a removeTrack (whose
    // transceiver turned recvonly: a track given to it by replaceTrack is not sent yet).
    open.to = t;
  }
}

/** `state` with the events appended since its last fold (the same object), or folded anew when `events` are another trace. */
export function foldSessionSenderGaps(state: SessionSenderGaps, events: readonly TraceEvent[]): SessionSenderGaps {
  const continues = state.folded <= events.length && (state.folded === 0 || events[state.folded - 1] === state.lastFolded);
  const out = continues ? state : emptySenderGaps();
  for (let i = out.folded; i < events.length; i++) {
    const { pcId, record } = events[i];
    if (record.type === 'media-settled' && record.ok && isMediaRequest(record.method)) noteTrackRates(out, record.value);
    if (pcId === null) continue;
    if (record.type === 'pc-call') {
      if (record.target && record.target.mid !== null) out.midIndex.set(`${pcId} ${record.target.mid}`, record.target.index);
      if (record.method === 'setLocalDescription') {
        const sdp = sdpOf(record.args[0]);
        if (sdp !== null) {
          out.localSdp.set(pcId, sdp);
          noteLocalDescription(out, pcId, sdp, record.t);
          noteUfrags(out, pcId, 'local', sdp);
        }
      } else if (record.method === 'setRemoteDescription') {
        const sdp = sdpOf(record.args[0]);
        if (sdp !== null) noteUfrags(out, pcId, 'remote', sdp);
      } else if (record.method === 'sender.replaceTrack' && record.target) {
        out.pending.set(`${pcId} ${record.call}`, { mid: record.target.mid, index: record.target.index, stops: record.args[0] === null, how: { kind: 'replaceTrack' }, track: trackIdOf(record.args[0]) });
      } else if (record.method === 'removeTrack' && record.target) {
        out.pending.set(`${pcId} ${record.call}`, { mid: record.target.mid, index: record.target.index, stops: true, how: { kind: 'removeTrack' } });
      } else if (record.method === 'close') {
        if (!out.closedAt.has(pcId)) out.closedAt.set(pcId, record.t);
        // Everything it sent ends: its receivers in this session see no packets from now on.
        const open = out.paused.some((p) => p.pcId === pcId && p.how.kind === 'closed');
        const ssrcs = out.localSdp.has(pcId) ? parseSdp(out.localSdp.get(pcId)!).sections.flatMap((x) => x.ssrcs.map((y) => y.ssrc)) : [];
        if (!open && ssrcs.length > 0) out.paused.push({ pcId, how: { kind: 'closed' }, mid: null, index: -1, from: record.t, to: null, ssrcs });
      } else if (record.method === 'sender.setParameters' && record.target) {
        out.pendingCaps.set(`${pcId} ${record.call}`, { mid: record.target.mid, index: record.target.index, maxBitrate: maxBitrateOf(record.args[0]) });
        // Every encoding inactive stops the sender (Chromium sends nothing, like replaceTrack(null)); one active again
        // resumes it.
        const active = encodingsActive(record.args[0]);
        if (active !== null) out.pending.set(`${pcId} ${record.call}`, { mid: record.target.mid, index: record.target.index, stops: !active, how: { kind: 'inactive' } });
      } else if (record.method === 'transceiver.direction' && record.target && typeof record.args[0] === 'string') {
        // "inactive" or "recvonly": the page stops sending on that transceiver (once negotiated, a moment later);
        // "sendrecv" or "sendonly" sends again.
        out.pending.set(`${pcId} ${record.call}`, {
          mid: record.target.mid,
          index: record.target.index,
          stops: !record.args[0].startsWith('send'),
          how: { kind: 'direction', direction: record.args[0] },
        });
      }
    } else if (record.type === 'pc-settled') {
      if (record.ok && (record.method === 'addTrack' || record.method === 'addTransceiver')) {
        const added = addedSender(record.value);
        if (added) {
          out.addedTrack.set(`${pcId} #${added.index}`, added.track);
          // A transceiver addTrack reuses (one removeTrack left) sends again.
          for (const p of out.paused) if (p.pcId === pcId && p.index === added.index && p.to === null && p.how.kind === 'removeTrack') p.to = record.t;
        }
      } else if (record.ok && (record.method === 'createOffer' || record.method === 'createAnswer')) {
        // An implicit setLocalDescription() has no description in its arguments: the one the PC made stands in.
        const sdp = sdpOf(record.value);
        if (sdp !== null) {
          out.localSdp.set(pcId, sdp);
          noteLocalDescription(out, pcId, sdp, record.t);
          noteUfrags(out, pcId, 'local', sdp);
        }
      } else if (record.method === 'sender.setParameters') {
        const key = `${pcId} ${record.call}`;
        const call = out.pendingCaps.get(key);
        out.pendingCaps.delete(key);
        settlePause(out, pcId, key, record.ok, record.t);
        if (!call || !record.ok) continue;
        for (const cap of out.caps) if (cap.pcId === pcId && cap.index === call.index && cap.to === null) cap.to = record.t;
        if (call.maxBitrate !== null) out.caps.push({ pcId, mid: call.mid, index: call.index, from: record.t, to: null, maxBitrate: call.maxBitrate });
      } else if (record.method === 'sender.replaceTrack' || record.method === 'transceiver.direction' || record.method === 'removeTrack') {
        settlePause(out, pcId, `${pcId} ${record.call}`, record.ok, record.t);
      }
    }
  }
  out.folded = events.length;
  out.lastFolded = events[events.length - 1];
  return out;
}

/** A stretch of time a stream was paused by its sender; `pcId`: the sending PC when it is another of the session. */
export interface StreamPause {
  from: number;
  to: number | null;
  pcId: string | null;
  how: PauseHow;
}

/** What a PC's streams were paused by: its own senders (outbound, by mid) and other PCs of its session (inbound, by SSRC). */
export interface StreamPauses {
  of(stream: Pick<StreamMetrics, 'direction' | 'mid' | 'ssrc'>): StreamPause[];
  /** The caps the page set on an outbound stream's sender (by mid); none for inbound streams. */
  capsOf(stream: Pick<StreamMetrics, 'direction' | 'mid'>): SenderCap[];
  /**
   * The source rates of the stream's sender in time order: an outbound stream's own (by mid), an inbound stream's
   * sender's when another PC of the session sends it (by SSRC). See {@link sourceFpsAt}.
   */
  sourceRatesOf(stream: Pick<StreamMetrics, 'direction' | 'mid' | 'ssrc'>): SourceRate[];
  /** When the page replaced an outbound stream's track with another (by mid); none for inbound streams. */
  swapsOf(stream: Pick<StreamMetrics, 'direction' | 'mid'>): TrackSwap[];
  /**
   * The closes of the PC's peers on this page, linked by ICE ufrag (see {@link SessionSenderGaps.ufrags}) whatever
   * they sent, in time order (`how` closed, `to` null).
   */
  peerCloses(): StreamPause[];
}

export const NO_PAUSES: StreamPauses = { of: () => [], capsOf: () => [], sourceRatesOf: () => [], swapsOf: () => [], peerCloses: () => [] };

/** The pauses of PC `pcId`'s streams in `session`: its own senders' (outbound, by mid) and its other PCs' (inbound, by SSRC). */
export function streamPauses(pcId: string, session: SessionSenderGaps): StreamPauses {
  if (session.paused.length === 0 && session.caps.length === 0 && session.sourceRates.length === 0 && session.swaps.length === 0 && session.closedAt.size === 0) return NO_PAUSES;
  const peerCloses = (): StreamPause[] => {
    const remote = session.ufrags.get(pcId)?.remote;
    const out: StreamPause[] = [];
    if (!remote || remote.size === 0) return out;
    for (const [other, at] of session.closedAt) {
      if (other === pcId) continue;
      const local = session.ufrags.get(other)?.local;
      if (local && [...local].some((u) => remote.has(u))) out.push({ from: at, to: null, pcId: other, how: { kind: 'closed' } });
    }
    return out.sort((a, b) => a.from - b.from);
  };
  return {
    peerCloses,
    swapsOf(stream) {
      return stream.direction === 'outbound' && stream.mid !== null ? session.swaps.filter((w) => w.pcId === pcId && w.mid === stream.mid) : [];
    },
    sourceRatesOf(stream) {
      if (stream.direction === 'outbound') return stream.mid === null ? [] : session.sourceRates.filter((r) => r.pcId === pcId && r.mid === stream.mid);
      const ssrc = stream.ssrc;
      return ssrc === null ? [] : session.sourceRates.filter((r) => r.pcId !== pcId && r.ssrcs.includes(ssrc));
    },
    capsOf(stream) {
      return stream.direction === 'outbound' && stream.mid !== null ? session.caps.filter((c) => c.pcId === pcId && c.mid === stream.mid) : [];
    },
    of(stream) {
      if (stream.direction === 'outbound') {
        const mid = stream.mid;
        const own = mid === null ? [] : session.paused.filter((p) => p.pcId === pcId && p.mid === mid && p.how.kind !== 'closed').map((p): StreamPause => ({ from: p.from, to: p.to, pcId: null, how: p.how }));
        // Nothing receives what it sends once its peer on this page closed.
        const ends = peerCloses().map((c): StreamPause => ({ ...c, how: { kind: 'peer-closed' } }));
        return ends.length === 0 ? own : [...own, ...ends].sort((a, b) => a.from - b.from);
      }
      const ssrc = stream.ssrc;
      if (ssrc === null) return [];
      return session.paused.filter((p) => p.pcId !== pcId && p.ssrcs.includes(ssrc)).map((p) => ({ from: p.from, to: p.to, pcId: p.pcId, how: p.how }));
    },
  };
}

/** The pauses of PC `pcId`'s streams in a whole trace. */
export function tracePauses(pcId: string, events: readonly TraceEvent[]): StreamPauses {
  return streamPauses(pcId, foldSessionSenderGaps(emptySenderGaps(), events));
}

/** The source's capture rate at sample time `t` (the latest rate from before it); null when not known. */
export function sourceFpsAt(rates: readonly SourceRate[], t: number): number | null {
  let fps: number | null = null;
  for (const r of rates) {
    if (r.from > t) break;
    fps = r.fps;
  }
  return fps;
}

/** Whether sample time `t` lies in one of `pauses` (after its start, up to its end). */
export function pausedAt(pauses: readonly StreamPause[], t: number): boolean {
  for (const p of pauses) if (t > p.from && (p.to === null || t <= p.to)) return true;
  return false;
}
