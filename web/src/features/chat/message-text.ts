// What a message says on screen: its text, or for system messages (a code such as `appointment.approved`)
// the sentence in the viewer's language, and "deleted" for deleted ones.
import type { TFunction } from 'i18next';

export function messageText(m: { kind: string; body?: string | null; deleted: boolean }, t: TFunction): string {
  if (m.deleted) return t('chat.deleted');
  if (m.kind === 'SYSTEM') return t(`chat.system.${(m.body ?? '').replace(/\./g, '_')}`, { defaultValue: t('chat.system.other') });
  return m.body ?? '';
}
