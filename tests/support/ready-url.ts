import type { ChildProcess } from 'node:child_process';

/**
 * The URL of a started server's ready line, read from what it has printed so
 * far (JSON log lines or the readable ones of a terminal); fails with that
 * output if the process exits or is not ready in time.
 */
export async function readyUrl(child: ChildProcess, output: () => string, timeoutMs = 50_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /Gateway ready at (http:\/\/[^\s"\x1b]+)/.exec(output());
    if (match) return match[1];
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not ready:\n${output()}`);
}
