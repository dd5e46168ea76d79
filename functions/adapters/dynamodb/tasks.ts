/**
 * Tasks for reps: one item per enrollment run and step in the prospect's partition, listed
 * through byInbox's `U#<hash of the assignee>` partition (one rep) or byList's `TASKS`
 * partition (everyone). Layout in keys.ts.
 */
import { checkPageLimit, type Page } from '../../domain/page.js';
import type { Task, TaskStatus } from '../../domain/records.js';
import { parseTaskId } from '../../domain/task.js';
import type { ConditionalWriteResult, TaskQuery, TaskStore } from '../../ports.js';
import { and, absent, equals, exists } from './conditions.js';
import { checkStartKey, decodeCursor, encodeCursor, type StartKey } from './cursors.js';
import { taskFromItem, taskItem } from './items.js';
import { assigneeKey, INDEX, keys, prefix, TASK_LIST } from './keys.js';
import type { Table } from './requests.js';

export class DynamoTasks implements TaskStore {
  constructor(private readonly table: Table) {}

  async createTask(task: Task): Promise<ConditionalWriteResult> {
    return this.table.put(taskItem(task), absent());
  }

  async getTask(taskId: string): Promise<Task | undefined> {
    const parts = parseTaskId(taskId);
    if (!parts) return undefined;
    const item = await this.table.get(keys.task(parts));
    return item ? taskFromItem(item) : undefined;
  }

  async replaceTask(next: Task, expected: { status: TaskStatus; attempt: number }): Promise<ConditionalWriteResult> {
    return this.table.put(taskItem(next), and(exists(), equals('status', expected.status), equals('attempt', expected.attempt)));
  }

  async listTasks(query: TaskQuery): Promise<Page<Task>> {
    const limit = checkPageLimit(query.limit);
    const byAssignee = query.assignee !== undefined;
    const keyName = byAssignee ? 'inboxKey' : 'listKey';
    const sortName = 'listSort';
    const partition = byAssignee ? assigneeKey(query.assignee as string) : TASK_LIST;
    const from = `${query.status}#`;
    // `~` sorts after every character of an ISO time: "due before X" is the range up to `<status>#<X>`.
    const to = query.dueBefore !== undefined ? `${query.status}#${query.dueBefore}` : `${query.status}#~`;
    const after = query.cursor
      ? checkStartKey(decodeCursor(query.cursor, 'tasks').after, {
          attributes: ['pk', 'sk', keyName, sortName],
          expected: { [keyName]: partition },
          prefixes: { pk: prefix.prospect, sk: prefix.task, [sortName]: from },
        })
      : undefined;
    const page = await this.table.queryPage(
      {
        IndexName: byAssignee ? INDEX.byInbox : INDEX.byList,
        KeyConditionExpression: '#k = :k AND #s BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#k': keyName, '#s': sortName },
        ExpressionAttributeValues: { ':k': partition, ':from': from, ':to': to },
        Limit: limit,
      },
      after,
    );
    return {
      items: page.items.map(taskFromItem),
      ...(page.lastEvaluatedKey ? { nextCursor: encodeCursor({ v: 1, kind: 'tasks', after: page.lastEvaluatedKey as StartKey }) } : {}),
    };
  }
}
