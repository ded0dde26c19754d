/**
 * The lifecycle's last step: the task outcome notification (control-plane/core/task-notification.ts) published to the
 * hub's SNS topic (subscribed to the admin's e-mail) and recorded on the task (`notifications`), so the console shows
 * what was sent. Runs after the monitor ends a task and after a failed stack creation; a retried step does not mail
 * the same outcome twice.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { shouldNotify, taskNotification } from '../core/task-notification.js';
import { mustGet, type StepDeps, type StepEvent, type StepOutput } from './lifecycle-steps.js';

export async function notify(deps: StepDeps, event: StepEvent): Promise<StepOutput> {
  const task = await mustGet(deps, event.taskId);
  if (!deps.notifyTopicArn || !shouldNotify(task)) return { ...event, notified: false, result: 'END' };
  if (!deps.sns) throw new Error('SNS is not configured for this step');
  const notification = taskNotification(task, 'SNS', deps.now?.() ?? new Date());
  await deps.sns.send(
    new PublishCommand({ TopicArn: deps.notifyTopicArn, Subject: notification.subject, Message: notification.message }),
  );
  await deps.tasks.update(task.id, { notifications: [...(task.notifications ?? []), notification] });
  return { ...event, notified: true, result: 'END' };
}
