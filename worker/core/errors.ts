/** Errors a user can act on; each message says what is wrong and what to do, never a secret value. */
export class DthError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A task parameter or input field is missing or malformed; `field` names it. With a label the message names it in
 * human words too: "Source bucket (srcBucket): is required".
 */
export class InvalidParameterError extends DthError {
  constructor(
    readonly field: string,
    message: string,
    label?: string,
  ) {
    super('INVALID_PARAMETER', `${label ? `${label} (${field})` : field}: ${message}`);
  }
}

export class SecretNotFoundError extends DthError {
  constructor(readonly secretName: string) {
    super('SECRET_NOT_FOUND', `secret "${secretName}" was not found or is not readable`);
  }
}

export class CredentialsError extends DthError {
  constructor(where: string, detail: string) {
    super('CREDENTIALS', `${where}: credentials were rejected (${detail}); check the secret's access_key_id/secret_access_key`);
  }
}

export class BucketNotFoundError extends DthError {
  constructor(where: string, bucket: string) {
    super('BUCKET_NOT_FOUND', `${where}: bucket "${bucket}" does not exist or is not visible with these credentials`);
  }
}

export class EndpointUnreachableError extends DthError {
  constructor(where: string, endpoint: string, detail: string) {
    super('ENDPOINT_UNREACHABLE', `${where}: cannot reach ${endpoint} (${detail}); check the endpoint/region`);
  }
}

/** The source object changed while it was being copied; the copy is discarded and retried. */
export class ObjectChangedDuringCopyError extends DthError {
  constructor(key: string) {
    super('OBJECT_CHANGED', `source object "${key}" changed during the copy`);
  }
}

/** Bytes read and bytes written disagree: the destination object is not trusted. */
export class VerificationError extends DthError {
  constructor(key: string, detail: string) {
    super('VERIFICATION_FAILED', `"${key}" failed verification: ${detail}`);
  }
}

/** The destination stored bytes whose MD5 differs from the source's: damaged on the way; the copy is retried. */
export class CorruptedInTransitError extends DthError {
  constructor(key: string, storedMd5: string, sourceMd5: string) {
    super('CORRUPTED_IN_TRANSIT', `"${key}": the destination stored bytes with MD5 ${storedMd5}, the source's MD5 is ${sourceMd5}; the copy is retried`);
  }
}
