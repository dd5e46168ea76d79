/**
 * The product API's request and response schemas (zod/mini) and their inferred types,
 * shared by the handlers, the web console and the CLI. Routes and their access are in
 * functions/routes.ts.
 */
export * from './common.js';
export * from './auth.js';
export * from './queries.js';
export * from './imports.js';
export * from './sequences.js';
