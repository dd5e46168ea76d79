import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/handlers/api.js';
import { createTestContext } from '../fakes/test-context.js';
import { httpEvent, lambdaContext } from '../fakes/http-event.js';

describe('user mistakes answered with 500', () => {
  it('a malformed percent-escape in a path parameter is a 400/404, not a 500', async () => {
    const t = await createTestContext();
    const handler = createApiHandler({ context: async () => t.ctx, maxEnrollmentBodyBytes: 1_000_000 });
    const result = await handler(
      httpEvent({ routeKey: 'POST /enrollments/{id}/stop', path: '/enrollments/%E0%A4%A/stop', pathParameters: { id: '%E0%A4%A' } }),
      lambdaContext,
    );
    expect(result.statusCode).toBeLessThan(500);
  });
});
