import { describe, expect, it } from 'vitest';
import { truncateText } from '../../../lib/protocol/text';

describe('truncateText', () => {
  it('keeps short text, cuts long text to the limit with an ellipsis, and never splits a surrogate pair', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcdef', 4)).toBe('abc…');
    // "😀" is two UTF-16 units: cutting between them would leave half a character.
    expect(truncateText('ab😀cd', 4)).toBe('ab…');
    expect(truncateText('ab😀cd', 5)).toBe('ab😀…');
    for (let max = 2; max < 12; max++) expect(truncateText('😀'.repeat(10), max).length).toBeLessThanOrEqual(max);
  });
});
