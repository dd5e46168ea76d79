/**
 * `lazy(() => build())`: a value built on first use, then kept for the life of the
 * container (a failed build is retried by the next call). The AWS clients and the
 * use-case context are built this way, so a function's module import stays light and
 * the SDK is loaded by the first invocation that needs it — not during Lambda's INIT.
 *
 * Modules need no helper: `await import('./x')` evaluates x once (esbuild keeps a bundled
 * module's code in the bundle but runs it only when the import runs).
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= build().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
