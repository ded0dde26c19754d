import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Tiles from '@cloudscape-design/components/tiles';
import type { TaskType } from '../../../api/types.js';
import { usePortal } from '../../../app/context.js';

/** Step 1: S3 objects or container images. */
export function EnginePanel({ type, onChange }: { type: TaskType; onChange: (type: TaskType) => void }) {
  const { t } = usePortal();
  return (
    <Container header={<Header variant="h2">{t('chooseEngine')}</Header>}>
      <FormField label={t('engineType')} stretch>
        <Tiles
          value={type}
          onChange={(e) => onChange(e.detail.value as TaskType)}
          items={[
            { value: 'S3EC2', label: t('engineS3'), description: t('s3EngineDescription') },
            { value: 'ECR', label: t('engineEcr'), description: t('ecrEngineDescription') },
          ]}
        />
      </FormField>
    </Container>
  );
}
