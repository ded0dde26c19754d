import { createHash, createHmac } from 'node:crypto';

/**
 * node:crypto in the shape the SDK's SigV4 signer (@smithy/signature-v4) takes for its `sha256`, as @smithy/hash-node
 * gives it on Node (that package is not a dependency here). Used to run the SDK's signer beside ours: the signer test
 * and bench/signer.ts.
 */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(secret as Uint8Array));
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}
