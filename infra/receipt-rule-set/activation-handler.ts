/**
 * Lambda behind the `Custom::FollowupReceiptRuleSetActivation` resource: the engine's own
 * provider (its own role and log group, never a role shared with the host stack's other
 * custom resources). CloudFormation invokes it directly (ServiceToken = this function);
 * it answers by PUTting the result to the pre-signed ResponseURL. The logic is in
 * activation-logic.ts.
 */
import { SESClient } from '@aws-sdk/client-ses';
import { handleActivationEvent, type ActivationEvent } from './activation-logic.js';

export interface CloudFormationEvent extends ActivationEvent {
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

let client: SESClient | undefined;

export async function respond(event: CloudFormationEvent, ses: SESClient): Promise<void> {
  let body: Record<string, unknown>;
  try {
    const outcome = await handleActivationEvent(event, ses);
    body = {
      Status: 'SUCCESS',
      PhysicalResourceId: outcome?.physicalResourceId ?? event.PhysicalResourceId ?? event.LogicalResourceId,
      ...(outcome ? { Data: outcome.data } : {}),
    };
  } catch (error) {
    console.error(JSON.stringify({ message: 'receipt rule set activation failed', requestType: event.RequestType, error: String(error) }));
    body = {
      Status: 'FAILED',
      Reason: error instanceof Error ? error.message : String(error),
      // Not an id of ours: the delete CloudFormation sends after a failed create undoes nothing.
      PhysicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}-not-activated`,
    };
  }
  const payload = JSON.stringify({
    ...body,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  // The pre-signed S3 URL is signed for an empty content type.
  const response = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(payload)) },
    body: payload,
  });
  if (!response.ok) throw new Error(`CloudFormation response was refused: HTTP ${response.status}`);
}

export const handler = async (event: CloudFormationEvent): Promise<void> => {
  client ??= new SESClient({});
  await respond(event, client);
};
