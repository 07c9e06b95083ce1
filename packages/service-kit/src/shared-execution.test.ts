// Sharing one event's execution between callers: only when the per-caller check handed them the same event
// object and the execution never read the caller's context. A field whose resolver looks at the viewer is
// executed for each caller, so two callers with different rights never get each other's result.
import { makeExecutableSchema } from '@graphql-tools/schema';
import { parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { executeEvent, operationKeyOf, watchContext } from './shared-execution.ts';

type Ctx = { viewer: { userId: string; admin: boolean } };
type Slot = { id: string; doctorId: string; note: string };

const schema = makeExecutableSchema({
  typeDefs: `
    type Query { ok: Boolean }
    type Subscription { slotChanged: Slot! }
    type Slot { id: ID! doctorId: ID! note: String }
  `,
  resolvers: {
    Subscription: { slotChanged: { subscribe: () => null, resolve: (slot: Slot) => slot } },
    // Only staff see the note: this resolver reads the caller's context.
    Slot: { note: (slot: Slot, _: unknown, ctx: Ctx) => (ctx.viewer.admin ? slot.note : null) },
  },
});

const run = (query: string, ctx: Ctx, event: Slot) => {
  const payload = { query };
  const watched = watchContext(ctx);
  const args = { schema, document: parse(query), contextValue: watched.context } as ExecutionArgs;
  return executeEvent(args, event, operationKeyOf(payload), watched) as ExecutionResult;
};
const patient = (userId: string): Ctx => ({ viewer: { userId, admin: false } });
const staff: Ctx = { viewer: { userId: 'staff', admin: true } };
const event = (): Slot => ({ id: 's1', doctorId: 'd1', note: 'room 4 closed' });

test('callers of one operation who got the same event, with an execution that never read their context, share one result', () => {
  const slot = event();
  const query = 'subscription { slotChanged { id doctorId } }';
  const first = run(query, patient('a'), slot);
  const second = run(query, patient('b'), slot);
  expect(second).toBe(first);
  expect(first).toEqual({ data: { slotChanged: { id: 's1', doctorId: 'd1' } } });
  // Another event object (what another caller's check returned) or another operation: executed again.
  expect(run(query, patient('c'), event())).not.toBe(first);
  expect(run('subscription { slotChanged { id } }', patient('d'), slot)).not.toBe(first);
});

test('an execution that read the context is never shared: callers with different rights get their own result', () => {
  const slot = event();
  const query = 'subscription { slotChanged { id note } }';
  const asStaff = run(query, staff, slot);
  const asPatient = run(query, patient('a'), slot);
  expect(asStaff).toEqual({ data: { slotChanged: { id: 's1', note: 'room 4 closed' } } });
  expect(asPatient).toEqual({ data: { slotChanged: { id: 's1', note: null } } });
  // Patient first this time: staff must still see the note.
  const other = event();
  expect(run(query, patient('b'), other)).toEqual({ data: { slotChanged: { id: 's1', note: null } } });
  expect(run(query, staff, other)).toEqual({ data: { slotChanged: { id: 's1', note: 'room 4 closed' } } });
});
