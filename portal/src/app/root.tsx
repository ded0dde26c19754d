/**
 * Start-up: read config.json, sign in (local token, or Cognito / OIDC in the cloud — each library loaded only
 * when configured), then the console. The document language follows the console's.
 */
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Spinner from '@cloudscape-design/components/spinner';
import { I18nProvider } from '@cloudscape-design/components/i18n';
import messagesEn from '@cloudscape-design/components/i18n/messages/all.en';
import messagesZh from '@cloudscape-design/components/i18n/messages/all.zh-CN';
import { loadConfig, type PortalConfig } from '../auth/config.js';
import { forgetToken, localSession, storedToken, tokenAccepted } from '../auth/local.js';
import type { Session } from '../auth/session.js';
import { HTML_LANG, initialLang, translate, type Lang } from '../i18n/index.js';
import { Login } from '../pages/login/index.js';
import { App } from './app.js';

async function cloudSession(config: PortalConfig): Promise<Session | undefined> {
  if (config.authType === 'COGNITO') return (await import('../auth/cognito.js')).cognitoSession(config);
  return (await import('../auth/oidc.js')).oidcSession(config);
}

export function Root() {
  // Take a `#token=…` sign-in link at once, before anything can change the address (it is removed from it).
  const [linkToken, setLinkToken] = useState(storedToken);
  // A sign-in link opened in a tab already showing the console (a fragment change, no reload) signs in too.
  useEffect(() => {
    const onHashChange = () => {
      if (/[#&]token=/.test(window.location.hash)) setLinkToken(storedToken());
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  const [lang, setLang] = useState<Lang>(initialLang);
  const [config, setConfig] = useState<PortalConfig>();
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<{ key: 'configError' | 'signInFailed'; detail: string }>();
  /** Why the sign-in page shows, when not for a first sign-in: a link's token refused, or a session's token refused. */
  const [signInReason, setSignInReason] = useState<'badToken' | 'sessionRefused'>();
  const startLocal = useCallback((apiUrl: string, token: string) => {
    setSignInReason(undefined);
    setSession(
      localSession(apiUrl, token, (why) => {
        setSession(undefined);
        if (why === 'refused') setSignInReason('sessionRefused');
      }),
    );
  }, []);

  useEffect(() => {
    document.documentElement.lang = HTML_LANG[lang];
    localStorage.setItem('dth.lang', lang);
  }, [lang]);

  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        if (c.authType === 'LOCAL') {
          const token = linkToken ?? storedToken();
          // A link or stored token is checked before any page shows as signed in: a wrong or stale one (a restarted
          // hub prints a new token) opens the sign-in page saying so, instead of an empty console that falls back later.
          // The config is set with the outcome, so neither page flashes before the other.
          const accepted = token ? await tokenAccepted(c.apiUrl, token).catch(() => true) : false;
          if (token && accepted) startLocal(c.apiUrl, token);
          if (token && !accepted) {
            forgetToken();
            setSignInReason('badToken');
          }
          setConfig(c);
          return;
        }
        setConfig(c);
        try {
          setSession(await cloudSession(c));
        } catch (e) {
          setError({ key: 'signInFailed', detail: (e as Error).message });
        }
      })
      .catch((e: Error) => setError({ key: 'configError', detail: e.message }));
  }, [linkToken, startLocal]);

  const t = (k: Parameters<typeof translate>[1], vars?: Record<string, string>) => translate(lang, k, vars);
  let content: ReactNode;
  if (error)
    content = (
      <Box padding="l">
        <Alert type="error">{t(error.key, { error: error.detail })}</Alert>
      </Box>
    );
  else if (!config || (!session && config.authType !== 'LOCAL')) {
    content = (
      <Box padding="xxl" textAlign="center">
        <Spinner size="large" />
        <Box variant="p">{t('loading')}</Box>
      </Box>
    );
  } else if (!session) {
    content = (
      <Login
        lang={lang}
        apiUrl={config.apiUrl}
        initialError={signInReason}
        onSession={(token) => startLocal(config.apiUrl, token)}
      />
    );
  } else
    content = (
      <App config={config} session={session} lang={lang} setLang={setLang} onSignedOut={() => setSession(undefined)} />
    );

  return (
    <I18nProvider locale={HTML_LANG[lang]} messages={[messagesEn, messagesZh]}>
      {content}
    </I18nProvider>
  );
}
