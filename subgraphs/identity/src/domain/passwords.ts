// Password hashing with argon2id (OWASP parameters), plus hashing of opaque secrets (refresh tokens,
// reset tokens, recovery codes) with SHA-256: they are long random values, so a fast hash is enough.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */ as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export async function verifyPassword(hashed: string | null, password: string): Promise<boolean> {
  // Unknown users still cost one verify, so timing does not reveal which e-mails exist.
  const target = hashed ?? DUMMY;
  try {
    const ok = await verify(target, password);
    return ok && hashed !== null;
  } catch {
    return false;
  }
}

const DUMMY = '$argon2id$v=19$m=19456,t=2,p=1$F4HlIMhRscW9AShnrdMOFg$hm/g7TE7rp81cGnT6+6wTPIFPGCtSzE6NhnEbdlfPyk';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
