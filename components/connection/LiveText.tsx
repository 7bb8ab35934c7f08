/**
 * A value that moves with live samples (a counter, an RTT, "+12.345 s"), in a box of fixed width that lays out and
 * paints on its own (live-text.css): a new value relayouts and repaints this box only, instead of the line, table or
 * section around it. The width fits the longest usual value; the full text stays in the DOM for copy and
 * assistive technology.
 */
import './live-text.css';

export function LiveText({ chars, children }: { chars: number; children: string }) {
  return (
    <span class="live-text" style={{ width: `${chars}ch` }}>
      {children}
    </span>
  );
}
