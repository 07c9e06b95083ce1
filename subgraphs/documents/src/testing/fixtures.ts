// Test fixtures: the documents subgraph behind the real router on the real Postgres/Redis, with its
// files under a throw-away DATA_DIR, a keyring and a clock the tests can change, and helpers to upload
// and download the way a client does (GraphQL grant, then PUT/GET on the router's /files routes).
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { createTestKeys, signTestToken, type TestKeys } from '@clinic/service-kit/testing';
import { gql, startStack, type Stack } from '@clinic/router/src/testing/harness.ts';
import { createDocumentsSubgraph } from '../service.ts';
import { loadDocumentsSettings, type DocumentsSettings } from '../settings.ts';
import { applyAppointmentJob } from '../appointments/appointment-parties.ts';

export interface DocumentsHarness {
  keys: TestKeys;
  stack: Stack;
  settings: DocumentsSettings;
  dataDir: string;
  url: string;
  origin: string;
  /** Moves the service's clock by this many ms from real time. */
  shift(ms: number): void;
  stop(): Promise<void>;
}

export const testKek = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

export async function startDocuments(env: Record<string, string> = {}): Promise<DocumentsHarness> {
  const keys = await createTestKeys();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'documents-'));
  let offset = 0;
  const settings = { ...loadDocumentsSettings({ NODE_ENV: 'test', DATA_DIR: dataDir, DOCUMENTS_KEYS: testKek('k1'), ...env }), now: () => new Date(Date.now() + offset) };
  const def = createDocumentsSubgraph({ settings, queuePrefix: `t${randomBytes(4).toString('hex')}-`, relayPollMs: 50 });
  const stack = await startStack(keys, [def]);
  return {
    keys,
    stack,
    settings,
    dataDir,
    url: stack.router.url,
    origin: new URL(stack.router.url).origin,
    shift: (ms) => {
      offset = ms;
    },
    stop: async () => {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const userToken = (h: DocumentsHarness, sub: string, roles: string[] = ['PATIENT'], permissions: string[] = []) =>
  signTestToken(h.keys, { sub, roles, permissions });

/** Tells the service who takes part in an appointment, as the appointments service's event would. */
export async function addAppointment(h: DocumentsHarness, patientId: string, doctorId: string, consultationType = 'IN_PERSON', documentIds?: string[]): Promise<string> {
  const appointmentId = randomUUID();
  const startsAt = new Date(Date.UTC(2026, 11, 7, 9, 30));
  await applyAppointmentJob(h.stack.subgraphs.documents!.orm.em.fork(), {
    eventId: randomUUID(),
    topic: 'appointment.requested',
    payload: {
      appointmentId,
      patientId,
      doctorId,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 30 * 60_000).toISOString(),
      consultationType,
      status: 'APPROVED',
      ...(documentIds ? { documentIds } : {}),
    },
    createdAt: new Date().toISOString(),
  });
  return appointmentId;
}

const CREATE_UPLOAD = `mutation($type: DocumentType!, $fileName: String!, $size: Int!, $appointmentId: ID) {
  createUpload(type: $type, fileName: $fileName, size: $size, appointmentId: $appointmentId) { documentId url method expiresAt maxBytes }
}`;
const CREATE_VERSION = `mutation($documentId: ID!, $fileName: String!, $size: Int!) {
  createVersionUpload(documentId: $documentId, fileName: $fileName, size: $size) { documentId url method expiresAt maxBytes }
}`;

export interface Grant {
  documentId: string;
  url: string;
}

export async function grant(h: DocumentsHarness, token: string, input: { type: string; fileName: string; size: number; appointmentId?: string }): Promise<Grant> {
  const res = await gql<{ createUpload: Grant }>(h.url, CREATE_UPLOAD, { token, variables: input });
  if (!res.body.data?.createUpload) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.createUpload;
}

export async function grantVersion(h: DocumentsHarness, token: string, input: { documentId: string; fileName: string; size: number }): Promise<Grant> {
  const res = await gql<{ createVersionUpload: Grant }>(h.url, CREATE_VERSION, { token, variables: input });
  if (!res.body.data?.createVersionUpload) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.createVersionUpload;
}

export async function put(h: DocumentsHarness, token: string | null, url: string, body: Buffer | ReadableStream<Uint8Array>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(url, h.origin), {
    method: 'PUT',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body,
    ...(body instanceof Buffer ? {} : { duplex: 'half' }),
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** createUpload + PUT; returns the document id. */
export async function upload(h: DocumentsHarness, token: string, type: string, fileName: string, bytes: Buffer, appointmentId?: string): Promise<string> {
  const g = await grant(h, token, { type, fileName, size: bytes.length, appointmentId });
  const res = await put(h, token, g.url, bytes);
  if (res.status !== 201) throw new Error(`upload failed ${res.status} ${JSON.stringify(res.json)}`);
  return g.documentId;
}

export async function download(h: DocumentsHarness, token: string | null, url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(new URL(url, h.origin), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A PNG's structure (signature, IHDR, one IDAT of `extra` random bytes, IEND): its magic bytes say image/png. */
export function pngBytes(extra: number): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex');
  const idat = Buffer.alloc(8);
  idat.writeUInt32BE(extra, 0);
  idat.write('IDAT', 4, 'latin1');
  return Buffer.concat([signature, ihdr, idat, randomBytes(extra + 4), Buffer.from('0000000049454e44ae426082', 'hex')]);
}

/** A minimal PDF header followed by random bytes. */
export function pdfBytes(extra: number): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), randomBytes(extra)]);
}

/** Every audit event the service wrote to its outbox for this action. */
export async function auditRows(h: DocumentsHarness, action: string): Promise<Record<string, unknown>[]> {
  const rows = await h.stack.subgraphs.documents!.orm.em.fork().execute<{ payload: Record<string, unknown> }[]>(
    `select payload from outbox_events where topic = 'audit.recorded' and payload->>'action' = ? order by created_at`,
    [action],
  );
  return rows.map((r) => r.payload);
}
