/**
 * One requestAnimationFrame loop shared by every chart: a chart registers a draw callback with its element and
 * marks itself dirty when its data or view changed; the loop runs only while a visible chart is dirty, draws each
 * dirty visible chart once per frame (within a time budget; the rest wait for the next frame), and skips charts
 * that are off-screen (IntersectionObserver) until they scroll into view. A hidden document gets no animation
 * frames, so nothing draws until it is shown again.
 */

export interface FrameHandle {
  /** Asks for a draw in the next frame (when visible; otherwise once it becomes visible). */
  markDirty(): void;
  /** Draws now if dirty, ignoring visibility (e.g. before a screenshot or in tests). */
  flush(): void;
  readonly visible: boolean;
  dispose(): void;
}

export interface FrameLoop {
  register(element: Element, draw: () => void): FrameHandle;
  /** Draws every dirty chart now (visible or not). For tests and benchmarks. */
  flushAll(): void;
  /** Number of registered charts (for tests). */
  readonly size: number;
  /** Resolves once no visible chart is waiting to draw (benchmarks: "every visible chart drawn"). */
  whenIdle(): Promise<void>;
}

export interface FrameLoopOptions {
  requestFrame?: (callback: () => void) => number;
  cancelFrame?: (id: number) => void;
  /** null = no IntersectionObserver: every chart counts as visible. */
  createObserver?: ((callback: (entries: { target: Element; isIntersecting: boolean }[]) => void) => { observe(el: Element): void; unobserve(el: Element): void; disconnect(): void }) | null;
  /** Milliseconds of drawing per frame before the remaining dirty charts wait for the next frame. */
  budgetMs?: number;
  now?: () => number;
}

interface Client {
  element: Element;
  draw: () => void;
  dirty: boolean;
  visible: boolean;
  /** The observer has reported on it at least once (until then whenIdle waits for it). */
  known: boolean;
}

export function createFrameLoop(options: FrameLoopOptions = {}): FrameLoop {
  const requestFrame = options.requestFrame ?? ((cb: () => void) => requestAnimationFrame(cb));
  const cancelFrame = options.cancelFrame ?? ((id: number) => cancelAnimationFrame(id));
  const now = options.now ?? (() => performance.now());
  const budget = options.budgetMs ?? 12;
  const clients = new Set<Client>();
  const byElement = new Map<Element, Client>();
  let scheduled: number | null = null;
  let idleWaiters: (() => void)[] = [];

  const busy = (): boolean => {
    for (const c of clients) if (c.dirty && (c.visible || !c.known)) return true;
    return false;
  };
  function settleIdle(): void {
    if (idleWaiters.length === 0 || busy()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  const makeObserver =
    options.createObserver !== undefined
      ? options.createObserver
      : typeof IntersectionObserver === 'function'
        ? (cb: (entries: { target: Element; isIntersecting: boolean }[]) => void) => new IntersectionObserver(cb, { rootMargin: '100px' })
        : null;
  const observer = makeObserver
    ? makeObserver((entries) => {
        for (const entry of entries) {
          const client = byElement.get(entry.target);
          if (!client) continue;
          client.visible = entry.isIntersecting;
          client.known = true;
        }
        schedule();
        settleIdle();
      })
    : null;

  function schedule(): void {
    if (scheduled !== null) return;
    for (const c of clients) {
      if (c.dirty && c.visible) {
        scheduled = requestFrame(frame);
        return;
      }
    }
  }

  function run(client: Client): void {
    client.dirty = false;
    try {
      client.draw();
    } catch (error) {
      // One broken chart must not stop the others from drawing.
      console.error('chart draw failed', error);
    }
  }

  function frame(): void {
    scheduled = null;
    const start = now();
    for (const c of clients) {
      if (!c.dirty || !c.visible) continue;
      run(c);
      if (now() - start > budget) break;
    }
    schedule();
    settleIdle();
  }

  return {
    register(element, draw) {
      const client: Client = { element, draw, dirty: true, visible: observer === null, known: observer === null };
      clients.add(client);
      byElement.set(element, client);
      observer?.observe(element);
      schedule();
      return {
        markDirty() {
          client.dirty = true;
          if (client.visible) schedule();
        },
        flush() {
          if (client.dirty) run(client);
        },
        get visible() {
          return client.visible;
        },
        dispose() {
          clients.delete(client);
          if (byElement.get(element) === client) byElement.delete(element);
          observer?.unobserve(element);
          if (clients.size === 0 && scheduled !== null) {
            cancelFrame(scheduled);
            scheduled = null;
          }
          settleIdle();
        },
      };
    },
    flushAll() {
      for (const c of clients) if (c.dirty) run(c);
      settleIdle();
    },
    whenIdle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      });
    },
    get size() {
      return clients.size;
    },
  };
}

let shared: FrameLoop | null = null;

/** The page's one loop (created on first use). */
export function sharedFrameLoop(): FrameLoop {
  shared ??= createFrameLoop();
  return shared;
}
