/**
 * A moment as DICOM's DA, TM and DT in UTC, with the offset +0000 (PS3.5 6.2). Not the machine's local
 * time: an object is a function of the log alone, so TZ must not change its bytes or its UID.
 */
export function dicomTime(iso: string): { date: string; time: string; dateTime: string; offset: string } {
  const utc = new Date(iso).toISOString();
  const date = utc.slice(0, 10).replaceAll('-', '');
  const time = `${utc.slice(11, 19).replaceAll(':', '')}.${utc.slice(20, 23)}`;
  const offset = '+0000';
  return { date, time, dateTime: `${date}${time}${offset}`, offset };
}
