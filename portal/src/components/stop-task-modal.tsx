/**
 * Stop (running task) or Delete (finished task): both call stopTask, which stops the engines and deletes the task's
 * resources. Asks first, shows STOPPING at once, and reports the result in the Flashbar.
 */
import { useState } from 'react';
import type { Task } from '../api/types.js';
import { usePortal } from '../app/context.js';
import { ConfirmModal } from './confirm-modal.js';
import { isRunning, statusKey } from '../lib/task-view.js';

export function taskName(task: Pick<Task, 'id' | 'stackName'>): string {
  return task.stackName && !task.stackName.startsWith('local-') ? task.stackName : task.id;
}

export function StopTaskModal({
  task,
  onClose,
  onChanged,
}: {
  task: Task | undefined;
  onClose: () => void;
  /** Called with the task as it changes: STOPPING at once, then the answer. */
  onChanged: (task: Task) => void;
}) {
  const { ops, t, notify } = usePortal();
  const [busy, setBusy] = useState(false);
  if (!task) return null;
  const running = isRunning(task.progress);
  const images = task.type === 'ECR';
  const name = taskName(task);
  const confirm = async () => {
    setBusy(true);
    const flashId = `stop-${task.id}`;
    onChanged({ ...task, progress: 'STOPPING' });
    notify({ id: flashId, type: 'in-progress', loading: true, message: 'stopping', vars: { id: name } });
    onClose();
    try {
      const answer = await ops.stopTask(task.id);
      onChanged(answer);
      // Success only when the API says the task is on its way out.
      if (answer.progress === 'STOPPING' || answer.progress === 'STOPPED') {
        notify({ id: flashId, type: 'success', message: running ? 'stopped' : 'deleted', vars: { id: name } });
      } else {
        notify({
          id: flashId,
          type: 'error',
          message: 'stopFailed',
          vars: { id: name, error: t(statusKey(answer.progress)) },
        });
      }
    } catch (err) {
      onChanged(task);
      notify({ id: flashId, type: 'error', message: 'stopFailed', vars: { id: name, error: (err as Error).message } });
    } finally {
      setBusy(false);
    }
  };
  return (
    <ConfirmModal
      header={t(running ? 'stopTitle' : 'deleteTitle', { id: name })}
      body={t(running ? (images ? 'stopBodyImages' : 'stopBody') : images ? 'deleteBodyImages' : 'deleteBody')}
      confirmLabel={t(running ? 'stopConfirm' : 'deleteConfirm')}
      busy={busy}
      onCancel={onClose}
      onConfirm={() => void confirm()}
    />
  );
}
