/** Local hub sign-in with the token `dth serve` printed. */
import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import { tokenAccepted } from '../../auth/local.js';
import { translate, type Lang, type StringKey } from '../../i18n/index.js';

export function Login({
  lang,
  apiUrl,
  onSession,
  initialError,
}: {
  lang: Lang;
  apiUrl: string;
  onSession: (token: string) => void;
  /** Why the sign-in page shows: a sign-in link's token the hub refused. */
  initialError?: StringKey;
}) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(initialError && translate(lang, initialError));
  const [busy, setBusy] = useState(false);
  const t = (k: StringKey) => translate(lang, k);
  const submit = async () => {
    const value = token.trim();
    if (!value) return setError(t('tokenRequired'));
    setBusy(true);
    try {
      if (!(await tokenAccepted(apiUrl, value))) return setError(t('badToken'));
      onSession(value);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box padding={{ vertical: 'xxxl', horizontal: 'l' }}>
      <main style={{ maxWidth: 560, margin: '0 auto' }}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Form
            actions={
              <Button variant="primary" formAction="submit" loading={busy}>
                {t('signIn')}
              </Button>
            }
          >
            <Container
              header={
                <Header variant="h1" description={t('loginHelp')}>
                  {t('loginTitle')}
                </Header>
              }
            >
              <FormField label={t('token')} description={t('tokenDescription')} errorText={error}>
                <Input
                  type="password"
                  value={token}
                  onChange={(e) => {
                    setToken(e.detail.value);
                    setError(undefined);
                  }}
                  autoFocus
                />
              </FormField>
            </Container>
          </Form>
        </form>
      </main>
    </Box>
  );
}
