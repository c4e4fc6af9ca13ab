/**
 * Speed and memory of the terminal app (part of `npm run bench`):
 *  - preview frames per second at an 80x40-cell preview from a 640x480 source, and its bytes per frame;
 *  - preview paints reaching the terminal per second in the app, idle and while a capture is classified;
 *  - keypress-to-result time of the built CLI in tmux (space pressed -> result on screen), per
 *    backend (--backends, default onnx,wasm);
 *  - launch to the first preview frame on screen (--launches times);
 *  - RSS of the app, per minute, over a demo-camera session (--soak-seconds, default 300) with a
 *    capture every --capture-every seconds (default 5).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseScriptArgs } from './lib/scriptArgs.js';
import { demoCamera } from '../src/camera/demoCamera.js';
import { renderDemoLesion } from '../src/camera/demoLesion.js';
import { fileCamera } from '../src/camera/fileCameras.js';
import type { CameraSource } from '../src/camera/source.js';
import { TerminalCanvas } from '../src/ui/previewCanvas.js';
import { renderFrame } from '../src/ui/renderFrame.js';
import { quantile } from './lib/quantile.js';

const { values: args } = parseScriptArgs({
  options: {
    'soak-seconds': { type: 'string', default: '300' },
    'capture-every': { type: 'string', default: '5' },
    trials: { type: 'string', default: '40' },
    launches: { type: 'string', default: '10' },
    backends: { type: 'string', default: 'onnx,wasm' },
  },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const work = mkdtempSync(path.join(os.tmpdir(), 'dermacam-bench-ui-'));
const source640 = path.join(work, 'source-640x480.jpg');
writeFileSync(source640, await renderDemoLesion(640, 480, 1));

async function previewFps(camera: CameraSource, seconds = 5): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let frames = 0;
  while (performance.now() < until) {
    await renderFrame(await camera.previewFrame(), 80, 40);
    frames++;
  }
  return frames / seconds;
}

/** Bytes sent to the terminal per preview frame: every row repainted, against only the rows that changed. */
async function previewBytes(camera: CameraSource, frames = 60): Promise<{ full: number; changed: number }> {
  let changed = 0;
  const canvas = new TerminalCanvas((text) => (changed += Buffer.byteLength(text)));
  canvas.place({ left: 0, top: 0, columns: 80, rows: 40 });
  let full = 0;
  for (let frame = 0; frame < frames; frame++) {
    canvas.draw(await renderFrame(await camera.previewFrame(), 80, 40));
    full += Buffer.byteLength(canvas.paint());
    await sleep(66); // the app's 15 frames a second, so the demo lesion moves as it does on screen
  }
  return { full: full / frames, changed: changed / frames };
}

console.log('\nterminal app');
console.log(`preview, 80x40 cells from a 640x480 JPEG: ${(await previewFps(fileCamera(source640))).toFixed(1)} frames/s`);
console.log(`preview, 80x40 cells from the demo camera: ${(await previewFps(demoCamera())).toFixed(1)} frames/s`);
for (const [name, camera] of [['a still picture (file camera)', fileCamera(source640)], ['the demo camera', demoCamera()]] as const) {
  const bytes = await previewBytes(camera);
  console.log(`preview bytes per frame, ${name}: ${(bytes.changed / 1024).toFixed(1)} KB with changed rows only, ${(bytes.full / 1024).toFixed(1)} KB repainting every row`);
}

