/** Dry run of a task before creating it (estimateTask): what it would copy, and for S3 roughly what it would cost. */
import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Estimate, TaskParameter, TaskType } from '../../../api/types.js';
import { usePortal } from '../../../app/context.js';
import { formatBytes } from '../../../lib/format.js';

export function EstimatePanel({
  type,
  parameters,
  beforeRun,
}: {
  type: TaskType;
  parameters: () => TaskParameter[];
  beforeRun: () => boolean;
}) {
  const { ops, t } = usePortal();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{
    ok: boolean;
    text: string;
    unreadable?: Estimate['unreadableImages'];
    unreadableTotal?: number;
  }>();
  const run = async () => {
    if (!beforeRun()) return;
    setBusy(true);
    setResult(undefined);
    try {
      const e = await ops.estimate(type, parameters());
      const text =
        type === 'ECR'
          ? t('estimateImagesResult', {
              images: e.objects,
              bytes: formatBytes(e.bytes),
              unchanged: e.unchanged ?? 0,
              unreadable: e.unreadable ?? 0,
            })
          : t('estimateResult', {
              objects: e.objects,
              bytes: formatBytes(e.bytes),
              unchanged: e.unchanged ?? 0,
              cost: ((e.estimatedRequestCostUsd ?? 0) + (e.estimatedTransferCostUsd ?? 0)).toFixed(4),
            });
      const partial = t(type === 'ECR' ? 'estimateImagesPartial' : 'estimatePartial', { scanned: e.scanned });
      setResult({
        ok: true,
        text: e.complete === false ? `${text} ${partial}` : text,
        unreadable: e.unreadableImages,
        unreadableTotal: e.unreadable ?? e.unreadableImages?.length,
      });
    } catch (err) {
      setResult({ ok: false, text: t('estimateFailed', { error: (err as Error).message }) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={t(type === 'ECR' ? 'estimateImagesDescription' : 'estimateDescription')}
          actions={
            <Button loading={busy} onClick={() => void run()}>
              {t('estimate')}
            </Button>
          }
        >
          {t('estimate')}
        </Header>
      }
    >
      {result ? (
        <Alert type={result.ok ? (result.unreadable?.length ? 'warning' : 'info') : 'error'}>
          <Box data-testid="estimate">{result.text}</Box>
          {result.unreadable?.length ? (
            <UnreadableImages images={result.unreadable} total={result.unreadableTotal ?? result.unreadable.length} />
          ) : null}
        </Alert>
      ) : (
        <SpaceBetween size="xs">
          <Box variant="small">{busy ? t('estimating') : t('estimateNotRun')}</Box>
        </SpaceBetween>
      )}
    </Container>
  );
}

/** The images the estimate could not read, each with its reason: what to mend in the list before creating the task. */
function UnreadableImages({ images, total }: { images: NonNullable<Estimate['unreadableImages']>; total: number }) {
  const { t } = usePortal();
  return (
    <Box margin={{ top: 'xs' }}>
      <Box variant="p">{t('estimateUnreadableHeading', { shown: images.length, total })}</Box>
      <ul data-testid="estimate-unreadable">
        {images.map((i) => (
          <li key={i.image}>
            <Box variant="code">{i.image}</Box>: {i.error}
          </li>
        ))}
      </ul>
    </Box>
  );
}
