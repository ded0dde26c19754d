/** A received message; `receiptHandle` identifies this delivery (at-least-once: the same body may arrive twice). */
export interface ReceivedJob<T> {
  id: string;
  receiptHandle: string;
  body: T;
  /** How many times this message has been delivered, this delivery included. */
  receiveCount: number;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  deadLettered: number;
}

/**
 * A work queue with SQS semantics: visibility timeout, extend, delete, and
 * dead-lettering after `maxReceiveCount` deliveries (SQS redrive; embedded adapters do the same).
 */
export interface JobQueue<T> {
  sendBatch(bodies: T[]): Promise<void>;
  receive(options: { max: number; visibilityTimeoutSec: number; waitTimeSec?: number }): Promise<ReceivedJob<T>[]>;
  extendVisibility(job: ReceivedJob<T>, visibilityTimeoutSec: number): Promise<void>;
  /** Make the message visible again at once (graceful stop: give in-flight work back). */
  release(job: ReceivedJob<T>): Promise<void>;
  delete(job: ReceivedJob<T>): Promise<void>;
  /**
   * Moves this delivery to the dead-letter queue now — retries are exhausted, or the failure is one no retry can fix
   * (403, missing bucket, a message no worker can read) — where it is counted (`depth().deadLettered`) and raises the
   * task's alarm. `reason` travels with it where the queue can carry it (an SQS message attribute).
   */
  deadLetter(job: ReceivedJob<T>, reason: string): Promise<void>;
  depth(): Promise<QueueDepth>;
}
