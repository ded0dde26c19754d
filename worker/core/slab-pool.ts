/**
 * Recycled memory for object bytes read from sockets. The S3 client reads answer bodies into slabs and lends each body
 * chunk to its consumer; whoever is done with a chunk gives it back (the client once a socket has written it as part
 * of a streamed upload, the engine once it has copied a small body out), and a slab whose chunks are all back is used
 * again. Fresh memory per read (what node:http does) made garbage collection, page faults and munmap the largest CPU
 * cost of copying 1 MiB objects (README, Benchmark). A chunk that is never given back only keeps its slab from being
 * reused (the GC frees it), so a consumer that forgets costs memory churn, never data; giving back a chunk that is
 * still in use is the one mistake to avoid.
 */

const SLAB_BYTES = 512 * 1024;
/** Free slabs kept for reuse; more are left to the GC. */
const POOL_LIMIT = 16;

export class Slab {
  readonly bytes = Buffer.allocUnsafeSlow(SLAB_BYTES);
  used = 0;
  /** Chunks cut and not given back. */
  outstanding = 0;
  /** No more chunks will be cut (its connection moved on). */
  retired = false;

  get free(): number {
    return SLAB_BYTES - this.used;
  }
}

const pool: Slab[] = [];
/** Slabs made and slabs taken again from the pool, since the process started. */
const counts = { created: 0, reused: 0 };

export function slabCounts(): Readonly<typeof counts> {
  return counts;
}
/** The slab each chunk was cut from, by the chunk object itself (a slice of it is not the chunk). */
const cutFrom = new WeakMap<Buffer, Slab>();

export function takeSlab(): Slab {
  const slab = pool.pop();
  if (!slab) {
    counts.created++;
    return new Slab();
  }
  counts.reused++;
  slab.used = 0;
  slab.outstanding = 0;
  slab.retired = false;
  return slab;
}

/** The `n` bytes just read into the slab's free part (from `slab.used`). */
export function readInto(slab: Slab, n: number): Buffer {
  const read = slab.bytes.subarray(slab.used, slab.used + n);
  slab.used += n;
  return read;
}

/** A body chunk (a view of bytes read into the slab) handed to a consumer; the slab waits for it to be given back. */
export function lend(slab: Slab, chunk: Buffer): void {
  slab.outstanding++;
  cutFrom.set(chunk, slab);
}

/** The connection cuts no more from this slab; it is reused once its chunks are given back. */
export function retireSlab(slab: Slab): void {
  slab.retired = true;
  if (slab.outstanding === 0 && pool.length < POOL_LIMIT) pool.push(slab);
}

/**
 * Gives a chunk back after its bytes were written to a socket (the write's callback ran without error). Anything but
 * a chunk cut here (a copy, a slice, another buffer) is ignored.
 */
export function giveBack(chunk: Buffer): void {
  const slab = cutFrom.get(chunk);
  if (!slab) return;
  cutFrom.delete(chunk);
  if (--slab.outstanding === 0 && slab.retired && pool.length < POOL_LIMIT) pool.push(slab);
}

/** The slab copies are cut from (copies are made synchronously, so one cursor serves every caller). */
let copySlab: Slab | undefined;

/** A recyclable copy of `bytes` (at most a slab; e.g. bytes in a read buffer the next read overwrites), lent like a read chunk. */
export function lendCopy(bytes: Buffer): Buffer {
  if (!copySlab || copySlab.free < bytes.length) {
    if (copySlab) retireSlab(copySlab);
    copySlab = takeSlab();
  }
  const chunk = readInto(copySlab, bytes.length);
  bytes.copy(chunk);
  lend(copySlab, chunk);
  return chunk;
}
