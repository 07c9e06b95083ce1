// Streaming AES-256-GCM: the file is cut into frames of at most FRAME_BYTES, each sealed with its own
// nonce (the frame's index) and tag, so a file of any size is encrypted and decrypted with one frame in
// memory, and a tampered, reordered or truncated file fails to decrypt. The last frame is marked in the
// authenticated data, so cutting frames off the end is detected too. Format:
//   "CDF1" | frames of: flags (1 byte, 1 = last) | plaintext length (4 bytes BE) | ciphertext | tag (16)
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const FRAME_BYTES = 64 * 1024;
const MAGIC = Buffer.from('CDF1');
const TAG_BYTES = 16;
const HEADER_BYTES = 5;

function nonceOf(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

function aadOf(index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad[8] = last ? 1 : 0;
  return aad;
}

function seal(key: Buffer, index: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonceOf(index));
  cipher.setAAD(aadOf(index, last));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = last ? 1 : 0;
  header.writeUInt32BE(plain.length, 1);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** The size of the stored object for a plaintext of `size` bytes. */
export function sealedSize(size: number): number {
  const frames = Math.max(1, Math.ceil(size / FRAME_BYTES));
  return MAGIC.length + size + frames * (HEADER_BYTES + TAG_BYTES);
}

export function encryptStream(key: Buffer): Transform {
  // Bytes not yet sealed; joined with each new chunk once, then cut into frames without copying.
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        this.push(MAGIC);
        started = true;
      }
      let buffered = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // Keep one full frame back: only at the end do we know which frame is the last.
      while (buffered.length > FRAME_BYTES) {
        this.push(seal(key, index++, false, buffered.subarray(0, FRAME_BYTES)));
        buffered = buffered.subarray(FRAME_BYTES);
      }
      pending = Buffer.from(buffered);
      done();
    },
    flush(done: TransformCallback) {
      if (!started) this.push(MAGIC);
      this.push(seal(key, index, true, pending));
      done();
    },
  });
}

export class DecryptionError extends Error {}

export function decryptStream(key: Buffer): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let index = 0;
  let sawMagic = false;
  let sawLast = false;
  const drain = (push: (b: Buffer) => void) => {
    if (!sawMagic) {
      if (buffered.length < MAGIC.length) return;
      if (!buffered.subarray(0, MAGIC.length).equals(MAGIC)) throw new DecryptionError('not an encrypted document');
      buffered = buffered.subarray(MAGIC.length);
      sawMagic = true;
    }
    while (buffered.length >= HEADER_BYTES) {
      if (sawLast) throw new DecryptionError('data after the last frame');
      const last = buffered[0] === 1;
      const length = buffered.readUInt32BE(1);
      if (length > FRAME_BYTES) throw new DecryptionError('frame too large');
      const total = HEADER_BYTES + length + TAG_BYTES;
      if (buffered.length < total) return;
      const decipher = createDecipheriv('aes-256-gcm', key, nonceOf(index));
      decipher.setAAD(aadOf(index, last));
      decipher.setAuthTag(buffered.subarray(HEADER_BYTES + length, total));
      push(Buffer.concat([decipher.update(buffered.subarray(HEADER_BYTES, HEADER_BYTES + length)), decipher.final()]));
      buffered = buffered.subarray(total);
      index += 1;
      sawLast = last;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      try {
        drain((b) => this.push(b));
        done();
      } catch (error) {
        done(error instanceof DecryptionError ? error : new DecryptionError('document failed authentication'));
      }
    },
    flush(done: TransformCallback) {
      if (!sawLast || buffered.length > 0) return done(new DecryptionError('document is truncated'));
      done();
    },
  });
}
