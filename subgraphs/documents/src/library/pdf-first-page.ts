// A PNG of a PDF's first page, for its thumbnail. The rendering (pdf.js on a Skia canvas) runs in one
// long-lived worker thread with its own memory limit: a page takes CPU that the event loop must not give
// up, pdf.js is loaded once, and a hostile PDF can only kill the worker (a new one starts on the next
// request; one that misses its deadline is ended). The PDF is read whole (pdf.js needs random access),
// so only PDFs up to PDF_PREVIEW_MAX_BYTES get a thumbnail.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export const PDF_PREVIEW_MAX_BYTES = 50 * 1024 * 1024;
const DEADLINE_MS = 60_000;

const standardFontDataUrl = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
const workerFile = path.join(__dirname, 'pdf-first-page.worker.mjs');

export class PdfRenderFailed extends Error {}

type Pending = { resolve: (png: Buffer | null) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
let worker: Worker | null = null;
const pending = new Map<number, Pending>();
let nextId = 1;

function failAll(error: Error) {
  for (const [id, p] of pending) {
    clearTimeout(p.timer);
    p.reject(error);
    pending.delete(id);
  }
}

function renderer(): Worker {
  if (worker) return worker;
  const started = new Worker(workerFile, { workerData: { standardFontDataUrl }, resourceLimits: { maxOldGenerationSizeMb: 512 }, stdout: true, stderr: true });
  // Idle, it does not keep the process alive.
  started.unref();
  started.on('message', (msg: { id: number; png?: Uint8Array | null; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) started.unref();
    clearTimeout(p.timer);
    if (msg.error !== undefined) p.reject(new PdfRenderFailed(msg.error));
    else p.resolve(msg.png ? Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength) : null);
  });
  // Out of memory or a crash: whatever it was doing fails; the next request starts a new worker.
  started.on('error', (error) => failAll(new PdfRenderFailed(error.message)));
  started.on('exit', (code) => {
    if (worker === started) worker = null;
    failAll(new PdfRenderFailed(`the renderer stopped (exit ${code})`));
  });
  worker = started;
  return started;
}

/** The first page as a PNG fitting a box×box square (aspect kept), or null when the PDF has no page. */
export function renderPdfFirstPage(pdf: Buffer, box: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const target = renderer();
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new PdfRenderFailed('rendering the first page took too long'));
      // A render that hangs holds the worker: end it (the others waiting on it fail with it).
      void target.terminate();
    }, DEADLINE_MS);
    pending.set(id, { resolve, reject, timer });
    target.ref();
    // A copy the worker owns (transferred, not cloned again).
    const data = Uint8Array.from(pdf);
    target.postMessage({ id, pdf: data, box }, [data.buffer]);
  });
}

/** Starts the worker ahead of the first PDF, so that one does not wait for pdf.js to load. */
export function warmPdfRenderer(): void {
  renderer();
}

/** Ends the worker (service shutdown, tests). */
export async function stopPdfRenderer(): Promise<void> {
  const running = worker;
  worker = null;
  if (running) await running.terminate();
}
