// Encryption and the blind index without a database: ciphertext never contains the text, a wrong key fails
// (GCM), and stemmed, accent-folded English and Romanian forms meet on a shared term.
import { randomBytes } from 'node:crypto';
import { createChatKeys, loadKek } from './keys.ts';
import { createBlindIndex, forms } from './blind-index.ts';

test('bodies are sealed with a per-conversation key and open only with it', () => {
  const keys = createChatKeys(randomBytes(32));
  const a = keys.newWrappedKey();
  const b = keys.newWrappedKey();
  const sealed = keys.encrypt(a, 'blood test results tomorrow');
  expect(sealed).not.toContain('blood');
  expect(keys.encrypt(a, 'same')).not.toBe(keys.encrypt(a, 'same'));
  expect(keys.decrypt(a, sealed)).toBe('blood test results tomorrow');
  expect(() => keys.decrypt(b, sealed)).toThrow();
  expect(() => createChatKeys(randomBytes(32)).decrypt(a, sealed)).toThrow();
});

test('the KEK is required in production and must be 32 bytes', () => {
  expect(() => loadKek({ NODE_ENV: 'production' })).toThrow(/CHAT_KEK is required/);
  expect(() => loadKek({ CHAT_KEK: randomBytes(16).toString('base64') })).toThrow(/32 bytes/);
  const kek = randomBytes(32);
  expect(loadKek({ CHAT_KEK: kek.toString('base64'), NODE_ENV: 'production' }).equals(kek)).toBe(true);
});

test('stemmed and accent-folded forms meet (English and Romanian, cedilla or comma letters)', () => {
  const shares = (x: string, y: string) => forms(x).some((f) => forms(y).includes(f));
  expect(shares('prescriptions', 'prescription')).toBe(true);
  expect(shares('rețetele', 'reteta')).toBe(true);
  expect(shares('analizele', 'analiza')).toBe(true);
  expect(shares('Ştiinţa', 'știința')).toBe(true);
  expect(shares('prescription', 'reteta')).toBe(false);
  expect(forms('2026')).toEqual(['2026']);
  expect(shares('14', '14')).toBe(true);
});

test('terms are keyed: another key gives other terms, and no term is the word', () => {
  const one = createBlindIndex(randomBytes(32));
  const two = createBlindIndex(randomBytes(32));
  const terms = one.termsOf('Prescriptions ready');
  expect(terms.some((t) => two.termsOf('Prescriptions ready').includes(t))).toBe(false);
  expect(terms.join(' ')).not.toMatch(/prescri|ready/i);
  expect(one.queryTerms('prescription')[0]!.some((t) => terms.includes(t))).toBe(true);
});

test('remembered words give the same terms as a fresh index, in any order of texts', () => {
  const key = randomBytes(32);
  const warm = createBlindIndex(key);
  warm.termsOf('analizele sunt gata, prescriptions ready');
  expect(warm.termsOf('Prescriptions: analizele')).toEqual(createBlindIndex(key).termsOf('Prescriptions: analizele'));
  expect(warm.queryTerms('ready rețetele')).toEqual(createBlindIndex(key).queryTerms('ready rețetele'));
});
