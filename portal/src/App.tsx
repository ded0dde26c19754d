import { useEffect, useMemo, useState } from 'react';
import AppLayout from '@cloudscape-design/components/app-layout';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import { createApi } from './api.js';
import { finishCloudSignIn, loadConfig, signOut, startCloudSignIn, storedToken, type PortalConfig } from './auth.js';
import { Ctx } from './context.js';
import { translate, type Lang } from './i18n.js';
import { CreateTask } from './pages/CreateTask.js';
import { Home } from './pages/Home.js';
import { Login } from './pages/Login.js';
import { TaskDetail } from './pages/TaskDetail.js';
import { TaskList } from './pages/TaskList.js';

function currentPath(): string {
  const h = window.location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

export function App() {
  const [config, setConfig] = useState<PortalConfig>();
  const [token, setToken] = useState<string | undefined>(storedToken());
  const [path, setPath] = useState(currentPath());
  const [lang, setLang] = useState<Lang>((localStorage.getItem('dth.lang') as Lang) || (navigator.language.startsWith('zh') ? 'zh' : 'en'));
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    loadConfig().then(async (c) => {
      setConfig(c);
      if (c.authType !== 'LOCAL') setToken(await finishCloudSignIn(c));
    }, (e: Error) => setLoadError(e.message));
    const onHash = () => setPath(currentPath());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const api = useMemo(
    () => config && createApi(config.apiUrl, () => token, () => { signOut(); setToken(undefined); }, config.authType === 'LOCAL'),
    [config, token],
  );
  const t = (k: Parameters<typeof translate>[1]) => translate(lang, k);
  const navigate = (p: string) => { window.location.hash = p; };

  if (loadError) return <div role="alert">config.json: {loadError}</div>;
  if (!config || !api) return <Spinner size="large" />;
  if (!token) {
    if (config.authType === 'LOCAL') return <Login lang={lang} onToken={(tok) => setToken(tok)} apiUrl={config.apiUrl} />;
    void startCloudSignIn(config);
    return <Spinner size="large" />;
  }

  let page;
  const detail = /^\/tasks\/([^/]+)$/.exec(path);
  if (path === '/create') page = <CreateTask />;
  else if (path === '/tasks') page = <TaskList />;
  else if (detail) page = <TaskDetail id={decodeURIComponent(detail[1])} />;
  else page = <Home />;

  return (
    <Ctx.Provider value={{ api, config, lang, navigate }}>
      <TopNavigation
        identity={{ href: '#/', title: t('appName') }}
        utilities={[
          { type: 'button', text: t('language'), onClick: () => { const next = lang === 'en' ? 'zh' : 'en'; localStorage.setItem('dth.lang', next); setLang(next); } },
          { type: 'button', text: t('signOut'), onClick: () => { signOut(); setToken(undefined); } },
        ]}
      />
      <AppLayout
        toolsHide
        navigation={
          <SideNavigation
            activeHref={`#${path.startsWith('/tasks') ? '/tasks' : path}`}
            header={{ href: '#/', text: t('appName') }}
            items={[
              { type: 'link', text: t('home'), href: '#/' },
              { type: 'link', text: t('tasks'), href: '#/tasks' },
              { type: 'link', text: t('createTask'), href: '#/create' },
            ]}
          />
        }
        content={page}
      />
    </Ctx.Provider>
  );
}
