/** Settings from storage and from the options form: poll interval limits, site patterns as people write them. */
import { describe, expect, it } from 'vitest';
import { captureAllowed, DEFAULT_SETTINGS, normalizeSettings, parseSitePatterns, sitePattern } from '../../../lib/model/settings';
import { clampInterval } from '../../../lib/page/stats-poller';
import { MAX_POLL_INTERVAL_MS } from '../../../lib/protocol/constants';

describe('poll interval limits', () => {
  it('refuses an interval above a minute from storage, and the page clamps one (a timer past 2^31 − 1 ms fires at once)', () => {
    expect(normalizeSettings({ pollIntervalMs: 3_000_000_000 }).pollIntervalMs).toBe(DEFAULT_SETTINGS.pollIntervalMs);
    expect(normalizeSettings({ pollIntervalMs: MAX_POLL_INTERVAL_MS }).pollIntervalMs).toBe(MAX_POLL_INTERVAL_MS);
    expect(clampInterval(3_000_000_000)).toBe(MAX_POLL_INTERVAL_MS);
    expect(clampInterval(Infinity)).toBe(1000);
  });
});

describe('site patterns', () => {
  it('reduces what people paste to the host a pattern matches', () => {
    expect(sitePattern(' Meet.Example.COM ')).toBe('meet.example.com');
    expect(sitePattern('http://127.0.0.1:8080/demo.html')).toBe('127.0.0.1');
    expect(sitePattern('https://meet.example.com/room?x=1')).toBe('meet.example.com');
    expect(sitePattern('*.example.com')).toBe('example.com');
    expect(sitePattern('example.com.')).toBe('example.com');
    expect(sitePattern('localhost:3000')).toBe('localhost');
    expect(sitePattern('meet.example.com/room')).toBe('meet.example.com');
    expect(sitePattern('http://[::1]:8080/')).toBe('[::1]');
    expect(sitePattern('*')).toBe('*');
  });

  it('refuses what is no host', () => {
    for (const bad of ['host!!', 'http://', 'exa mple', '-bad.example', 'a..b', '*.', 'x'.repeat(254)]) expect(sitePattern(bad), bad).toBeNull();
  });

  it('parses a list (lines, spaces, commas), keeping each site once and naming what is no site', () => {
    expect(parseSitePatterns('http://127.0.0.1:5555/demo.html, host!!\n*.example.com\nexample.com\n\n')).toEqual({
      patterns: ['127.0.0.1', 'example.com'],
      invalid: ['host!!'],
    });
  });

  it('a pasted URL excludes its site: the QA case recorded a call on the very URL it had excluded', () => {
    const { patterns } = parseSitePatterns('http://127.0.0.1:5555/demo.html');
    expect(captureAllowed({ paused: false, excludedSites: patterns, pausedSites: [] }, ['127.0.0.1'])).toBe(false);
    expect(captureAllowed({ paused: false, excludedSites: parseSitePatterns('*.example.com').patterns, pausedSites: [] }, ['meet.example.com'])).toBe(false);
  });

  it('storage content goes through the same reading (older versions stored what the form gave them)', () => {
    expect(normalizeSettings({ excludedSites: ['http://127.0.0.1:5555/demo.html', 'not', 'host!!', '*.example.com', 7] }).excludedSites).toEqual(['127.0.0.1', 'not', 'example.com']);
  });
});
