/**
 * Swallows what handlers write while a benchmark runs them (Powertools logs and EMF
 * metrics on stdout, warnings on stderr), counting the bytes and lines CloudWatch Logs
 * would ingest.
 */
export interface CapturedOutput {
  bytes: number;
  lines: number;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write.bind(stream));
  const counts: CapturedOutput = {
    bytes: 0,
    lines: 0,
    restore: () => streams.forEach((stream, i) => void (stream.write = originals[i]!)),
  };
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      counts.bytes += Buffer.byteLength(text);
      counts.lines += text.split('\n').filter((line) => line.trim().length > 0).length;
      return true;
    }) as typeof stream.write;
  }
  return counts;
}
