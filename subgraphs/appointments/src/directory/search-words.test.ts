// The words patients type lead to the stems doctors' specialisations share, in English and Romanian.
import { fold, languageSpellings, specialityStems } from './search-words.ts';

test('case and accents do not matter', () => {
  expect(fold('  Inimă ')).toBe('inima');
  expect(fold('Română')).toBe('romana');
});

test('everyday words and translations lead to the speciality stem', () => {
  for (const typed of ['cardio', 'CARDIO', 'heart', 'Cardiologie', 'inimă', 'cardiolog']) expect(specialityStems(typed)).toContain('cardio');
  expect(specialityStems('skin')).toContain('dermato');
  expect(specialityStems('hear')).toContain('cardio'); // typing, not finished yet
  expect(specialityStems('xy')).toEqual(['xy']); // too short to guess
});

test('languages by name in either language, or by code', () => {
  expect(languageSpellings('română')).toContain('ro');
  expect(languageSpellings('English')).toContain('en');
  expect(languageSpellings('en')).toContain('english');
  expect(languageSpellings('cardio')).toBeNull();
});
