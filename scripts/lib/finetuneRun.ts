import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Debian's interpreter: a python3 earlier on PATH may not see Debian's python3-torch. */
export const TRAINING_PYTHON = '/usr/bin/python3';

export interface FineTuneOptions {
  cacheDir: string;
  baseDir: string;
  runDir: string;
  epochs: number;
  mode: 'all' | 'last4' | 'frozen';
  augment: 'flips' | 'camera' | 'camera-crops' | 'camera-artefacts' | 'lesion' | 'lesion-mixed' | 'lesion-webcam';
  seed: number;
  threads: number;
  limit?: number;
  /** A finished run whose teacher-logits.npy the student learns from (distillation). */
  teacherRunDir?: string;
  /** Write this run's own logits over the training rows, for a student to learn from. */
  writeTeacherLogits?: boolean;
}

export class TrainingSetupError extends Error {}

/** Fails in one sentence when Debian's PyTorch is missing, before any work starts. */
export function checkTrainingPython(): void {
  const probe = spawnSync(TRAINING_PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new TrainingSetupError(`${TRAINING_PYTHON} cannot import torch and numpy; install them with scripts/install-training.sh (Debian's python3-torch).`);
  }
}

/**
 * Runs scripts/finetune.py and streams its lines to `log`. It resumes from the run folder's
 * checkpoint, so a rerun after a stop continues; a run already exported with the same settings
 * is reused, and a run folder made with other settings is refused.
 */
export async function fineTune(options: FineTuneOptions, log: (line: string) => void): Promise<void> {
  const teacherLogits = options.teacherRunDir && path.join(options.teacherRunDir, 'teacher-logits.npy');
  if (teacherLogits && !existsSync(teacherLogits)) {
    throw new TrainingSetupError(`The teacher's logits ${teacherLogits} are missing: train the alpha 0.75 model first (npm run train -- --alpha 0.75).`);
  }
  const args = [
    path.join('scripts', 'finetune.py'),
    '--cache', options.cacheDir, '--base', options.baseDir, '--out', options.runDir,
    '--epochs', String(options.epochs), '--mode', options.mode, '--augment', options.augment,
    '--seed', String(options.seed), '--threads', String(options.threads),
    ...(options.limit ? ['--limit', String(options.limit), '--batch', '16', '--parity', '8'] : []),
    ...(teacherLogits ? ['--teacher', teacherLogits] : []),
    ...(options.writeTeacherLogits ? ['--teacher-logits'] : []),
  ];
  const child = spawn(TRAINING_PYTHON, args, { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const forward = (chunk: Buffer) => {
    const lines = (tail + chunk.toString()).split('\n');
    tail = lines.pop()!;
    for (const line of lines) if (line.trim()) log(`  ${line.replace(/^\S+ /, '')}`);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (tail.trim()) log(`  ${tail}`);
  if (code !== 0) throw new TrainingSetupError(`The fine-tuning step stopped with exit code ${code}; its log is ${path.join(options.runDir, 'finetune.log')}.`);
}
