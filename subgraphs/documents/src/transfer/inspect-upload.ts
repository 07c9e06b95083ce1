// The first stage an uploaded byte passes: holds back the head until the real type can be read from
// its magic bytes (`file-type`), refuses formats the document type does not accept, stops the stream
// as soon as it grows past the allowed size, and hashes (SHA-256) everything that passes.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import FileType from 'file-type';
import { acceptedFormat, FORMATS, type DocumentTypeRule } from '../catalog/document-types.ts';

const HEAD_BYTES = 4100;

export class UploadRefused extends Error {
  constructor(
    readonly code: 'UNSUPPORTED_FORMAT' | 'TOO_LARGE' | 'SIZE_MISMATCH',
    message: string,
  ) {
    super(message);
  }
}

export interface InspectedUpload extends Transform {
  /** Known once the stream has ended. */
  outcome(): { contentType: string; size: number; sha256: string };
}

export function inspectUpload(rule: DocumentTypeRule, maxBytes: number): InspectedUpload {
  const hash = createHash('sha256');
  let head: Buffer[] = [];
  let headBytes = 0;
  let contentType: string | null = null;
  let size = 0;

  const detect = async (): Promise<Buffer> => {
    const bytes = Buffer.concat(head);
    head = [];
    const found = await FileType.fromBuffer(bytes);
    const format = acceptedFormat(rule, found?.mime);
    if (!format) {
      throw new UploadRefused('UNSUPPORTED_FORMAT', `The file's content is ${found?.mime ?? 'not a recognised format'}; ${rule.type} accepts ${rule.formats.join(', ')}`);
    }
    contentType = FORMATS[format];
    return bytes;
  };

  const stream = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (size > maxBytes) return done(new UploadRefused('TOO_LARGE', `The file is larger than the ${maxBytes} bytes allowed`));
      hash.update(chunk);
      if (contentType) return done(null, chunk);
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < HEAD_BYTES) return done();
      detect().then((bytes) => done(null, bytes), done);
    },
    flush(done: TransformCallback) {
      if (contentType) return done();
      detect().then((bytes) => done(null, bytes), done);
    },
  }) as InspectedUpload;
  stream.outcome = () => {
    if (!contentType) throw new Error('upload not finished');
    return { contentType, size, sha256: hash.digest('hex') };
  };
  return stream;
}
