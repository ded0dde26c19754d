import type { RegistryCatalog } from '../ports/ecr-api.js';
import { RegistryClient, RegistryHttpError } from './registry-client.js';
import type { RegistryEndpoint } from './skopeo.js';

export type { RegistryCatalog } from '../ports/ecr-api.js';

function nextLink(header: string | null): string | undefined {
  const m = header ? /<([^>]+)>;\s*rel="next"/.exec(header) : null;
  return m ? m[1] : undefined;
}

/** Docker Registry HTTP API v2: /v2/_catalog and /v2/<repo>/tags/list, following Link pagination, auth as the registry asks. */
export class RegistryV2Catalog implements RegistryCatalog {
  private readonly client: RegistryClient;

  constructor(
    endpoint: RegistryEndpoint,
    private readonly pageSize = 100,
  ) {
    this.client = new RegistryClient(endpoint);
  }

  /** Every page's items, from `path` through the registry's Link headers. */
  private async *pages<T>(
    path: string,
    scope: string,
    items: (body: T) => string[] | null | undefined,
  ): AsyncGenerator<string> {
    let next: string | undefined = path;
    // A registry that ignores `last` links the same page again: the listing would never end.
    const asked = new Set<string>();
    while (next) {
      if (asked.has(next))
        throw new RegistryHttpError(
          this.client.registry,
          undefined,
          `the listing links back to a page it already gave (${new URL(next, 'http://x').pathname}): the registry does not page it`,
        );
      asked.add(next);
      const res = await this.client.request(next, { accept: 'application/json', scope });
      if (!res.ok)
        throw new RegistryHttpError(
          this.client.registry,
          res.status,
          `${new URL(next, 'http://x').pathname} answered HTTP ${res.status}`,
        );
      yield* items((await res.json()) as T) ?? [];
      next = nextLink(res.headers.get('link'));
    }
  }

  repositories(): AsyncIterable<string> {
    return this.pages<{ repositories?: string[] }>(
      `/v2/_catalog?n=${this.pageSize}`,
      'registry:catalog:*',
      (b) => b.repositories,
    );
  }

  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    const name = this.client.apiRepository(repository);
    for await (const t of this.pages<{ tags?: string[] | null }>(
      `/v2/${name}/tags/list?n=${this.pageSize}`,
      `repository:${name}:pull`,
      (b) => b.tags,
    ))
      tags.push(t);
    return tags;
  }
}
