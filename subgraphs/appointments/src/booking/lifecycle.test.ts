// Lifecycle: allowed transitions pass, refused ones carry a clear CONFLICT.
import { DomainError } from '@clinic/service-kit';
import { assertTransition, canTransition } from './lifecycle.ts';

test('allowed transitions', () => {
  expect(canTransition('REQUESTED', 'APPROVED')).toBe(true);
  expect(canTransition('REQUESTED', 'DECLINED')).toBe(true);
  expect(canTransition('REQUESTED', 'CANCELLED')).toBe(true);
  expect(canTransition('APPROVED', 'COMPLETED')).toBe(true);
  expect(canTransition('APPROVED', 'NO_SHOW')).toBe(true);
  expect(canTransition('APPROVED', 'CANCELLED')).toBe(true);
});

test.each([
  ['DECLINED', 'APPROVED'],
  ['CANCELLED', 'APPROVED'],
  ['REQUESTED', 'COMPLETED'],
  ['REQUESTED', 'NO_SHOW'],
  ['COMPLETED', 'CANCELLED'],
  ['APPROVED', 'DECLINED'],
] as const)('%s → %s is refused with CONFLICT', (from, to) => {
  try {
    assertTransition(from, to);
    throw new Error('expected a refusal');
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('CONFLICT');
    expect((error as DomainError).message).toBe(`An appointment that is ${from} cannot become ${to}`);
  }
});
