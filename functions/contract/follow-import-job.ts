/**
 * How a client waits for an import job (README "Imports"): `GET /imports/{id}` every
 * `pollMs` until the job ends, asking for its cancel once when the user wants it. The
 * console (web/src/import/run-import-job.ts) and the CLI (cli/commands/import.ts) both
 * follow jobs with it, each with its own HTTP client. No imports beyond the domain's rule
 * of which statuses are final, so the console's bundle stays free of zod and Node.
 */
import { isImportEnded, type ImportStatus } from '../domain/import-job.js';

export interface FollowImportJobOptions<Job> {
  /** One `GET /imports/{id}`. */
  read(): Promise<Job>;
  /** Every state read, the last (ended) one included. */
  onProgress(job: Job): void;
  /** Asked between polls; once true, `cancel` is called once and the job is followed to its end. */
  cancelRequested?(): boolean;
  /** One `POST /imports/{id}/cancel`. */
  cancel?(): Promise<unknown>;
  pollMs: number;
}

/** Resolves with the job's final state (done, failed or cancelled). */
export async function followImportJob<Job extends { status: ImportStatus }>(options: FollowImportJobOptions<Job>): Promise<Job> {
  let cancelSent = false;
  for (;;) {
    const job = await options.read();
    options.onProgress(job);
    if (isImportEnded(job.status)) return job;
    if (!cancelSent && options.cancel && options.cancelRequested?.()) {
      cancelSent = true;
      await options.cancel();
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}
