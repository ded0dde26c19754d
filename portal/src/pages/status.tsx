import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';

const KIND: Record<string, StatusIndicatorProps.Type> = {
  STARTING: 'pending', IN_PROGRESS: 'in-progress', STOPPING: 'loading', DONE: 'success', STOPPED: 'stopped', ERROR: 'error',
};

export function TaskStatus({ progress }: { progress: string }) {
  return <StatusIndicator type={KIND[progress] ?? 'info'}>{progress}</StatusIndicator>;
}
