// The embedded start path: no DATABASE_URL → PGlite per service over the wire protocol; boots,
// migrates, and answers queries through the router with tokens identity itself issues.
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@clinic/service-kit';
import { launch, type Launched } from './launch.ts';
import { DEFAULT_ADMIN } from '../seed-demo.ts';

let launched: Launched;
let dataDir: string;

async function post<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: T; errors?: unknown[] }> {
  const res = await fetch(launched.routerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinic-embedded-'));
  launched = await launch({
    // No DATABASE_URL and no keys on purpose: the embedded path, as `npm start` runs it, is under test.
    env: {
      DATA_DIR: dataDir,
      REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `launch-test-${process.pid}-`,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    },
    logger: createLogger('launcher-test', 'silent'),
    randomPorts: true,
  });
}, 240_000);

afterAll(async () => {
  await launched?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every subgraph runs on its own embedded PostgreSQL under the data folder', () => {
  expect(launched.embedded).toBe(true);
  for (const s of launched.subgraphs) {
    expect(s.config.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(s.config.dbPoolMax).toBe(1);
    expect(existsSync(path.join(dataDir, 'pglite', s.name))).toBe(true);
  }
});

test('migrations ran; the development admin signs in and a federated query goes through the router', async () => {
  const identity = launched.subgraphs.find((s) => s.name === 'identity')!;
  const rows = await identity.orm.em.getConnection().execute(`select name from mikro_orm_migrations`);
  expect(rows.length).toBeGreaterThan(0);

  const signIn = await post<{ signIn: { status: string; auth: { accessToken: string } } }>(
    'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { status auth { accessToken } } }',
    { email: DEFAULT_ADMIN.email, password: DEFAULT_ADMIN.password },
  );
  expect(signIn.data?.signIn.status).toBe('SIGNED_IN');
  const token = signIn.data!.signIn.auth.accessToken;
  // me (identity) → appointments (appointments subgraph): a federated field on the embedded stack.
  const me = await post<{ me: { email: string; appointments: unknown[] } }>('{ me { email appointments { id } } }', {}, token);
  expect(me.errors).toBeUndefined();
  expect(me.data?.me).toEqual({ email: DEFAULT_ADMIN.email, appointments: [] });

  // The outbox relay works on the single embedded connection (polling, no LISTEN): the sign-in's audit
  // event travels outbox → queue → identity's audit log, naming the service that acted.
  const deadline = Date.now() + 15_000;
  let audited: { service: string }[] = [];
  while (!audited.length && Date.now() < deadline) {
    audited = await identity.orm.em.fork().getConnection().execute(`select service from audit_log where action = 'auth.sign_in' limit 1`);
    if (!audited.length) await new Promise((r) => setTimeout(r, 200));
  }
  expect(audited).toEqual([{ service: 'identity' }]);

  // chat on the embedded Postgres: a desk conversation, an encrypted message, the list with it.
  const desk = await post<{ startConversation: { id: string } }>('mutation { startConversation(input: { kind: DESK }) { id } }', {}, token);
  expect(desk.errors).toBeUndefined();
  const sent = await post<{ sendMessage: { body: string } }>(
    'mutation($c: ID!) { sendMessage(input: { conversationId: $c, clientMessageId: "launch-1", body: "Programările de mâine" }) { body } }',
    { c: desk.data!.startConversation.id },
    token,
  );
  expect(sent.data?.sendMessage.body).toBe('Programările de mâine');
  const found = await post<{ searchMessages: { body: string }[] }>('{ searchMessages(query: "programarile") { body } }', {}, token);
  expect(found.data?.searchMessages).toEqual([{ body: 'Programările de mâine' }]);
});

test('the assistant has its read-only partner client: made once under the data folder, known to identity', async () => {
  const file = path.join(dataDir, 'assistant-partner.json');
  expect(existsSync(file)).toBe(true);
  const { clientId, clientSecret } = JSON.parse(readFileSync(file, 'utf8')) as { clientId: string; clientSecret: string };
  const issued = await post<{ partnerToken: { accessToken: string } }>(
    'mutation($id: String!, $secret: String!) { partnerToken(clientId: $id, clientSecret: $secret) { accessToken } }',
    { id: clientId, secret: clientSecret },
  );
  expect(issued.errors).toBeUndefined();
  // It reads free time (availability:read) and nothing of anyone's.
  const suggestions = await post('{ searchSuggestions(text: "cardio") { __typename } }', {}, issued.data!.partnerToken.accessToken);
  expect(suggestions.errors).toBeUndefined();
  const me = await post<{ me: { id: string } | null }>('{ me { id } }', {}, issued.data!.partnerToken.accessToken);
  expect(me.data?.me ?? null).toBeNull();
});

test('subgraphs report ready (database and Redis answer)', async () => {
  for (const s of launched.subgraphs) {
    const res = await fetch(`http://127.0.0.1:${s.port}/ready`);
    expect(res.status).toBe(200);
  }
});

test('documents: a development key is generated under the data folder and a file goes up and comes back through the router', async () => {
  expect(existsSync(path.join(dataDir, 'keys', 'documents-kek'))).toBe(true);
  const signIn = await post<{ signIn: { auth: { accessToken: string } } }>(
    'mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { auth { accessToken } } }',
    { email: DEFAULT_ADMIN.email, password: DEFAULT_ADMIN.password },
  );
  const token = signIn.data!.signIn.auth.accessToken;
  const bytes = Buffer.from('%PDF-1.4\n% a tiny document\n');
  const grant = await post<{ createUpload: { documentId: string; url: string } }>(
    'mutation($size: Int!) { createUpload(type: OTHER, fileName: "a.pdf", size: $size) { documentId url } }',
    { size: bytes.length },
    token,
  );
  const origin = new URL(launched.routerUrl).origin;
  const auth = { authorization: `Bearer ${token}` };
  const put = await fetch(new URL(grant.data!.createUpload.url, origin), { method: 'PUT', headers: auth, body: bytes });
  expect(put.status).toBe(201);
  const doc = await post<{ document: { downloadUrl: string } }>('query($id: ID!) { document(id: $id) { downloadUrl } }', { id: grant.data!.createUpload.documentId }, token);
  const got = await fetch(new URL(doc.data!.document.downloadUrl, origin), { headers: auth });
  expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
});
