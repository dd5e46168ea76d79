/**
 * The engine's own receipt-rule-set provider, against SES mocked with aws-sdk-client-mock
 * (no local server implements SES receipt rules). The mock keeps SES's state: which rule
 * sets exist and which one is active (one per account and region).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeActiveReceiptRuleSetCommand,
  RuleSetDoesNotExistException,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { respond, type CloudFormationEvent } from '../../infra/receipt-rule-set/activation-handler.js';
import { decodePhysicalId, handleActivationEvent, type ActivationEvent } from '../../infra/receipt-rule-set/activation-logic.js';
import { FOLLOWUP_RECEIPT_RULE_PREFIX } from '../../infra/receipt-rule-set/names.js';

const sesMock = mockClient(SESClient);
const ses = new SESClient({ region: 'eu-west-1' });

/** SES's receipt state in one account and region. */
let ruleSets: Map<string, string[]>;
let active: string | undefined;

beforeEach(() => {
  sesMock.reset();
  ruleSets = new Map([
    ['corporate-inbound', ['forward-to-helpdesk']],
    ['followup-one', [`${FOLLOWUP_RECEIPT_RULE_PREFIX}StackOne`]],
    ['followup-two', [`${FOLLOWUP_RECEIPT_RULE_PREFIX}StackTwo`]],
    ['other-engine', [`${FOLLOWUP_RECEIPT_RULE_PREFIX}OtherStack`]],
  ]);
  active = undefined;
  sesMock.on(DescribeActiveReceiptRuleSetCommand).callsFake(async () =>
    active ? { Metadata: { Name: active }, Rules: (ruleSets.get(active) ?? []).map((Name) => ({ Name })) } : {},
  );
  sesMock.on(SetActiveReceiptRuleSetCommand).callsFake(async (input: { RuleSetName?: string }) => {
    if (input.RuleSetName !== undefined && !ruleSets.has(input.RuleSetName)) {
      throw new RuleSetDoesNotExistException({ message: `Rule set does not exist: ${input.RuleSetName}`, $metadata: {}, Name: input.RuleSetName });
    }
    active = input.RuleSetName;
    return {};
  });
});

const create = (name: string): ActivationEvent => ({ RequestType: 'Create', ResourceProperties: { RuleSetName: name } });
const update = (physicalId: string, name: string): ActivationEvent => ({
  RequestType: 'Update',
  PhysicalResourceId: physicalId,
  ResourceProperties: { RuleSetName: name },
});
const remove = (physicalId: string): ActivationEvent => ({ RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: {} });
const setCalls = () => sesMock.commandCalls(SetActiveReceiptRuleSetCommand).map((call) => call.args[0].input.RuleSetName ?? null);

