// Whether processes that a test's python code started are still there.
import { readFileSync } from 'node:fs';

/**
 * True while the process exists and is not a zombie: an orphan ended by a kill may wait a while for its
 * new parent to reap it, and a zombie runs nothing and holds no pipe.
 */
export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return false;
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pids a test's python code wrote to `file`, one a line (none while it does not exist). */
export function pidsIn(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** A python line that appends the current process's pid to the file `path` names (a python expression). */
export function pythonRecordPid(path: string, indent = '    '): string {
  return `${indent}with open(${path}, 'a') as pids: pids.write('%d\\n' % os.getpid())`;
}
