/**
 * Tag that lets the cloud API read a credential secret (estimateTask lists the buckets a task names with it): its role
 * may read tagged secrets only. The finders and workers read the secrets their task names whatever their tags.
 */
export const CREDENTIAL_SECRET_TAG = { key: 'dth:credential', value: 'true' } as const;

/** Said when the API is refused a secret: without the tag, "not found" would send the user looking for a typo. */
export const UNTAGGED_SECRET_HINT = `the API reads only secrets tagged ${CREDENTIAL_SECRET_TAG.key}=${CREDENTIAL_SECRET_TAG.value}: add that tag to the secret`;
