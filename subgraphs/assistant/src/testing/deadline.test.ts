// The cancel-deadline tests need an appointment that is inside the 24 h deadline at any hour CI runs them:
// "tomorrow at 9" was more than a day away after midnight in Bucharest, and those tests failed there.
import { DateTime } from 'luxon';
import { insideTheDeadline, ZONE } from './clinic.ts';

test('at every quarter hour of a day, the slot is in the doctor hours, at least 3 h and less than 24 h away', () => {
  const midnight = DateTime.fromISO('2026-12-01T00:00', { zone: ZONE }) as DateTime<true>;
  for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
    const now = midnight.plus({ minutes });
    const slot = insideTheDeadline(now).setZone(ZONE);
    const away = slot.diff(now, 'hours').hours;
    expect({ at: now.toFormat('HH:mm'), inHours: slot.hour >= 9 && slot.hour < 17 && slot.minute === 0, farEnough: away >= 3, insideDeadline: away < 24 })
      .toEqual({ at: now.toFormat('HH:mm'), inHours: true, farEnough: true, insideDeadline: true });
  }
});
