import { useEffect, useState } from 'react';

/** How often the status line asks again when the last backup was: its age is shown in minutes at best. */
const RECHECK_MS = 60_000;

/** When the data folder's last backup succeeded, asked of `read` now and once a minute; undefined when never. */
export function useLastBackup(read: (() => Date | undefined) | undefined): Date | undefined {
  const [at, setAt] = useState(() => read?.());
  useEffect(() => {
    if (!read) return;
    const timer = setInterval(() => setAt(read()), RECHECK_MS);
    return () => clearInterval(timer);
  }, [read]);
  return at;
}

/** A backup's age in the status line's few characters: `backup 5 min ago`, `backup 3 days ago`, `no backup yet`. */
export function backupAge(at: Date | undefined, now: Date): string {
  if (!at) return 'no backup yet';
  const minutes = Math.max(0, Math.floor((now.getTime() - at.getTime()) / 60_000));
  if (minutes < 1) return 'backup just now';
  if (minutes < 60) return `backup ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `backup ${hours} h ago`;
  return `backup ${Math.floor(hours / 24)} days ago`;
}
