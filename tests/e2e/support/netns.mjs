// Private network namespace for browser tests: nothing a test's browser sends can leave the machine.
//
// As a library, at the top of a test script (before launching anything):
//   import { ensureNetns } from './support/netns.mjs';
//   await ensureNetns();   // re-execs this very script inside `unshare -n` unless already inside; exits with its code
//
// As a command:  node tests/e2e/support/netns.mjs <cmd> [args...]   (runs cmd inside a fresh namespace)
//
// The namespace gets `lo` plus a veth pair that leads nowhere (v0 10.213.0.1/24 + default route): Chromium
// connects loopback calls on `lo` alone (with --allow-loopback-in-peer-connection), Firefox needs a non-loopback
// interface to gather a usable host candidate. The address belongs to the namespace itself.
//
// The namespace also gets its own PID namespace (`unshare -p --fork --kill-child --mount-proc`) with `sh` as its
// PID 1 and the script as sh's child: when the script ends, or is killed on a timeout, the kernel kills every
// process left in it (browsers included). Nothing outlives a test.
//
// "Already inside" is detected with the env var WEBRTC_SCOPE_NETNS=1, set by the re-exec.
// As root: `unshare -n …`. Not root: `unshare -r -n …` (a user namespace) when the kernel allows it. Without PID
// namespaces, network only. If nothing works, ensureNetns() warns and runs the script on the host network, or
// throws with { required: true }.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const NETNS_ENV = 'WEBRTC_SCOPE_NETNS';
/** The namespace's own veth address (Firefox's host candidate). */
export const NETNS_ADDRESS = '10.213.0.1';

export const SETUP_SCRIPT = [
  'ip link set lo up || exit 97',
  'ip link add v0 type veth peer name v1 2>/dev/null && ip addr add ' + NETNS_ADDRESS + '/24 dev v0' +
    ' && ip link set v0 up && ip link set v1 up && ip route add default dev v0' +
    ' || echo "[netns] warning: veth setup failed; Firefox calls may not connect" >&2',
  // Not `exec`: sh stays PID 1 (which ignores signals it has no handler for), the command is an ordinary process.
  '"$@"',
].join('\n');

/** True when this process runs inside the namespace made by this module. */
export function inNetns() {
  return process.env[NETNS_ENV] === '1';
}

let cachedPrefix;
/** The `unshare` argv prefix that works here, or null. */
export function unsharePrefix() {
  if (cachedPrefix !== undefined) return cachedPrefix;
  const pid = ['-p', '--kill-child', '--mount-proc'];
  const candidates = process.getuid?.() === 0
    ? [['unshare', '-n', ...pid], ['unshare', '-n']]
    : [['unshare', '-r', '-n', ...pid], ['unshare', '-r', '-n'], ['unshare', '-n']];
  cachedPrefix = null;
  for (const prefix of candidates) {
    const probe = spawnSync(prefix[0], [...prefix.slice(1), 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
    if (probe.status === 0) {
      cachedPrefix = prefix;
      break;
    }
  }
  return cachedPrefix;
}

/**
 * Spawn `cmd args` inside a fresh namespace (stdio inherited unless given). Returns the ChildProcess.
 * Throws when no namespace can be made.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} [options]
 */
export function spawnInNetns(cmd, args = [], options = {}) {
  const prefix = unsharePrefix();
  if (!prefix) throw new Error('cannot create a network namespace here (need root, or unprivileged user namespaces, plus iproute2)');
  return spawn(prefix[0], [...prefix.slice(1), 'sh', '-c', SETUP_SCRIPT, 'sh', cmd, ...args], {
    stdio: 'inherit',
    ...options,
    env: { ...(options.env ?? process.env), [NETNS_ENV]: '1' },
  });
}

/**
 * Make sure the current script runs inside a private network namespace. When outside, re-runs
 * `process.argv` inside one, forwards SIGINT/SIGTERM, and exits with the child's status: the returned promise
 * then never resolves. When inside already, resolves at once.
 * @param {{ required?: boolean }} [options] required: throw instead of falling back to the host network.
 */
export async function ensureNetns({ required = false } = {}) {
  if (inNetns()) return;
  if (!unsharePrefix()) {
    const msg = '[netns] no private network namespace available (not root, no user namespaces?)';
    if (required) throw new Error(msg);
    process.stderr.write(msg + '; running on the host network\n');
    return;
  }
  const child = spawnInNetns(process.execPath, [...process.execArgv, ...process.argv.slice(1)]);
  const forward = (sig) => () => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, forward(sig));
  await new Promise(() => {
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
    child.on('error', (err) => {
      process.stderr.write(`[netns] ${err.stack ?? err}\n`);
      process.exit(1);
    });
  });
}

function signalNumber(name) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[name];
}

// CLI: node tests/e2e/support/netns.mjs cmd [args...]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    process.stderr.write('usage: node tests/e2e/support/netns.mjs <cmd> [args...]\n');
    process.exit(2);
  }
  const child = spawnInNetns(cmd, args);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1)));
}
