/**
 * `npm start`: the whole product on this machine, no AWS account needed.
 * Flags and environment are documented in README.md ("Run it locally").
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';
import { webhookEndpointsOf } from '../config.js';
import { isWithinWindow } from '../domain/schedule.js';
import type { PublishedSequence } from '../domain/sequence.js';
import { createConsoleLogger } from './console-logger.js';
import { startRuntime, PortInUseError, type Runtime } from './runtime.js';
import { loadClockState, saveClockState } from './clock-state.js';
import { DEFAULT_LOCAL_USER } from './oauth-provider.js';

const USAGE = `Usage: npm start -- [options]

  --port <n>         HTTP port (default: $PORT or 3000)
  --data-dir <dir>   keep data across restarts (default: in memory)
  --speed <n>        run the virtual clock n times faster than real time (default 1)
  --templates <dir>  sequence folders to publish (default: templates)
  --verbose          log every touch
  --help             show this help`;

class StartupError extends Error {
  override name = 'StartupError';
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  FOLLOWUP_API_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
  FOLLOWUP_PUBLIC_URL: z.url().optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  FOLLOWUP_UNSUBSCRIBE_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  FOLLOWUP_REPLY_DOMAIN: z.string().min(1).optional(),
  FOLLOWUP_WEBHOOKS: z.string().min(1).optional(),
  DEFAULT_TIMEZONE: z.string().min(1).optional(),
  TOUCHES_PER_PERSON_PER_DAY: z.coerce.number().int().min(1, 'must be 1 or more').optional(),
  /** The embedded dynalite's port on 127.0.0.1 (npm run bench reads the table through it). */
  FOLLOWUP_DYNALITE_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
});

