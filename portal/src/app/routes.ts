/** Hash routes (the console is static files: S3 + CloudFront, or the local hub). */
export type Route =
  | { name: 'home' }
  | { name: 'tasks' }
  | { name: 'task'; id: string; tab?: string }
  | { name: 'create'; clone?: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
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
  if (parts[0] === 'create') return { name: 'create', clone: params.get('clone') ?? undefined };
  return { name: 'home' };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'tasks':
      return '#/tasks';
    case 'task':
      return `#/tasks/${encodeURIComponent(route.id)}${route.tab ? `/${route.tab}` : ''}`;
    case 'create':
      return route.clone ? `#/create?clone=${encodeURIComponent(route.clone)}` : '#/create';
  }
}
