// Thumbnails: made once when an image version is stored, served like downloads (bound to the user,
// access re-checked), stored encrypted; PDFs have none.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { download, pdfBytes, startDocuments, upload, userToken, type DocumentsHarness } from '../testing/fixtures.ts';

let h: DocumentsHarness;
const owner = randomUUID();
let ownerToken: string;

beforeAll(async () => {
  h = await startDocuments();
  ownerToken = await userToken(h, owner);
});
afterAll(() => h.stop());

const PREVIEW = `query($id: ID!) { document(id: $id) { previewUrl versions { previewUrl } } }`;

it('an image gets a PNG thumbnail of at most 256×256, stored encrypted and served only to its reader', async () => {
  const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg().toBuffer();
  const id = await upload(h, ownerToken, 'IMAGE', 'rash.jpg', photo);
  const res = await gql<{ document: { previewUrl: string | null; versions: { previewUrl: string | null }[] } }>(h.url, PREVIEW, { token: ownerToken, variables: { id } });
  const url = res.body.data!.document.previewUrl!;
  expect(url).toContain('/files/preview?t=');
  const got = await download(h, ownerToken, url);
  expect(got.status).toBe(200);
  expect(got.headers.get('content-type')).toBe('image/png');
  const meta = await sharp(got.bytes).metadata();
  expect(meta).toMatchObject({ format: 'png', width: 256, height: 171 });

  const files = readdirSync(path.join(h.dataDir, 'documents', id));
  expect(files).toHaveLength(2);
  const stored = readFileSync(path.join(h.dataDir, 'documents', id, files.find((f) => f.endsWith('-preview'))!));
  expect(stored.indexOf(got.bytes.subarray(0, 8))).toBe(-1);
  expect(stored.indexOf(got.bytes.subarray(100, 132))).toBe(-1);

  expect((await download(h, await userToken(h, randomUUID()), url)).status).toBe(403);
});

it('a PDF has no thumbnail', async () => {
  const id = await upload(h, ownerToken, 'LAB_RESULT', 'a.pdf', pdfBytes(100));
  const res = await gql<{ document: { previewUrl: string | null } }>(h.url, PREVIEW, { token: ownerToken, variables: { id } });
  expect(res.body.data!.document.previewUrl).toBeNull();
});
