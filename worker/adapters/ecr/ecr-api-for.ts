import type { EcrTaskParams } from '../../ecr/params.js';
import { needsEcrApi } from '../../ecr/registries.js';
import type { EcrApi } from '../../ports/ecr-api.js';

/**
 * The ECR API adapter for a task that has an ECR side, else undefined. Loaded on demand: its AWS SDK clients cost a
 * local run between registries ~0.2 CPU-s to load.
 */
export async function ecrApiFor(
  params: Pick<EcrTaskParams, 'sourceType' | 'destRegistry'>,
): Promise<EcrApi | undefined> {
  if (!needsEcrApi(params)) return undefined;
  const { SdkEcrApi } = await import('./ecr-registry.js');
  return new SdkEcrApi();
}
