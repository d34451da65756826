import fs from 'node:fs';

/** The nice value of each thread of this process, by thread id (Linux). */
export function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      // Field 19 of stat, counted after the command name in parentheses (which may hold spaces).
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended while we listed them.
    }
  }
  return nices;
}
