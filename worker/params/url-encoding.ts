/**
 * The original API's URL-encoding contract for free-text fields. Its console sends description, srcPrefix and
 * destPrefix encodeURIComponent-encoded; the createTask resolver form-decodes them ($util.urlDecode) before storing,
 * and getTask answers them form-encoded again ($util.urlEncode: space → '+', '/' → '%2F'). Other fields travel raw.
 */
import { S3_PARAMETERS } from './s3-schema.js';

/**
 * Parameter names whose values are URL-encoded on the API, for both task types: the original's resolvers decode and
 * encode srcPrefix and destPrefix whatever the task's type (an image task's destPrefix too).
 */
export const URL_ENCODED_PARAMETERS: ReadonlySet<string> = new Set(
  S3_PARAMETERS.filter((p) => 'urlEncoded' in p && p.urlEncoded).map((p) => p.name),
);

/** Java URLDecoder semantics: '+' is a space, %XX are UTF-8 bytes; a malformed escape is an error (null here). */
export function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Java URLEncoder semantics: only A–Z a–z 0–9 . - * _ stay; space becomes '+'. */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
