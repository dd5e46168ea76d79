/**
 * Roles are enforced by the API, for every route of the table (functions/routes.ts), over
 * HTTP against the embedded runtime: a signed-in viewer gets 403 on EVERY editor route and
 * 200 on every read; an editor and the API key are let through; what they change records
 * who did it. The routes are iterated from the table: a new route is covered by being there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdKind } from '../../functions/domain/ids.js';
import { EDITOR_ROLE_NEEDED } from '../../functions/domain/roles.js';
import { ROUTE_LIST, type RouteDefinition } from '../../functions/routes.js';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { signIn } from '../support/sign-in.js';

let t: TestRuntime;
let viewer: string;
let editor: string;
let samples: Record<IdKind, string>;

/** Query strings for the read routes that need one. */
const READ_QUERIES: Partial<Record<string, string>> = {
  'GET /prospects': '?q=ada',
};

/** Bodies for the read routes that take one (a POST that changes nothing, e.g. a preview). */
const READ_BODIES: Partial<Record<string, (ids: Record<IdKind, string>) => unknown>> = {
  'POST /sequences/{id}/preview': () => ({ stepId: 'intro' }),
};

beforeAll(async () => {
  t = await startTestRuntime();
  const sequenceId = t.runtime.sequences[0]?.id as string;
  const enrolled = await t.request('POST', `/sequences/${sequenceId}/enrollments`, {
    body: { prospects: [{ email: 'ada@example.com', firstName: 'Ada', timezone: 'America/New_York' }] },
  });
  const row = enrolled.body.results[0];
  // An import job waiting for its upload: its routes read and cancel a real one.
  const job = await t.request('POST', '/imports', { body: { sequenceId } });
  samples = {
    importId: job.body.importId,
    sequenceId,
    prospectId: row.prospectId,
    enrollmentId: row.enrollmentId,
    unsubscribeToken: 'x.y',
    providerSid: 'SM00000000000000000000000000000000',
    ...extraSamples(),
  } as Record<IdKind, string>;
  const link = async (email: string, role: string) => (await t.request('POST', '/dev/users', { body: { email, role } })).body.signInUrl as string;
  viewer = (await signIn(await link('viewer@example.com', 'viewer'))).access_token;
  editor = (await signIn(await link('editor@example.com', 'editor'))).access_token;
});
afterAll(() => t.close());

/** Sample ids of kinds other routes add (filled in by the tests that add them). */
function extraSamples(): Partial<Record<IdKind, string>> {
  // A well-formed task id nobody has: reads answer 200 with nothing, changes 404 or 400.
  return { taskId: 'p_nobody.inbound-lead-follow-up.1.intro', inboxItemId: 'p_0123456789abcdef01234567.0123456789abcdef', sequenceVersion: '1' };
}

function pathFor(route: RouteDefinition): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    // The table's entries keep their `params` (the kind of id each path parameter holds).
    const kind = (route as { params?: Record<string, IdKind> }).params?.[name];
    const sample = kind ? samples[kind] : undefined;
    if (!sample) throw new Error(`no sample id for {${name}} of ${route.routeKey}: add one to the roles test`);
    return encodeURIComponent(sample);
  });
}

const editorRoutes = ROUTE_LIST.filter((route) => route.access === 'editor');
const viewerRoutes = ROUTE_LIST.filter((route) => route.access === 'viewer');

describe('roles, enforced by the API for every route of the table', () => {
  it('the table has editor and viewer routes to check', () => {
    expect(editorRoutes.length).toBeGreaterThanOrEqual(6);
    expect(viewerRoutes.length).toBeGreaterThanOrEqual(4);
  });

  it('a viewer gets 403 "needs the editor role" on every editor route, whatever the body, and nothing changes', async () => {
    for (const route of editorRoutes) {
      for (const body of [undefined, {}, { prospects: [{ email: 'forged@example.com' }] }]) {
        const response = await t.request(route.method, pathFor(route), { apiKey: viewer, ...(body !== undefined ? { body } : {}) });
        expect(response.status, route.routeKey).toBe(403);
        expect(response.body, route.routeKey).toEqual({ error: EDITOR_ROLE_NEEDED });
      }
    }
    const prospect = await t.request('GET', `/prospects/${samples.prospectId}`);
    expect(prospect.status).toBe(200);
    expect(prospect.body.enrollments[0].status).toBe('active');
    expect((await t.request('GET', `/prospects?q=forged@example.com`)).body.items).toEqual([]);
  });

  it('a viewer gets 200 on every read route', async () => {
    for (const route of viewerRoutes) {
      const body = READ_BODIES[route.routeKey]?.(samples);
      const response = await t.request(route.method, `${pathFor(route)}${READ_QUERIES[route.routeKey] ?? ''}`, { apiKey: viewer, ...(body !== undefined ? { body } : {}) });
      expect(response.status, `${route.routeKey}: ${response.text.slice(0, 200)}`).toBe(200);
    }
  });

  it('no token is 401, a bad one 403, on every viewer and editor route', async () => {
    for (const route of [...viewerRoutes, ...editorRoutes]) {
      expect((await t.request(route.method, pathFor(route), { apiKey: null })).status, route.routeKey).toBe(401);
      expect((await t.request(route.method, pathFor(route), { apiKey: 'not-the-key' })).status, route.routeKey).toBe(403);
    }
  });

  it('an editor and the API key pass the role check, and the timeline records who acted', async () => {
    for (const route of editorRoutes) {
      for (const token of [editor, undefined]) {
        const response = await t.request(route.method, pathFor(route), { ...(token ? { apiKey: token } : {}), body: {} });
        expect(response.body?.error, route.routeKey).not.toBe(EDITOR_ROLE_NEEDED);
        expect(response.status, route.routeKey).not.toBe(401);
      }
    }
    const sequenceId = samples.sequenceId;
    const enrolled = await t.request('POST', `/sequences/${sequenceId}/enrollments`, {
      apiKey: editor,
      body: { prospects: [{ email: 'grace@example.com', firstName: 'Grace', timezone: 'America/New_York' }] },
    });
    const { prospectId, enrollmentId } = enrolled.body.results[0];
    expect((await t.request('POST', `/enrollments/${enrollmentId}/pause`, { apiKey: editor })).status).toBe(200);
    expect((await t.request('POST', `/enrollments/${enrollmentId}/stop`)).status).toBe(200);
    const timeline = (await t.request('GET', `/prospects/${prospectId}`, { apiKey: viewer })).body.timeline as { type: string; actor?: string }[];
    const actors = Object.fromEntries(timeline.filter((e) => ['enrolled', 'paused', 'stopped'].includes(e.type)).map((e) => [e.type, e.actor]));
    expect(actors).toEqual({ enrolled: 'user:editor@example.com', paused: 'user:editor@example.com', stopped: 'apiKey' });
  });
});
