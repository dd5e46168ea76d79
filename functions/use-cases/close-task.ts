/**
 * Closes a task whose enrollment no longer waits for it (it ended, or the step was skipped
 * when `dueWithin` elapsed): ONE conditional write, only while the task is still open at
 * that attempt, so a task a rep completed meanwhile keeps its outcome.
 */
import type { Enrollment } from '../domain/records.js';
import type { UseCaseContext } from './context.js';

export async function closeTask(
  ctx: Pick<UseCaseContext, 'store' | 'logger'>,
  waiting: NonNullable<Enrollment['awaitingTask']>,
  reason: string,
  at: string,
): Promise<boolean> {
  const task = await ctx.store.getTask(waiting.taskId);
  if (task?.status !== 'open' || task.attempt !== waiting.attempt) return false;
  const written = await ctx.store.replaceTask({ ...task, status: 'skipped', skippedReason: reason, updatedAt: at }, { status: 'open', attempt: task.attempt });
  if (written === 'ok') ctx.logger.info('task closed', { taskId: task.id, reason });
  return written === 'ok';
}
