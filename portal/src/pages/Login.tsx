import { useState } from 'react';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import { saveToken } from '../auth.js';
import { translate, type Lang } from '../i18n.js';

export function Login(props: { lang: Lang; apiUrl: string; onToken: (t: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const t = (k: Parameters<typeof translate>[1]) => translate(props.lang, k);
  const submit = async () => {
    const res = await fetch(props.apiUrl, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ listTasksV2(count: 1) { total } }' }),
    });
    if (res.status === 401) return setError(t('badToken'));
    saveToken(token);
    props.onToken(token);
  };
  return (
    <div style={{ maxWidth: 560, margin: '64px auto' }}>
      <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Form actions={<Button variant="primary" formAction="submit">{t('signIn')}</Button>}>
          <Container header={<Header variant="h1" description={t('loginHelp')}>{t('loginTitle')}</Header>}>
            <FormField label={t('token')} errorText={error}>
              <Input type="password" value={token} onChange={(e) => setToken(e.detail.value)} ariaLabel={t('token')} />
            </FormField>
          </Container>
        </Form>
      </form>
    </div>
  );
}
