/**
 * The one zod import of everything a Lambda bundles: `import * as z from '../zod'`.
 *
 * It is `zod/mini`, zod's functional, tree-shakable API (`z.optional(z.string())`,
 * `z.string().check(z.minLength(1))`): a bundle keeps only the schemas it uses (~15 KB)
 * instead of the whole classic API (~440 KB, ~90 ms to import). Zod Mini loads no
 * locale by itself, so every message would read "Invalid input"; classic zod's English
 * messages are configured here, once. (`functions/local` and `infra`, never bundled
 * into a Lambda, use classic `zod`.)
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
/**
 * The class of every zod error (classic zod's `ZodError` extends it). Use this, not
 * `z.core.$ZodError`: naming the `core` namespace would bundle all of it.
 */
export { $ZodError } from 'zod/v4/core';
