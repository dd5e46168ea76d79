/**
 * Shared by the construct (which names the receipt rule) and the activation Lambda (which
 * recognises another engine's rule set by it). Plain data: no aws-cdk-lib, no SDK.
 */
export const FOLLOWUP_RECEIPT_RULE_PREFIX = 'followup-inbound-';
