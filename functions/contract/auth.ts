/**
 * Sign-in and roles (README "Sign-in and roles"): the principal the authorizer hands the
 * API, the console's configuration, and the local OAuth provider's dev route. The role
 * rules themselves live in domain/roles.ts.
 */
import * as z from '../zod.js';
import { ROLES } from '../domain/roles.js';

export const role = z.enum(ROLES);

/**
 * The Lambda authorizer's `context` (API Gateway passes it to the API as
 * `event.requestContext.authorizer.lambda`; the embedded runtime does the same).
 */
export const principal = z.discriminatedUnion('principal', [
  z.object({ principal: z.literal('apiKey'), role: z.literal('editor') }),
  z.object({
    principal: z.literal('user'),
    role,
    sub: z.string().check(z.minLength(1)),
    email: z.optional(z.string()),
    name: z.optional(z.string()),
  }),
]);
export type PrincipalContext = z.infer<typeof principal>;

/** `GET /console/config.json` (public): where the console finds the API and the sign-in endpoints. */
export const consoleConfig = z.object({
  apiUrl: z.string(),
  auth: z.object({
    authorizeUrl: z.string(),
    tokenUrl: z.string(),
    logoutUrl: z.optional(z.string()),
    clientId: z.string(),
    redirectUri: z.string(),
    scopes: z.array(z.string()),
  }),
});
export type ConsoleConfig = z.infer<typeof consoleConfig>;

/** The token endpoint's answer (OAuth 2.0, RFC 6749 §5.1), locally and from Cognito. */
export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
  refresh_token: z.optional(z.string()),
  id_token: z.optional(z.string()),
  scope: z.optional(z.string()),
});
export type TokenResponse = z.infer<typeof tokenResponse>;

/** `POST /dev/users` (local only, admin key): a local user and a one-time sign-in link. */
export const createDevUserRequest = z.strictObject({
  email: z.email({ error: 'email must be an email address' }).check(z.maxLength(254)),
  role,
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
});
export type CreateDevUserRequest = z.infer<typeof createDevUserRequest>;

export const createDevUserResponse = z.object({
  user: z.object({ sub: z.string(), email: z.string(), role, name: z.optional(z.string()) }),
  signInUrl: z.string(),
});
export type CreateDevUserResponse = z.infer<typeof createDevUserResponse>;
