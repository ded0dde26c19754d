/**
 * Shapes of parameter values that the engines' parsers and the console's wizard both check: one definition each, so
 * the console never refuses what the API takes (or lets through what it refuses).
 */

/** An address the alarm topic can subscribe (the original's check). */
export const EMAIL_ADDRESS = /^\w[-\w.+]*@([A-Za-z0-9][-A-Za-z0-9]+\.)+[A-Za-z]{2,14}$/;

export const AWS_ACCOUNT_ID = /^\d{12}$/;

/** An AWS region (us-west-2, cn-north-1, the European Sovereign Cloud's eusc-de-east-1): ECR sides. */
export const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

/** A region of any store an S3 task names (AWS's, and cn-hangzhou for OSS, ap-guangzhou for COS, cn-east-1 for Kodo). */
export const STORE_REGION = /^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/;

/** An id of a VPC or subnet (vpc-…, subnet-…), as the S3 and ECR tasks' network parameters take them. */
export const NETWORK_ID = /^[a-z0-9-]+$/;

/** An ECS cluster's name: ECS's own rule (the original's createTask refused all but letters, digits and hyphens). */
export const ECS_CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** A TCP port, 1–65535. */
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';

/** A DNS label: letters, digits and inner hyphens (an empty label, `..`, or one that starts or ends with `-` is none). */
const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/**
 * A registry as host[:port], without a scheme: DNS labels (IPv4 addresses included) and a real port (before,
 * 127.0.0.1:99999 passed, then failed as "Invalid URL"; so did `a..b` and `-x.io`, then failed as unreachable).
 */
export const REGISTRY_HOST = new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*(?::${PORT})?$`, 'i');

/**
 * The host of an endpoint URL as parsed: a DNS name or IPv4 address (letters, digits, dots, hyphens, underscores) or a
 * bracketed IPv6 address. Browsers' URL parsers take more than Node's (Chromium keeps a space in the host), so the
 * console and the API both check this, and the console never lets through what the API refuses.
 */
export const ENDPOINT_HOST = /^[a-z0-9_.-]+$|^\[[0-9a-f:.]+\]$/i;

/** Docker distribution grammar: lowercase path components separated by '/'. */
export const REPOSITORY_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** An image task's destPrefix as used: slashes at either end dropped (`/mirror/` is `mirror`). */
export function repositoryPrefix(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

/**
 * What an endpoint URL holds beyond scheme, host and port (a path, query or fragment), or undefined. A store is
 * addressed at its root: a path (often the bucket written in again) would be dropped or sent before every key.
 */
export function endpointExtra(url: URL): string | undefined {
  const extra = `${url.pathname === '/' ? '' : url.pathname}${url.search}${url.hash}`;
  return extra === '' ? undefined : extra;
}