const FLAGS = {
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  speed: { type: 'string' },
  templates: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function readFlags() {
  try {
    return parseArgs({ options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new StartupError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

function parseOptions() {
  const parsed = readFlags();
  const env = envSchema.safeParse(process.env);
  if (!env.success) {
    const issue = env.error.issues[0];
    throw new StartupError(`environment variable ${issue?.path.join('.')}: ${issue?.message}`);
  }
  let webhooks: ReturnType<typeof webhookEndpointsOf>;
  try {
    webhooks = webhookEndpointsOf({ FOLLOWUP_WEBHOOKS: env.data.FOLLOWUP_WEBHOOKS });
  } catch (error) {
    throw new StartupError((error as Error).message.replace('Invalid configuration: ', 'environment variable '));
  }
  if (webhooks.some((endpoint) => !endpoint.secret)) {
    throw new StartupError('environment variable FOLLOWUP_WEBHOOKS: locally every endpoint needs its "secret" inline (secretArn is read in AWS only)');
  }
  const port = parsed.port !== undefined ? Number(parsed.port) : (env.data.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new StartupError(`--port must be a port number, got "${parsed.port}"`);
  const speed = parsed.speed !== undefined ? Number(parsed.speed) : 1;
  if (!Number.isFinite(speed) || speed <= 0) throw new StartupError(`--speed must be a positive number, got "${parsed.speed}"`);
  return {
    help: parsed.help === true,
    verbose: parsed.verbose === true,
    port,
    speed,
    dataDir: parsed['data-dir'],
    templates: parsed.templates ?? 'templates',
    env: env.data,
    webhooks: webhooks.map((endpoint) => ({ ...endpoint, secret: endpoint.secret as string })),
  };
}

async function main(): Promise<void> {
  // The SDK warns that its 2027 releases need Node 22; this runtime pins its SDK versions.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = parseOptions();
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const logger = createConsoleLogger(options.verbose ? 'debug' : 'warn');
  const templatesDir = resolve(options.templates);
  if (!(await isDirectory(templatesDir))) {
    throw new StartupError(`the templates folder ${templatesDir} does not exist or is not a folder; point --templates at the folder that holds your sequence folders`);
  }
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const clockState = dataDir ? await loadClockState(dataDir) : undefined;
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      port: options.port,
      ...(dataDir ? { dataDir } : {}),
      speed: options.speed,
      ...(clockState ? { startAt: clockState } : {}),
      ...(options.env.FOLLOWUP_API_KEY ? { apiKey: options.env.FOLLOWUP_API_KEY } : {}),
      ...(options.env.FOLLOWUP_PUBLIC_URL ? { publicUrl: options.env.FOLLOWUP_PUBLIC_URL } : {}),
      ...(options.env.TWILIO_AUTH_TOKEN ? { twilioAuthToken: options.env.TWILIO_AUTH_TOKEN } : {}),
      ...(options.env.FOLLOWUP_UNSUBSCRIBE_SECRET ? { unsubscribeSecret: options.env.FOLLOWUP_UNSUBSCRIBE_SECRET } : {}),
      ...(options.env.FOLLOWUP_REPLY_DOMAIN ? { replyDomain: options.env.FOLLOWUP_REPLY_DOMAIN } : {}),
      ...(options.env.DEFAULT_TIMEZONE ? { defaultTimezone: options.env.DEFAULT_TIMEZONE } : {}),
      ...(options.webhooks.length > 0 ? { webhooks: options.webhooks } : {}),
      ...(options.env.TOUCHES_PER_PERSON_PER_DAY ? { touchesPerPersonPerDay: options.env.TOUCHES_PER_PERSON_PER_DAY } : {}),
      ...(options.env.FOLLOWUP_DYNALITE_PORT ? { dynamoPort: options.env.FOLLOWUP_DYNALITE_PORT } : {}),
      templatesDir,
      autoRun: true,
      logger,
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      throw new StartupError(`${error.message}. Is another "npm start" running? Pick another port with --port or PORT.`);
    }
    throw error;
  }

  console.log(banner(runtime, options.speed, dataDir));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`\n${signal}: shutting down…`);
    if (dataDir) await saveClockState(dataDir, runtime.clock.now());
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function banner(runtime: Runtime, speed: number, dataDir: string | undefined): string {
  const sequence = runtime.sequences[0];
  const lines = [
    '',
    `Followup is running at ${runtime.url}  (virtual clock ${runtime.clock.now().toISOString()}${speed !== 1 ? `, ${speed}x` : ''})`,
    '',
    `  Console            ${runtime.consoleUrl}`,
    `  Sign in            ${runtime.signInUrl}`,
    `                     (one-time link for ${DEFAULT_LOCAL_USER.email}, an editor; valid 10 minutes. More users: POST /dev/users)`,
    `  Admin API key      ${runtime.apiKey}${runtime.apiKeyGenerated ? '   (generated; set FOLLOWUP_API_KEY to keep one)' : ''}`,
    `  Twilio auth token  ${runtime.twilioAuthToken}   (local Twilio stub; webhooks are verified with it)`,
    `  Public URL         ${runtime.publicUrl}`,
    `  Data               ${dataDir ?? 'in memory (use --data-dir DIR to keep it)'}`,
    `  Sequences          ${runtime.sequences.map((s) => `${s.id} v${s.version} (${s.definition.steps.length} steps)`).join(', ') || 'none found'}`,
    '',
  ];
  const clockCurl = `curl -s -X POST ${runtime.url}/dev/clock -H 'Authorization: Bearer ${runtime.apiKey}' -H 'Content-Type: application/json' -d '{"advance":"2d"}'`;
  if (sequence) {
    const timezone = zoneInsideWindow(sequence, runtime.clock.now());
    const prospect = { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines', timezone: timezone ?? 'America/New_York' };
    lines.push(
      'Enroll a sample prospect:',
      '',
      `  curl -s -X POST ${runtime.url}/sequences/${sequence.id}/enrollments \\`,
      `    -H 'Authorization: Bearer ${runtime.apiKey}' -H 'Content-Type: application/json' \\`,
      `    -d '${JSON.stringify({ prospects: [prospect] })}'`,
      '',
      `Then watch the outbox${timezone ? '' : " (it is outside that prospect's send window right now; move time on first)"}.`,
    );
  }
  lines.push(
    // The dev routes need the key; a browser asks for it once (Basic auth, any user name).
    `Outbox in a browser: ${runtime.url}/dev/outbox   (user name: anything, password: the admin API key)`,
    `Move time on:        ${clockCurl}`,
    '',
    'Stop: Ctrl-C',
    '',
  );
  return lines.join('\n');
}

/** A time zone where the sample's first touch may go out right now, so it shows up at once. */
function zoneInsideWindow(sequence: PublishedSequence, now: Date): string | undefined {
  const step = sequence.definition.steps[0];
  if (!step) return undefined;
  const candidates = [
    'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Pacific/Honolulu', 'Europe/London', 'Europe/Berlin',
    'Asia/Kolkata', 'Asia/Singapore', 'Asia/Tokyo', 'Australia/Sydney', 'Pacific/Auckland', 'Pacific/Kiritimati',
  ];
  return candidates.find((zone) =>
    isWithinWindow(now, step.window ?? sequence.definition.window, step.channel, zone, sequence.definition.defaultTimezone),
  );
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) {
    console.error(`Followup could not start: ${error.message}`);
  } else if (error instanceof Error && (error.name === 'SequenceValidationError' || error.name === 'ConfigError')) {
    console.error(`Followup could not start: the sequences in templates/ are invalid:\n${error.message}`);
  } else {
    console.error(`Followup could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
