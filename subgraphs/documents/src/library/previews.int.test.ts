// Thumbnails: made once when an image or PDF version is stored (a PDF's first page), served like
// downloads (bound to the user, access re-checked), stored encrypted.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import PDFDocument from 'pdfkit';
import { gql } from '@clinic/router/src/testing/harness.ts';
import { addAppointment, download, pdfBytes, startDocuments, upload, userToken, type DocumentsHarness } from '../testing/fixtures.ts';

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

/** An A4 PDF whose first page is black in its upper half and white below (a second page is all black). */
function twoPagePdf(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 0 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.rect(0, 0, 595.28, 420).fill('#000000');
  doc.fillColor('#000000').fontSize(40).text('Rezultate analize', 60, 600);
  doc.addPage().rect(0, 0, 595.28, 841.89).fill('#000000');
  doc.end();
  return done;
}

it('a PDF gets a PNG of its first page, once, at most 256×256, not blank', async () => {
  const id = await upload(h, ownerToken, 'LAB_RESULT', 'results.pdf', await twoPagePdf());
  const res = await gql<{ document: { previewUrl: string | null; versions: { previewUrl: string | null }[] } }>(h.url, PREVIEW, { token: ownerToken, variables: { id } });
  const url = res.body.data!.document.previewUrl;
  expect(url).toContain('/files/preview?t=');
  const got = await download(h, ownerToken, url!);
  expect(got.status).toBe(200);
  expect(got.headers.get('content-type')).toBe('image/png');
  // A4 (595×842 pt) fitted into 256×256.
  const { data, info } = await sharp(got.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info).toMatchObject({ width: 181, height: 256, channels: 3 });
  const luminance = (x: number, y: number) => data[(y * info.width + x) * 3]!;
  // The first page, drawn: black above, white paper below (the second page would be black everywhere).
  expect(luminance(90, 60)).toBeLessThan(40);
  expect(luminance(90, 250)).toBeGreaterThan(215);
  let dark = 0;
  for (let i = 0; i < data.length; i += 3) if (data[i]! < 128) dark += 1;
  expect(dark / (info.width * info.height)).toBeGreaterThan(0.4);
  expect(dark / (info.width * info.height)).toBeLessThan(0.6);

  // Made once per version: the stored, encrypted thumbnail sits beside the file.
  const files = readdirSync(path.join(h.dataDir, 'documents', id));
  expect(files.filter((f) => f.endsWith('-preview'))).toHaveLength(1);
  expect((await download(h, await userToken(h, randomUUID()), url!)).status).toBe(403);
});

it('a generated PDF (the appointment confirmation) has a first-page thumbnail too', async () => {
  const appointmentId = await addAppointment(h, owner, randomUUID());
  const res = await gql<{ generateAppointmentConfirmation: { previewUrl: string | null } }>(
    h.url,
    `mutation($a: ID!) { generateAppointmentConfirmation(appointmentId: $a, language: RO) { previewUrl } }`,
    { token: ownerToken, variables: { a: appointmentId } },
  );
  const url = res.body.data!.generateAppointmentConfirmation.previewUrl;
  expect(url).toContain('/files/preview?t=');
  const got = await download(h, ownerToken, url!);
  const { data, info } = await sharp(got.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.height).toBe(256);
  // Text on white paper: some ink, mostly paper.
  let ink = 0;
  for (let i = 0; i < data.length; i += 3) if (data[i]! < 160) ink += 1;
  expect(ink).toBeGreaterThan(50);
  expect(ink / (info.width * info.height)).toBeLessThan(0.5);
});

it('bytes that only start like a PDF get no thumbnail, and the upload stands', async () => {
  const id = await upload(h, ownerToken, 'LAB_RESULT', 'a.pdf', pdfBytes(100));
  const res = await gql<{ document: { previewUrl: string | null; downloadUrl: string } }>(h.url, `query($id: ID!) { document(id: $id) { previewUrl downloadUrl } }`, { token: ownerToken, variables: { id } });
  expect(res.body.data!.document.previewUrl).toBeNull();
  expect(res.body.data!.document.downloadUrl).toContain('/files/download');
});
