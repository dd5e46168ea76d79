/**
 * Import jobs (README "Imports"): create a job, upload the CSV to the URL it answers, follow
 * its progress, read its per-row results, cancel it. zod/mini via functions/zod.ts.
 */
import * as z from '../zod.js';
import { IMPORT_STATUSES } from '../domain/import-job.js';
import { instant } from './common.js';

export const importStatus = z.enum(IMPORT_STATUSES);

// ----- POST /imports --------------------------------------------------------------------

export const createImportRequest = z.strictObject({
  sequenceId: z.string({ error: 'sequenceId: expected the id of a published sequence' }).check(
    z.regex(/^[a-z0-9][a-z0-9-]{0,47}$/, { error: 'sequenceId: expected a sequence id (lower-case letters, digits and dashes)' }),
  ),
  /** `{"<CSV header>": "<field>"}`: email, phone, firstName, lastName, company, timezone, country, attributes.<name> or ignore. */
  columns: z.optional(z.record(z.string(), z.string({ error: 'columns: each value must be a field name such as "email"' }))),
  reenroll: z.optional(z.boolean({ error: 'reenroll: expected true or false' })),
  dryRun: z.optional(z.boolean({ error: 'dryRun: expected true or false' })),
});
export type CreateImportRequest = z.infer<typeof createImportRequest>;

export const createImportResponse = z.object({
  importId: z.string(),
  /** PUT the CSV bytes here (no Authorization header): an S3 presigned URL in AWS, a signed local URL with `npm start`. Valid one hour. */
  uploadUrl: z.string(),
  /** The status URL (`GET /imports/{id}`). */
  statusUrl: z.string(),
});
export type CreateImportResponse = z.infer<typeof createImportResponse>;

// ----- GET /imports/{id} ------------------------------------------------------------------

export const importProgressBody = z.object({
  id: z.string(),
  sequenceId: z.string(),
  status: importStatus,
  rowsRead: z.number(),
  enrolled: z.number(),
  skipped: z.number(),
  invalid: z.number(),
  warnings: z.number(),
  rowsPerSecond: z.number(),
  etaSeconds: z.optional(z.number()),
  chunksDone: z.number(),
  totalChunks: z.optional(z.number()),
  totalRows: z.optional(z.number()),
  dryRun: z.boolean(),
  createdAt: instant,
  startedAt: z.optional(instant),
  endedAt: z.optional(instant),
  error: z.optional(z.string()),
  topReasons: z.array(z.object({ reason: z.string(), count: z.number() })),
});
export type ImportProgressBody = z.infer<typeof importProgressBody>;

// ----- GET /imports/{id}/results.csv ----------------------------------------------------------

/** The columns of the results CSV, one line per input row that gave a result. */
export { RESULTS_HEADER as IMPORT_RESULTS_COLUMNS } from '../domain/import-job.js';

export const importResultsQuery = z.object({
  /** The `X-Next-Cursor` of the previous page (a chunk index). */
  cursor: z.optional(z.string().check(z.regex(/^\d{1,8}$/, { error: 'cursor: expected the X-Next-Cursor of the previous page' }))),
});
