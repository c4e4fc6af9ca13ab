import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI, REPO } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The highest resident memory seen while it ran (sampled from /proc every 50 ms), in MB. */
  peakRssMb: number;
}

/** Peak resident memory of a running process so far (Linux), or 0 once it is gone. */
function peakRssMb(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Runs the built CLI (dist/cli.js) as a user would, and collects its output and exit code. */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 170_000;
  return new Promise((resolve, reject) => {
    let peak = 0;
    const child = execFile(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO, timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      clearInterval(sampler);
      // a run stopped by the time limit must fail as a timeout, not as a puzzling exit code
      if (error?.killed) return reject(new Error(`dermacam ${args.join(' ')} timed out after ${timeoutMs / 1000} s`));
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, peakRssMb: peak });
    });
    const sampler = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!))), 50);
  });
}

export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
