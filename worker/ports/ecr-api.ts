import type { AccessKeys } from './secret-store.js';

/** A username/password login to a container registry (htpasswd, a token, or ECR's `AWS:<token>`). */
export interface RegistryLogin {
  username: string;
  password: string;
}

/** Lists repositories and tags of a source registry (ECR API, or the registry's own v2 catalog). */
export interface RegistryCatalog {
  repositories(): AsyncIterable<string>;
  /** Every tag of a repository; throws when the repository does not exist. */
  tags(repository: string): Promise<string[]>;
}

/** Which ECR registry, and as whom: no keys = the runtime's own credentials (role, profile, environment). */
export interface EcrTarget {
  region: string;
  /** Registry (account) id; undefined = the account of the credentials. */
  accountId?: string;
  /** Access keys from the task's secret (cross-account, China ↔ global); undefined = the runtime's credentials. */
  keys?: AccessKeys;
}

/** One ECR registry reached with one set of credentials. */
export interface EcrRegistryApi {
  /** The account the credentials belong to (STS GetCallerIdentity). */
  callerAccount(): Promise<string>;
  /** A registry login (GetAuthorizationToken) and the registry's host (its proxy endpoint). */
  authorize(): Promise<{ registry: string; login: RegistryLogin }>;
  /** CreateRepository; false when it already exists (also when another copy created it a moment ago). */
  ensureRepository(name: string): Promise<boolean>;
  /** DescribeRepositories / ListImages; untagged images appear by digest (`sha256:<hex>`) when asked for. */
  catalog(options: { untagged: boolean }): RegistryCatalog;
}

/** The ECR (and STS) API: an AWS adapter implements it; the image engine only talks to this. */
export interface EcrApi {
  registry(target: EcrTarget): EcrRegistryApi;
}
