// Child process for the repair kill test (run with --import tsx): moves aside every file that
// verify finds unreferenced in the data folder, as doctor --verify --repair does, until it is killed.
import { SessionLog } from '../../src/store/sessionLog.js';
import { verifySessionLog } from '../../src/store/verify.js';

const log = await SessionLog.open(process.argv[2]!);
const { findings } = await verifySessionLog(log, { settleMs: 0 });
await log.moveAside(findings.flatMap((finding) => (finding.unreferenced ? [finding.unreferenced] : [])));
await log.close();
