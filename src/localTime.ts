/** The machine's local wall-clock time of a moment (written as an ISO string with no zone), and its offset from UTC in minutes. */
export function localClock(iso: string): { wallClock: string; offsetMinutes: number } {
  const date = new Date(iso);
  const offsetMinutes = -date.getTimezoneOffset();
  return { wallClock: new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23), offsetMinutes };
}

/** An offset from UTC as `+HH<separator>MM`. */
export function formatOffset(minutes: number, separator = ':'): string {
  const sign = minutes >= 0 ? '+' : '-';
  return `${sign}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}${separator}${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
}

/** An ISO time in this machine's time zone, with its offset: 2026-11-27T11:15:00+01:00. */
export function localTime(iso: string): string {
  const { wallClock, offsetMinutes } = localClock(iso);
  return `${wallClock.slice(0, 19)}${formatOffset(offsetMinutes)}`;
}
