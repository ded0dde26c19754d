/** Dry run of a task before creating it (estimateTask): what it would copy, and for S3 roughly what it would cost. */
import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { TaskParameter, TaskType } from '../../../api/types.js';
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
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
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
              cost: ((e.estimatedRequestCostUsd ?? 0) + (e.estimatedTransferCostUsd ?? 0)).toFixed(4),
            });
      const partial = t(type === 'ECR' ? 'estimateImagesPartial' : 'estimatePartial', { scanned: e.scanned });
      setResult({ ok: true, text: e.complete === false ? `${text} ${partial}` : text });
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
        <Alert type={result.ok ? 'info' : 'error'}>
          <Box data-testid="estimate">{result.text}</Box>
        </Alert>
      ) : (
        <SpaceBetween size="xs">
          <Box variant="small">{busy ? t('estimating') : t('estimateNotRun')}</Box>
        </SpaceBetween>
      )}
    </Container>
  );
}
