import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { TaskProgress } from '../api/types.js';
import { usePortal } from '../app/context.js';
import { statusKey } from '../lib/task-view.js';

const KIND: Record<TaskProgress, StatusIndicatorProps.Type> = {
  STARTING: 'pending',
  IN_PROGRESS: 'in-progress',
  STOPPING: 'loading',
  DONE: 'success',
  STOPPED: 'stopped',
  ERROR: 'error',
};

/** A task's status in human words (Completed, In progress, …), never the API's enum. */
export function TaskStatus({ progress }: { progress?: TaskProgress | null }) {
  const { t } = usePortal();
  return <StatusIndicator type={progress ? KIND[progress] : 'info'}>{t(statusKey(progress))}</StatusIndicator>;
}
