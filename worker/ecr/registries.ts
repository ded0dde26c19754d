/**
 * The two registries of a task, resolved before any image is touched: hosts (a blank account id is the account of the
 * credentials, from STS), logins (a secret's username/password, an ECR token made with a secret's access keys or with
 * the runtime's own credentials, or anonymous), the ECR API of an ECR side (catalog, CreateRepository), and a check
 * that each registry accepts its login — a refused login stops the run with one clear message.
 */
import { DthError, InvalidParameterError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { EcrApi, EcrRegistryApi, RegistryCatalog, RegistryLogin } from '../ports/ecr-api.js';
import type { SecretStore } from '../ports/secret-store.js';
import { RegistryV2Catalog } from './catalog.js';
import { EcrAccessError, LoginRejectedError, LoginRequiredError } from './errors.js';
import { destinationIsEcr, ecrHostParts, ecrRegistryHost, type EcrTaskParams, type ImageRef } from './params.js';
import { RegistryHttpError, RegistryUnavailableError } from './errors.js';
import { RegistryClient } from './registry-client.js';
import { ecrFieldLabel, readRegistrySecret, type RegistrySecret } from './registry-credentials.js';
import type { RegistryEndpoint } from './skopeo.js';

export type Side = 'source' | 'destination';

export interface RegistrySide {
  side: Side;
  endpoint: RegistryEndpoint;
  client: RegistryClient;
  /** Whose login, for messages: "the login of secret 'dst'", "the ECR login of account 123456789012". */
  loginFrom?: string;
  /** The side's ECR API (Amazon ECR registries only). */
  ecr?: EcrRegistryApi;
  accountId?: string;
  /** An ECR token login (not a secret's): made again, in place in `endpoint`, once older than ECR_LOGIN_RENEW_AFTER_MS. */
  renewLoginIfOld?: () => Promise<void>;
}

/** ECR authorization tokens are valid for 12 hours; one older than this is made again before it is used. */
export const ECR_LOGIN_RENEW_AFTER_MS = 11 * 3600_000;

export interface TaskRegistries {
  source: RegistrySide;
  dest: RegistrySide;
  /** The registry an image is read from: the task's source, or the one the image names (read anonymously). */
  sourceFor(ref: Pick<ImageRef, 'registry'>): RegistrySide;
  /** Where ALL and repo:ALL_TAGS are expanded from for an image's registry. */
  catalogFor(ref?: Pick<ImageRef, 'registry'>): RegistryCatalog;
  /** An ECR destination gets the repository created before the first copy into it (once per name); elsewhere a no-op. */
  ensureDestRepository(name: string): Promise<void>;
  /**
   * GET /v2/ with each login; throws LoginRejectedError naming the side, registry and secret when one is refused, and
   * LoginRequiredError when a side without a login is a registry that serves nobody anonymously.
   */
  checkLogins(signal?: AbortSignal): Promise<void>;
  /**
   * Makes again each ECR token login older than ECR_LOGIN_RENEW_AFTER_MS: a run that long (a large mirror) would
   * otherwise be refused by the registries midway. Called before a side's login is used again.
   */
  renewExpiringLogins(): Promise<void>;
  /** A registry's own error with the side and the parameters behind it in front (RegistryUnavailableError). */
  namedSide(err: RegistryHttpError, side: RegistrySide): RegistryUnavailableError;
}

export interface ResolveDeps {
  secrets: SecretStore;
  /** Needed when a side is Amazon ECR (composed by the entry point from the AWS adapter). */
  ecr?: EcrApi;
  logger: Logger;
  /** Source catalog instead of the ECR API / registry v2 API (tests). */
  catalog?: RegistryCatalog;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A call made with the runtime's own credentials found none: the secret parameter that would do instead. */
function withSecretHint(err: unknown, field: string): string {
  return err instanceof DthError && err.code === 'NO_CREDENTIALS'
    ? `${message(err)}; or name a secret with access keys in ${field}`
    : message(err);
}

interface SideInput {
  side: Side;
  registry?: string;
  region?: string;
  accountId?: string;
  credential?: string;
  field: string;
}

async function readSecret(secrets: SecretStore, input: SideInput): Promise<RegistrySecret | undefined> {
  return input.credential ? readRegistrySecret(secrets, input.credential, input.field) : undefined;
}

/** An Amazon ECR side: account (STS when blank), login (the secret's, or an ECR token), host (the token's endpoint). */
async function resolveEcrSide(input: SideInput, params: EcrTaskParams, deps: ResolveDeps): Promise<RegistrySide> {
  const { side, credential, region } = input;
  // The parser requires the region of an ECR side (or an ECR host naming it).
  if (!region)
    throw new InvalidParameterError(
      side === 'source' ? 'srcRegion' : 'destRegion',
      `is required for an Amazon ECR ${side}`,
    );
  if (!deps.ecr) throw new Error(`the ${side} is Amazon ECR, but this runtime was started without the ECR API`);
  const secret = await readSecret(deps.secrets, input);
  const keys = secret?.kind === 'keys' ? secret.keys : undefined;
  const who = keys ? `the access keys of secret '${credential}'` : "the runtime's own credentials";
  let accountId = input.accountId ?? ecrHostParts(input.registry)?.accountId;
  if (!accountId) {
    try {
      accountId = await deps.ecr.registry({ region, keys }).callerAccount();
    } catch (err) {
      throw new EcrAccessError(
        side,
        `finding the account (STS GetCallerIdentity in ${region})`,
        who,
        withSecretHint(err, input.field),
      );
    }
  }
  const ecr = deps.ecr.registry({ region, accountId, keys });
  let registry = input.registry;
  let login: RegistryLogin;
  let loginFrom: string;
  const ecrLogin = async () => {
    try {
      return await ecr.authorize();
    } catch (err) {
      throw new EcrAccessError(
        side,
        `logging in to the ECR of account ${accountId} in ${region} (GetAuthorizationToken)`,
        who,
        withSecretHint(err, input.field),
      );
    }
  };
  if (secret?.kind === 'login') {
    login = secret.login;
    loginFrom = `the login of secret '${credential}'`;
  } else {
    const auth = await ecrLogin();
    login = auth.login;
    registry ??= auth.registry;
    loginFrom = keys
      ? `the ECR login made with the keys of secret '${credential}'`
      : `the ECR login of account ${accountId}`;
  }
  registry ??= ecrRegistryHost(accountId, region);
  const endpoint: RegistryEndpoint = { registry, login, insecure: params.insecure };
  deps.logger.info('image.registry', {
    side,
    registry,
    accountId,
    region,
    login: keys
      ? `ECR token (keys of secret '${credential}')`
      : secret
        ? `secret '${credential}'`
        : 'ECR token (runtime credentials)',
  });
  return {
    side,
    endpoint,
    client: new RegistryClient(endpoint),
    loginFrom,
    ecr,
    accountId,
    ...(secret?.kind === 'login' ? {} : { renewLoginIfOld: loginRenewal(endpoint, ecrLogin, side, deps.logger) }),
  };
}

/**
 * Makes an ECR login again once it is ECR_LOGIN_RENEW_AFTER_MS old, in place in `endpoint` (the registry client and
 * each later skopeo process read it there). Images copied in parallel ask at once: one GetAuthorizationToken for all.
 */
function loginRenewal(
  endpoint: RegistryEndpoint,
  login: () => Promise<{ login: RegistryLogin }>,
  side: Side,
  logger: Logger,
): () => Promise<void> {
  let madeAt = Date.now();
  let renewing: Promise<void> | undefined;
  return () => {
    if (!renewing && Date.now() - madeAt >= ECR_LOGIN_RENEW_AFTER_MS)
      renewing = login()
        .then((auth) => {
          endpoint.login = auth.login;
          madeAt = Date.now();
          logger.info('image.login_renewed', { side, registry: endpoint.registry });
        })
        .finally(() => {
          renewing = undefined;
        });
    return renewing ?? Promise.resolve();
  };
}

/** Any other registry: a username/password secret, or anonymous. Access keys log in to ECR only. */
async function resolveRegistrySide(input: SideInput, params: EcrTaskParams, deps: ResolveDeps): Promise<RegistrySide> {
  const { registry } = input;
  // The parser gives a Public source docker.io by default; a destination is another registry only when destRegistry names it.
  if (!registry)
    throw new InvalidParameterError(
      input.side === 'source' ? 'srcRegistry' : 'destRegistry',
      `is required for a ${input.side} registry that is not Amazon ECR`,
    );
  let secret = await readSecret(deps.secrets, input);
  if (secret?.kind === 'keys' && input.side === 'source' && params.sourceType === 'Public') {
    // The original ignores srcCredential for a Public source (its console can leave one behind after the source type
    // changed): AWS keys there are left unused, not refused; a username/password secret logs in to the registry (ours).
    deps.logger.warn('image.credential_ignored', {
      side: input.side,
      field: input.field,
      reason: `secret "${input.credential}" holds AWS access keys, which log in to Amazon ECR only: ${registry} is read without a login`,
    });
    secret = undefined;
  }
  if (secret?.kind === 'keys') {
    throw new InvalidParameterError(
      input.field,
      `secret "${input.credential}" holds AWS access keys, which log in to Amazon ECR only; ${input.side} registry ${registry} needs a username and password`,
      ecrFieldLabel(input.field),
    );
  }
  const endpoint: RegistryEndpoint = { registry, login: secret?.login, insecure: params.insecure };
  deps.logger.info('image.registry', {
    side: input.side,
    registry,
    login: secret ? `secret '${input.credential}'` : 'anonymous',
  });
  return {
    side: input.side,
    endpoint,
    client: new RegistryClient(endpoint),
    loginFrom: secret ? `the login of secret '${input.credential}'` : undefined,
  };
}

/** Whether the task needs the ECR API at all (the entry point loads the AWS adapter only then). */
export function needsEcrApi(params: Pick<EcrTaskParams, 'sourceType' | 'destRegistry'>): boolean {
  return params.sourceType === 'Amazon_ECR' || destinationIsEcr(params);
}

export async function resolveRegistries(params: EcrTaskParams, deps: ResolveDeps): Promise<TaskRegistries> {
  const srcInput: SideInput = {
    side: 'source',
    registry: params.srcRegistry,
    region: params.srcRegion,
    accountId: params.srcAccountId,
    credential: params.srcCredential,
    field: 'srcCredential',
  };
  const destInput: SideInput = {
    side: 'destination',
    registry: params.destRegistry,
    region: params.destRegion,
    accountId: params.destAccountId,
    credential: params.destCredential,
    field: 'destCredential',
  };
  const [source, dest] = await Promise.all([
    params.sourceType === 'Amazon_ECR'
      ? resolveEcrSide(srcInput, params, deps)
      : resolveRegistrySide(srcInput, params, deps),
    destinationIsEcr(params) ? resolveEcrSide(destInput, params, deps) : resolveRegistrySide(destInput, params, deps),
  ]);

  const others = new Map<string, RegistrySide>();
  const sourceFor = (ref: Pick<ImageRef, 'registry'>): RegistrySide => {
    if (!ref.registry || ref.registry === source.endpoint.registry) return source;
    let side = others.get(ref.registry);
    if (!side) {
      const endpoint: RegistryEndpoint = { registry: ref.registry, insecure: params.insecure };
      side = { side: 'source', endpoint, client: new RegistryClient(endpoint) };
      others.set(ref.registry, side);
    }
    return side;
  };
  const catalogs = new Map<RegistrySide, RegistryCatalog>();
  const catalogFor = (ref: Pick<ImageRef, 'registry'> = {}): RegistryCatalog => {
    const side = sourceFor(ref);
    if (side === source && deps.catalog) return deps.catalog;
    let catalog = catalogs.get(side);
    if (!catalog) {
      catalog = side.ecr
        ? side.ecr.catalog({ untagged: params.includeUntaggedByDigest })
        : new RegistryV2Catalog(side.endpoint);
      catalogs.set(side, catalog);
    }
    return catalog;
  };

  const repositories = new Map<string, Promise<void>>();
  const ensureDestRepository = (name: string): Promise<void> => {
    if (!dest.ecr) return Promise.resolve();
    let pending = repositories.get(name);
    if (!pending) {
      pending = dest.ecr.ensureRepository(name).then(
        (created) => {
          if (created)
            deps.logger.info('image.repository_created', { registry: dest.endpoint.registry, repository: name });
        },
        (err: unknown) => {
          repositories.delete(name);
          throw new EcrAccessError(
            'destination',
            `creating repository "${name}" (CreateRepository) in account ${dest.accountId} in ${params.destRegion}`,
            params.destCredential
              ? `the access keys of secret '${params.destCredential}'`
              : "the runtime's own credentials",
            message(err),
            true,
          );
        },
      );
      repositories.set(name, pending);
    }
    return pending;
  };

  const fieldOf = { source: srcInput.field, destination: destInput.field };
  // A selected list whose every image names another registry never reads srcRegistry: its login is not checked
  // (an offline default docker.io, or a registry that wants a login nobody gave, must not stop such a run).
  const sourceUsed = params.srcList !== 'SELECTED' || params.srcImageList.some((ref) => sourceFor(ref) === source);
  const registryField = (side: Side) => (side === 'source' ? 'srcRegistry' : 'destRegistry');
  /**
   * The side and the parameters behind its registry in front of the registry's own error ("127.0.0.1:5000: cannot
   * reach …" named no side). An ECR the task names by account and region is named so: before, such an error named
   * srcRegistry, which the user had left blank.
   */
  const namedSide = (err: RegistryHttpError, s: RegistrySide) => {
    const field = registryField(s.side);
    const given = s.side === 'source' ? params.srcRegistry : params.destRegistry;
    if (s.ecr && !given) {
      const [fields, region, regionField] =
        s.side === 'source'
          ? ['srcAccountId, srcRegion', params.srcRegion, 'srcRegion']
          : ['destAccountId, destRegion', params.destRegion, 'destRegion'];
      return new RegistryUnavailableError(
        regionField,
        `${s.side} ECR of account ${s.accountId ?? '(this account)'} in ${region} (${fields}): ${err.message}`,
        err,
      );
    }
    return new RegistryUnavailableError(field, `${ecrFieldLabel(field)} (${field}): ${err.message}`, err);
  };
  const checkLogins = async (signal?: AbortSignal) => {
    await Promise.all(
      (sourceUsed ? [source, dest] : [dest]).map(async (s) => {
        try {
          await s.client.checkLogin(signal);
        } catch (err) {
          // Every registry answers GET /v2/ with 200 or 401 (the distribution spec): a 404 is a host that serves no
          // registry API, which would otherwise read as every image missing.
          if (err instanceof RegistryHttpError && err.status === 404) {
            const field = registryField(s.side);
            throw new InvalidParameterError(
              field,
              `${s.endpoint.registry} does not serve the container registry API (GET /v2/ answered 404): give a registry's host[:port]`,
              ecrFieldLabel(field),
            );
          }
          if (!s.endpoint.login) {
            // Anonymous: only a registry that takes nothing but a login stops the run; anything else (a token server
            // that wants a scope, a registry down) is left to each image, which reports it as its own failure.
            if (err instanceof RegistryHttpError && err.needsLogin)
              throw new LoginRequiredError(s.side, s.endpoint.registry, fieldOf[s.side]);
            // Not reachable at all (down, no TLS there, a certificate refused): every image of this side would fail
            // on it, each with skopeo's raw text. Said once, naming the side.
            if (err instanceof RegistryHttpError && err.status === undefined) throw namedSide(err, s);
            return;
          }
          if (err instanceof RegistryHttpError && err.authFailed)
            throw new LoginRejectedError(
              s.side,
              s.endpoint.registry,
              s.loginFrom ?? 'the login',
              fieldOf[s.side],
              err.status,
            );
          throw err instanceof RegistryHttpError ? namedSide(err, s) : err;
        }
      }),
    );
  };

  const renewExpiringLogins = async () => {
    await Promise.all([source.renewLoginIfOld?.(), dest.renewLoginIfOld?.()]);
  };

  return { source, dest, sourceFor, catalogFor, ensureDestRepository, checkLogins, renewExpiringLogins, namedSide };
}
