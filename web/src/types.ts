/**
 * Answers of the routes that predate functions/contract (no zod schema there yet): their
 * shapes as the handlers send them (functions/handlers/api.ts), over the domain's own
 * record types. The query routes' shapes come from functions/contract/queries.ts.
 */
import type { Enrollment, Prospect, TimelineEvent } from '../../functions/domain/records.js';
import type { PublishedSequence, StepDefinition } from '../../functions/domain/sequence.js';

/** `GET /sequences` */
export interface SequenceListItem {
  id: string;
  name: string;
  version: number;
  publishedAt: string;
  steps: StepDefinition[];
  warnings: string[];
}

/** `GET /sequences/{id}`, `GET /sequences/{id}/versions/{version}` */
export type SequenceView = PublishedSequence;

/** `GET /prospects/{id}` (times in the prospect's zone where the query API adds them). */
export interface ProspectDetail {
  prospect: Prospect;
  enrollments: (Enrollment & { nextTouchLocal?: string; timezone?: string })[];
  timeline: (TimelineEvent & { atLocal?: string })[];
}

/** `POST /sequences/{id}/enrollments`: one result per row. */
export type EnrollmentRowResult = (
  | { row: number; status: 'enrolled'; prospectId: string; enrollmentId: string }
  | { row: number; status: 'skipped'; prospectId: string; enrollmentId?: string; reason: string }
  | { row: number; status: 'invalid'; reason: string }
) & { warnings?: string[] };

export interface EnrollmentResponse {
  summary: { enrolled: number; skipped: number; invalid: number };
  results: EnrollmentRowResult[];
}

/** `POST /enrollments/{id}/stop|pause|resume` */
export interface ManualControlResponse {
  enrollment: Enrollment;
  changed?: boolean;
}
