import { useEffect, useState } from 'react';
import type { Task } from '../api/types.js';
import { usePortal } from '../app/context.js';

/**
 * A task's error as getErrorMessage words it (read again when the task's state changes), else as the task record
 * holds it: the task page's alert and the list's popover show the same.
 */
export function useTaskError(task: Task): { loading: boolean; code?: string; message?: string } {
  const { ops } = usePortal();
  const [detail, setDetail] = useState<{ errCode?: string | null; errMessage?: string | null }>();
  const [loading, setLoading] = useState(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read the message again when the task's state changes
  useEffect(() => {
    ops
      .getErrorMessage(task.id)
      .then(setDetail, () => setDetail(undefined))
      .finally(() => setLoading(false));
  }, [ops, task.id, task.progress]);
  return {
    loading,
    code: detail?.errCode ?? task.errorCode ?? undefined,
    message: detail?.errMessage ?? task.errorMessage ?? undefined,
  };
}
