/**
 * The package entry (`import { FollowupEngine } from 'followup'`): the construct, its
 * props and defaults, the deployable stack shell, and the cdk-nag acknowledgements as
 * data for apps that run cdk-nag. Nothing reachable from here imports cdk-nag, zod, the
 * handlers or any other dependency besides aws-cdk-lib and constructs.
 */
export { FollowupEngine } from './followup-engine.js';
export type { FollowupFunctions } from './followup-engine.js';
export {
  FOLLOWUP_ENGINE_DEFAULTS,
  FollowupEngineConfigError,
  SECONDS_PER_TOUCH,
  type FollowupEngineProps,
  type FollowupLogLevel,
} from './engine-props.js';
export { FollowupStack, type FollowupStackProps } from './followup-stack.js';
export { ROUTE_THROTTLE_DEFAULTS, THROTTLE_BY_ACCESS, THROTTLE_OVERRIDES, type RouteThrottle } from './route-throttles.js';
export { FUNCTION_ACCESS, KNOWN_DYNAMODB_GAPS, PUBLIC_FUNCTIONS, type FunctionAccess } from './permissions.js';
export { HANDLERS, type HandlerName } from './handlers.js';
export type { LambdaCodeSource } from './lambda-code.js';
export { FollowupAlarms, type FollowupAlarmsProps } from './engine/alarms.js';
export { ReceiptRuleSetActivation, ACTIVATION_RESOURCE_TYPE } from './receipt-rule-set/activation.js';
export { acknowledgeEngineFindings, ENGINE_ACKNOWLEDGEMENTS, type EngineAcknowledgement } from './nag-acknowledgements.js';
export { METRIC, METRICS_NAMESPACE } from '../functions/handlers/shared/metric-names.js';
export { ROUTES, type RouteKey } from '../functions/routes.js';
