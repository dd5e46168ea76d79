/**
 * What each function may do, as data: the ONE place the engine's IAM policies come from
 * (engine/grants.ts applies it), asserted by the CDK tests, and checked against the code
 * by `test/infra/dynamodb-permissions.test.ts`, which runs every function's flows against
 * dynalite and records the DynamoDB operations the store really sends. A change to the
 * store that needs a new action fails that test until it is listed here.
 *
 * DynamoDB actions are the API operation names (`dynamodb:<name>`). No function may Scan.
 * Index access is `Query` on the named index's ARN only, for the functions that query it.
 */
import type { TABLE_DEFINITION } from '../functions/table-definition.js';
import type { HandlerName } from './handlers.js';

export type DynamoDbAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem';

export type IndexName = (typeof TABLE_DEFINITION)['globalSecondaryIndexes'][number]['indexName'];

/** `webhooks`: the signing secrets of the outbound webhook endpoints (engine prop `webhooks`). */
export type SecretName = 'apiKey' | 'unsubscribe' | 'twilio' | 'webhooks';

export interface FunctionAccess {
  /** Actions on the table itself. */
  readonly table: readonly DynamoDbAction[];
  /** GSIs the function queries (`dynamodb:Query` on `<table>/index/<name>`). */
  readonly indexes: readonly IndexName[];
  /** Secrets it reads (`secretsmanager:GetSecretValue`). */
  readonly secrets: readonly SecretName[];
  /** `ses:SendEmail` on the Followup identities and configuration set. */
  readonly sendEmail: boolean;
  /** Touch schedules: none, delete only (stops), or create and delete (plus iam:PassRole of the scheduler role). */
  readonly schedules: 'none' | 'delete' | 'create';
  /** `events:PutEvents` on the webhook bus (only when the engine has webhook endpoints). */
  readonly publishesWebhooks: boolean;
  /** Import jobs' files in the import bucket and the chunk queue; absent: none. */
  readonly imports?: ImportAccess;
}

/** The files of import jobs (domain/import-job.ts `importObjects`): an upload, and the results of each chunk. */
export type ImportObject = 'upload' | 'results';

export const IMPORT_OBJECT_KEYS: Readonly<Record<ImportObject, string>> = {
  upload: 'imports/*/upload.csv',
  results: 'imports/*/results/*',
};

export interface ImportAccess {
  /** `s3:GetObject` (GetObject and HeadObject) on these keys. */
  readonly read: readonly ImportObject[];
  /** `s3:PutObject` on these keys (the API presigns upload PUTs: the URL carries its permission). */
  readonly write: readonly ImportObject[];
  /** `sqs:SendMessage` to the chunk queue. */
  readonly sendChunks: boolean;
}

/**
 * Public functions (reachable without credentials: unsubscribe, the Twilio webhooks) never
 * get BatchWriteItem: a compromised one cannot bulk-rewrite data. The Twilio webhook needs
 * DeleteItem for START (lifting a suppression deletes its ledger entry).
 */
