/**
 * Live progress: objects (or images) copied / skipped / failed / verified and bytes; percent and time left are based on
 * bytes, and shown only while a pass runs.
 */
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Task } from '../../api/types.js';
import { usePortal } from '../../app/context.js';
import { formatBytes, formatEta, formatRate } from '../../lib/format.js';
import { isRunning, percentDone } from '../../lib/task-view.js';

export function ProgressPanel({ task }: { task: Task }) {
  const { t } = usePortal();
  const p = task.progressInfo ?? {};
  // A fixed-rate task between passes is IN_PROGRESS with everything of its last pass settled: no rate, no time left.
  const settled = (p.replicated ?? 0) + (p.skipped ?? 0) + (p.failed ?? 0) >= (p.total ?? 0);
  const running = isRunning(task.progress) && !settled;
  const images = task.type === 'ECR';
  const n = (v: number | null | undefined) => (v === undefined || v === null ? '-' : String(v));
  const items = [
    {
      label: t(images ? 'imagesCopied' : 'objectsCopied'),
      value: (
        <span data-testid="task-objects">
          {p.total ? t('ofTotal', { done: p.replicated ?? 0, total: p.total }) : n(p.replicated)}
        </span>
      ),
    },
    {
      label: t(images ? 'imagesSkipped' : 'objectsSkipped'),
      value: <span data-testid="task-skipped">{n(p.skipped)}</span>,
    },
    { label: t('objectsFailed'), value: <span data-testid="task-failed">{n(p.failed)}</span> },
    { label: t('objectsVerified'), value: <span data-testid="task-verified">{n(p.verified)}</span> },
  ];
  // Image copies report bytes only where the registry or skopeo tells them: "0 B" would say nothing was copied.
  if (!images || p.bytesDone || p.bytesTotal) {
    items.push({
      label: t('dataCopied'),
      value: (
        <span data-testid="task-bytes">
          {p.bytesTotal
            ? t('ofTotal', { done: formatBytes(p.bytesDone), total: formatBytes(p.bytesTotal) })
            : formatBytes(p.bytesDone)}
        </span>
      ),
    });
  }
  // Rate and time left describe a running transfer only.
  if (running) {
    items.push({ label: t('rate'), value: <span data-testid="task-rate">{formatRate(p.rate)}</span> });
    items.push({ label: t('eta'), value: <span data-testid="task-eta">{formatEta(p.etaSeconds)}</span> });
  }
  const bytesKnown = Boolean(p.bytesTotal);
  return (
    <Container header={<Header variant="h2">{t('progress')}</Header>}>
      <SpaceBetween size="m">
        <ProgressBar
          value={percentDone(task)}
          label={t('progressLabel')}
          description={
            bytesKnown
              ? t('progressBytes', { done: formatBytes(p.bytesDone), total: formatBytes(p.bytesTotal) })
              : undefined
          }
          status={task.progress === 'ERROR' ? 'error' : task.progress === 'DONE' ? 'success' : 'in-progress'}
          resultText={task.progress === 'DONE' ? t('statusDONE') : t('statusERROR')}
        />
        <KeyValuePairs columns={4} items={items} />
      </SpaceBetween>
    </Container>
  );
}
