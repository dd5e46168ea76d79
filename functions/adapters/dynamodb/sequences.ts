/**
 * Sequences: immutable versions `V#<n>` and the current-version pointer `V#CURRENT`
 * (layout and crash repair in keys.ts).
 */
import type { PublishedSequence } from '../../domain/sequence.js';
import type { ConditionalWriteResult, SequenceStore, SequenceVersionSummary } from '../../ports.js';
import { absent, olderVersionOrAbsent } from './conditions.js';
import { sequenceFromItem, sequenceItem } from './items.js';
import { INDEX, keys, POINTER_SK, prefix, SEQUENCE_LIST, sequencePk } from './keys.js';
import type { Table } from './requests.js';

export class DynamoSequences implements SequenceStore {
  constructor(private readonly table: Table) {}

  async putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult> {
    const item = sequenceItem(keys.sequenceVersion(sequence.id, sequence.version), 'sequence-version', sequence);
    if ((await this.table.put(item, absent())) === 'conflict') return 'conflict';
    await this.putPointer(sequence);
    return 'ok';
  }

  async getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined> {
    // Descending: `V#CURRENT` first, then the highest `V#<n>`.
    const { items } = await this.table.queryPage({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': sequencePk(sequenceId), ':v': prefix.version },
      ScanIndexForward: false,
      Limit: 2,
      ConsistentRead: true,
    });
    const pointer = items.find((item) => item['sk'] === POINTER_SK);
    const latest = items.find((item) => item['sk'] !== POINTER_SK);
    if (!latest) return pointer ? sequenceFromItem(pointer) : undefined;
    const current = sequenceFromItem(latest);
    if (!pointer || Number(pointer['version']) < current.version) {
      // A publish crashed between the version and the pointer: repair the pointer.
      await this.putPointer(current);
    }
    return current;
  }

  async getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined> {
    // Versions are immutable: an eventually consistent read cannot return a stale one.
    const item = await this.table.get(keys.sequenceVersion(sequenceId, version), { consistent: false });
    return item ? sequenceFromItem(item) : undefined;
  }

  async listSequences(): Promise<PublishedSequence[]> {
    const items = await this.table.queryAll({
      IndexName: INDEX.byList,
      KeyConditionExpression: 'listKey = :list',
      ExpressionAttributeValues: { ':list': SEQUENCE_LIST },
    });
    return items.map(sequenceFromItem);
  }

  async listSequenceVersions(sequenceId: string): Promise<SequenceVersionSummary[]> {
    // `V#000001`… sort before `V#CURRENT`; the pointer is left out, and so are the bodies.
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': sequencePk(sequenceId), ':v': prefix.version },
      ProjectionExpression: 'sk, version, publishedAt, #h',
      ExpressionAttributeNames: { '#h': 'hash' },
    });
    return items
      .filter((item) => item['sk'] !== POINTER_SK)
      .map((item) => ({ version: Number(item['version']), publishedAt: String(item['publishedAt']), hash: String(item['hash']) }));
  }

  /** Moves the pointer forward to `sequence`; never backwards (a newer pointer wins). */
  private async putPointer(sequence: PublishedSequence): Promise<void> {
    await this.table.put(
      {
        ...sequenceItem(keys.sequencePointer(sequence.id), 'sequence-pointer', sequence),
        listKey: SEQUENCE_LIST,
        listSort: sequence.id,
      },
      olderVersionOrAbsent(sequence.version),
    );
  }
}
