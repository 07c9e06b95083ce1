// The framed AES-256-GCM stream: round trips at frame boundaries, and refuses tampered, reordered,
// truncated or foreign ciphertext instead of yielding wrong bytes.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { decryptStream, encryptStream, FRAME_BYTES, sealedSize } from './framed-gcm.ts';

const key = randomBytes(32);
const seal = (plain: Buffer, k = key) => buffer(Readable.from(chunks(plain)).pipe(encryptStream(k)));
const open = (sealed: Buffer, k = key) => buffer(Readable.from(chunks(sealed)).pipe(decryptStream(k)));

function* chunks(data: Buffer, size = 7_001) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('framed AES-256-GCM', () => {
  it.each([0, 1, FRAME_BYTES - 1, FRAME_BYTES, FRAME_BYTES + 1, 3 * FRAME_BYTES + 17])('round-trips %i bytes', async (size) => {
    const plain = randomBytes(size);
    const sealed = await seal(plain);
    expect(sealed.length).toBe(sealedSize(size));
    expect((await open(sealed)).equals(plain)).toBe(true);
  });

  it('refuses a flipped bit, a dropped last frame, swapped frames and another key', async () => {
    const plain = randomBytes(3 * FRAME_BYTES);
    const sealed = await seal(plain);
    const flipped = Buffer.from(sealed);
    flipped[100] = flipped[100]! ^ 1;
    await expect(open(flipped)).rejects.toThrow();
    const frame = 5 + FRAME_BYTES + 16;
    await expect(open(sealed.subarray(0, 4 + 2 * frame))).rejects.toThrow(/truncated/);
    const swapped = Buffer.concat([sealed.subarray(0, 4), sealed.subarray(4 + frame, 4 + 2 * frame), sealed.subarray(4, 4 + frame), sealed.subarray(4 + 2 * frame)]);
    await expect(open(swapped)).rejects.toThrow();
    await expect(open(sealed, randomBytes(32))).rejects.toThrow();
  });
});
