/**
 * Who may do what: the two roles of a signed-in user, the principal a request carries
 * (the API key or a user), the actor recorded on what it changes, and the one rule that
 * decides whether a principal may call a route of `functions/routes.ts`. Pure: the
 * authorizer computes the principal, the API's access middleware applies `mayCall`.
 */
export const ROLES = ['editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The Cognito groups (or local users' roles) that grant a role; editor wins over viewer. */
export function roleFromGroups(groups: readonly string[] | undefined): Role | undefined {
  if (!groups) return undefined;
  if (groups.includes('editor')) return 'editor';
  if (groups.includes('viewer')) return 'viewer';
  return undefined;
}

/** A machine with the admin API key (always an editor), or a signed-in user. */
export type Principal =
  | { principal: 'apiKey'; role: 'editor' }
  | { principal: 'user'; role: Role; sub: string; email?: string; name?: string };

/** Who did something, as the timeline records it: never a password or a token. */
export type Actor = 'apiKey' | `user:${string}`;

export function actorOf(principal: Principal): Actor {
  switch (principal.principal) {
    case 'apiKey':
      return 'apiKey';
    case 'user':
      return `user:${principal.email ?? principal.sub}`;
  }
}

/** What a route's `access` (functions/routes.ts) demands of the principal. */
export type Access = 'public' | 'signed' | 'viewer' | 'editor';

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; error: string };

export const EDITOR_ROLE_NEEDED = 'this action needs the editor role';

export function mayCall(access: Access, principal: Principal | undefined): AccessDecision {
  switch (access) {
    case 'public':
    case 'signed':
      return { allowed: true };
    case 'viewer':
      return principal ? { allowed: true } : { allowed: false, status: 401, error: 'sign in, or send the API key' };
    case 'editor':
      if (!principal) return { allowed: false, status: 401, error: 'sign in, or send the API key' };
      return principal.role === 'editor' ? { allowed: true } : { allowed: false, status: 403, error: EDITOR_ROLE_NEEDED };
  }
}
