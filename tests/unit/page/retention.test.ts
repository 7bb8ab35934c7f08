// The hook must not keep a page's objects alive: a peer connection, channel or track the page dropped must be
// collectable exactly as without the hook. Real garbage collections in Node (V8): `--expose-gc` set at run time and
// `gc` taken from a fresh context. The browsers are checked by tests/e2e/gc.e2e.mjs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { installHook, type HookRecord } from '../../../lib/page/install-hook';
import { makeRef } from '../../../lib/page/natives';
import { createStatsPoller } from '../../../lib/page/stats-poller';
import { createFakeRealm, flush } from './fake-webrtc';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Full collections, each in a task of its own (a WeakRef's target is kept until the end of the job that made or read it). */
async function collect(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The script of the "page": a PC with a data channel and a track, dropped without close (WeakRefs kept on the global). */
const PAGE_SCRIPT = `
  globalThis.__probes = (() => {
    const pc = new RTCPeerConnection();
    const channel = pc.createDataChannel('chat');
    const stream = new MediaStream([new MediaStreamTrack('audio', 'mic')]);
    const track = stream.getTracks()[0];
    pc.addTrack(track, stream);
    pc.getStats();
    return { pc: new WeakRef(pc), channel: new WeakRef(channel), track: new WeakRef(track) };
  })();
`;
const ALIVE = `Object.keys(__probes).filter((k) => __probes[k].deref() !== undefined)`;

describe('the hook keeps nothing of the page alive', () => {
  it('makeRef holds its target weakly', async () => {
    const make = () => {
      const target = { big: new Array(1000).fill(1) };
      return { probe: new WeakRef(target), ref: makeRef(target) };
    };
    const { probe, ref } = make();
    await collect();
    expect(probe.deref()).toBeUndefined();
    expect(ref.deref()).toBeUndefined();
  });

  it('a stats-poller entry does not keep a PC alive (and is dropped once the PC is gone)', async () => {
    const pending: (() => void)[] = [];
    const poller = createStatsPoller<object>({
      getStats: () => Promise.resolve(new Map()),
      isClosed: () => false,
      collect: () => ({ first: null, byId: null }),
      emit: () => {},
      now: () => 0,
      timeOrigin: 0,
      setTimeout: (cb) => pending.push(cb),
      clearTimeout: () => {},
    });
    const probe = ((): WeakRef<object> => {
      const pc = {};
      poller.add(1, pc);
      return new WeakRef(pc);
    })();
    await collect();
    expect(probe.deref()).toBeUndefined();
    pending.shift()!();
    expect(poller.ids()).toEqual([]);
  });

  it('a PC dropped without close() is collected with the hook as without it', async () => {
    const plain = createFakeRealm();
    plain.run(PAGE_SCRIPT);

    const hooked = createFakeRealm();
    const records: HookRecord[] = [];
    const controller = installHook(hooked.win, (r) => records.push(r), { pollIntervalMs: 100 });
    hooked.run(PAGE_SCRIPT);
    await flush();
    // The hook saw the PC (created, traced calls, polled) and still polls it.
    expect(records.some((r) => r.type === 'pc-created')).toBe(true);
    expect(records.some((r) => r.type === 'pc-call' && r.method === 'addTrack')).toBe(true);

    await collect();
    const withoutHook = plain.run<string[]>(ALIVE);
    const withHook = hooked.run<string[]>(ALIVE);
    controller.setConfig({ enabled: false, pollIntervalMs: 1000 }); // stops the poller's timer
    expect(withoutHook).toEqual([]); // the fake's objects are collectable at all
    expect(withHook).toEqual(withoutHook);
  });
});
