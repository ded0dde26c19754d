/**
 * A source store whose object bodies pass through one bandwidth limit (bandwidthLimit): every GET of the worker,
 * whole objects and parts alike, draws on the same rate, and the writes follow by backpressure. Listings, HEADs and
 * server-side copies are untouched: their bytes are not the copy's.
 */
import { pipeline, type Readable } from 'node:stream';
import { type BandwidthLimit, LimitedStream } from '../../core/bandwidth-limit.js';
import type { ObjectStore } from '../../ports/object-store.js';

/** The body read at the limit; an error or a destroy on either side ends both (pipeline). */
function limited(body: Readable, limit: BandwidthLimit): Readable {
  const out = new LimitedStream(limit);
  pipeline(body, out, () => {});
  return out;
}

export function limitedSource(store: ObjectStore, limit: BandwidthLimit): ObjectStore {
  const get: ObjectStore['get'] = async (key, range, ifMatch) => limited(await store.get(key, range, ifMatch), limit);
  const open: ObjectStore['open'] = async (key, ifMatch) => {
    const opened = await store.open(key, ifMatch);
    return opened && { head: opened.head, body: limited(opened.body, limit) };
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'get') return get;
      if (prop === 'open') return open;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
