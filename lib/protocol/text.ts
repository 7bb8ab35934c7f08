/** Text helpers shared by the relay and the background. */

/**
 * `text` cut to at most `maxChars` UTF-16 units, ending in "…" when cut; never splits a surrogate pair (a lone half
 * would not survive a round trip through UTF-8).
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
