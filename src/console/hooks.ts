/** Data loading for the pages: fetch now, again every `intervalMs` (live status), and on demand. */
import { useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  reload(): void;
}

export function usePolled<T>(load: () => Promise<T>, intervalMs: number | undefined, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  // The latest `load` is called; `deps` (what it reads) decide when to start over.
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const call = ++latest.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const run = (): void => {
      loadRef
        .current()
        .then((value) => {
          if (call === latest.current && !stopped) {
            setData(value);
            setError(undefined);
          }
        })
        .catch((err: unknown) => {
          if (call === latest.current && !stopped) setError(err);
        })
        .finally(() => {
          if (intervalMs && !stopped) timer = setTimeout(run, intervalMs);
        });
    };
    run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, intervalMs, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
