/**
 * An SQS standard queue and a Lambda event source mapping, simulated on a virtual clock
 * for the burst benchmark (bench/burst.ts). Only what the touch path relies on:
 * visibility timeouts (the queue's, or one set by ChangeMessageVisibility), receive
 * counts, a redrive to a dead-letter list after maxReceiveCount, batches of at most B,
 * and every billed request counted.
 */
import type { SQSRecord } from 'aws-lambda';

export interface SimMessage {
  id: string;
  body: string;
  receiveCount: number;
  visibleAt: number;
  receiptHandle: string;
  deleted: boolean;
  firstReceivedAt?: number;
}

export interface QueueRequests {
  /** SendMessage by EventBridge Scheduler (one per touch). */
  send: number;
  /** ReceiveMessage calls that returned messages. */
  receive: number;
  /** ReceiveMessage long polls that returned nothing (20 s each at most). */
  emptyReceive: number;
  /** DeleteMessageBatch by the event source after an invocation. */
  deleteBatch: number;
  /** ChangeMessageVisibilityBatch by the worker (give-backs). */
  changeVisibilityBatch: number;
}

/** A binary min-heap of messages by the time they become visible. */
class VisibilityHeap {
  private readonly items: { at: number; message: SimMessage }[] = [];

  push(at: number, message: SimMessage): void {
    const items = this.items;
    items.push({ at, message });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.at <= items[i]!.at) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  peek(): { at: number; message: SimMessage } | undefined {
    return this.items[0];
  }

  pop(): { at: number; message: SimMessage } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && items[left]!.at < items[smallest]!.at) smallest = left;
      if (right < items.length && items[right]!.at < items[smallest]!.at) smallest = right;
      if (smallest === i) break;
      [items[smallest], items[i]] = [items[i]!, items[smallest]!];
      i = smallest;
    }
    return top;
  }
}

export class SimQueue {
  readonly requests: QueueRequests = { send: 0, receive: 0, emptyReceive: 0, deleteBatch: 0, changeVisibilityBatch: 0 };
  readonly deadLetters: SimMessage[] = [];
  /** Messages visible now, oldest first (standard queues are roughly FIFO at this scale). */
  private visible: SimMessage[] = [];
  private head = 0;
  private readonly hidden = new VisibilityHeap();
  private readonly byHandle = new Map<string, SimMessage>();
  private counter = 0;

  constructor(
    readonly arn: string,
    private readonly visibilityTimeoutSeconds: number,
    private readonly maxReceiveCount: number,
  ) {}

  send(body: string, at: number): void {
    this.requests.send++;
    const message: SimMessage = { id: `msg-${++this.counter}`, body, receiveCount: 0, visibleAt: at, receiptHandle: '', deleted: false };
    this.hidden.push(at, message);
  }

  /** Up to `max` visible messages, now invisible for the queue's visibility timeout. */
  receive(now: number, max: number): SimMessage[] {
    this.reveal(now);
    const out: SimMessage[] = [];
    while (out.length < max && this.head < this.visible.length) {
      const message = this.visible[this.head++]!;
      if (message.deleted || message.visibleAt > now) continue;
      if (message.receiveCount >= this.maxReceiveCount) {
        message.deleted = true;
        this.deadLetters.push(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.receiptHandle = `${message.id}#${message.receiveCount}`;
      this.byHandle.set(message.receiptHandle, message);
      message.visibleAt = now + this.visibilityTimeoutSeconds * 1000;
      this.hidden.push(message.visibleAt, message);
      out.push(message);
    }
    if (this.head > 4096 && this.head * 2 > this.visible.length) {
      this.visible = this.visible.slice(this.head);
      this.head = 0;
    }
    // Empty long polls are counted by the caller, which knows when one timed out.
    if (out.length > 0) this.requests.receive++;
    return out;
  }

  deleteBatch(handles: readonly string[]): void {
    if (handles.length === 0) return;
    this.requests.deleteBatch += Math.ceil(handles.length / 10);
    for (const handle of handles) {
      const message = this.byHandle.get(handle);
      if (message) message.deleted = true;
      this.byHandle.delete(handle);
    }
  }

  changeVisibility(handle: string, now: number, seconds: number): void {
    const message = this.byHandle.get(handle);
    if (!message || message.deleted) return;
    message.visibleAt = now + seconds * 1000;
    this.hidden.push(message.visibleAt, message);
  }

  /** When the next message becomes visible (undefined when none is left). */
  nextVisibleAt(now: number): number | undefined {
    this.reveal(now);
    if (this.head < this.visible.length) return now;
    for (let top = this.hidden.peek(); top; top = this.hidden.peek()) {
      if (!top.message.deleted && top.message.visibleAt === top.at) return top.at;
      this.hidden.pop();
    }
    return undefined;
  }

  /** Moves every message whose visibility ended by `now` to the visible list. */
  private reveal(now: number): void {
    for (let top = this.hidden.peek(); top && top.at <= now; top = this.hidden.peek()) {
      this.hidden.pop();
      // Stale entries (the message was deleted, received again, or its visibility changed).
      if (top.message.deleted || top.message.visibleAt !== top.at) continue;
      this.visible.push(top.message);
    }
  }

  /** The SQS records of a batch, as the event source hands them to Lambda. */
  recordsOf(messages: readonly SimMessage[]): SQSRecord[] {
    return messages.map((m) => ({
      messageId: m.id,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: '0',
        SenderId: 'scheduler',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? 0),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'us-east-1',
    }));
  }
}
