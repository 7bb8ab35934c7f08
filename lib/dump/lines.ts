/**
 * Line iteration over a dump's text without splitting it: `text.split('\n')` would hold a second copy of a
 * 100 MB file as line strings at once. Lines end at `\n`; a `\r` before it is dropped (files saved on Windows).
 */

/** One line of the text: its 1-based number and the character range it spans (without the line break). */
export interface TextLine {
  number: number;
  start: number;
  end: number;
  /** Character offset just past the line break (where the next line starts). */
  next: number;
}

/** The lines of `text` from character `from` (line numbers count from `firstNumber`). */
export function* textLines(text: string, from = 0, firstNumber = 1): Generator<TextLine> {
  let start = from;
  let number = firstNumber;
  while (start < text.length) {
    let newline = text.indexOf('\n', start);
    if (newline === -1) newline = text.length;
    let end = newline;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    yield { number, start, end, next: newline + 1 };
    start = newline + 1;
    number++;
  }
}

/** Whether the characters in [start, end) are all JSON whitespace (blank lines are skipped by every reader). */
export function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

/** The first non-whitespace character code at or after `start` (before `end`), or -1. */
export function firstCharCode(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return c;
  }
  return -1;
}
