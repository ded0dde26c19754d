import { DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand, ListImagesCommand } from '@aws-sdk/client-ecr';
import { redactValue } from '../../core/log.js';
import type { RegistryCatalog } from '../../ecr/catalog.js';
import type { EcrTokenProvider, RegistryLogin } from '../../ecr/registry-credentials.js';

/** Lists every repository and image of an ECR registry (paginated). Untagged images appear as `sha256-<hex>` when asked for. */
export class EcrCatalog implements RegistryCatalog {
  constructor(private readonly client: ECRClient, private readonly options: { registryId?: string; includeUntagged?: boolean } = {}) {}

  async *repositories(): AsyncIterable<string> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new DescribeRepositoriesCommand({ registryId: this.options.registryId, nextToken }));
      for (const r of page.repositories ?? []) if (r.repositoryName) yield r.repositoryName;
      nextToken = page.nextToken;
    } while (nextToken);
  }

  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListImagesCommand({
        registryId: this.options.registryId, repositoryName: repository, nextToken,
        filter: { tagStatus: this.options.includeUntagged ? 'ANY' : 'TAGGED' },
      }));
      for (const id of page.imageIds ?? []) {
        if (id.imageTag) tags.push(id.imageTag);
        else if (this.options.includeUntagged && id.imageDigest) tags.push(id.imageDigest.replace(':', '-'));
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return [...new Set(tags)];
  }
}

/** The catalog of the ECR registry in a region (default client). */
export function ecrCatalog(region: string | undefined, options: { registryId?: string; includeUntagged?: boolean } = {}): EcrCatalog {
  return new EcrCatalog(new ECRClient({ region }), options);
}

/** ECR logins from GetAuthorizationToken: user "AWS", password from the base64 "AWS:<password>" token. */
export class SdkEcrTokenProvider implements EcrTokenProvider {
  constructor(private readonly clientFor: (region: string) => ECRClient = (region) => new ECRClient({ region })) {}

  async login(region: string, accountId?: string): Promise<RegistryLogin> {
    const out = await this.clientFor(region).send(new GetAuthorizationTokenCommand(accountId ? { registryIds: [accountId] } : {}));
    const token = out.authorizationData?.[0]?.authorizationToken;
    if (!token) throw new Error(`ECR in ${region} returned no authorization token`);
    const [username, password] = Buffer.from(token, 'base64').toString('utf8').split(':', 2);
    redactValue(password);
    redactValue(token);
    return { username, password };
  }
}
