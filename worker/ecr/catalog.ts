import type { RegistryEndpoint } from './skopeo.js';

/** Lists repositories and tags of a source registry. */
export interface RegistryCatalog {
  repositories(): AsyncIterable<string>;
  tags(repository: string): Promise<string[]>;
}

function nextLink(header: string | null, base: string): string | undefined {
  const m = header ? /<([^>]+)>;\s*rel="next"/.exec(header) : null;
  return m ? new URL(m[1], base).toString() : undefined;
}

/** Docker Registry HTTP API v2: /v2/_catalog and /v2/<repo>/tags/list, following Link pagination, basic auth. */
export class RegistryV2Catalog implements RegistryCatalog {
  private readonly base: string;

  constructor(private readonly endpoint: RegistryEndpoint, private readonly pageSize = 100) {
    this.base = `${endpoint.insecure ? 'http' : 'https'}://${endpoint.registry}`;
  }

  private async get(url: string): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.endpoint.login) {
      headers.authorization = 'Basic ' + Buffer.from(`${this.endpoint.login.username}:${this.endpoint.login.password}`).toString('base64');
    }
    const res = await fetch(url, { headers });
    if (res.status === 401) throw new Error(`${this.endpoint.registry}: credentials were rejected (HTTP 401)`);
    if (!res.ok) throw new Error(`${this.endpoint.registry}: ${new URL(url).pathname} answered HTTP ${res.status}`);
    return res;
  }

  async *repositories(): AsyncIterable<string> {
    let url: string | undefined = `${this.base}/v2/_catalog?n=${this.pageSize}`;
    while (url) {
      const res = await this.get(url);
      for (const r of ((await res.json()) as { repositories?: string[] }).repositories ?? []) yield r;
      url = nextLink(res.headers.get('link'), this.base);
    }
  }

  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `${this.base}/v2/${repository}/tags/list?n=${this.pageSize}`;
    while (url) {
      const res = await this.get(url);
      tags.push(...(((await res.json()) as { tags?: string[] | null }).tags ?? []));
      url = nextLink(res.headers.get('link'), this.base);
    }
    return tags;
  }
}
