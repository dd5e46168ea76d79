/**
 * `application/x-www-form-urlencoded` bodies (Twilio's webhooks) → parameters.
 *
 * Parsed BEFORE the signature is checked, so an unauthenticated sender controls the
 * input: one URLSearchParams pass, repeated names collected with a push (copying the
 * array on every repeat made 100,000 repeats of one name block the event loop for a
 * minute). Callers cap the body size first (`MAX_FORM_BODY_BYTES`).
 */

/** Twilio's webhook bodies are a few KB; API Gateway would accept 10 MB. */
export const MAX_FORM_BODY_BYTES = 64 * 1024;

/** Form body → params; a repeated name becomes an array (as Twilio's validator expects). Linear in the body. */
export function parseFormBody(body: string): Record<string, string | string[]> {
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(body)) {
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  // fromEntries defines own properties, so `__proto__` or `constructor` are plain names here.
  return Object.fromEntries([...values].map(([name, list]) => [name, list.length === 1 ? (list[0] as string) : list]));
}
