/**
 * What the receipt-rule-set activation does on each CloudFormation request, without the
 * transport (activation-handler.ts). SES has ONE active receipt rule set per account and
 * region, so the engine:
 * - on create, remembers the rule set that was active (DescribeActiveReceiptRuleSet) and
 *   activates its own; it refuses to replace another Followup engine's rule set, whose
 *   replies would silently stop arriving;
 * - on delete, restores the remembered rule set, but only if its own is still the active
 *   one (someone may have activated another since); with nothing remembered, or a
 *   remembered set deleted meanwhile, it deactivates;
 * - on update to a new rule set name, carries the remembered rule set over.
 *
 * The remembered name lives in the physical resource id (CloudFormation hands it back on
 * every later request; `Data` is not handed back on delete). The id changes only with the
 * engine's own rule set name, so CloudFormation's clean-up delete of the old id finds the
 * new set active and leaves it alone.
 */
import {
  DescribeActiveReceiptRuleSetCommand,
  SetActiveReceiptRuleSetCommand,
  type SESClient,
} from '@aws-sdk/client-ses';
import { FOLLOWUP_RECEIPT_RULE_PREFIX } from './names.js';

const ID_PREFIX = 'followup-receipt-rule-set-activation:';

export interface ActivationEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly RuleSetName?: string };
}

export interface ActivationResult {
  readonly physicalResourceId: string;
  readonly data: { readonly RuleSetName: string; readonly PreviousRuleSetName: string };
}

export class ForeignFollowupRuleSetError extends Error {
  override name = 'ForeignFollowupRuleSetError';
}

interface Remembered {
  readonly ours: string;
  readonly previous?: string;
}

/** Rule set names are letters, digits, `_`, `-` and `.`: `|` cannot occur in them. */
export function encodePhysicalId(remembered: Remembered): string {
  return `${ID_PREFIX}${remembered.ours}|${remembered.previous ?? ''}`;
}

export function decodePhysicalId(id: string | undefined): Remembered | undefined {
  if (!id?.startsWith(ID_PREFIX)) return undefined;
  const [ours, previous] = id.slice(ID_PREFIX.length).split('|');
  if (!ours) return undefined;
  return { ours, ...(previous ? { previous } : {}) };
}

async function activeRuleSet(ses: SESClient): Promise<{ name?: string; ruleNames: string[] }> {
  const out = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  return {
    ...(out.Metadata?.Name ? { name: out.Metadata.Name } : {}),
    ruleNames: (out.Rules ?? []).flatMap((rule) => (rule.Name ? [rule.Name] : [])),
  };
}

/** No name deactivates every rule set (SES's own convention). */
async function activate(ses: SESClient, name: string | undefined): Promise<void> {
  await ses.send(new SetActiveReceiptRuleSetCommand(name ? { RuleSetName: name } : {}));
}

function refuseForeignFollowup(active: { name?: string; ruleNames: string[] }, ours: string): void {
  if (active.name && active.name !== ours && active.ruleNames.some((rule) => rule.startsWith(FOLLOWUP_RECEIPT_RULE_PREFIX))) {
    throw new ForeignFollowupRuleSetError(
      `the active SES receipt rule set "${active.name}" belongs to another Followup engine; SES has one active rule set per account and region, ` +
        'so activating this one would stop that engine receiving replies. Deploy this engine with activateReceiptRuleSet: false, ' +
        'or give both engines one reply domain (README, "Two engines in one account").',
    );
  }
}

function result(remembered: Remembered): ActivationResult {
  return {
    physicalResourceId: encodePhysicalId(remembered),
    data: { RuleSetName: remembered.ours, PreviousRuleSetName: remembered.previous ?? '' },
  };
}

export async function handleActivationEvent(event: ActivationEvent, ses: SESClient): Promise<ActivationResult | undefined> {
  switch (event.RequestType) {
    case 'Create': {
      const ours = requiredName(event);
      const active = await activeRuleSet(ses);
      refuseForeignFollowup(active, ours);
      const previous = active.name !== ours ? active.name : undefined;
      await activate(ses, ours);
      return result({ ours, ...(previous ? { previous } : {}) });
    }
    case 'Update': {
      const ours = requiredName(event);
      const old = decodePhysicalId(event.PhysicalResourceId);
      const active = await activeRuleSet(ses);
      if (old && old.ours === ours) {
        // Same rule set: keep the id (a new id would make CloudFormation delete the old one,
        // which would restore the previous set), and make sure ours is the active one.
        if (active.name !== ours) {
          refuseForeignFollowup(active, ours);
          await activate(ses, ours);
        }
        return result(old);
      }
      const ownedActive = active.name !== undefined && (active.name === ours || active.name === old?.ours);
      if (!ownedActive) refuseForeignFollowup(active, ours);
      const previous = ownedActive ? old?.previous : active.name;
      await activate(ses, ours);
      return result({ ours, ...(previous ? { previous } : {}) });
    }
    case 'Delete': {
      const remembered = decodePhysicalId(event.PhysicalResourceId);
      // A create that failed before activating anything: nothing to undo.
      if (!remembered) return undefined;
      const active = await activeRuleSet(ses);
      if (active.name !== remembered.ours) return undefined;
      if (remembered.previous) {
        try {
          await activate(ses, remembered.previous);
          return undefined;
        } catch (error) {
          // Deleted since we remembered it: deactivate instead.
          if ((error as { name?: string }).name !== 'RuleSetDoesNotExistException') throw error;
        }
      }
      await activate(ses, undefined);
      return undefined;
    }
  }
}

function requiredName(event: ActivationEvent): string {
  const name = event.ResourceProperties.RuleSetName;
  if (!name) throw new Error('the RuleSetName property is required');
  return name;
}
