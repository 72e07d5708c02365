/**
 * What a cluster's workers and primary tell each other over cluster IPC
 * (GATEWAY_PROCESSES > 1). The `c360` key keeps them apart from the
 * messages prom-client's AggregatorRegistry exchanges on the same channel.
 */
export type ToPrimary =
  | { c360: 'ready'; url: string }
  /** Sent before a worker that could not start exits, so that the primary can say why. */
  | { c360: 'start-failed'; reason: string }
  /** A signal reached the worker itself (a terminal's Ctrl-C reaches the whole process group). */
  | { c360: 'stopping'; trigger: string }
  | { c360: 'metrics'; id: number };

export type ToWorker = { c360: 'metrics'; id: number; text?: string; error?: string };

export function isClusterMessage<T extends { c360: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { c360?: unknown }).c360 === 'string';
}
