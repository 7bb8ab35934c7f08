/**
 * A session description, readable: the session-level lines and one block per m-section (kind, mid, direction,
 * codecs), each with the line diff against the previous description of the same side. Changed sections open,
 * unchanged ones closed; long unchanged stretches fold to a line count. Every SDP line is a text node.
 */
import { useState } from 'preact/hooks';
import type { LogSdp } from '../../lib/model/event-log';
import { codecLabel, effectiveDirection, type DiffOp, type SdpMediaSection, type SectionDiff } from '../../lib/model/sdp';

/** Unchanged lines kept around a change. */
const CONTEXT = 3;

type Row = { kind: 'op'; op: DiffOp } | { kind: 'fold'; count: number };

/** Ops with long unchanged runs folded, keeping {@link CONTEXT} lines next to each change. */
export function foldOps(ops: DiffOp[], context = CONTEXT): Row[] {
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((o, i) => {
    if (o.op === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) keep[j] = true;
  });
  const rows: Row[] = [];
  let folded = 0;
  ops.forEach((op, i) => {
    if (keep[i]) {
      if (folded > 0) rows.push({ kind: 'fold', count: folded });
      folded = 0;
      rows.push({ kind: 'op', op });
    } else folded++;
  });
  if (folded > 0) rows.push({ kind: 'fold', count: folded });
  return rows;
}

function Lines({ ops, diffMode, full }: { ops: DiffOp[]; diffMode: boolean; full: boolean }) {
  // Folding only helps around changes: an unchanged section opened on demand shows every line.
  const fold = diffMode && !full && ops.some((o) => o.op !== 'same');
  const rows: Row[] = fold ? foldOps(ops) : ops.map((op) => ({ kind: 'op', op }));
  return (
    <div class="sdp-lines" role="list">
      {rows.map((r, i) => {
        if (r.kind === 'fold') {
          return (
            <div key={i} class="sdp-fold" role="listitem">
              … {r.count} unchanged line{r.count === 1 ? '' : 's'}
            </div>
          );
        }
        const { op, line } = r.op;
        if (!diffMode || op === 'same') {
          return (
            <div key={i} class="sdp-line" role="listitem">
              <span class="sdp-sign" aria-hidden="true">
                {diffMode ? '  ' : ''}
              </span>
              {line}
            </div>
          );
        }
        return op === 'added' ? (
          <ins key={i} class="sdp-line sdp-added" role="listitem">
            <span class="sdp-sign">+ </span>
            {line}
          </ins>
        ) : (
          <del key={i} class="sdp-line sdp-removed" role="listitem">
            <span class="sdp-sign">- </span>
            {line}
          </del>
        );
      })}
    </div>
  );
}

function sectionTitle(s: SdpMediaSection): string {
  const parts = [`m=${s.kind}`, s.mid !== null ? `mid ${s.mid}` : `#${s.index}`, effectiveDirection(s)];
  if (s.port === 0) parts.push(s.bundleOnly ? 'bundle-only' : 'rejected');
  const codecs = s.codecs.filter((c) => !['rtx', 'red', 'ulpfec', 'flexfec-03', 'CN', 'telephone-event'].includes(c.name));
  if (codecs.length > 0) {
    parts.push(codecs.slice(0, 3).map(codecLabel).join(', ') + (codecs.length > 3 ? ` +${codecs.length - 3}` : ''));
  }
  if (s.ssrcs.length > 0) parts.push(`${s.ssrcs.length} ssrc`);
  if (s.candidates > 0) parts.push(`${s.candidates} candidate${s.candidates === 1 ? '' : 's'}`);
  if (s.setup) parts.push(`setup ${s.setup}`);
  return parts.join(' · ');
}

function Block({ title, change, ops, diffMode, startOpen }: { title: string; change: string; ops: DiffOp[]; diffMode: boolean; startOpen: boolean }) {
  const [open, setOpen] = useState(startOpen);
  const [full, setFull] = useState(false);
  const added = ops.filter((o) => o.op === 'added').length;
  const removed = ops.filter((o) => o.op === 'removed').length;
  return (
    <div class={`sdp-block sdp-${change}`}>
      <div class="sdp-block-head">
        <button type="button" class="sdp-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          {title}
        </button>
        {diffMode ? (
          <span class="sdp-change">
            {' '}
            {change}
            {change === 'changed' ? ` (+${added} −${removed})` : ''}
          </span>
        ) : null}
        {open && diffMode && change === 'changed' ? (
          <button type="button" class="sdp-full" aria-pressed={full} onClick={() => setFull(!full)}>
            {full ? 'Changes only' : 'All lines'}
          </button>
        ) : null}
      </div>
      {open ? <Lines ops={ops} diffMode={diffMode} full={full} /> : null}
    </div>
  );
}

function sectionKey(d: SectionDiff, i: number): string {
  const s = d.after ?? d.before;
  return `${d.change}-${s?.mid ?? ''}-${s?.index ?? i}`;
}

/**
 * A setLocalDescription compared with the createOffer/createAnswer it follows: an identical one says the page passed
 * the browser's description on unmunged (the diff against the last applied description is on that create call).
 */
function mungeCheck(method: string, sdp: LogSdp): boolean {
  return method === 'setLocalDescription' && sdp.previous !== null && sdp.previous.name.startsWith('create');
}

/** `method`: the call whose description this is. */
export function SdpView({ sdp, method }: { sdp: LogSdp; method: string }) {
  // The first description of a side has nothing to compare with: show it plain.
  const diffMode = sdp.previous !== null;
  const { diff } = sdp;
  const changedSections = diff.sections.filter((s) => s.change !== 'unchanged').length;
  return (
    <section class="sdp-view" aria-label={`${sdp.side} description${sdp.type ? ` (${sdp.type})` : ''}`}>
      <p class="sdp-head">
        {sdp.side} {sdp.type ?? 'description'}, {sdp.parsed.sections.length} m-section{sdp.parsed.sections.length === 1 ? '' : 's'}
        {sdp.parsed.bundle ? `, BUNDLE ${sdp.parsed.bundle.join(' ')}` : ''}
        {' — '}
        {diffMode
          ? diff.changed
            ? `compared with ${sdp.previous!.name} (#${sdp.previous!.seq}): ${changedSections} section${changedSections === 1 ? '' : 's'} ${diff.session.change === 'changed' ? 'and the session lines ' : ''}changed`
            : `identical to ${sdp.previous!.name} (#${sdp.previous!.seq})${mungeCheck(method, sdp) ? ': the page did not change it' : ''}`
          : `first ${sdp.side} description`}
      </p>
      <Block title="session" change={diff.session.change} ops={diff.session.ops} diffMode={diffMode} startOpen={diffMode && diff.session.change === 'changed'} />
      {diff.sections.map((d, i) => {
        const s = (d.after ?? d.before)!;
        return (
          <Block
            key={sectionKey(d, i)}
            title={sectionTitle(s)}
            change={d.change}
            ops={d.ops}
            diffMode={diffMode}
            startOpen={diffMode && d.change !== 'unchanged'}
          />
        );
      })}
    </section>
  );
}
