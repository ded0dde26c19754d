/** Estimates (dry runs) against real s3rver buckets: the numbers, and the time limit that keeps the API answering. */
import { describe, expect, it } from 'vitest';
import { s3TaskEstimator } from '../../control-plane/core/s3-estimator.js';
import { FileSecretStore } from '../../worker/adapters/embedded/index.js';
import { openTaskBuckets } from '../../worker/adapters/s3/open-buckets.js';
import { silentLogger } from '../../worker/core/log.js';
import type { ObjectStore } from '../../worker/ports/object-store.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';
import { estimateS3Transfer } from '../../worker/s3/run-transfer.js';
import { s3Client, servers } from '../support/servers.js';
import { seedObjects } from '../reliability/helpers.js';
import { baseParams, bucketPair, secretsFile } from './engine-fixtures.js';

const COUNT = 1_100; // more than one listing page

/** The source store, stopping the run (as the time limit would) once `after` keys were listed. */
function stoppingAfter(store: ObjectStore, after: number, stop: AbortController): ObjectStore {
  return Object.assign(Object.create(store) as ObjectStore, {
    async *list(prefix: string) {
      let n = 0;
      for await (const o of store.list(prefix)) {
        if (++n > after) stop.abort(new Error('time limit'));
        yield o;
      }
    },
  });
}

describe('estimates', () => {
  it('stop listing at the time limit, even where nothing differs, and say the numbers are partial', async () => {
    const { src, dst } = await bucketPair();
    // The same bytes per key on both sides (bodyFor is deterministic): the first 1,000 keys need no copy.
    const specs = Array.from({ length: COUNT }, (_, i) => ({ key: `k/${String(i).padStart(5, '0')}`, size: 16 }));
    await seedObjects(s3Client(servers.s3Source), src, specs, 50);
    await seedObjects(s3Client(servers.s3Dest), dst, specs.slice(0, 1_000), 50);
    const secrets = new FileSecretStore(secretsFile());
    const params = parseS3TaskParams(baseParams(src, dst));

    const whole = await estimateS3Transfer({
      params,
      logger: silentLogger,
      buckets: await openTaskBuckets(params, secrets),
    });
    expect(whole).toMatchObject({ scanned: COUNT, toTransfer: 100, complete: true });

    // Stopped within the first 1,000 keys, all of which are already at the destination.
    const stop = new AbortController();
    const buckets = await openTaskBuckets(params, secrets);
    const cut = await estimateS3Transfer({
      params,
      logger: silentLogger,
      signal: stop.signal,
      buckets: { ...buckets, source: stoppingAfter(buckets.source, 300, stop) },
    });
    expect(cut.complete).toBe(false);
    expect(cut.scanned).toBeLessThanOrEqual(301);
    expect(cut.toTransfer).toBe(0);

    // The API's estimator: the same numbers within its limit; a limit too short to list gives a partial answer.
    const raw = baseParams(src, dst);
    const open = (p: typeof params) => openTaskBuckets(p, secrets);
    expect(await s3TaskEstimator(open, silentLogger).estimate('S3EC2', raw)).toMatchObject({
      scanned: COUNT,
      objects: 100,
      complete: true,
    });
    expect(await s3TaskEstimator(open, silentLogger, 1).estimate('S3EC2', raw)).toMatchObject({ complete: false });
  }, 60_000);
});
