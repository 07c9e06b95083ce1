// Upload and download end to end through the real router: bytes come back identical, storage holds
// only ciphertext, refused uploads store nothing, and every way of using a URL one should not fails.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { auditRows, download, grant, pdfBytes, pngBytes, put, startDocuments, upload, userToken, type DocumentsHarness } from '../testing/fixtures.ts';

let h: DocumentsHarness;
const alice = randomUUID();
const bob = randomUUID();
let aliceToken: string;
let bobToken: string;

const DOC = `query($id: ID!) { document(id: $id) { id type fileName contentType size downloadUrl versions { version sha256 } } }`;

beforeAll(async () => {
  h = await startDocuments();
  aliceToken = await userToken(h, alice);
  bobToken = await userToken(h, bob);
});
afterAll(() => h.stop());

afterEach(() => h.shift(0));

async function urlOf(token: string, id: string): Promise<string> {
  const res = await gql<{ document: { downloadUrl: string } | null }>(h.url, DOC, { token, variables: { id } });
  return res.body.data!.document!.downloadUrl;
}

function storedFiles(documentId: string): string[] {
  const dir = path.join(h.dataDir, 'documents', documentId);
  return existsSync(dir) ? readdirSync(dir).map((f) => path.join(dir, f)) : [];
}

describe('upload and download', () => {
  it('returns exactly the uploaded bytes, with type and file name, and stores only ciphertext', async () => {
    const bytes = pngBytes(300_000);
    const id = await upload(h, aliceToken, 'IMAGE', 'raport ș.png', bytes);
    const doc = await gql<{ document: { contentType: string; size: number; versions: { sha256: string }[] } }>(h.url, DOC, { token: aliceToken, variables: { id } });
    expect(doc.body.data!.document).toMatchObject({ contentType: 'image/png', size: bytes.length });

    const got = await download(h, aliceToken, await urlOf(aliceToken, id));
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.headers.get('content-disposition')).toContain(`filename*=UTF-8''raport%20%C8%99.png`);

    const [file] = storedFiles(id);
    const stored = readFileSync(file!);
    for (let offset = 0; offset < bytes.length - 32; offset += 10_007) {
      expect(stored.indexOf(bytes.subarray(offset, offset + 32))).toBe(-1);
    }
    expect(stored.indexOf(Buffer.from('IHDR'))).toBe(-1);
  });

  it('refuses content whose magic bytes are not an accepted format, and stores nothing', async () => {
    const fake = Buffer.concat([Buffer.from('this is not a picture'), pngBytes(100)]);
    const g = await grant(h, aliceToken, { type: 'IMAGE', fileName: 'scan.png', size: fake.length });
    const res = await put(h, aliceToken, g.url, fake);
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ errors: [{ extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] });
    // A PDF is a real format, but not one an IMAGE accepts.
    const pdf = pdfBytes(1000);
    const g2 = await grant(h, aliceToken, { type: 'IMAGE', fileName: 'scan.png', size: pdf.length });
    expect((await put(h, aliceToken, g2.url, pdf)).status).toBe(415);
    expect(storedFiles(g.documentId)).toEqual([]);
    expect(storedFiles(g2.documentId)).toEqual([]);
    const doc = await gql<{ document: unknown }>(h.url, DOC, { token: aliceToken, variables: { id: g.documentId } });
    expect(doc.body.data!.document).toBeNull();
  });

  it('refuses more bytes than announced, also when streamed without a length, and stores nothing', async () => {
    const bytes = pngBytes(200_000);
    const g = await grant(h, aliceToken, { type: 'IMAGE', fileName: 'big.png', size: 1000 });
    expect((await put(h, aliceToken, g.url, bytes)).status).toBe(413);
    const g2 = await grant(h, aliceToken, { type: 'IMAGE', fileName: 'big.png', size: 100_000 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.subarray(i, i + 16_384));
        controller.close();
      },
    });
    const res = await put(h, aliceToken, g2.url, stream);
    expect(res.status).toBe(413);
    expect(storedFiles(g.documentId)).toEqual([]);
    expect(storedFiles(g2.documentId)).toEqual([]);
  });

  it('refuses a size over the type maximum when the upload is requested', async () => {
    const res = await gql(h.url, `mutation { createUpload(type: CONSENT, fileName: "c.pdf", size: 999999999) { url } }`, { token: aliceToken });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('uses an upload URL once, only with the token of the user it was issued to', async () => {
    const bytes = pdfBytes(2000);
    const g = await grant(h, aliceToken, { type: 'LAB_RESULT', fileName: 'lab.pdf', size: bytes.length });
    expect((await put(h, bobToken, g.url, bytes)).status).toBe(403);
    expect((await put(h, null, g.url, bytes)).status).toBe(401);
    expect((await put(h, aliceToken, g.url, bytes)).status).toBe(201);
    expect((await put(h, aliceToken, g.url, bytes)).status).toBe(410);
  });

  it('keeps an upload URL whose upload was refused or cut off, so the right file can still be sent with it', async () => {
    const bytes = pdfBytes(2000);
    const g = await grant(h, aliceToken, { type: 'LAB_RESULT', fileName: 'lab.pdf', size: bytes.length });
    expect((await put(h, aliceToken, g.url, Buffer.concat([bytes, bytes]))).status).toBe(413);
    expect((await put(h, aliceToken, g.url, bytes.subarray(0, 1000))).status).toBe(400);
    expect((await put(h, aliceToken, g.url, bytes)).status).toBe(201);
    expect((await put(h, aliceToken, g.url, bytes)).status).toBe(410);
  });
});

