import { afterAll, beforeAll, it } from 'vitest';
const ROOT = process.env.ROOT!;
let db: any;
beforeAll(async () => {
  const { startDynalite } = await import(`${ROOT}/test/support/dynalite.ts`);
  db = await startDynalite({ createTable: false });
});
afterAll(async () => db?.close());
it('contention profile', async () => {
  const { enrollProspects } = await import(`${ROOT}/functions/use-cases/enroll-prospects.ts`);
  const { FakeClock } = await import(`${ROOT}/test/fakes/clock.ts`);
  const { createDynamoInboundContext } = await import(`${ROOT}/test/fakes/dynamo-inbound-context.ts`);
  const { MONDAY_10AM_NEW_YORK } = await import(`${ROOT}/test/fakes/test-context.ts`);
  const rows = Array.from({ length: 30 }, (_, i) => ({ row: i + 1, data: { email: `lead${i}@example.com`, firstName: `Lead${i}`, timezone: 'America/New_York' } }));
  const t = await createDynamoInboundContext(db, { now: MONDAY_10AM_NEW_YORK });
  const stats: Record<string, { n: number; ms: number }> = {};
  const wrap = (store: any, delay: number) => new Proxy(store, { get(target, p, r) { const v = Reflect.get(target, p, r); if (typeof v !== 'function') return v; return async (...a: unknown[]) => { if (p === 'putEnrollmentBatch') await new Promise((x) => setTimeout(x, delay)); const t0 = performance.now(); try { return await v.apply(target, a); } finally { const s = (stats[String(p)] ??= { n: 0, ms: 0 }); s.n++; s.ms += performance.now() - t0; } }; } });
  const started = Date.parse(MONDAY_10AM_NEW_YORK) - 10_000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 10 }, (_, i) => enrollProspects({ ...t.ctx, store: wrap(t.store, i * 40), clock: new FakeClock(new Date(started + i * 2_000)) }, { sequenceId: t.sequence.id, rows })));
  console.log(ROOT, Math.round(performance.now() - t0), JSON.stringify(Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, `${v.n}x ${Math.round(v.ms / v.n)}ms`]))));
}, 120_000);
