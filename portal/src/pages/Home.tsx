import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { usePortal } from '../context.js';

export function Home() {
  const { t, navigate } = usePortal();
  return (
    <SpaceBetween size="l">
      <Header variant="h1" description={t('homeIntro')} actions={<Button variant="primary" onClick={() => navigate('/create')}>{t('getStarted')}</Button>}>
        {t('appName')}
      </Header>
      <ColumnLayout columns={2}>
        <Container header={<Header variant="h2">{t('s3Engine')}</Header>}><Box>{t('homeS3')}</Box></Container>
        <Container header={<Header variant="h2">{t('ecrEngine')}</Header>}><Box>{t('homeEcr')}</Box></Container>
      </ColumnLayout>
    </SpaceBetween>
  );
}
