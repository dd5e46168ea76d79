/**
 * Maintenance of a deployed table: `POST /maintenance/phone-holders` runs one step of the
 * phone holders backfill (use-cases/backfill-phone-holders.ts) for a stack deployed before
 * holders items existed. zod/mini via functions/zod.ts.
 */
import * as z from '../zod.js';

export const phoneHoldersRequest = z.strictObject({
  /** The `cursor` of the previous step's answer; absent for the first step. */
  cursor: z.optional(z.string({ error: 'cursor: expected the cursor of the previous step' })),
});

export const phoneHoldersResponse = z.object({
  /** True once every profile with a phone is listed and the table is marked: enrolling no longer Queries byPhone. */
  done: z.boolean(),
  /** Profiles with a phone, and phones, this step listed. */
  prospects: z.number(),
  phones: z.number(),
  /** Send it back for the next step; absent when done. */
  cursor: z.optional(z.string()),
});
export type PhoneHoldersResponse = z.infer<typeof phoneHoldersResponse>;
