/**
 * Raw inflate (fflate) into a reused buffer. Without an output buffer fflate grows its own to at least the bytes
 * so far + 128 KB for every block it decodes, freshly allocated and zeroed: for the small buffers we inflate (a
 * stats chunk is ~13 KB, a packed trace event a few hundred bytes) that allocation was most of the cost in Chromium
 * (a session's 160 events: ~40 ms in the service worker, ~3 ms into a reused buffer; a PC's 60 chunks likewise).
 *
 * The result is a view of the shared buffer, valid only until the next call: copy or consume it at once.
 * Output that does not fit (fflate then stops writing but keeps counting, so the view comes back full) is
 * inflated again the allocating way, and the buffer grows for next time. Same bytes, same errors as
 * `inflateSync(data, { dictionary })`.
 */
import { inflateSync } from 'fflate';

const INITIAL_BYTES = 1 << 18;
const MAX_BYTES = 1 << 23;
let scratch: Uint8Array | null = null;

export function inflateReused(data: Uint8Array, dictionary?: Uint8Array): Uint8Array {
  scratch ??= new Uint8Array(INITIAL_BYTES);
  try {
    const out = inflateSync(data, dictionary ? { out: scratch, dictionary } : { out: scratch });
    // A full view may be a truncated output: only a shorter one is known complete.
    if (out.length < scratch.length) return out;
  } catch {
    // Corrupt, or a stored block past the end of the buffer: the allocating inflate below decides.
  }
  const whole = inflateSync(data, dictionary ? { dictionary } : undefined);
  if (whole.length < MAX_BYTES && whole.length >= scratch.length) {
    let size = scratch.length;
    while (size <= whole.length) size *= 2;
    scratch = new Uint8Array(Math.min(size, MAX_BYTES));
  }
  return whole;
}
