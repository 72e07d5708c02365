import { readFileSync } from 'node:fs';

/** A process's parent, read from /proc (Linux); undefined elsewhere or once it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid ...": the command may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onGone` once, when the process that started this one exits, or
 * when that process's own parent does. The second covers `npm start`:
 * npm runs `sh -c "node ..."`, and when npm is killed the shell stays behind
 * as this process's parent, waiting for it. Polls; the timer does not keep
 * the process alive.
 */
export function watchParent(onGone: (reason: string) => void, intervalMs = 500): void {
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    let reason: string | undefined;
    if (process.ppid !== parent) reason = `parent process ${parent} exited`;
    else if (grandparent !== undefined && grandparent > 1) {
      // Unknown (a read that failed, say for want of file descriptors) is not gone: only another parent is.
      const now = parentOf(parent);
      if (now !== undefined && now !== grandparent)
        reason = `process ${grandparent}, which started parent process ${parent}, exited`;
    }
    if (!reason) return;
    clearInterval(timer);
    onGone(reason);
  }, intervalMs);
  timer.unref();
}
