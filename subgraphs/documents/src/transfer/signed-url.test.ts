// Signed transfer tokens: valid for their purpose until expiry, and nothing else.
import { randomBytes } from 'node:crypto';
import { signTransfer, verifyTransfer } from './signed-url.ts';

const secret = randomBytes(32);
const claims = { purpose: 'download' as const, subject: 'v1', userId: 'u1', expiresAt: Date.now() + 60_000 };

describe('transfer tokens', () => {
  it('verify for their purpose before expiry', () => {
    expect(verifyTransfer(secret, signTransfer(secret, claims), 'download')).toEqual(claims);
  });
  it('are refused when expired, for another purpose, signed with another secret or altered', () => {
    const token = signTransfer(secret, claims);
    expect(() => verifyTransfer(secret, token, 'download', claims.expiresAt)).toThrow(/expired/);
    expect(() => verifyTransfer(secret, token, 'upload')).toThrow(/malformed/);
    expect(() => verifyTransfer(randomBytes(32), token, 'download')).toThrow(/bad-signature/);
    const [body, sig] = token.split('.');
    const altered = Buffer.from(Buffer.from(body!, 'base64url').toString().replace('u1', 'u2')).toString('base64url');
    expect(() => verifyTransfer(secret, `${altered}.${sig}`, 'download')).toThrow(/bad-signature/);
    expect(() => verifyTransfer(secret, 'garbage', 'download')).toThrow(/malformed/);
  });
});
