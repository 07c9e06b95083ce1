// What a role starts with before an admin changes it: in-app and e-mail for everything, SMS for reminders,
// waiting-list offers and security, push and chat off until a device or conversation exists.
import type { Channel, NotificationType } from '../entities/index.ts';

export function builtInDefault(_role: string, type: NotificationType, channel: Channel): boolean {
  if (channel === 'IN_APP' || channel === 'EMAIL') return true;
  if (channel === 'SMS') return type === 'REMINDERS' || type === 'WAITLIST_OFFERS' || type === 'SECURITY';
  return false;
}
