/**
 * A `<details>` whose body is rendered only while it is open. The bodies it is used for (the health summary table,
 * the candidate-pair timeline as text) change with every live update; closed, they are not shown, so building and
 * diffing them every second would only cost main-thread time.
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface LazyDetailsProps {
  class?: string;
  summary: ComponentChildren;
  /** Called only while open. */
  children: () => ComponentChildren;
}

export function LazyDetails(props: LazyDetailsProps) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDetailsElement>(null);
  useLayoutEffect(() => {
    // A listener of our own: Preact's onToggle depends on the environment knowing `ontoggle`.
    const el = ref.current!;
    const onToggle = () => setOpen(el.open);
    el.addEventListener('toggle', onToggle);
    return () => el.removeEventListener('toggle', onToggle);
  }, []);
  return (
    <details ref={ref} class={props.class} open={open}>
      <summary>{props.summary}</summary>
      {open ? props.children() : null}
    </details>
  );
}
