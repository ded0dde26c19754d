/** Image-transfer failures a user can act on; each says whether another attempt could change the outcome. */
import { DthError } from '../core/errors.js';

/** A registry refused the login before anything was copied: every image would fail the same way, so the run stops. */
export class LoginRejectedError extends DthError {
  readonly retryable = false;

  constructor(side: string, registry: string, loginFrom: string, status = 401) {
    super('LOGIN_REJECTED', `${side} registry ${registry} rejected ${loginFrom} (${status})`);
  }
}

/** The source has no such image (tag or digest). */
export class ImageNotFoundError extends DthError {
  readonly retryable = false;

  constructor(registry: string, reference: string) {
    super('IMAGE_NOT_FOUND', `source image ${registry}/${reference} does not exist`);
  }
}

/** A repository's tags could not be listed (ALL, repo:ALL_TAGS): that entry fails, the rest of the list goes on. */
export class ImageListError extends DthError {
  readonly retryable = false;

  constructor(registry: string, repository: string, detail: string) {
    super('IMAGE_LIST_FAILED', `source registry ${registry}: the tags of "${repository}" could not be listed: ${detail}`);
  }
}

/** An AWS call made for one side (STS, ECR login, CreateRepository) failed; names the side and whose credentials. */
export class EcrAccessError extends DthError {
  constructor(side: string, action: string, who: string, detail: string, readonly retryable = false) {
    super('ECR_ACCESS', `${side} ECR: ${action} with ${who} failed: ${detail}`);
  }
}

/** Retryable unless the error says it is not (network failures and unknown errors get another attempt). */
export function isRetryable(err: unknown): boolean {
  return !(err && typeof err === 'object' && (err as { retryable?: unknown }).retryable === false);
}