describe('who may download', () => {
  let id: string;
  let url: string;
  const bytes = pdfBytes(5000);
  beforeAll(async () => {
    id = await upload(h, aliceToken, 'LAB_RESULT', 'lab.pdf', bytes);
    url = await urlOf(aliceToken, id);
  });

  it('another patient sees nothing: not by id, not through _entities, not through User.documents, not with the URL', async () => {
    const doc = await gql<{ document: unknown }>(h.url, DOC, { token: bobToken, variables: { id } });
    expect(doc.body.data!.document).toBeNull();
    const entities = await fetch(h.stack.subgraphs.documents!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret', authorization: `Bearer ${bobToken}` },
      body: JSON.stringify({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Document { id downloadUrl } } }`, variables: { r: [{ __typename: 'Document', id }] } }),
    }).then((r) => r.json() as Promise<{ data: { _entities: unknown[] } }>);
    expect(entities.data._entities).toEqual([null]);
    const viaUser = await fetch(h.stack.subgraphs.documents!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-router-secret': 'test-router-secret', authorization: `Bearer ${bobToken}` },
      body: JSON.stringify({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { documents { id } } } }`, variables: { r: [{ __typename: 'User', id: alice }] } }),
    }).then((r) => r.json() as Promise<{ data: { _entities: unknown[] } | null; errors?: { extensions: { code: string } }[] }>);
    expect(viaUser.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await download(h, bobToken, url)).status).toBe(403);
  });

  it('an expired URL, a tampered URL and no token all fail', async () => {
    h.shift(10 * 60_000);
    expect((await download(h, aliceToken, url)).status).toBe(410);
    h.shift(0);
    const token = new URL(url, h.origin).searchParams.get('t')!;
    const [body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as unknown[];
    claims[2] = bob;
    const forged = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    expect((await download(h, bobToken, `/files/download?t=${forged}`)).status).toBe(403);
    const flipped = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await download(h, aliceToken, `/files/download?t=${flipped}`)).status).toBe(403);
    expect((await download(h, null, url)).status).toBe(401);
    expect((await download(h, aliceToken, url)).bytes.equals(bytes)).toBe(true);
  });

  it('writes an audit row for each read and download, and for the refused ones', async () => {
    await download(h, aliceToken, url);
    await download(h, bobToken, url);
    const downloads = (await auditRows(h, 'document.download')).filter((r) => r.resourceId === id || r.actorId === bob);
    expect(downloads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actorId: alice, subjectUserId: alice, outcome: 'SUCCESS' }),
        expect.objectContaining({ actorId: bob, subjectUserId: alice, outcome: 'DENIED', detail: { reason: 'issued_to_another_user' } }),
      ]),
    );
    const reads = (await auditRows(h, 'document.read')).filter((r) => r.resourceId === id);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.actorId === alice)).toBe(true);
  });
});
