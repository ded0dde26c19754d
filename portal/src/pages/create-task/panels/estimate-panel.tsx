/** Dry run of a task before creating it (estimateTask): what it would copy, and for S3 roughly what it would cost. */
import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { Estimate, TaskParameter, TaskType } from '../../../api/types.js';
import type { SelectionSlip } from '../../../../../worker/s3/nothing-selected.js';
import type { StringKey } from '../../../i18n/index.js';
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
    /** A narrowed selection matched nothing: the likely slips, worded with the prefix the task gives. */
    nothingSelected?: { slips: SelectionSlip[]; prefix: string };
  }>();
  const run = async () => {
    if (!beforeRun()) return;
    setBusy(true);
    setResult(undefined);
    try {
      const sent = parameters();
      const e = await ops.estimate(type, sent);
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
        nothingSelected: e.nothingSelected
          ? {
              slips: e.selectionSlips ?? [],
              prefix: sent.find((p) => p.ParameterKey === 'srcPrefix')?.ParameterValue ?? '',
            }
          : undefined,
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
        <Alert type={result.ok ? (result.unreadable?.length || result.nothingSelected ? 'warning' : 'info') : 'error'}>
          <Box data-testid="estimate">{result.text}</Box>
          {result.nothingSelected ? <NothingSelected {...result.nothingSelected} /> : null}
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

const SLIP_TEXT: Record<SelectionSlip, StringKey> = {
  PREFIX_LEADING_SLASH: 'slipLeadingSlash',
  PREFIX_DOUBLE_SLASH: 'slipDoubleSlash',
  INCLUDE_WITH_PREFIX: 'slipIncludeWithPrefix',
};

/** No source object matched what the task selects: said before the task is created, with the likely slips. */
function NothingSelected({ slips, prefix }: { slips: SelectionSlip[]; prefix: string }) {
  const { t } = usePortal();
  return (
    <Box margin={{ top: 'xs' }} data-testid="estimate-nothing-selected">
      <Box variant="p">{t('estimateNothingSelected')}</Box>
      {slips.length ? (
        <ul>
          {slips.map((slip) => (
            <li key={slip}>{t(SLIP_TEXT[slip], { prefix })}</li>
          ))}
        </ul>
      ) : null}
    </Box>
  );
}
