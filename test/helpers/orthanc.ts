import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const hasOrthanc = () => existsSync(ORTHANC_BINARY) && existsSync(DICOMWEB_PLUGIN);

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A throwaway Orthanc (the Debian package, no system service): its own config and storage folder,
 * HTTP on loopback only, DICOM with a checked AE title, and the DICOMweb plugin.
 */
export class TestOrthanc {
  private process?: ChildProcess;

  private constructor(
    readonly folder: string,
    readonly httpPort: number,
    readonly dicomPort: number,
    readonly aeTitle: string,
  ) {}

  static async create(): Promise<TestOrthanc> {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-orthanc-'));
    const orthanc = new TestOrthanc(folder, await freePort(), await freePort(), 'ORTHANC-TEST');
    writeFileSync(
      path.join(folder, 'orthanc.json'),
      JSON.stringify({
        Name: 'dermacam-test',
        StorageDirectory: path.join(folder, 'storage'),
        IndexDirectory: path.join(folder, 'index'),
        HttpPort: orthanc.httpPort,
        DicomPort: orthanc.dicomPort,
        DicomAet: orthanc.aeTitle,
        DicomCheckCalledAet: true,
        DicomAlwaysAllowStore: true,
        RemoteAccessAllowed: false,
        AuthenticationEnabled: false,
        StorageCompression: false,
        SaveJobs: false,
        Plugins: [DICOMWEB_PLUGIN],
        DicomWeb: { Enable: true, Root: '/dicom-web/' },
      }),
    );
    await orthanc.start();
    return orthanc;
  }

  get dicomWebUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/dicom-web`;
  }

  async start(): Promise<void> {
    this.process = spawn(ORTHANC_BINARY, [path.join(this.folder, 'orthanc.json')], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (await this.rest('/system').then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error('Orthanc did not start within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    const running = this.process;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  }

  /** GET on Orthanc's REST API: JSON, or the raw bytes with `raw`. */
  async rest(route: string, raw = false): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}${route}`);
    if (!response.ok) throw new Error(`Orthanc ${route}: HTTP ${response.status}`);
    return raw ? Buffer.from(await response.arrayBuffer()) : response.json();
  }
}