const session = `dermacam-bench-${process.pid}`;
const tmux = (...a: string[]) => execFileSync('tmux', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** The app's preview is 55% of the columns and all but 8 rows: 146x48 gives the 80x40-cell preview. */
function startApp(camera: string, backend = 'auto', columns = 146, rows = 48): number {
  const dataDir = mkdtempSync(path.join(work, 'data-'));
  // the installed entry point, as `dermacam` runs: its first line tunes glibc's malloc
  const command = ['env', '-u', 'CI', './dist/cli.js', '--camera', camera, '--backend', backend, '--data-dir', dataDir, '--operator', 'bench']
    .map((a) => `'${a}'`)
    .join(' ');
  tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), command);
  return Number(tmux('display', '-p', '-t', session, '#{pane_pid}').trim());
}
async function waitFor(pattern: RegExp, timeoutMs = 60_000, everyMs = 20): Promise<RegExpMatchArray> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const match = tmux('capture-pane', '-p', '-t', session).match(pattern);
    if (match) return match;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${pattern}`);
    await sleep(everyMs);
  }
}

/**
 * Runs `during` while recording when the app painted its preview, from what the app writes to its
 * terminal (tmux pipe-pane into scripts/lib/stampPaints.mjs): the times in ms since the epoch.
 */
async function recordPaints(during: () => Promise<void>): Promise<number[]> {
  const file = path.join(work, `paints-${Date.now()}.txt`);
  tmux('pipe-pane', '-t', session, '-o', `exec node '${path.resolve('scripts/lib/stampPaints.mjs')}' > '${file}'`);
  await sleep(300); // the pipe's node starts
  await during();
  tmux('pipe-pane', '-t', session); // closes the pipe
  await sleep(300);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const [time, paints] = line.split(' ').map(Number);
      return Array<number>(paints!).fill(time!);
    });
}

/** Preview paints per second within the given spans of time. */
function paintRate(paints: number[], spans: [number, number][]): number {
  const inside = paints.filter((time) => spans.some(([from, to]) => time >= from && time <= to)).length;
  return inside / (spans.reduce((sum, [from, to]) => sum + to - from, 0) / 1000);
}

try {
  for (const backend of args.backends!.split(',')) {
    startApp(`file:${source640}`, backend);
    await waitFor(/Press space to capture/);
    await waitFor(new RegExp(`· ${backend}\\b`)); // the model is loaded on the backend asked for
    const times: number[] = [];
    for (let trial = 0; trial < Number(args.trials); trial++) {
      const started = performance.now();
      tmux('send-keys', '-t', session, 'Space');
      // the session's count is drawn with the result (a capture id may wrap beside the picture)
      await waitFor(new RegExp(`captures: ${trial + 1}\\b`));
      times.push(performance.now() - started);
      await sleep(300);
    }
    tmux('kill-session', '-t', session);
    console.log(`keypress to result on screen (${backend}, file camera, ${times.length} captures): p50 ${quantile(times, 0.5).toFixed(0)} ms, p95 ${quantile(times, 0.95).toFixed(0)} ms`);
  }

  const launches: number[] = [];
  for (let launch = 0; launch < Number(args.launches); launch++) {
    const launched = performance.now();
    startApp('demo');
    await waitFor(/▀|▄/, 60_000, 5);
    launches.push(performance.now() - launched);
    tmux('kill-session', '-t', session);
    await sleep(500);
  }
  console.log(
    `launch to first preview frame on screen (demo camera, tmux start included, ${launches.length} launches): p50 ${quantile(launches, 0.5).toFixed(0)} ms, min ${Math.min(...launches).toFixed(0)}, max ${Math.max(...launches).toFixed(0)}`,
  );
  startApp('demo');
  await waitFor(/Press space to capture/);
  await waitFor(/· (onnx|wasm|cpu)\b/); // the model is loaded: a capture is classified at once
  const idleSpan: [number, number][] = [];
  const idlePaints = await recordPaints(async () => {
    const from = Date.now();
    await sleep(10_000);
    idleSpan.push([from, Date.now()]);
  });
  // each span runs from the keypress to the result on screen (the capture count it brings)
  const classifying: [number, number][] = [];
  const classifyingPaints = await recordPaints(async () => {
    for (let capture = 1; capture <= 30; capture++) {
      const pressed = Date.now();
      tmux('send-keys', '-t', session, 'Space');
      await waitFor(new RegExp(`captures: ${capture}\\b`), 60_000, 5);
      classifying.push([pressed, Date.now()]);
      await sleep(200);
    }
  });
  tmux('kill-session', '-t', session);
  const classifyingSeconds = classifying.reduce((sum, [from, to]) => sum + to - from, 0) / 1000;
  console.log(
    `preview paints reaching the terminal (demo camera at 30 frames/s, 80x40-cell preview in a 146x48 terminal, auto backend): ${paintRate(idlePaints, idleSpan).toFixed(1)} per second idle (10 s), ${paintRate(classifyingPaints, classifying).toFixed(1)} per second while classifying (30 captures, ${classifyingSeconds.toFixed(1)} s from keypress to result in all)`,
  );

  const soakSeconds = Number(args['soak-seconds']);
  const pid = startApp('demo');
  await waitFor(/Press space to capture/);
  const rss = () => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)![1]) / 1024;
  const captureEvery = Number(args['capture-every']);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const samples: number[] = [];
  const perMinute: string[] = [];
  // one sample a second; each minute's mean is printed as it ends, so a long soak shows its trend as it runs
  for (let second = 0; second < soakSeconds; second++) {
    if (second % captureEvery === 0) tmux('send-keys', '-t', session, 'Space');
    samples.push(rss());
    if (samples.length % 60 === 0) {
      perMinute.push(mean(samples.slice(-60)).toFixed(0));
      console.log(`  RSS minute ${perMinute.length}: ${perMinute.at(-1)} MB`);
    }
    await sleep(1000);
  }
  const captures = tmux('capture-pane', '-p', '-t', session).match(/captures: (\d+)/)?.[1] ?? '?';
  tmux('kill-session', '-t', session);
  console.log(
    `RSS over a ${soakSeconds}-s demo session (auto backend) with a capture every ${captureEvery} s (${captures} captures): first minute ${mean(samples.slice(0, 60)).toFixed(0)} MB, last minute ${mean(samples.slice(-60)).toFixed(0)} MB, max ${Math.max(...samples).toFixed(0)} MB (per minute: ${perMinute.join(', ')})`,
  );
} finally {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
}
