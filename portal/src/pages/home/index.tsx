import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { usePortal } from '../../app/context.js';

export default function Home() {
  const { t, navigate } = usePortal();
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={t('homeIntro')}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate('/tasks')}>{t('viewTasks')}</Button>
              <Button variant="primary" onClick={() => navigate('/create')}>
                {t('getStarted')}
              </Button>
            </SpaceBetween>
          }
        >
          {t('homeTitle')}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ColumnLayout columns={2}>
          <Container header={<Header variant="h2">{t('homeS3Title')}</Header>}>
            <Box variant="p">{t('homeS3')}</Box>
          </Container>
          <Container header={<Header variant="h2">{t('homeEcrTitle')}</Header>}>
            <Box variant="p">{t('homeEcr')}</Box>
          </Container>
        </ColumnLayout>
        <Container header={<Header variant="h2">{t('homeHowTitle')}</Header>}>
          <ol>
            <li>
              <Box variant="p">{t('homeHow1')}</Box>
            </li>
            <li>
              <Box variant="p">{t('homeHow2')}</Box>
            </li>
            <li>
              <Box variant="p">{t('homeHow3')}</Box>
            </li>
          </ol>
        </Container>
      </SpaceBetween>
    </ContentLayout>
  );
}
