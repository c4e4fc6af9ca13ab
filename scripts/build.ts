/**
 * Builds dist/ (`npm run build`, after `tsc --noEmit` has checked the types): the CLI and the classifier's
 * worker thread as two bundles with shared chunks, each command's code in its own chunk so that it is loaded
 * only when that command runs.
 *
 * Why a bundle: Node resolved and linked about 300 separate modules before the app could draw anything
 * (Ink alone took 0.8 s to import on the 2-core test machine), and React ran its development build because
 * nothing set NODE_ENV. README, "Speed and memory", has the launch figures.
 */
import { chmod, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../src/appVersion.js';

const dist = path.join(PACKAGE_ROOT, 'dist');

/**
 * Left to Node to load from node_modules: native code, or files found by path at run time (wasm, libraries);
 * dcmjs-dimse, which must get its own version of dcmjs; and React's developer tools, which Ink imports only
 * when DEV=true is set, and which are not a dependency.
 */
const NOT_BUNDLED = ['sharp', 'better-sqlite3', 'onnxruntime-node', '@tensorflow/*', 'yoga-layout', 'node-webcam', 'dcmjs', 'dcmjs-dimse', 'react-devtools-core'];

await rm(dist, { recursive: true, force: true }); // chunk names change with their content: old ones must not pile up
await build({
  entryPoints: { cli: 'src/cli.tsx', worker: 'src/classifier/worker.ts' },
  absWorkingDir: PACKAGE_ROOT,
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: NOT_BUNDLED,
  define: { 'process.env.NODE_ENV': '"production"' },
  // bundled CommonJS modules require Node's own modules, which an ES module can do only through createRequire
  banner: { js: "import { createRequire as dermacamCreateRequire } from 'node:module'; const require = dermacamCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
await chmod(path.join(dist, 'cli.js'), 0o755);
