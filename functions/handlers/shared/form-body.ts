/**
 * `application/x-www-form-urlencoded` bodies (Twilio's webhooks) → parameters.
 */

/** Form body → params; a repeated name becomes an array (as Twilio's validator expects). */
export function parseFormBody(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else params[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}
