/**
 * The ECR API port on AWS SDK v3: STS GetCallerIdentity, ECR GetAuthorizationToken, CreateRepository,
 * DescribeRepositories and ListImages, signed with the task secret's access keys when given (cross-account,
 * China ↔ global), else with the runtime's own credentials (the default chain).
 */
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
  type ECRClientConfig,
} from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DthError } from '../../core/errors.js';
import { redactValue } from '../../core/log.js';
import type { EcrApi, EcrRegistryApi, EcrTarget, RegistryCatalog, RegistryLogin } from '../../ports/ecr-api.js';
import { sdkProxySettings } from '../aws/sdk-proxy.js';
import { UNREACHABLE_CODES } from '../unreachable-codes.js';

/**
 * An SDK failure of an STS or ECR call in words a user can act on: the default chain found no credentials at all
 * (nothing was rejected), or the API endpoint or the proxy to it cannot be reached (a wrong region, no network): not the SDK's
 * "Could not load credentials from any providers" or "getaddrinfo ENOTFOUND …". Other failures pass unchanged.
 */
export function describeAwsFailure(err: unknown): unknown {
  const e = (err ?? {}) as { name?: string; code?: string; hostname?: string; viaProxy?: string; endpoint?: string };
  if (e.name === 'CredentialsProviderError') {
    return new DthError(
      'NO_CREDENTIALS',
      "no AWS credentials found (this machine's default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
        'a profile (AWS_PROFILE) or an instance role)',
      { cause: err, retry: { retryable: false } },
    );
  }
  if (e.code === 'EPROXY' || e.code === 'EPROXYAUTH') {
    // The proxy's own answer, in its words (refused a tunnel to …: its status): a 407 is not mended by waiting.
    return new DthError('ENDPOINT_UNREACHABLE', `${(err as Error).message}; check the proxy (HTTPS_PROXY/HTTP_PROXY)`, {
      cause: err,
      retry: { retryable: e.code === 'EPROXY' },
    });
  }
  if (e.code && e.viaProxy) {
    return new DthError(
      'ENDPOINT_UNREACHABLE',
      `cannot reach ${e.endpoint} through the proxy ${e.viaProxy} (HTTPS_PROXY/HTTP_PROXY): ${e.code}; check the proxy`,
      { cause: err, retry: { retryable: true } },
    );
  }
  if (e.code && UNREACHABLE_CODES.has(e.code)) {
    return new DthError(
      'ENDPOINT_UNREACHABLE',
      `cannot reach ${e.hostname ?? 'the AWS API endpoint'} (${e.code}); check the region and this machine's network`,
      { cause: err, retry: { retryable: e.code !== 'ENOTFOUND' } },
    );
  }
  return err;
}

/** Sends an SDK command; its failure comes back described (describeAwsFailure). */
async function sendDescribed<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw describeAwsFailure(err);
  }
}

/** Lists every repository and image of an ECR registry (paginated). Untagged images appear by digest (`sha256:<hex>`) when asked for. */
export class EcrCatalog implements RegistryCatalog {
  constructor(
    private readonly client: ECRClient,
    private readonly options: { registryId?: string; includeUntagged?: boolean } = {},
  ) {}

  async *repositories(): AsyncIterable<string> {
    let nextToken: string | undefined;
    do {
      const page = await sendDescribed(() =>
        this.client.send(new DescribeRepositoriesCommand({ registryId: this.options.registryId, nextToken })),
      );
      for (const r of page.repositories ?? []) if (r.repositoryName) yield r.repositoryName;
      nextToken = page.nextToken;
    } while (nextToken);
  }

  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await sendDescribed(() =>
          this.client.send(
            new ListImagesCommand({
              registryId: this.options.registryId,
              repositoryName: repository,
              nextToken,
              filter: { tagStatus: this.options.includeUntagged ? 'ANY' : 'TAGGED' },
            }),
          ),
        );
        for (const id of page.imageIds ?? []) {
          if (id.imageTag) tags.push(id.imageTag);
          else if (this.options.includeUntagged && id.imageDigest) tags.push(id.imageDigest);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (err) {
      if ((err as Error).name === 'RepositoryNotFoundException')
        throw new Error(
          `repository "${repository}" does not exist in registry ${this.options.registryId ?? '(own account)'}`,
        );
      throw err;
    }
    return [...new Set(tags)];
  }
}

export interface SdkEcrApiOptions {
  /** Client settings: an endpoint (the emulator), retries, the runtime's own credentials (default: the default chain). */
  clientConfig?: Pick<ECRClientConfig, 'endpoint' | 'maxAttempts' | 'credentials'>;
  /**
   * Registry host for an account and region instead of the token's proxy endpoint: lets a local registry stand in
   * for ECR's in tests, the ECR API itself being the emulator's.
   */
  registryHost?: (accountId: string, region: string) => string;
}

class SdkEcrRegistry implements EcrRegistryApi {
  private readonly ecr: ECRClient;
  private readonly sts: STSClient;

  constructor(
    private readonly target: EcrTarget,
    private readonly options: SdkEcrApiOptions,
  ) {
    const config = {
      ...options.clientConfig,
      region: target.region,
      // The secret's keys win over the runtime's own credentials.
      ...(target.keys
        ? {
            credentials: {
              accessKeyId: target.keys.accessKeyId,
              secretAccessKey: target.keys.secretAccessKey,
              sessionToken: target.keys.sessionToken,
            },
          }
        : {}),
    };
    this.ecr = new ECRClient({ ...sdkProxySettings(), ...config });
    this.sts = new STSClient({ ...sdkProxySettings(), ...config });
  }

  async callerAccount(): Promise<string> {
    const out = await sendDescribed(() => this.sts.send(new GetCallerIdentityCommand({})));
    if (!out.Account) throw new Error('STS GetCallerIdentity returned no account');
    return out.Account;
  }

  async authorize(): Promise<{ registry: string; login: RegistryLogin }> {
    const { accountId, region } = this.target;
    const out = await sendDescribed(() =>
      this.ecr.send(new GetAuthorizationTokenCommand(accountId ? { registryIds: [accountId] } : {})),
    );
    const data = out.authorizationData?.[0];
    if (!data?.authorizationToken) throw new Error(`ECR in ${region} returned no authorization token`);
    redactValue(data.authorizationToken);
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`ECR in ${region} returned an authorization token that is not user:password`);
    const login = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    redactValue(login.password);
    const account = accountId ?? (await this.callerAccount());
    const registry =
      this.options.registryHost?.(account, region) ??
      (data.proxyEndpoint ? new URL(data.proxyEndpoint).host : undefined);
    if (!registry) throw new Error(`ECR in ${region} returned no registry endpoint`);
    return { registry, login };
  }

  async ensureRepository(name: string): Promise<boolean> {
    try {
      await this.ecr.send(new CreateRepositoryCommand({ registryId: this.target.accountId, repositoryName: name }));
      return true;
    } catch (err) {
      // Exists already, or another copy created it a moment ago: either way it is there.
      if ((err as Error).name === 'RepositoryAlreadyExistsException') return false;
      throw describeAwsFailure(err);
    }
  }

  catalog(options: { untagged: boolean }): RegistryCatalog {
    return new EcrCatalog(this.ecr, { registryId: this.target.accountId, includeUntagged: options.untagged });
  }
}

export class SdkEcrApi implements EcrApi {
  constructor(private readonly options: SdkEcrApiOptions = {}) {}

  registry(target: EcrTarget): EcrRegistryApi {
    return new SdkEcrRegistry(target, this.options);
  }
}
