/** Hash routes (the console is static files: S3 + CloudFront, or the local hub). */
export type Route =
  | { name: 'home' }
  | { name: 'tasks' }
  | { name: 'task'; id: string; tab?: string }
  /** `step`: the wizard's step (0-based; 1-based in the address), so Back and Forward move between steps. */
  | { name: 'create'; clone?: string; step?: number }
  /** Any other address: a "page not found" page with a way home (as the original's catch-all route). */
  | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  // A sign-in link's token (#token=…) is read and removed by the local sign-in: the page under it is Home.
  if (/^token=/.test(raw)) return { name: 'home' };
  const [path, query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts[0] === 'tasks' && parts.length === 1) return { name: 'tasks' };
  if (parts[0] === 'tasks' && parts[1]) return { name: 'task', id: parts[1], tab: parts[2] };
  if (parts[0] === 'create' && parts.length === 1) {
    const step = Number(params.get('step'));
    return {
      name: 'create',
      clone: params.get('clone') ?? undefined,
      step: Number.isInteger(step) && step > 1 ? step - 1 : undefined,
    };
  }
  if (parts.length === 0) return { name: 'home' };
  return { name: 'notFound', path: `/${parts.join('/')}` };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'tasks':
      return '#/tasks';
    case 'task':
      return `#/tasks/${encodeURIComponent(route.id)}${route.tab ? `/${route.tab}` : ''}`;
    case 'create': {
      const query = new URLSearchParams();
      if (route.clone) query.set('clone', route.clone);
      if (route.step) query.set('step', String(route.step + 1));
      return query.size ? `#/create?${query}` : '#/create';
    }
    case 'notFound':
      return `#${route.path}`;
  }
}
