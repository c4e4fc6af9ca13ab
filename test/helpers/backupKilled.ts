// Child process for the backup kill-point test (run with --import tsx): a backup of argv[2] into
// argv[3] that kills itself with SIGKILL just before its argv[4]-th rename, link or unlink (0:
// never), and otherwise prints how many it made. Node's fs/promises bindings are replaced for the
// whole process (syncBuiltinESMExports), so every module's calls count.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const [from, to, killAt] = process.argv.slice(2) as [string, string, string];
let calls = 0;
const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
for (const name of ['rename', 'link', 'unlink']) {
  const original = promises[name]!;
  promises[name] = (...args: unknown[]) => {
    if (++calls === Number(killAt)) process.kill(process.pid, 'SIGKILL');
    return original(...args);
  };
}
syncBuiltinESMExports();
const { copyDataFolder } = await import('../../src/store/backup.js');
const { verifyDataFolder } = await import('../../src/commands/backup.js');
await copyDataFolder({ from, to, verify: verifyDataFolder, record: true });
process.stdout.write(`${calls}\n`);
