/** Image-transfer failures a user can act on; each carries whether another attempt could change the outcome. */
import { DthError, retryAdviceOf, withRetryAdvice } from '../core/errors.js';

const FINAL = { retry: { retryable: false } };

/** A registry refused the login before anything was copied: every image would fail the same way, so the run stops. */
export class LoginRejectedError extends DthError {
  /** `field`: the parameter naming the login (srcCredential, destCredential), which an API form marks. */
  constructor(
    side: string,
    registry: string,
    loginFrom: string,
    readonly field: string,
    status = 401,
  ) {
    super('LOGIN_REJECTED', `${side} registry ${registry} rejected ${loginFrom} (${status})`, FINAL);
  }
}

/** A registry that serves nobody anonymously (Basic auth) was given no login: every image would fail the same way. */
export class LoginRequiredError extends DthError {
  constructor(
    side: string,
    registry: string,
    readonly field: string,
  ) {
    super(
      'LOGIN_REQUIRED',
      `${side} registry ${registry} requires a login (401): name a secret with its username and password in ${field}`,
      FINAL,
    );
  }
}

/** The source has no such image (tag or digest). */
export class ImageNotFoundError extends DthError {
  constructor(registry: string, reference: string) {
    super('IMAGE_NOT_FOUND', `source image ${registry}/${reference} does not exist`, FINAL);
  }
}

/**
 * Two images of one task map to one destination (`host:port/app` and a repository named `host-port/app`, by the
 * naming of images from other registries): copying both would leave whichever went last there, each reported
 * copied. The first in the list is copied; this one fails, naming both.
 */
export class DestinationClashError extends DthError {
  constructor(image: string, destination: string, firstImage: string) {
    super(
      'DESTINATION_CLASH',
      `${image} would be copied to ${destination}, where ${firstImage} of the same list goes: not copied (give one of them another task, with its own destPrefix)`,
      FINAL,
    );
  }
}

/**
 * The destination would not take the image's manifest. Where its tag already holds another image, that is a registry
 * that will not move tags (ECR's tag immutability); otherwise it does not accept the manifest's type.
 */
export class ManifestRefusedError extends DthError {
  constructor(destRef: string, heldDigest: string | undefined, skopeoSaid: string) {
    super(
      'MANIFEST_REFUSED',
      heldDigest
        ? `destination ${destRef} already holds another image (${heldDigest}) and the registry refused to move the tag: ` +
            `its repository's tags are immutable (ECR tag immutability) — delete the tag there, make the repository's ` +
            `tags mutable, or copy under another destPrefix (${skopeoSaid})`
        : `destination ${destRef}: the registry refused the image's manifest, and converting it to another type would ` +
            `change its digest (${skopeoSaid})`,
      FINAL,
    );
  }
}

/** The skopeo binary is not there: no image can be copied until it is installed, so no attempt is repeated. */
export class SkopeoMissingError extends DthError {
  constructor(binary: string) {
    super(
      'SKOPEO_MISSING',
      `skopeo was not found ("${binary}"): images are copied by skopeo; install it (e.g. apt install skopeo) or put it on PATH`,
      FINAL,
    );
  }
}

/** A repository's tags could not be listed (ALL, repo:ALL_TAGS): that entry fails, the rest of the list goes on. */
export class ImageListError extends DthError {
  constructor(registry: string, repository: string, detail: string) {
    super(
      'IMAGE_LIST_FAILED',
      `source registry ${registry}: the tags of "${repository}" could not be listed: ${detail}`,
      FINAL,
    );
  }
}

/** An AWS call made for one side (STS, ECR login, CreateRepository) failed; names the side and whose credentials. */
export class EcrAccessError extends DthError {
  constructor(side: string, action: string, who: string, detail: string, retryable = false) {
    super('ECR_ACCESS', `${side} ECR: ${action} with ${who} failed: ${detail}`, { retry: { retryable } });
  }
}

/**
 * The image engine's retry rule: the advice the error carries (worker/core/errors.ts); an error nobody classified — a
 * dropped connection, a skopeo process that died — gets another attempt, since a copy is idempotent (digests kept).
 */
export function isRetryable(err: unknown): boolean {
  return retryAdviceOf(err)?.retryable ?? true;
}

/**
 * A registry of the task could not be reached (or answered its login check with an error) before any image: the
 * message names the side and the parameters behind it, `field` the one an API form marks. Retry advice as the cause's.
 */
export class RegistryUnavailableError extends DthError {
  constructor(
    readonly field: string,
    message: string,
    cause: RegistryHttpError,
  ) {
    super('REGISTRY_UNAVAILABLE', message, { cause, retry: retryAdviceOf(cause) });
  }
}

/** What a registry's refusal says beyond its status. */
export interface RegistryRefusal {
  /** The registry (or its token server) refused the login or the token it issued: no other client will do better. */
  authFailed?: boolean;
  /** A registry that takes only a Basic login was asked without one: it serves nobody anonymously. */
  needsLogin?: boolean;
  /** The registry's Retry-After, in ms. */
  retryAfterMs?: number;
}

/** A registry (or its token server) answered with an error, or not at all: the message names the registry. */
export class RegistryHttpError extends Error {
  readonly authFailed: boolean;
  readonly needsLogin: boolean;

  constructor(
    readonly registry: string,
    readonly status: number | undefined,
    detail: string,
    refusal: RegistryRefusal = {},
  ) {
    super(`${registry}: ${detail}`);
    this.authFailed = refusal.authFailed ?? false;
    this.needsLogin = refusal.needsLogin ?? false;
    // A 4xx answer (or an auth failure) says the same on every attempt; 5xx, 429 and network errors may pass.
    withRetryAdvice(this, {
      retryable: !this.authFailed && (status === undefined || status === 429 || status >= 500),
      throttled: status === 429,
      retryAfterMs: refusal.retryAfterMs,
    });
  }
}
