/**
 * What every AWS SDK client of Followup is built with (handlers/shared/aws-context.ts, the
 * touch worker, local/runtime.ts).
 *
 * The SDK's logger middleware runs `logger?.info?.({ input: filter(input), output:
 * filter(output) })` after each request: the sensitive-data filter walks the whole request
 * and response by their schemas whenever the logger HAS an `info` method — the SDK's
 * default no-op logger has one. A logger without `info` skips that walk (~0.5 ms of CPU per
 * DynamoDB request with an enrollment item, measured by profiling the touch path). We never
 * read the SDK's log lines (ours carry ids; its would carry items, i.e. addresses), so its
 * `debug`, `warn` and `error` are silent too.
 */
const sdkLogger = { debug() {}, warn() {}, error() {} };

/** Spread into a client's configuration: `new DynamoDBClient({ ...SDK_CLIENT_OPTIONS })`. */
export const SDK_CLIENT_OPTIONS = {
  // The SDK's Logger type requires `info`; leaving it out is the point (see above).
  logger: sdkLogger as typeof sdkLogger & { info(...content: unknown[]): void },
};
