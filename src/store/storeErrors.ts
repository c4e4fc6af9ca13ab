import { UserError } from '../errors.js';

export class StoreError extends UserError {}

/** How long a write waits for another process's write to finish before it fails. */
export const BUSY_TIMEOUT_MS = 10_000;

/** Whether SQLite gave up waiting for another connection's lock. */
export function isLocked(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * Why a write to the log (or, with `access` 'read', a read of a folder) failed, for the operator:
 * a file-system error (errno code) or an SQLite one (SQLITE_* code), in words.
 */
export function describeStoreFailure(error: unknown, dataDir: string, access: 'read' | 'write' = 'write'): string {
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return 'the disk is full';
  if (code === 'EACCES' || code === 'EPERM') return access === 'write' ? `dermacam may not write in ${dataDir}` : `dermacam may not read ${dataDir}`;
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return 'the disk or the session log is read-only';
  if (isLocked(error)) return `another program kept the session log locked for more than ${BUSY_TIMEOUT_MS / 1000} seconds`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `the folder ${dataDir} does not exist`;
  if (code === 'EEXIST') return `${(error as { path?: string }).path ?? dataDir} is a file, not a folder`;
  if (code === 'EIO' || code.startsWith('SQLITE_IOERR')) return 'the disk reported an input/output error';
  if (code === 'SQLITE_NOTADB') return 'it is not a dermacam session log, or it is damaged';
  if (code.startsWith('SQLITE_CORRUPT')) return 'the session log is damaged (dermacam doctor --verify says more)';
  return `an unexpected error occurred (${code || (error as Error).message})`;
}
