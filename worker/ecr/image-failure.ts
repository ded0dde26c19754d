import type { StatusStore } from '../ports/status-store.js';

/**
 * Records an image FAILED with its reason through the status store, so the task's counts move with it (a write beside
 * the store, as the copy flow's MarkFailed state made, left the image counted pending). `keepRecorded`: an image its
 * copy task already recorded FAILED keeps that reason (the state machine only knows the ECS task's end).
 */
export async function recordImageFailure(
  status: StatusStore,
  key: string,
  error: string,
  options: { keepRecorded?: boolean } = {},
): Promise<void> {
  const existing = await status.get(key);
  if (options.keepRecorded && existing?.status === 'FAILED') return;
  await status.put({
    key,
    size: existing?.size ?? 0,
    status: 'FAILED',
    attempts: (existing?.attempts ?? 0) + 1,
    error,
    finishedAt: new Date().toISOString(),
  });
}
