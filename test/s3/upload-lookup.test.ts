/**
 * Before each multipart copy the engine looks up uploads left open for the key (as the original's worker did).
 * s3rver answers that listing 501 NotImplemented: a lasting answer. Before: it was retried four times for every
 * multipart object (about 270 ms each) and warned about every time; now it is asked once per run and said once.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../worker/core/log.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { servers } from '../support/servers.js';
import { baseParams, bucketPair, bytes, embeddedAdapters, putSource, runEngine } from './engine-fixtures.js';

let proxy: FaultProxy;
let lookups = 0;

beforeAll(async () => {
  proxy = await startFaultProxy({ target: servers.s3Dest, rates: {} });
  proxy.events.on('request', (_op: string, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.searchParams.has('uploads')) lookups++;
  });
});
afterAll(() => proxy?.close());

describe('open-upload lookup on a store without ListMultipartUploads', () => {
  it('asks once per run, says so once, and copies every multipart object', async () => {
    const { src, dst } = await bucketPair();
    for (let i = 0; i < 3; i++) await putSource(src, `big-${i}.bin`, bytes(6 * 1024 * 1024, i + 1));
    const lines: Record<string, unknown>[] = [];
    const { report } = await runEngine(
      embeddedAdapters,
      baseParams(src, dst, {
        destEndpoint: proxy.endpoint,
        multipartThreshold: '5MiB',
        chunkSize: '5MiB',
        workerNumber: '1',
      }),
      { logger: createLogger({}, { write: (l) => lines.push(JSON.parse(l)) }) },
    );
    expect(report).toMatchObject({ complete: true, done: 3, failed: 0 });
    expect(lookups).toBe(1);
    const warned = lines.filter((l) => l.event === 'transfer.upload_lookup_failed');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ askedAgain: false });
  });
});
