// Chromium's renderer processes on this machine, found by their command line in /proc (Linux): the benches read
// their memory (bench-dump) and their main thread's CPU time (bench-panel) from there.
import { readdirSync, readFileSync } from 'node:fs';

/** Every running renderer: its pid and whether it is the extension process (extension pages, service worker). */
export function chromiumRenderers() {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone
    }
    if (cmd.includes('--type=renderer')) out.push({ pid, extension: cmd.includes('--extension-process') });
  }
  return out;
}
