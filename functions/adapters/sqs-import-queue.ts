/**
 * The import queue over SQS: chunk messages in batches of 10 (SendMessageBatch); entries
 * SQS did not take are sent again with backoff, so a chunk is never silently lost.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ImportMessage } from '../domain/import-job.js';
import type { ImportQueue } from '../ports.js';

const sdk = () => import('@aws-sdk/client-sqs');
const BATCH = 10;
const MAX_ATTEMPTS = 6;

export class SqsImportQueue implements ImportQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly ImportMessage[]): Promise<void> {
    const { SendMessageBatchCommand } = await sdk();
    for (let i = 0; i < messages.length; i += BATCH) {
      let entries = messages.slice(i, i + BATCH).map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((entry) => failed.has(entry.Id));
        if (entries.length === 0) break;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`SQS refused ${entries.length} import messages after ${attempt} attempts`);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
      }
    }
  }
}
