import { withRetry } from '../core/retry.js';
import type { RegistryCatalog } from '../ports/ecr-api.js';
import { RegistryHttpError } from './errors.js';
import { RegistryClient } from './registry-client.js';
import type { RegistryEndpoint } from './skopeo.js';

export type { RegistryCatalog } from '../ports/ecr-api.js';

/**
 * Attempts per listing page: a registry that throttles (429, Docker Hub's pull limits) or fails for a moment (5xx, a
 * broken connection) is asked again, after its Retry-After; before, one such answer failed every tag of the entry.
 */
const PAGE_ATTEMPTS = 4;

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

  /**
   * Every page's items, from `path` through the registry's Link headers. A page must be a JSON object holding `field`
   * as a list (or null, where `nullMeansNone`: a repository without tags): anything else — a sign-in page, another
   * service's JSON — is an error naming the registry, never an empty listing (no repository or tag silently missed).
   */
  private async *pages(path: string, scope: string, field: string, nullMeansNone = false): AsyncGenerator<string> {
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
      const page: string = next;
      const { text, type, link } = await withRetry(
        async () => {
          const res = await this.client.request(page, { accept: 'application/json', scope });
          if (!res.ok) throw await this.client.refusal(res, new URL(page, 'http://x').pathname);
          return { text: await res.text(), type: res.headers.get('content-type'), link: res.headers.get('link') };
        },
        { attempts: PAGE_ATTEMPTS, baseMs: 500 },
      );
      yield* this.listed(page, text, type, field, nullMeansNone);
      next = nextLink(link);
    }
  }

  /** The names a listing page holds in `field`, checked to be a list of strings. */
  private listed(url: string, text: string, type: string | null, field: string, nullMeansNone: boolean): string[] {
    const path = new URL(url, 'http://x').pathname;
    const refuse = (what: string) =>
      new RegistryHttpError(this.client.registry, 200, `${path} answered ${what}, not a registry listing`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw refuse(`a page that is not JSON (content type ${type ?? 'none'})`);
    }
    if (body === null || typeof body !== 'object' || !(field in body)) throw refuse(`JSON without "${field}"`);
    const list = (body as Record<string, unknown>)[field];
    if (list === null && nullMeansNone) return [];
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string'))
      throw refuse(`"${field}" that is not a list of names`);
    return list;
  }

  repositories(): AsyncIterable<string> {
    return this.pages(`/v2/_catalog?n=${this.pageSize}`, 'registry:catalog:*', 'repositories');
  }

  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    const name = this.client.apiRepository(repository);
    // A repository whose tags were all deleted answers "tags": null.
    for await (const t of this.pages(
      `/v2/${name}/tags/list?n=${this.pageSize}`,
      `repository:${name}:pull`,
      'tags',
      true,
    ))
      tags.push(t);
    return tags;
  }
}
