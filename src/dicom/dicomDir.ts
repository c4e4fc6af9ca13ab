import { execFile } from 'node:child_process';
import * as fsPromises from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { syncFile } from '../durable.js';
import { publishTempFile, type FileSystem } from '../store/atomicFile.js';
import { describeStoreFailure } from '../store/storeErrors.js';

/** Whether a DICOMDIR now indexes a file set, and if not, why, in words for the operator. */
export type DicomDirOutcome = { made: true } | { made: false; why: string };

/** Indexes every object under `<fileSet>/DICOM` in `<fileSet>/DICOMDIR`. */
export type DicomDirMaker = (fileSet: string) => Promise<DicomDirOutcome>;

type RunTool = (file: string, args: string[]) => Promise<unknown>;

const runTool: RunTool = promisify(execFile);

/**
 * Makes the DICOMDIR with dcmtk's dcmmkdir (Debian package `dcmtk`), to the General Purpose USB and
 * Flash Memory with JPEG profile (STD-GEN-USB-JPEG), whose JPEG Baseline objects ours are. It is
 * made anew over the whole folder each time, so that it also lists what earlier exports put there,
 * and appears whole or not at all, also across a power cut: dcmmkdir's file is flushed before it is
 * renamed into place, and the folder after. Without dcmtk the export is still complete; only the index is missing.
 */
export function dcmtkDicomDir(run: RunTool = runTool, fs: FileSystem = fsPromises): DicomDirMaker {
  return async (fileSet) => {
    const temp = path.join(fileSet, 'DICOMDIR.TMP');
    try {
      await run('dcmmkdir', ['--quiet', '--usb-and-flash-jpeg', '--recurse', '--fileset-id', 'DERMACAM', '--input-directory', fileSet, '--output-file', temp, 'DICOM']);
    } catch (error) {
      await fsPromises.rm(temp, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { made: false, why: "dcmtk's dcmmkdir is not installed (Debian package dcmtk)" };
      const said = String((error as { stderr?: string }).stderr ?? '').split('\n').find((line) => line.trim() !== '');
      return { made: false, why: `dcmmkdir refused the folder${said ? ` (${said.trim()})` : ''}` };
    }
    try {
      await fsPromises.chmod(temp, 0o600);
      await syncFile(fs, temp);
      await publishTempFile(fs, temp, path.join(fileSet, 'DICOMDIR'));
      return { made: true };
    } catch (error) {
      await fsPromises.rm(temp, { force: true });
      return { made: false, why: `the DICOMDIR dcmmkdir made could not be put in place (${describeStoreFailure(error, fileSet)})` };
    }
  };
}