describe('receipt rule set activation', () => {
  it('remembers the rule set that was active, activates its own, and restores the old one on delete', async () => {
    active = 'corporate-inbound';
    const created = await handleActivationEvent(create('followup-one'), ses);
    expect(active).toBe('followup-one');
    expect(created?.data).toEqual({ RuleSetName: 'followup-one', PreviousRuleSetName: 'corporate-inbound' });

    await handleActivationEvent(remove(created!.physicalResourceId), ses);
    expect(active).toBe('corporate-inbound');
  });

  it('deactivates on delete when nothing was active before', async () => {
    const created = await handleActivationEvent(create('followup-one'), ses);
    await handleActivationEvent(remove(created!.physicalResourceId), ses);
    expect(active).toBeUndefined();
    expect(setCalls()).toEqual(['followup-one', null]);
  });

  it('leaves the active rule set alone on delete when someone activated another one since', async () => {
    active = 'corporate-inbound';
    const created = await handleActivationEvent(create('followup-one'), ses);
    active = 'followup-two';
    await handleActivationEvent(remove(created!.physicalResourceId), ses);
    expect(active).toBe('followup-two');
    expect(setCalls()).toEqual(['followup-one']);
  });

  it('deactivates when the remembered rule set was deleted meanwhile', async () => {
    active = 'corporate-inbound';
    const created = await handleActivationEvent(create('followup-one'), ses);
    ruleSets.delete('corporate-inbound');
    await handleActivationEvent(remove(created!.physicalResourceId), ses);
    expect(active).toBeUndefined();
  });

  it("refuses to replace another Followup engine's active rule set, naming it, and changes nothing", async () => {
    active = 'other-engine';
    await expect(handleActivationEvent(create('followup-one'), ses)).rejects.toThrow(
      /"other-engine" belongs to another Followup engine.*activateReceiptRuleSet: false/,
    );
    expect(active).toBe('other-engine');
    expect(setCalls()).toEqual([]);
  });

  it('re-creating over its own active rule set remembers nothing of its own', async () => {
    active = 'followup-one';
    const created = await handleActivationEvent(create('followup-one'), ses);
    expect(decodePhysicalId(created!.physicalResourceId)).toEqual({ ours: 'followup-one' });
  });

  it('an update that keeps the rule set keeps the physical id (so CloudFormation deletes nothing) and re-activates it', async () => {
    active = 'corporate-inbound';
    const created = await handleActivationEvent(create('followup-one'), ses);
    active = undefined; // someone deactivated it by hand
    const updated = await handleActivationEvent(update(created!.physicalResourceId, 'followup-one'), ses);
    expect(updated!.physicalResourceId).toBe(created!.physicalResourceId);
    expect(active).toBe('followup-one');
  });

  it('an update to a new rule set carries the remembered one over; the clean-up delete of the old id changes nothing', async () => {
    active = 'corporate-inbound';
    const created = await handleActivationEvent(create('followup-one'), ses);
    const updated = await handleActivationEvent(update(created!.physicalResourceId, 'followup-two'), ses);
    expect(active).toBe('followup-two');
    expect(updated!.data.PreviousRuleSetName).toBe('corporate-inbound');
    // CloudFormation deletes the old physical id after a replacement.
    await handleActivationEvent(remove(created!.physicalResourceId), ses);
    expect(active).toBe('followup-two');
    await handleActivationEvent(remove(updated!.physicalResourceId), ses);
    expect(active).toBe('corporate-inbound');
  });

  it('a delete after a failed create (no id of ours) calls nothing', async () => {
    await handleActivationEvent(remove('Activation-not-activated'), ses);
    expect(sesMock.calls()).toHaveLength(0);
  });
});

describe('CloudFormation response', () => {
  const received: { body: Record<string, unknown>; contentType: string | undefined }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ body: JSON.parse(body) as Record<string, unknown>, contentType: request.headers['content-type'] });
      response.end();
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function event(overrides: Partial<CloudFormationEvent>): Promise<CloudFormationEvent> {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return {
      RequestType: 'Create',
      ResourceProperties: { RuleSetName: 'followup-one' },
      ResponseURL: `http://127.0.0.1:${port}/presigned`,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Followup/1',
      RequestId: 'request-1',
      LogicalResourceId: 'EngineActivateReceiptRuleSet',
      ...overrides,
    } as CloudFormationEvent;
  }

  it('answers SUCCESS with the physical id that remembers the previous rule set', async () => {
    received.length = 0;
    active = 'corporate-inbound';
    await respond(await event({}), ses);
    expect(received[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      RequestId: 'request-1',
      LogicalResourceId: 'EngineActivateReceiptRuleSet',
      Data: { RuleSetName: 'followup-one', PreviousRuleSetName: 'corporate-inbound' },
    });
    expect(decodePhysicalId(received[0]?.body.PhysicalResourceId as string)).toEqual({ ours: 'followup-one', previous: 'corporate-inbound' });
    // The pre-signed URL is signed for an empty content type.
    expect(received[0]?.contentType ?? '').toBe('');
  });

  it('answers FAILED with the reason, and an id whose delete undoes nothing', async () => {
    received.length = 0;
    active = 'other-engine';
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await respond(await event({}), ses);
    expect(String(logged.mock.calls[0]?.[0])).toContain('receipt rule set activation failed');
    logged.mockRestore();
    expect(received[0]?.body).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('another Followup engine') });
    expect(decodePhysicalId(received[0]?.body.PhysicalResourceId as string)).toBeUndefined();
  });
});
