/**
 * One person per phone on the real store (DynamoDB adapter on dynalite), at the request
 * level: enrolling rows with phones asks no index (the phones' holders items ride in the
 * BatchGetItem), writes at most 3 items per row, and still finds a known phone under a new
 * email; a table from before holders items (no layout marker) finds it by Query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../functions/adapters/dynamodb/keys.js';
import { addressHash } from '../../../functions/domain/address-hash.js';
import { enrollProspects } from '../../../functions/use-cases/enroll-prospects.js';
import { createDynamoInboundContext } from '../../fakes/dynamo-inbound-context.js';
import { ADA } from '../../fakes/test-context.js';
import { countDynamoDbRequests, startDynalite, type RunningDynalite } from '../../support/dynalite.js';

let db: RunningDynalite;
beforeAll(async () => {
  db = await startDynalite({ createTable: false });
});
afterAll(async () => {
  await db?.close();
});

const SAME_PHONE = /already active in this sequence as prospect p_\w+ \(same phone\)/;
const rows = Array.from({ length: 60 }, (_, i) => ({ row: i + 1, data: { email: `lead${i}@example.com`, phone: `+1202555${1000 + i}`, firstName: `Lead${i}` } }));

describe('phone holders on DynamoDB', () => {
  it('60 rows with phones: no byPhone Query, 3 items per row; a known phone under a new email is the same person', async () => {
    const t = await createDynamoInboundContext(db);
    const counter = countDynamoDbRequests(db.client);
    try {
      const results = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows });
      expect(results.filter((r) => r.status === 'enrolled')).toHaveLength(60);
      const again = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { email: 'someone.else@example.com', phone: rows[5]!.data.phone } }] });
      expect(again[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
      // One Query per request: the sequence's current version; none by phone.
      expect(counter.operations.filter((op) => op === 'Query')).toHaveLength(2);
    } finally {
      counter.detach();
    }
    const prospectId = results0(await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [rows[0]!] }));
    const partition = await db.client.send(
      new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `P#${prospectId}` } }),
    );
    // The profile and the enrollment (its enrolled event on it); the phone's holders item lives in the ledger partition.
    expect(partition.Items?.map((item) => String(item['sk']).replace(/#.*/, '#')).sort()).toEqual(['E#', 'PROFILE']);
  });

  it('a table without the layout marker still finds the person, by Query', async () => {
    const t = await createDynamoInboundContext(db);
    await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA } }] });
    // As a version before holders items left it: the profile, no holders item, no marker.
    await db.client.send(new DeleteCommand({ TableName: t.tableName, Key: keys.phoneHolders(addressHash(ADA.phone)) }));
    await db.client.send(new DeleteCommand({ TableName: t.tableName, Key: keys.phoneHoldersMarker() }));
    const counter = countDynamoDbRequests(db.client);
    try {
      const again = await enrollProspects(t.ctx, { sequenceId: t.sequence.id, rows: [{ row: 1, data: { ...ADA, email: 'ada.work@example.com' } }] });
      expect(again[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(SAME_PHONE) });
      // The sequence's current version, and the byPhone lookup of the row's phone.
      expect(counter.operations.filter((op) => op === 'Query')).toHaveLength(2);
    } finally {
      counter.detach();
    }
  });
});

function results0(results: Awaited<ReturnType<typeof enrollProspects>>): string {
  const [first] = results;
  if (!first || first.status === 'invalid') throw new Error('expected a prospect id');
  return first.prospectId;
}
