// A user's conversations filtered by tags (every tag asked for) and category, through the router, paged
// like the unfiltered list; both filters are served by indexes.
import { randomUUID } from 'node:crypto';
import { codeOf, gql, START, startChat, token, type ChatHarness } from '../testing/fixtures.ts';

let h: ChatHarness;
const doctorId = randomUUID();
let doctor: string;

beforeAll(async () => {
  h = await startChat();
  doctor = await token(h, doctorId, ['DOCTOR']);
});
afterAll(() => h?.stop());

async function open(participantIds: string[], category: string | null, tags: string[]): Promise<string> {
  const res = await gql<{ startConversation: { id: string } }>(h.url, START, {
    token: doctor,
    variables: { input: { kind: 'GROUP', participantIds, category, tags } },
  });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.startConversation.id;
}

const LIST = `query($me: [ID!]!, $tags: [String!], $category: String, $first: Int, $after: String) {
  greetings(userIds: $me) { user { conversations(tags: $tags, category: $category, first: $first, after: $after) { conversations { id tags category } endCursor hasNextPage } } }
}`;
type Page = { conversations: { id: string; tags: string[]; category: string | null }[]; endCursor: string | null; hasNextPage: boolean };

async function list(variables: Record<string, unknown>): Promise<Page> {
  const res = await gql<{ greetings: { user: { conversations: Page } }[] }>(h.url, LIST, { token: doctor, variables: { me: [doctorId], ...variables } });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data!.greetings[0]!.user.conversations;
}

test('only conversations with every tag asked for, and of the category asked for, newest activity first, paged', async () => {
  const diabetesFollowUp = await open([randomUUID()], 'follow-up', ['diabetes', 'urgent']);
  const diabetesBilling = await open([randomUUID()], 'billing', ['diabetes']);
  const cardioFollowUp = await open([randomUUID()], 'follow-up', ['cardio', 'urgent']);
  const untagged = await open([randomUUID()], null, []);

  const ids = async (v: Record<string, unknown>) => (await list(v)).conversations.map((c) => c.id);
  expect(await ids({})).toEqual([untagged, cardioFollowUp, diabetesBilling, diabetesFollowUp]);
  expect(await ids({ tags: ['diabetes'] })).toEqual([diabetesBilling, diabetesFollowUp]);
  expect(await ids({ tags: ['diabetes', 'urgent'] })).toEqual([diabetesFollowUp]);
  expect(await ids({ tags: ['urgent'], category: 'follow-up' })).toEqual([cardioFollowUp, diabetesFollowUp]);
  expect(await ids({ category: 'billing' })).toEqual([diabetesBilling]);
  expect(await ids({ tags: ['nothing-like-this'] })).toEqual([]);

  // Paging keeps the filter: one at a time through the two urgent ones.
  const first = await list({ tags: ['urgent'], first: 1 });
  expect(first.conversations.map((c) => c.id)).toEqual([cardioFollowUp]);
  expect(first.hasNextPage).toBe(true);
  const second = await list({ tags: ['urgent'], first: 1, after: first.endCursor });
  expect(second.conversations.map((c) => c.id)).toEqual([diabetesFollowUp]);
  expect(second.hasNextPage).toBe(false);

  // Bad filters are the client's mistake.
  const tooMany = await gql(h.url, LIST, { token: doctor, variables: { me: [doctorId], tags: Array.from({ length: 11 }, (_, i) => `t${i}`) } });
  expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
});

test('the tag and category filters are indexed', async () => {
  const em = h.stack.subgraphs.chat!.orm.em.fork();
  const indexes = await em.execute<{ indexdef: string }[]>(`select indexdef from pg_indexes where schemaname = current_schema() and tablename = 'conversations'`);
  const defs = indexes.map((i) => i.indexdef);
  expect(defs.some((d) => /USING gin \(tags\)/.test(d))).toBe(true);
  expect(defs.some((d) => /\(category, last_activity_at DESC\)/.test(d))).toBe(true);
  // With the table too small for the planner to bother, forbid sequential scans to see the index serve `tags @>`.
  await em.transactional(async (tx) => {
    await tx.execute(`set local enable_seqscan = off`);
    const plan = await tx.execute<{ 'QUERY PLAN': string }[]>(`explain select id from conversations where tags @> '{diabetes}'::text[]`);
    expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('conversations_tags_idx');
  });
});

test('a page size out of range is BAD_USER_INPUT on every list (it was quietly clamped: first: 0 gave one item)', async () => {
  const conversationId = await open([randomUUID()], null, []);
  const lists = [
    [`query($n: Int) { me: greetings(userIds: ["${doctorId}"]) { user { conversations(first: $n) { hasNextPage } } } }`, 100],
    [`query($n: Int) { messages(conversationId: "${conversationId}", first: $n) { hasMore } }`, 200],
    [`query($n: Int) { conversation(id: "${conversationId}") { messages(first: $n) { hasMore } } }`, 200],
    [`query($n: Int) { searchMessages(query: "hello", first: $n) { id } }`, 100],
    [`query($n: Int) { deskConversations(first: $n) { id } }`, 100],
  ] as const;
  const desk = await token(h, randomUUID(), ['OPERATOR']);
  for (const [query, max] of lists) {
    const who = query.includes('deskConversations') ? desk : doctor;
    for (const n of [0, -1, max + 1]) {
      const res = await gql(h.url, query, { token: who, variables: { n } });
      expect([query, n, codeOf(res), res.body.errors?.[0]?.extensions?.field]).toEqual([query, n, 'BAD_USER_INPUT', 'first']);
    }
    expect([query, (await gql(h.url, query, { token: who, variables: { n: max } })).body.errors]).toEqual([query, undefined]);
  }
});
