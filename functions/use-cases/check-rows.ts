/**
 * A dry run of an enrollment: every row read and checked exactly as an enrollment reads it
 * (column mapping, normalisation, warnings), nothing written, nothing scheduled. A valid row
 * answers `skipped` with DRY_RUN_REASON, so a client sees which rows an import would take.
 * The enrollment rules (the consent ledger, running enrollments) are not consulted: they
 * are decided when the rows are imported for real, against the store as it is then.
 * Used by import jobs with `dryRun` and by `POST /sequences/{id}/enrollments?dryRun=true`.
 */
import type { ColumnTarget } from '../domain/prospect-columns.js';
import { normalizeProspectInput, prospectIdFor } from '../domain/prospect-input.js';
import type { EnrollmentRowInput, EnrollmentRowResult } from './enroll-prospects.js';

export const DRY_RUN_REASON = 'dry run: the row is valid; nobody was enrolled';

export function checkRows(
  settings: { defaultPhoneRegion: string },
  rows: readonly EnrollmentRowInput[],
  columns?: ReadonlyMap<string, ColumnTarget>,
): EnrollmentRowResult[] {
  return rows.map((input): EnrollmentRowResult => {
    if ('error' in input) return { row: input.row, status: 'invalid', reason: input.error };
    const normalized = normalizeProspectInput(input.data, { defaultPhoneRegion: settings.defaultPhoneRegion, ...(columns ? { columns } : {}) });
    if (!normalized.ok) return { row: input.row, status: 'invalid', reason: normalized.reason };
    return {
      row: input.row,
      status: 'skipped',
      prospectId: prospectIdFor(normalized.value),
      reason: DRY_RUN_REASON,
      ...(normalized.warnings.length > 0 ? { warnings: normalized.warnings } : {}),
    };
  });
}
