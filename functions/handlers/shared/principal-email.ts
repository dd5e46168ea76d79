/** The signed-in user behind a request, as the rep's routes need them. */
import type { Principal } from '../../domain/roles.js';

/** The signed-in user's email (lower-case); none for the API key. */
export function userEmailOf(principal: Principal | undefined): string | undefined {
  return principal?.principal === 'user' && principal.email ? principal.email.toLowerCase() : undefined;
}