export const FUNCTION_ACCESS = {
  // Sequences, enrollments (batched), stats, prospects (lookup and erasure), manual control.
  // Erasure deletes a prospect's items in batches (BatchWriteItem), never one by one; an
  // enrollment lane's lease is released with a conditional DeleteItem.
  // Queries: search by email, phone, name or company, a sequence's enrollments (bySequence),
  // the inbox (byList, byInbox). Tasks: listed through byInbox (one rep) and byList
  // (everyone); outcomes move enrollments on (schedules), merge collected fields into
  // profiles, and announce conversions.
  api: {
    table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
    indexes: ['byEmail', 'byPhone', 'byName', 'byCompany', 'bySequence', 'byInbox', 'byList'],
    secrets: ['unsubscribe'],
    sendEmail: false,
    schedules: 'create',
    publishesWebhooks: true,
    // Presigns the upload URL of a new import; reads the results of its chunks (results.csv).
    imports: { read: ['results'], write: ['upload'], sendChunks: false },
  },
  // Reads the uploaded file once and queues its chunks; the job item and its chunk results.
  importSplitter: {
    table: ['GetItem', 'Query', 'UpdateItem'],
    indexes: [],
    // The engine's context signs links, so every function that builds it reads the key.
    secrets: ['unsubscribe'],
    sendEmail: false,
    schedules: 'none',
    publishesWebhooks: false,
    imports: { read: ['upload'], write: [], sendChunks: true },
  },
  // Enrolls a chunk as the API's enrollment route does (batched reads and writes, lanes,
  // schedules), writes the chunk's results and its result item.
  importWorker: {
    table: ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
    indexes: ['byPhone'],
    secrets: ['unsubscribe'],
    sendEmail: false,
    schedules: 'create',
    publishesWebhooks: false,
    imports: { read: [], write: ['results'], sendChunks: false },
  },
  authorizer: { table: [], indexes: [], secrets: ['apiKey'], sendEmail: false, schedules: 'none', publishesWebhooks: false },
  // One touch: the consistent batch read, the claim, the advance, counters, timeline (PutItem
  // per event); a call or task step's task (PutItem); a voicemail drop places a call.
  touchWorker: {
    table: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
    indexes: [],
    secrets: ['unsubscribe', 'twilio'],
    sendEmail: true,
    schedules: 'create',
    publishesWebhooks: true,
  },
  // The same code on the SMS queue. It emails nobody: a message reaches this queue only
  // when its step (in the enrollment's immutable version) is an SMS or voicemail step.
  smsTouchWorker: {
    table: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'],
    indexes: [],
    secrets: ['unsubscribe', 'twilio'],
    sendEmail: false,
    schedules: 'create',
    publishesWebhooks: true,
  },
  // STOP / START / replies by phone: address lookup, suppressions, stops (the replier's
  // colleagues too: byList), the reply entry in the ledger; emails the owner on a reply.
  twilioWebhook: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    indexes: ['byPhone', 'byList'],
    secrets: ['unsubscribe', 'twilio'],
    sendEmail: true,
    schedules: 'delete',
    publishesWebhooks: true,
  },
  unsubscribe: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    indexes: ['byEmail'],
    secrets: ['unsubscribe'],
    sendEmail: false,
    schedules: 'delete',
    publishesWebhooks: true,
  },
  // Click to call: reads the task, its enrollment, profile and ledger entry, the rep's phone; records the call.
  voiceCalls: {
    table: ['GetItem', 'PutItem'],
    indexes: [],
    secrets: ['unsubscribe', 'twilio'],
    sendEmail: false,
    schedules: 'none',
    publishesWebhooks: false,
  },
  // Records each delivery attempt; reads the endpoints' signing secrets.
  webhookSender: { table: ['PutItem'], indexes: [], secrets: ['unsubscribe', 'webhooks'], sendEmail: false, schedules: 'none', publishesWebhooks: false },
  // Replies (and the replier's colleagues: byList), auto-replies (pause, later resume), mailto
  // unsubscribes; forwards replies to the owner.
  sesInbound: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    indexes: ['byEmail', 'byList'],
    secrets: ['unsubscribe'],
    sendEmail: true,
    schedules: 'create',
    publishesWebhooks: true,
  },
  // Bounces and complaints (suppress, stop), deliveries, opens, clicks (status, counters).
  sesEvents: {
    table: ['GetItem', 'Query', 'PutItem', 'UpdateItem'],
    indexes: ['byEmail'],
    secrets: ['unsubscribe'],
    sendEmail: false,
    schedules: 'delete',
    publishesWebhooks: true,
  },
} as const satisfies Record<HandlerName, FunctionAccess>;

/** Functions a request without credentials can reach. */
export const PUBLIC_FUNCTIONS = ['unsubscribe', 'twilioWebhook'] as const satisfies readonly HandlerName[];

/**
 * Where the code still sends an operation its policy above does not allow (the policy is
 * written for the target while the store is changed to match); the listed flow would fail
 * in AWS with AccessDenied. None today: timeline appends of the touch worker and the
 * inbound functions are PutItem each. The permissions test fails when a gap closes, so an
 * entry is removed then.
 */
export interface DynamoDbGap {
  readonly function: HandlerName;
  /** What the code sends today. */
  readonly uses: DynamoDbAction;
  /** What it will send instead (already in the policy). */
  readonly target: DynamoDbAction;
  readonly why: string;
}

export const KNOWN_DYNAMODB_GAPS: readonly DynamoDbGap[] = [];
