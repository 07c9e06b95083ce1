// "in 3 hours" / "peste 3 ore": how far an instant is from now, in the largest unit that keeps it
// readable (minutes under an hour, hours under two days, then days), in the UI language.
export function relativeTime(iso: string, now: Date, locale: string): string {
  const ms = Date.parse(iso) - now.getTime();
  const minutes = Math.round(ms / 60_000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
  if (Math.abs(minutes) < 60) return format.format(minutes, 'minute');
  const hours = Math.round(ms / 3_600_000);
  if (Math.abs(hours) < 48) return format.format(hours, 'hour');
  return format.format(Math.round(ms / 86_400_000), 'day');
}

/** "12:05" or "1:02:05" until an instant (never negative): a countdown's face. */
export function countdown(iso: string, now: Date): string {
  const total = Math.max(0, Math.floor((Date.parse(iso) - now.getTime()) / 1000));
  const [h, m, s] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
