/**
 * Who made an API request, as the timeline records it (api-contract: every state change
 * records its actor): `user:<email>` for a signed-in user, `apiKey` for the API key.
 * The authorizer puts its decision into `requestContext.authorizer.lambda` (the embedded
 * runtime passes the same context); a request without one came with the API key.
 */
import type { Actor } from '../../domain/records.js';
import type { HttpEvent } from './http.js';

interface AuthorizerContext {
  principal?: unknown;
  email?: unknown;
}

export function actorOf(event: HttpEvent): Actor {
  const context = (event.requestContext as { authorizer?: { lambda?: AuthorizerContext } } | undefined)?.authorizer?.lambda;
  if (context?.principal === 'user' && typeof context.email === 'string' && context.email.length > 0) return `user:${context.email}`;
  return 'apiKey';
}
