// A PNG of a PDF's first page, for its thumbnail. The rendering (pdf.js on a Skia canvas) runs in a
// worker thread with its own memory limit and a deadline: a page takes CPU that the event loop must not
// give up, and a hostile PDF can only kill its worker. The PDF is read whole (pdf.js needs random access),
// so only PDFs up to PDF_PREVIEW_MAX_BYTES get a thumbnail.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export const PDF_PREVIEW_MAX_BYTES = 50 * 1024 * 1024;
const DEADLINE_MS = 60_000;

const standardFontDataUrl = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
const workerFile = path.join(__dirname, 'pdf-first-page.worker.mjs');

export class PdfRenderFailed extends Error {}

/** The first page as a PNG fitting a box×box square (aspect kept), or null when the PDF has no page. */
export function renderPdfFirstPage(pdf: Buffer, box: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    // A copy the worker owns (transferred, not cloned again).
    const data = Uint8Array.from(pdf);
    const worker = new Worker(workerFile, {
      workerData: { pdf: data, box, standardFontDataUrl },
      transferList: [data.buffer],
      resourceLimits: { maxOldGenerationSizeMb: 512 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(() => settle(() => reject(new PdfRenderFailed('rendering the first page took too long'))), DEADLINE_MS);
    worker.once('message', (msg: { png?: Uint8Array | null; error?: string }) =>
      settle(() => (msg.error !== undefined ? reject(new PdfRenderFailed(msg.error)) : resolve(msg.png ? Buffer.from(msg.png.buffer, msg.png.byteOffset, msg.png.byteLength) : null))),
    );
    // Out of memory or a crash: the worker ends without an answer.
    worker.once('error', (error) => settle(() => reject(new PdfRenderFailed(error.message))));
    worker.once('exit', (code) => settle(() => reject(new PdfRenderFailed(`the renderer stopped (exit ${code})`))));
  });
}
