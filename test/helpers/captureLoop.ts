// Child process for the crash test (run with --import tsx): logs captures as fast as it can until it is killed.
import { randomBytes } from 'node:crypto';
import { SessionLog } from '../../src/store/sessionLog.js';

const log = await SessionLog.open(process.argv[2]);
const session = await log.startSession('crash-test');
process.stdout.write('ready\n');
for (;;) {
  await log.addCapture(session.id, randomBytes(20_000 + Math.floor(Math.random() * 50_000)), {
    p_malignant: Math.random(), label: 'benign', threshold: 0.5, model_name: 'm', model_sha256: 'a'.repeat(64),
    backend: 'wasm', latency_ms: 1, quality: { ok: true, reasons: [] },
  });
}
