/**
 * A failed task's status in the task list opens what went wrong, as the original's list did (its status was a link
 * to the getErrorMessage text, with where to look next): before, the list said "Failed" and nothing more.
 */
import Box from '@cloudscape-design/components/box';
import Link from '@cloudscape-design/components/link';
import Popover from '@cloudscape-design/components/popover';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { Task } from '../api/types.js';
import { usePortal } from '../app/context.js';
import { hrefOf } from '../app/routes.js';
import { errorHintKey } from '../lib/task-view.js';
import { TaskStatus } from './task-status.js';
import { useTaskError } from './use-task-error.js';

/** The popover's body: read when opened (one getErrorMessage per look, not one per row of the list). */
function TaskErrorDetail({ task }: { task: Task }) {
  const { t } = usePortal();
  const { loading, code, message } = useTaskError(task);
  if (loading) return <Spinner />;
  const hint = errorHintKey(code, task.type, 'list');
  // Where the next look is: the finder's logs, the items that failed, or the task's page.
  const images = task.type === 'ECR';
  const next =
    code === 'FINDER_ERROR'
      ? { tab: 'finder-logs', text: t(images ? 'openFinderLogsImages' : 'openFinderLogs') }
      : code === 'COMPLETE_CHECK_ERROR'
        ? { tab: 'failures', text: t(images ? 'errorOpenFailedImages' : 'errorOpenFailedObjects') }
        : { tab: undefined, text: t('errorOpenTask') };
  return (
    <SpaceBetween size="xs">
      <Box variant="p">{message || t('errorNoMessage')}</Box>
      {hint ? <Box variant="p">{t(hint)}</Box> : null}
      {task.progress === 'IN_PROGRESS' ? <Box variant="p">{t('lastRunErrorNext')}</Box> : null}
      <Link href={hrefOf({ name: 'task', id: task.id, tab: next.tab })}>{next.text}</Link>
    </SpaceBetween>
  );
}

/**
 * The status; a failed task's opens its error. A recurring task whose last run failed keeps running on its schedule:
 * "In progress" as a warning that opens the run's error (before: a plain "In progress" in the list).
 */
export function TaskListStatus({ task }: { task: Task }) {
  const { t } = usePortal();
  const lastRunFailed = task.progress === 'IN_PROGRESS' && Boolean(task.errorCode);
  if (task.progress !== 'ERROR' && !lastRunFailed) return <TaskStatus progress={task.progress} />;
  return (
    <Popover
      header={t(lastRunFailed ? 'lastRunErrorTitle' : 'errorTitle')}
      triggerType="text"
      size="large"
      dismissAriaLabel={t('dismiss')}
      content={<TaskErrorDetail task={task} />}
    >
      {lastRunFailed ? (
        <StatusIndicator type="warning">{t('statusIN_PROGRESS')}</StatusIndicator>
      ) : (
        <TaskStatus progress={task.progress} />
      )}
    </Popover>
  );
}
