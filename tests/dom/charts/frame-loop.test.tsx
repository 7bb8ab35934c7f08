// @vitest-environment happy-dom
/** The shared frame loop: draws only dirty, visible charts, once per frame, and runs only while there is work. */
import { describe, expect, it, vi } from 'vitest';
import { createFrameLoop } from '../../../components/charts/frame-loop';

function setup(budgetMs = 100) {
  const frames: (() => void)[] = [];
  let observerCallback: ((entries: { target: Element; isIntersecting: boolean }[]) => void) | null = null;
  const observed = new Set<Element>();
  let clock = 0;
  const loop = createFrameLoop({
    requestFrame: (cb) => frames.push(cb),
    cancelFrame: () => frames.splice(0),
    createObserver: (cb) => {
      observerCallback = cb;
      return { observe: (el) => observed.add(el), unobserve: (el) => observed.delete(el), disconnect: () => observed.clear() };
    },
    budgetMs,
    now: () => clock,
  });
  const show = (el: Element, visible: boolean) => observerCallback!([{ target: el, isIntersecting: visible }]);
  const runFrame = () => frames.shift()?.();
  return { loop, frames, show, runFrame, observed, tick: (ms: number) => (clock += ms) };
}

describe('frame loop', () => {
  it('skips charts that are not visible until they become visible, and draws each dirty chart once per frame', () => {
    const { loop, frames, show, runFrame, observed } = setup();
    const a = document.createElement('div');
    const b = document.createElement('div');
    const drawA = vi.fn();
    const drawB = vi.fn();
    const ha = loop.register(a, drawA);
    loop.register(b, drawB);
    expect(observed.size).toBe(2);
    // Nothing is visible yet: no frame requested.
    expect(frames.length).toBe(0);
    show(a, true);
    expect(frames.length).toBe(1);
    runFrame();
    expect(drawA).toHaveBeenCalledTimes(1);
    expect(drawB).not.toHaveBeenCalled();
    // Marked dirty several times before the frame: one draw.
    ha.markDirty();
    ha.markDirty();
    expect(frames.length).toBe(1);
    runFrame();
    expect(drawA).toHaveBeenCalledTimes(2);
    // Idle: no frame keeps running.
    expect(frames.length).toBe(0);
    // b was dirty all along and draws when it scrolls into view.
    show(b, true);
    runFrame();
    expect(drawB).toHaveBeenCalledTimes(1);
    show(a, false);
    ha.markDirty();
    expect(frames.length).toBe(0);
    ha.flush();
    expect(drawA).toHaveBeenCalledTimes(3);
  });

  it('spreads the work over frames when a frame exceeds its budget; a throwing chart does not stop the others', () => {
    const { loop, frames, show, runFrame, tick } = setup(10);
    const calls: string[] = [];
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const els = ['a', 'b', 'c'].map((name) => {
      const el = document.createElement('div');
      loop.register(el, () => {
        calls.push(name);
        tick(8);
        if (name === 'a') throw new Error('broken');
      });
      return el;
    });
    for (const el of els) show(el, true);
    runFrame();
    expect(calls).toEqual(['a', 'b']);
    expect(frames.length).toBe(1);
    runFrame();
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });

  it('whenIdle resolves once every visible chart has drawn', async () => {
    const { loop, show, runFrame } = setup();
    const el = document.createElement('div');
    const hidden = document.createElement('div');
    loop.register(el, () => undefined);
    loop.register(hidden, () => undefined);
    let idle = false;
    const done = loop.whenIdle().then(() => (idle = true));
    // Before the observer reported, visibility is unknown: not idle yet.
    await Promise.resolve();
    expect(idle).toBe(false);
    show(hidden, false);
    show(el, true);
    await Promise.resolve();
    expect(idle).toBe(false);
    runFrame();
    await done;
    // The off-screen chart does not hold it up.
    expect(idle).toBe(true);
  });

  it('stops requesting frames once every chart is disposed', () => {
    const { loop, frames, show } = setup();
    const el = document.createElement('div');
    const handle = loop.register(el, () => undefined);
    show(el, true);
    expect(frames.length).toBe(1);
    handle.dispose();
    expect(frames.length).toBe(0);
    expect(loop.size).toBe(0);
  });
});
