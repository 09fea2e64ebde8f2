import { readFileSync } from 'node:fs';

/**
 * True when the process has exited but its parent has not reaped it (state Z in /proc/PID/stat on Linux):
 * signal 0 still reaches it, yet it runs nothing. Elsewhere (no /proc) it is taken as not a zombie.
 */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ...: comm may hold spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
