import { formatOffset, localClock } from '../localTime.js';

/** A moment as DICOM's DA, TM and DT in the machine's local time, with its offset from UTC (PS3.5 6.2). */
export function dicomTime(iso: string): { date: string; time: string; dateTime: string; offset: string } {
  const { wallClock, offsetMinutes } = localClock(iso);
  const date = wallClock.slice(0, 10).replaceAll('-', '');
  const time = `${wallClock.slice(11, 19).replaceAll(':', '')}.${wallClock.slice(20, 23)}`;
  const offset = formatOffset(offsetMinutes, '');
  return { date, time, dateTime: `${date}${time}${offset}`, offset };
}
