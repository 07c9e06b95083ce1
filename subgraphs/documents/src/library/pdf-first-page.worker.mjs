// Renders the first page of a PDF to a PNG no larger than the given box, in a worker thread: pdf.js
// (Apache-2.0, pure JavaScript) draws on @napi-rs/canvas (Skia, prebuilt in its npm package), so nothing is
// downloaded at run time and no system package is needed. Plain ESM on purpose: pdf.js ships only ESM,
// and a worker runs it with Node's own loader whatever loaded the service (tsx, jest). The worker stays
// up and takes one request at a time, so pdf.js is loaded once.
// In: { id, pdf: Uint8Array, box: number } messages. Out: { id, png: Uint8Array | null } or { id, error }.
import { parentPort, workerData } from 'node:worker_threads';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const { standardFontDataUrl } = workerData;

async function render(pdf, box) {
  const task = getDocument({ data: pdf, standardFontDataUrl, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 });
  const doc = await task.promise;
  try {
    if (doc.numPages < 1) return null;
    const page = await doc.getPage(1);
    const natural = page.getViewport({ scale: 1 });
    const scale = Math.min(box / natural.width, box / natural.height);
    const viewport = page.getViewport({ scale });
    const canvas = createCanvas(Math.max(1, Math.round(viewport.width)), Math.max(1, Math.round(viewport.height)));
    const context = canvas.getContext('2d');
    // Paper is white; a transparent page would look blank on a dark background.
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvas, canvasContext: context, viewport }).promise;
    return new Uint8Array(await canvas.encode('png'));
  } finally {
    await doc.destroy();
  }
}

let queue = Promise.resolve();
parentPort.on('message', ({ id, pdf, box }) => {
  queue = queue.then(() =>
    render(pdf, box).then(
      (png) => parentPort.postMessage({ id, png }, png ? [png.buffer] : []),
      (error) => parentPort.postMessage({ id, error: String(error?.message ?? error) }),
    ),
  );
});
