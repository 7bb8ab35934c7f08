/**
 * A value that moves with live samples (a counter, an RTT, "+12.345 s"), in a box of fixed width (live-text.css): a
 * new value cannot move the line, table or section around it, and the box is no paint chunk of its own, so Chromium
 * does not lay out the page's layers again. The width fits the longest usual value; the full text stays in the DOM
 * for copy and assistive technology.
 */
import './live-text.css';

export function LiveText({ chars, children }: { chars: number; children: string }) {
  return (
    <span class="live-text" style={{ width: `${chars}ch` }}>
      {children}
    </span>
  );
}
