/** Any address the console has no page for (the original's catch-all route): says so, with the way home. */
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { usePortal } from '../../app/context.js';

export default function NotFound({ path }: { path: string }) {
  const { t, navigate } = usePortal();
  return (
    <ContentLayout header={<Header variant="h1">{t('pageNotFoundTitle')}</Header>}>
      <SpaceBetween size="m">
        <Box variant="p" data-testid="page-not-found">
          {t('pageNotFoundBody', { path })}
        </Box>
        <SpaceBetween direction="horizontal" size="xs">
          <Button variant="primary" onClick={() => navigate('/')}>
            {t('backHome')}
          </Button>
          <Button onClick={() => navigate('/tasks')}>{t('viewTasks')}</Button>
        </SpaceBetween>
      </SpaceBetween>
    </ContentLayout>
  );
}
