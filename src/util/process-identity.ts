// Which process a pid names: a pid is reused once its process ends, so a lock file naming only a
// pid could be "held" by any later process that happens to get it. On Linux a process is known by
// the machine's boot and its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot);
// elsewhere this is unknown (null) and the pid alone has to do.
import { readFileSync } from 'node:fs';

export function processIdentity(pid: number): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[19];
    return startTicks ? `${boot}:${startTicks}` : null;
  } catch {
    return null;
  }
}
