/** The console's frame: top navigation, side navigation, breadcrumbs, Flashbar, help panel and the current page. */
import { lazy, type ReactNode, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import AppLayout from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup, { type BreadcrumbGroupProps } from '@cloudscape-design/components/breadcrumb-group';
import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';
import HelpPanel from '@cloudscape-design/components/help-panel';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { taskOperations } from '../api/operations.js';
import type { PortalConfig } from '../auth/config.js';
import type { Session } from '../auth/session.js';
import { translate, type Lang, type StringKey } from '../i18n/index.js';
import { Ctx, type Flash, type PortalContext } from './context.js';
import { hrefOf, parseRoute, type Route } from './routes.js';

const Home = lazy(() => import('../pages/home/index.js'));
const TaskList = lazy(() => import('../pages/tasks/index.js'));
const TaskDetail = lazy(() => import('../pages/task-detail/index.js'));
const CreateTask = lazy(() => import('../pages/create-task/index.js'));
const NotFound = lazy(() => import('../pages/not-found/index.js'));

const HELP: Record<Route['name'], [StringKey, StringKey]> = {
  home: ['helpTitleHome', 'helpHome'],
  tasks: ['helpTitleTasks', 'helpTasks'],
  task: ['helpTitleTask', 'helpTask'],
  create: ['helpTitleCreate', 'helpCreate'],
  notFound: ['helpTitleNotFound', 'helpNotFound'],
};

/** The current route and how many route changes there have been (flash messages expire by it). */
function useRoute(): [Route, number] {
  const [route, setRoute] = useState(() => ({ route: parseRoute(window.location.hash), seq: 0 }));
  useEffect(() => {
    const onHash = () => setRoute((r) => ({ route: parseRoute(window.location.hash), seq: r.seq + 1 }));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return [route.route, route.seq];
}

export function App({
  config,
  session,
  lang,
  setLang,
  onSignedOut,
}: {
  config: PortalConfig;
  session: Session;
  lang: Lang;
  setLang: (l: Lang) => void;
  onSignedOut: () => void;
}) {
  const [route, routeSeq] = useRoute();
  const [flashes, setFlashes] = useState<(Flash & { id: string; seq: number })[]>([]);
  const [toolsOpen, setToolsOpen] = useState(false);
  const t = (k: StringKey, vars?: Record<string, string | number>) => translate(lang, k, vars);

  const seqRef = useRef(routeSeq);
  seqRef.current = routeSeq;
  const notify = useCallback((flash: Flash) => {
    const id = flash.id ?? `flash-${Date.now()}-${Math.random()}`;
    setFlashes((all) => [{ ...flash, id, seq: seqRef.current }, ...all.filter((f) => f.id !== id)].slice(0, 5));
  }, []);
  // A success message lives on the page it was shown on after its action (e.g. "created" on the new task's page);
  // errors and work in progress stay until dismissed.
  useEffect(() => {
    setFlashes((all) => all.filter((f) => f.type !== 'success' || f.seq >= routeSeq - 1));
  }, [routeSeq]);
  const ctx: PortalContext = useMemo(
    () => ({
      ops: taskOperations(session.api),
      config,
      lang,
      notify,
      navigate: (path: string) => {
        window.location.hash = path;
      },
    }),
    [session, config, lang, notify],
  );

  const crumbs: BreadcrumbGroupProps.Item[] = [{ text: t('navHome'), href: '#/' }];
  if (route.name === 'notFound') crumbs.push({ text: t('pageNotFoundTitle'), href: hrefOf(route) });
  else if (route.name !== 'home') crumbs.push({ text: t('navTasks'), href: '#/tasks' });
  if (route.name === 'task') crumbs.push({ text: route.id, href: hrefOf({ name: 'task', id: route.id }) });
  if (route.name === 'create') crumbs.push({ text: t('navCreate'), href: '#/create' });

  let page: ReactNode;
  if (route.name === 'tasks') page = <TaskList />;
  else if (route.name === 'task')
    page = <TaskDetail key={`${route.id}/${route.tab ?? ''}`} id={route.id} tab={route.tab} />;
  else if (route.name === 'create')
    page = <CreateTask key={route.clone ?? 'new'} cloneOf={route.clone} step={route.step ?? 0} />;
  else if (route.name === 'notFound') page = <NotFound path={route.path} />;
  else page = <Home />;

  const items: FlashbarProps.MessageDefinition[] = flashes.map((f) => ({
    id: f.id,
    type: f.type,
    loading: f.loading,
    content: t(f.message, f.vars),
    dismissible: !f.loading,
    dismissLabel: t('dismiss'),
    onDismiss: () => setFlashes((all) => all.filter((x) => x.id !== f.id)),
  }));
  const [helpTitle, helpBody] = HELP[route.name];

  return (
    <Ctx.Provider value={ctx}>
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{ href: '#/', title: t('appName') }}
          utilities={[
            {
              type: 'button',
              text: t('switchLanguage'),
              ariaLabel: t('switchLanguageLabel'),
              onClick: () => setLang(lang === 'en' ? 'zh' : 'en'),
            },
            // The cloud's signed-in user, as the original's "Welcome, <email>": Cloudscape's user menu holding Sign out.
            session.user
              ? {
                  type: 'menu-dropdown',
                  text: t('signedInAs', { user: session.user }),
                  ariaLabel: t('userMenuLabel', { user: session.user }),
                  iconName: 'user-profile',
                  items: [{ id: 'sign-out', text: t('signOut') }],
                  onItemClick: (e) => {
                    if (e.detail.id === 'sign-out') void session.signOut().then(onSignedOut);
                  },
                }
              : {
                  type: 'button',
                  text: t('signOut'),
                  onClick: () => {
                    void session.signOut().then(onSignedOut);
                  },
                },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        breadcrumbs={<BreadcrumbGroup items={crumbs} ariaLabel={t('breadcrumbs')} />}
        notifications={<Flashbar items={items} stackItems={items.length > 2} />}
        navigation={
          <SideNavigation
            activeHref={
              route.name === 'task' ? '#/tasks' : hrefOf(route.name === 'create' ? { name: 'create' } : route)
            }
            header={{ href: '#/', text: t('appName') }}
            items={[
              { type: 'link', text: t('navHome'), href: '#/' },
              { type: 'link', text: t('navTasks'), href: '#/tasks' },
              { type: 'link', text: t('navCreate'), href: '#/create' },
            ]}
          />
        }
        tools={
          <HelpPanel header={<h2>{t(helpTitle)}</h2>}>
            <p>{t(helpBody)}</p>
            {route.name === 'create' ? <p>{t('helpCredentials')}</p> : null}
          </HelpPanel>
        }
        toolsOpen={toolsOpen}
        onToolsChange={(e) => setToolsOpen(e.detail.open)}
        contentType={route.name === 'tasks' ? 'table' : route.name === 'create' ? 'wizard' : 'default'}
        content={<Suspense fallback={<Spinner size="large" />}>{page}</Suspense>}
      />
    </Ctx.Provider>
  );
}
