/**
 * `lazy(() => build())`: a value built on first use, then kept for the life of the
 * container (a failed build is retried by the next call). The AWS clients and the
 * use-case context are built this way, so a function's module import stays light and
 * the SDK is loaded by the first invocation that needs it — not during Lambda's INIT.
 *
 * Modules imported on first use go through it too: `await import('x')` evaluates x once,
 * but every call still resolves the specifier through the module loader — under tsx
 * (`npm start`) a round trip to its loader thread, 3.5 s of 30 s in a profile of 800
 * touches when the store imported the SDK per request.
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
