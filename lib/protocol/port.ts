/**
 * The slice of `runtime.Port` the relay, background and views use. Code in lib/ talks to this interface so
 * that tests can run it over an in-memory pair (WXT's fake browser has no `runtime.connect`).
 */
export interface PortLike<In = unknown, Out = unknown> {
  readonly name: string;
  postMessage(message: Out): void;
  disconnect(): void;
  onMessage: { addListener(cb: (message: In) => void): void; removeListener(cb: (message: In) => void): void };
  onDisconnect: { addListener(cb: () => void): void; removeListener(cb: () => void): void };
  /** Set by the browser on ports received in `runtime.onConnect`. */
  sender?: { tab?: { id?: number; url?: string; title?: string }; frameId?: number; url?: string };
}

type Listener<T> = (value: T) => void;

function listenerSet<T>() {
  const listeners = new Set<Listener<T>>();
  return {
    addListener: (cb: Listener<T>) => void listeners.add(cb),
    removeListener: (cb: Listener<T>) => void listeners.delete(cb),
    emit: (value: T) => [...listeners].forEach((cb) => cb(value)),
  };
}

/**
 * Two connected in-memory ports, for tests. Messages are structured-cloned and delivered asynchronously, like
 * the browser's; `disconnect()` on one side fires `onDisconnect` on the other only, like the browser's.
 */
export function createPortPair<A, B>(name: string, sender?: PortLike['sender']): [PortLike<B, A>, PortLike<A, B>] {
  let open = true;
  const make = <In, Out>(): PortLike<In, Out> & { deliver: (m: In) => void; hangUp: () => void } => {
    const onMessage = listenerSet<In>();
    const onDisconnect = listenerSet<void>();
    return {
      name,
      postMessage: () => undefined,
      disconnect: () => undefined,
      onMessage,
      onDisconnect: { addListener: onDisconnect.addListener, removeListener: onDisconnect.removeListener },
      deliver: (m: In) => onMessage.emit(m),
      hangUp: () => onDisconnect.emit(),
    };
  };
  const a = make<B, A>();
  const b = make<A, B>();
  const wire = <Out>(from: { postMessage: (m: Out) => void; disconnect: () => void }, to: { deliver: (m: Out) => void; hangUp: () => void }) => {
    from.postMessage = (m: Out) => {
      if (!open) throw new Error('Attempting to use a disconnected port object');
      const copy = structuredClone(m);
      queueMicrotask(() => open && to.deliver(copy));
    };
    from.disconnect = () => {
      if (!open) return;
      open = false;
      queueMicrotask(() => to.hangUp());
    };
  };
  wire<A>(a, b);
  wire<B>(b, a);
  b.sender = sender;
  return [a, b];
}
