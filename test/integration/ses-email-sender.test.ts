import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SesEmailSender,
  classifySesError,
  decodeEmailTagValue,
  encodeEmailTagValue,
  messageIdHeaderFor,
  sendEmailInput,
} from '../../functions/adapters/ses-email-sender.js';
import { startLocalSes, type LocalSesServer } from '../../functions/local/ses-server.js';
import type { OutgoingEmail } from '../../functions/ports.js';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

function sesClient(endpoint: string): SESv2Client {
  // One attempt: the queue owns retries, and the classification must see the first answer.
  return new SESv2Client({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
}

const email: OutgoingEmail = {
  from: 'Ada Sender <ada@sender.example>',
  to: 'grace@prospect.example',
  replyTo: 'reply+p_abc.Zx1y2abcdefghijklmno@reply.example',
  subject: 'Quick question, Grace',
  html: '<p>Hi Grace,</p><p><a href="https://app.example/unsubscribe/tok">Unsubscribe</a></p>',
  text: 'Hi Grace,\n\nUnsubscribe: https://app.example/unsubscribe/tok',
  headers: {
    'List-Unsubscribe': '<https://app.example/unsubscribe/tok>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'In-Reply-To': '<0100018f-first@email.amazonses.com>',
    References: '<0100018f-first@email.amazonses.com>',
  },
  tags: { enrollmentId: 'p_abc.intro-sequence', stepId: 'follow-up-1', run: '2' },
};

describe('SesEmailSender against aws-ses-v2-local', () => {
  let ses: LocalSesServer;

  beforeAll(async () => {
    ses = await startLocalSes();
  });
  afterAll(async () => {
    await ses.close();
  });
  beforeEach(async () => {
    await ses.clear();
  });

  it('delivers subject, bodies, reply-to and the custom headers', async () => {
    const sender = new SesEmailSender(sesClient(ses.url), {
      configurationSetName: 'followup',
      messageIdDomain: 'eu-west-1.amazonses.com',
    });
    const result = await sender.send(email);

    expect(result.kind).toBe('sent');
    const [stored, ...others] = await ses.fetchStore();
    expect(others).toHaveLength(0);
    expect(stored).toBeDefined();
    expect(result).toEqual({
      kind: 'sent',
      providerMessageId: stored!.messageId,
      messageIdHeader: `<${stored!.messageId}@eu-west-1.amazonses.com>`,
    });
    expect(stored).toMatchObject({
      from: email.from,
      destination: { to: [email.to], cc: [], bcc: [] },
      replyTo: [email.replyTo],
      subject: email.subject,
      body: { html: email.html, text: email.text },
    });
    // aws-ses-v2-local keeps Simple-content headers as given (it ignores tags and configuration sets).
    expect(stored!.headers).toEqual([
      { name: 'List-Unsubscribe', value: '<https://app.example/unsubscribe/tok>' },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      { name: 'In-Reply-To', value: '<0100018f-first@email.amazonses.com>' },
      { name: 'References', value: '<0100018f-first@email.amazonses.com>' },
    ]);
  });

  it('sends without reply-to or headers when there are none', async () => {
    const sender = new SesEmailSender(sesClient(ses.url));
    const result = await sender.send({ ...email, replyTo: undefined, headers: {}, tags: {} });
    const [stored] = await ses.fetchStore();
    expect(result).toMatchObject({ kind: 'sent', messageIdHeader: `<${stored?.messageId}@email.amazonses.com>` });
    expect(stored?.replyTo).toEqual([]);
    expect(stored?.headers).toBeUndefined();
  });
});

/** A tiny SES v2 endpoint answering canned REST-JSON errors, so the real SDK parses them. */
async function startErrorServer(): Promise<{
  url: string;
  answer(status: number, errorType: string, message: string): void;
  requests: () => number;
  close(): Promise<void>;
}> {
  let next = { status: 500, errorType: 'InternalServiceErrorException', message: 'boom' };
  let count = 0;
  const server: Server = createServer((req, res) => {
    count += 1;
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ message: next.message });
      res.writeHead(next.status, {
        'Content-Type': 'application/json',
        'x-amzn-ErrorType': `${next.errorType}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
        'x-amzn-RequestId': 'test-request',
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer: (status, errorType, message) => {
      next = { status, errorType, message };
    },
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('SesEmailSender classification through the real SDK', () => {
  let errors: Awaited<ReturnType<typeof startErrorServer>>;
  let sender: SesEmailSender;

  beforeAll(async () => {
    errors = await startErrorServer();
    sender = new SesEmailSender(sesClient(errors.url));
  });
  afterAll(async () => {
    await errors.close();
  });

  it('throttling (429 TooManyRequestsException) is retryable', async () => {
    errors.answer(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
    const before = errors.requests();
    const result = await sender.send(email);
    expect(result).toEqual({ kind: 'retryable', reason: 'TooManyRequestsException: Maximum sending rate exceeded.' });
    expect(errors.requests() - before).toBe(1);
  });

  it('daily quota (LimitExceededException) is retryable, later', async () => {
    errors.answer(400, 'LimitExceededException', 'Daily message quota exceeded.');
    expect(await sender.send(email)).toEqual({
      kind: 'retryable',
      reason: 'LimitExceededException: Daily message quota exceeded.',
      retryAfterSeconds: 900,
    });
  });

  it('MessageRejected is permanent with its code', async () => {
    errors.answer(400, 'MessageRejected', 'Email address is not verified.');
    expect(await sender.send(email)).toEqual({
      kind: 'permanent',
      reason: 'MessageRejected: Email address is not verified.',
      code: 'MessageRejected',
    });
  });

  it('an internal error (500) is retryable', async () => {
    errors.answer(500, 'InternalServiceErrorException', 'Internal error');
    expect((await sender.send(email)).kind).toBe('retryable');
  });

  it('an unmodelled 503 is retryable, an unmodelled 4xx permanent', async () => {
    errors.answer(503, 'ServiceUnavailableException', 'try later');
    expect((await sender.send(email)).kind).toBe('retryable');
    errors.answer(403, 'AccessDeniedException', 'not allowed');
    expect(await sender.send(email)).toMatchObject({ kind: 'permanent', code: 'AccessDeniedException' });
  });

  it('a refused connection is retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await new SesEmailSender(sesClient(`http://127.0.0.1:${port}`)).send(email);
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' && result.reason).toMatch(/ECONNREFUSED/);
  });
});

describe('classifySesError', () => {
  const awsError = (name: string, status: number, fault: 'client' | 'server' = 'client') =>
    Object.assign(new Error(`${name} message`), { name, $fault: fault, $metadata: { httpStatusCode: status } });

  it.each([
    ['TooManyRequestsException', 429, 'retryable'],
    ['LimitExceededException', 400, 'retryable'],
    ['SendingPausedException', 400, 'retryable'],
    ['InternalServiceErrorException', 500, 'retryable'],
    ['MessageRejected', 400, 'permanent'],
    ['BadRequestException', 400, 'permanent'],
    ['MailFromDomainNotVerifiedException', 400, 'permanent'],
    ['NotFoundException', 404, 'permanent'],
    ['AccountSuspendedException', 400, 'permanent'],
  ] as const)('%s (%i) → %s', (name, status, kind) => {
    const result = classifySesError(awsError(name, status));
    expect(result.kind).toBe(kind);
    if (result.kind === 'permanent') expect(result.code).toBe(name);
  });

  it('network and timeout errors are retryable', () => {
    expect(classifySesError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind).toBe('retryable');
    expect(classifySesError(Object.assign(new Error('timed out'), { name: 'TimeoutError' })).kind).toBe('retryable');
    expect(classifySesError('weird').kind).toBe('retryable');
  });
});

describe('SES request shape', () => {
  it('drops headers SES owns, unfolds CR/LF and encodes tags into SES’s charset', () => {
    const input = sendEmailInput(
      {
        ...email,
        headers: {
          'List-Unsubscribe': '<https://a.example/u>,\r\n <mailto:u@a.example>',
          'Reply-To': 'evil@example.com',
          'Message-ID': '<x@y>',
          'Bad Name': 'x',
        },
        tags: { enrollmentId: 'p_abc.intro-sequence', 'step id': 'é' },
      },
      { configurationSetName: 'followup' },
    );
    expect(input.Content?.Simple?.Headers).toEqual([
      { Name: 'List-Unsubscribe', Value: '<https://a.example/u>, <mailto:u@a.example>' },
    ]);
    expect(input.ConfigurationSetName).toBe('followup');
    expect(input.EmailTags).toEqual([
      { Name: 'enrollmentId', Value: 'p__abc_2Eintro-sequence' },
      { Name: 'step_id', Value: '_C3_A9' },
    ]);
    for (const tag of input.EmailTags ?? []) {
      expect(tag.Name).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
      expect(tag.Value).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    }
  });

  it('tag value encoding is reversible', () => {
    for (const value of ['p_abc.intro-sequence', 'plain-Value_1', '', '_', '__x', 'a b@c/é😀', '_2E']) {
      const encoded = encodeEmailTagValue(value);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeEmailTagValue(encoded)).toBe(value);
    }
    expect(decodeEmailTagValue('bad_zz')).toBeUndefined();
    expect(decodeEmailTagValue('dot.')).toBeUndefined();
  });

  it('messageIdHeaderFor builds SES’s Message-ID', () => {
    expect(messageIdHeaderFor('0100018f-abc-000000', 'email.amazonses.com')).toBe(
      '<0100018f-abc-000000@email.amazonses.com>',
    );
    expect(messageIdHeaderFor('<id-1>', 'eu-west-1.amazonses.com')).toBe('<id-1@eu-west-1.amazonses.com>');
  });
});
