/**
 * VoiceCaller over Twilio Programmable Voice's Calls API (`client.calls.create`) with the
 * official client, like the SMS sender does for Messages: click to call (the rep's phone
 * first) and voicemail drops (with answering machine detection). Errors are classified by
 * the same table as SMS sends (a 21211 invalid number is permanent, 429/5xx retryable).
 */
import type TwilioSDK from 'twilio';
import type { OutgoingCall, SendResult, VoiceCaller } from '../ports.js';
import { classifyTwilioError, describe, headerValue, statusOf } from './twilio-sms-sender.js';
import { createTwilioClient, responseContext, type LoadedClient, type TwilioClientOptions, type TwilioCredentialsProvider } from './twilio-client.js';

/**
 * Calls per second Twilio places for an account by default (its CPS limit, raised on
 * request): voicemail drops are paced at this rate, apart from the messaging rate.
 */
export const TWILIO_CALLS_PER_SECOND = 1;

export class TwilioVoiceCaller implements VoiceCaller {
  private loaded: Promise<LoadedClient> | undefined;

  constructor(
    private readonly credentials: TwilioCredentialsProvider,
    private readonly options: TwilioClientOptions = {},
  ) {}

  async placeCall(call: OutgoingCall): Promise<SendResult> {
    let client: TwilioSDK.Twilio;
    try {
      this.loaded ??= createTwilioClient(this.credentials, this.options);
      ({ client } = await this.loaded);
    } catch (error) {
      this.loaded = undefined;
      return { kind: 'retryable', reason: `Twilio client unavailable: ${describe(error)}` };
    }
    const capture: { headers?: unknown } = {};
    try {
      const created = await responseContext.run(capture, () =>
        client.calls.create({
          to: call.to,
          from: call.from,
          url: call.twimlUrl,
          method: 'POST',
          statusCallback: call.statusCallbackUrl,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: [...call.statusCallbackEvents],
          ...(call.ringTimeoutSeconds !== undefined ? { timeout: call.ringTimeoutSeconds } : {}),
          // Synchronous detection: Twilio asks for the TwiML only when the greeting has ended
          // (AnsweredBy=machine_end_*), so the message starts after the beep. Async AMD would
          // start our TwiML at once and need a second REST call to replace it when the verdict comes.
          ...(call.machineDetection ? { machineDetection: call.machineDetection } : {}),
        }),
      );
      return { kind: 'sent', providerMessageId: created.sid };
    } catch (error) {
      const result = classifyTwilioError(error, headerValue(capture.headers, 'retry-after'));
      if (statusOf(error) === 401) this.loaded = undefined;
      return result;
    }
  }
}
