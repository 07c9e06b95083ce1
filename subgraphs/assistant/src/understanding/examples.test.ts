// Labelled examples extend the rules: the same message takes the label, a similar one (other day, other filler
// words) too, an unrelated one does not, and a clear rule is never overridden.
import { understand } from './understand.ts';
import type { LabelledExample } from './examples.ts';

const now = new Date('2027-03-10T10:00:00Z');
const examples: LabelledExample[] = [{ language: 'en', foldedText: 'can i pop in on friday', intent: 'BOOK', entities: [{ kind: 'SPECIALITY', value: 'DERMATOLOGY' }] }];
const run = (text: string, withExamples = true) => understand({ text, now, zone: 'Europe/Bucharest', ...(withExamples ? { examples } : {}) });

test('the labelled message, and a similar one, take the label; others do not', () => {
  expect(run('Can I pop in on Friday?', false).intent).toBe('OUT_OF_SCOPE');
  const same = run('Can I pop in on Friday?');
  expect(same).toMatchObject({ intent: 'BOOK', confidence: 0.95 });
  expect(same.entities).toContainEqual({ kind: 'SPECIALITY', text: 'DERMATOLOGY', value: 'DERMATOLOGY' });
  expect(same.entities.find((e) => e.kind === 'DATE')?.value).toBe('2027-03-12');
  expect(run('could I pop in next Tuesday').intent).toBe('BOOK');
  expect(run('where do I pop my coat').intent).toBe('OUT_OF_SCOPE');
  expect(run('I want to cancel my appointment').intent).toBe('CANCEL');
  expect(run('can I pop in on Friday, I have chest pain').intent).toBe('EMERGENCY');
});
