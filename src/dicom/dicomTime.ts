/** A moment as DICOM's DA, TM and DT in the machine's local time, with its offset from UTC (PS3.5 6.2). */
export function dicomTime(iso: string): { date: string; time: string; dateTime: string; offset: string } {
  const moment = new Date(iso);
  const minutes = -moment.getTimezoneOffset();
  const local = new Date(moment.getTime() + minutes * 60_000).toISOString(); // the local clock, written as if UTC
  const date = local.slice(0, 10).replaceAll('-', '');
  const time = `${local.slice(11, 19).replaceAll(':', '')}.${local.slice(20, 23)}`;
  const sign = minutes >= 0 ? '+' : '-';
  const offset = `${sign}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
  return { date, time, dateTime: `${date}${time}${offset}`, offset };
}
