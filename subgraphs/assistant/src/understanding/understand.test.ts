// The labelled set (labelled-utterances.json, English and Romanian) scored against the rule-based
// understanding with a floor per language, plus the date phrases of the issue resolved exactly.
import { fold } from './text.ts';
import { loadLabelledSet, scoreLanguage, understandLabelled } from './labelled-set.ts';

const set = loadLabelledSet();
const run = (text: string) => understandLabelled(set, text);

test('the labelled set has at least 200 utterances in both languages', () => {
  expect(set.utterances.length).toBeGreaterThanOrEqual(200);
  expect(set.utterances.filter((u) => u.lang === 'ro').length).toBeGreaterThanOrEqual(100);
});

for (const lang of ['en', 'ro'] as const) {
  test(`${lang}: intent accuracy ≥ 0.9, entity recall ≥ 0.9, language detected ≥ 0.9`, () => {
    const score = scoreLanguage(set, lang);
    if (score.misses.length) console.log(`${lang} misses:\n${score.misses.join('\n')}`);
    expect(score.intentAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(score.languageAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(score.entityRecall).toBeGreaterThanOrEqual(0.9);
  });
}

test('the issue’s date phrases resolve in the patient’s zone (Wednesday 10 March 2027, Bucharest)', () => {
  const value = (text: string, kind: string) => run(text).entities.find((e) => e.kind === kind)?.value;
  expect(value('tomorrow afternoon', 'DATE')).toBe('2027-03-11');
  expect(value('tomorrow afternoon', 'PART_OF_DAY')).toBe('AFTERNOON');
  expect(value('next Tuesday at 3', 'DATETIME')).toBe('2027-03-16T15:00:00+02:00');
  expect(value('in two weeks', 'DATE')).toBe('2027-03-24');
  expect(value('mâine dimineață', 'DATE')).toBe('2027-03-11');
  expect(value('mâine dimineață', 'PART_OF_DAY')).toBe('MORNING');
  expect(value('joi viitoare la 10', 'DATETIME')).toBe('2027-03-18T10:00:00+02:00');
  expect(value('poimâine după-amiază', 'DATE')).toBe('2027-03-12');
  // across the spring-forward change (28 March 2027 in Bucharest) the offset is the one of that day
  expect(value('2 aprilie la 9', 'DATETIME')).toBe('2027-04-02T09:00:00+03:00');
  expect(value('on April 2 at 9am', 'DATETIME')).toBe('2027-04-02T09:00:00+03:00');
});

test('red flags win over everything and are never a booking', () => {
  for (const text of ['I want to book, I have chest pain', 'vreau programare, am dureri în piept', 'nu pot respira']) {
    const got = run(text);
    expect(got.intent).toBe('EMERGENCY');
    expect(got.entities.some((e) => e.kind === 'RED_FLAG')).toBe(true);
  }
});

test('corrections, sentiment and accent folding', () => {
  expect(run('no, Friday instead').correction).toBe(true);
  expect(run('no, Friday instead').entities.find((e) => e.kind === 'DATE')?.value).toBe('2027-03-12');
  expect(run('nu, mai bine vineri').correction).toBe(true);
  expect(run('nu, mai bine vineri').entities.find((e) => e.kind === 'DATE')?.value).toBe('2027-03-12');
  expect(run('this is terrible, useless service').sentiment).toBe('NEGATIVE');
  expect(run('sunt foarte supărat, e groaznic').sentiment).toBe('NEGATIVE');
  expect(run('great, thank you').sentiment).toBe('POSITIVE');
  expect(run('not good').sentiment).toBe('NEGATIVE');
  expect(fold('Mâine după-amiază la Dr. Ionescu, ș ţ')).toBe('maine dupa-amiaza la dr ionescu s t');
});
