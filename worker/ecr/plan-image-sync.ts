import { openImageSession, type ImageSessionOptions, type ListedImage } from './image-session.js';

/** What a run would do with one image: copy it, leave it (same digest at the destination), or fail to read it. */
export interface PlannedImage {
  image: string;
  /** Where the copy would land: registry/repository:tag. */
  dest: string;
  action: 'copy' | 'unchanged' | 'error';
  /** Bytes the copy would move, as the source's manifests state them (copies only; absent when unreadable). */
  bytes?: number;
  error?: string;
}

export interface ImageSyncPlan {
  images: PlannedImage[];
  toCopy: number;
  unchanged: number;
  errors: number;
  bytesToCopy: number;
  /** False when the signal stopped the plan early: the images planned so far. */
  complete: boolean;
}

/**
 * A dry run of an image task: the same logins, list expansion and digest comparison as a run, and nothing written —
 * no repository created, no process started, no status recorded. Images come out in the order the list names them.
 */
export async function planImageSync(o: ImageSessionOptions): Promise<ImageSyncPlan> {
  const session = await openImageSession(o);
  // By listing position, so the plan keeps the list's order whatever order the digest reads finish in.
  const planned: (PlannedImage | undefined)[] = [];
  const planOne = async ({ ref, error }: ListedImage, position: number) => {
    const target = session.targetFor(ref);
    const entry = { image: target.key, dest: `${session.registries.dest.endpoint.registry}/${target.destRef}` };
    const failed = (err: unknown) => {
      planned[position] = { ...entry, action: 'error', error: err instanceof Error ? err.message : String(err) };
    };
    if (error) return failed(error);
    try {
      const { srcDigest, destDigest } = await session.retry(() => session.readDigests(target));
      planned[position] =
        destDigest === srcDigest
          ? { ...entry, action: 'unchanged' }
          : { ...entry, action: 'copy', bytes: await session.sizeOf(target) };
    } catch (err) {
      // Stopped by the caller (a time limit): not planned, rather than unreadable.
      if (!o.signal?.aborted) failed(err);
    }
  };
  await session.forEachImage(planOne);
  const images = planned.filter((p): p is PlannedImage => p !== undefined);
  const count = (action: PlannedImage['action']) => images.filter((p) => p.action === action).length;
  return {
    images,
    toCopy: count('copy'),
    unchanged: count('unchanged'),
    errors: count('error'),
    bytesToCopy: images.reduce((sum, p) => sum + (p.bytes ?? 0), 0),
    complete: !o.signal?.aborted,
  };
}
