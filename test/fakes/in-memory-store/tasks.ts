import { checkStartKey, decodeCursor, encodeCursor } from '../../../functions/adapters/dynamodb/cursors.js';
import { assigneeKey, keys, TASK_LIST, taskSort } from '../../../functions/adapters/dynamodb/keys.js';
import { checkPageLimit, type Page } from '../../../functions/domain/page.js';
import type { Task, TaskStatus } from '../../../functions/domain/records.js';
import { parseTaskId } from '../../../functions/domain/task.js';
import type { ConditionalWriteResult, TaskQuery, TaskStore } from '../../../functions/ports.js';
import { queryIndex, type IndexEntry } from './indexes.js';
import { clone, stored, type FakeTables } from './state.js';

/** Like the adapter: conditional puts, and the by-assignee (byInbox) / byList queries with their order, range, pages and cursors. */
export class FakeTasks implements TaskStore {
  constructor(private readonly tables: FakeTables) {}

  async createTask(task: Task): Promise<ConditionalWriteResult> {
    checkTaskId(task);
    if (this.tables.tasks.has(task.id)) return 'conflict';
    this.tables.tasks.set(task.id, stored(task));
    return 'ok';
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    const found = this.tables.tasks.get(taskId);
    return found ? clone(found) : undefined;
  }

  async replaceTask(next: Task, expected: { status: TaskStatus; attempt: number }): Promise<ConditionalWriteResult> {
    checkTaskId(next);
    const existing = this.tables.tasks.get(next.id);
    if (!existing || existing.status !== expected.status || existing.attempt !== expected.attempt) return 'conflict';
    this.tables.tasks.set(next.id, stored(next));
    return 'ok';
  }

  async listTasks(query: TaskQuery): Promise<Page<Task>> {
    const limit = checkPageLimit(query.limit);
    const byAssignee = query.assignee !== undefined;
    const keyName = byAssignee ? 'inboxKey' : 'listKey';
    const sortName = 'listSort';
    const partition = byAssignee ? assigneeKey(query.assignee as string) : TASK_LIST;
    const from = `${query.status}#`;
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'tasks').after, {
          attributes: ['pk', 'sk', keyName, sortName],
          expected: { [keyName]: partition },
          prefixes: { pk: 'P#', sk: 'K#', [sortName]: from },
        })
      : undefined;
    const entries: IndexEntry<Task>[] = [...this.tables.tasks.values()].map((task) => {
      const sort = taskSort(task);
      const key = byAssignee ? assigneeKey(task.assignee) : TASK_LIST;
      const parts = parseTaskId(task.id);
      return {
        partition: key,
        sort,
        startKey: { ...keys.task(parts ?? { prospectId: task.prospectId, sequenceId: task.sequenceId, run: task.run, stepId: task.stepId }), [keyName]: key, [sortName]: sort },
        value: task,
      };
    });
    const page = queryIndex(entries, {
      partition,
      prefix: from,
      ...(query.dueBefore !== undefined ? { to: `${query.status}#${query.dueBefore}` } : {}),
      limit,
      ...(after ? { after: String(after[sortName]) } : {}),
    });
    return {
      items: page.values.map(clone),
      ...(page.lastKey ? { nextCursor: encodeCursor({ v: 1, kind: 'tasks', after: page.lastKey }) } : {}),
    };
  }
}

function checkTaskId(task: Task): void {
  const parts = parseTaskId(task.id);
  if (!parts || parts.prospectId !== task.prospectId || parts.sequenceId !== task.sequenceId || parts.run !== task.run || parts.stepId !== task.stepId) {
    throw new Error(`Task id ${task.id} must be "<enrollmentId>.<run>.<stepId>"`);
  }
}
