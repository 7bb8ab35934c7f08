/**
 * Imports a dump file of any format WebRTC Scope reads into session bundles: chrome://webrtc-internals dumps,
 * rtcstats legacy lines (jitsi and fippo), RTCStatsDump format 3 (rtcstats-js and Chrome's own export), Firefox
 * about:webrtc saved pages, and our own format. Pure and synchronous, no DOM: it runs in a worker or in Node.
 *
 * Failure contract: every failure is a DumpError naming the file, the format the content looked like, where
 * (line, key path) and why; cancellation is an AbortError DOMException. A file that is partly valid fails on its
 * first problem (the message says how many more) unless `allowPartial` is set, in which case the valid part comes
 * back with the list of problems.
 */
import { detectDump } from './detect';
import { readScopeDump } from './format-scope';
import { importAboutWebrtc } from './import-about-webrtc';
import { importFirefoxReport } from './import-firefox-report';
import { ImportContext, type DumpProblem, type ImportOptions } from './import-context';
import { importRtcstatsLegacy, importRtcstatsV3 } from './import-rtcstats';
import { importWebrtcInternals } from './import-webrtc-internals';
import { limitBundleText } from './import-text-limits';
import { SplitFallback } from './internals-split';
import { DumpError, type DumpFormat, type SessionBundle } from './session-bundle';

export type { DumpProblem, ImportOptions } from './import-context';

export interface ImportResult {
  format: DumpFormat;
  /** One bundle per session in the file (one for every format but our own, which may hold several). */
  bundles: SessionBundle[];
  /**
   * Parts that could not be read (only with `allowPartial`; otherwise the first one was thrown). The first 1000,
   * then one entry saying how many more.
   */
  problems: DumpProblem[];
  /** How many problems there were in all (`problems` lists at most the first 1000). */
  problemCount: number;
  /**
   * Texts cut to what a recorded call keeps (import-text-limits.ts: a 30 MB user agent, a 6 MB SDP): where and how
   * long, the first {@link MAX_LISTED_CUTS}. Imported all the same; the user is told.
   */
  cuts: DumpProblem[];
  /** How many places had cuts in all. */
  cutCount: number;
}

/** Cut places listed in an import's result (the count says how many there were in all). */
export const MAX_LISTED_CUTS = 20;

/**
 * Reads `bytes` (the file's content; gzip or not) named `fileName` (for messages only: the format is detected
 * from the content).
 */
export function importDump(fileName: string, bytes: Uint8Array, options: ImportOptions = {}): ImportResult {
  let format: DumpFormat | 'unknown' = 'unknown';
  try {
    if (options.signal?.aborted) throw new DOMException('Import cancelled', 'AbortError');
    // A partial import also reads the whole lines of an rtcstats file whose gzip stream is cut short.
    let detected = detectDump(fileName, bytes, undefined, { cutShort: options.allowPartial === true });
    format = detected.format;
    let ctx = new ImportContext(fileName, detected.format, options);
    ctx.progress(0);
    if (detected.cutShort) ctx.problem(detected.cutShort.where, detected.cutShort.reason);
    let bundles: SessionBundle[];
    switch (detected.format) {
      case 'webrtc-scope':
        // HOOK(webrtc-scope): our own format has its own strict reader (lib/dump/format-scope.ts).
        bundles = readScopeDump(fileName, bytes);
        break;
      case 'webrtc-internals': {
        // The importer consumes the parsed document; the text it was parsed from (as large as the file) can go.
        const document = detected.document!;
        const readPc = detected.readPc;
        detected.document = undefined;
        detected.text = '';
        try {
          bundles = [importWebrtcInternals(ctx, document, bytes.length, readPc)];
        } catch (error) {
          if (!(error instanceof SplitFallback)) throw error;
          // A PC that does not parse alone: read the file whole, which reports the problem as it always has.
          detected = detectDump(fileName, bytes, undefined, { split: false });
          ctx = new ImportContext(fileName, detected.format, options);
          if (detected.format !== 'webrtc-internals') throw new Error('a split dump read whole is not webrtc-internals');
          const whole = detected.document!;
          detected.document = undefined;
          detected.text = '';
          bundles = [importWebrtcInternals(ctx, whole, bytes.length)];
        }
        break;
      }
      case 'rtcstats-legacy':
        bundles = [importRtcstatsLegacy(ctx, detected.text, bytes.length)];
        break;
      case 'rtcstats-v3':
        bundles = [importRtcstatsV3(ctx, detected.text, bytes.length)];
        break;
      case 'firefox-about-webrtc':
        // The saved page (HTML text), or the report JSON its "Copy Report" buttons give (a parsed document).
        bundles = detected.document ? importFirefoxReport(ctx, detected.document, bytes.length) : importAboutWebrtc(ctx, detected.text, bytes.length);
        detected.document = undefined;
        break;
    }
    const problems = ctx.finish();
    // A recorded call's text caps (a URL, a user agent, a string of a record), whatever the file holds.
    const cuts: DumpProblem[] = [];
    let cutCount = 0;
    for (const bundle of bundles) {
      limitBundleText(bundle, (where, reason) => {
        cutCount++;
        if (cuts.length < MAX_LISTED_CUTS) cuts.push({ where: bundles.length > 1 ? `${bundle.session.title || bundle.session.url || 'a session'}: ${where}` : where, reason });
      });
    }
    for (const bundle of bundles) {
      // App entries of no PC (file-entry: identity, logs, …) alone are not a call.
      if (bundle.pcs.length === 0 && bundle.events.every((e) => e.record.type === 'file-entry')) {
        throw ctx.error('file', 'nothing to import: no peer connection, getUserMedia call or event');
      }
    }
    options.onProgress?.(1);
    return { format: detected.format, bundles, problems, problemCount: ctx.problemCount, cuts, cutCount };
  } catch (error) {
    if (error instanceof DumpError) throw error;
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    // A bug or an engine limit (out of memory, call stack): still a DumpError for the user, with the cause.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DumpError(fileName, format, 'file', `could not be read (${message.slice(0, 300)})`);
  }
}
