// Which processes exist, from /proc: for the process pool tests that check no worker is left behind.
import * as fs from 'node:fs';

/** A process that is gone has no /proc entry (a zombie still has one). */
export const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`);

/** Our direct children that are still around (zombies included), from /proc. */
export function childrenOf(ppid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; the name in field 2 may contain spaces.
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
