import type { PublishedSequence } from '../../../functions/domain/sequence.js';
import type { ConditionalWriteResult, SequenceStore, SequenceVersionSummary } from '../../../functions/ports.js';
import { clone, type FakeTables } from './state.js';

export class FakeSequences implements SequenceStore {
  constructor(private readonly tables: FakeTables) {}

  async putSequenceVersion(sequence: PublishedSequence): Promise<ConditionalWriteResult> {
    const versions = this.tables.versions.get(sequence.id) ?? new Map<number, PublishedSequence>();
    if (versions.has(sequence.version)) return 'conflict';
    versions.set(sequence.version, clone(sequence));
    this.tables.versions.set(sequence.id, versions);
    return 'ok';
  }

  async getCurrentSequence(sequenceId: string): Promise<PublishedSequence | undefined> {
    return this.latest(sequenceId);
  }

  async getSequenceVersion(sequenceId: string, version: number): Promise<PublishedSequence | undefined> {
    const found = this.tables.versions.get(sequenceId)?.get(version);
    return found ? clone(found) : undefined;
  }

  async listSequences(): Promise<PublishedSequence[]> {
    return [...this.tables.versions.keys()]
      .sort()
      .map((id) => this.latest(id))
      .filter((s): s is PublishedSequence => !!s);
  }

  async listSequenceVersions(sequenceId: string): Promise<SequenceVersionSummary[]> {
    return [...(this.tables.versions.get(sequenceId)?.values() ?? [])]
      .sort((a, b) => a.version - b.version)
      .map(({ version, publishedAt, hash }) => ({ version, publishedAt, hash }));
  }

  private latest(sequenceId: string): PublishedSequence | undefined {
    const versions = this.tables.versions.get(sequenceId);
    if (!versions || versions.size === 0) return undefined;
    return clone(versions.get(Math.max(...versions.keys())));
  }
}
