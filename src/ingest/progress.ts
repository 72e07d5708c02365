import { Presets, SingleBar } from 'cli-progress';
import type { LoadProgress } from './load-file';

export interface ProgressDisplay {
  onProgress(progress: LoadProgress): void;
  stop(): void;
}

const PHASES: Record<LoadProgress['phase'], string> = {
  reading: 'reading',
  writing: 'checking references and writing',
};

/**
 * On a terminal, a bar over the file's bytes with rows read and rows per
 * second; elsewhere (a pipe, a log, CI) nothing until the summary line.
 */
export function progressDisplay(kind: string, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (!stream.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      stream,
      format: `${kind} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | {phase}`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    onProgress({ phase, rowsRead, bytesRead, totalBytes }) {
      const seconds = (performance.now() - started) / 1000;
      const payload = { rows: rowsRead, rate: seconds > 0 ? Math.round(rowsRead / seconds) : 0, phase: PHASES[phase] };
      if (!running) {
        bar.start(Math.max(totalBytes, 1), 0, payload);
        running = true;
      }
      bar.update(Math.min(bytesRead, totalBytes), payload);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
