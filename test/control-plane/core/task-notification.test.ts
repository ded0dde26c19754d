import { describe, expect, it } from 'vitest';
import {
  describeBytes,
  describeDuration,
  notificationSubject,
  shouldNotify,
  taskNotification,
} from '../../../control-plane/core/task-notification.js';
import type { TaskRecord } from '../../../control-plane/core/task.js';

const base: TaskRecord = {
  id: '0f4c2a9e-1b7d-4c3e-9a51-2d8e6f0b7c11',
  type: 'S3EC2',
  scheduleType: 'ONE_TIME',
  description: 'photos to Ningxia',
  progress: 'DONE',
  createdAt: '2026-11-30T08:00:00.000Z',
  stoppedAt: '2026-11-30T10:05:09.000Z',
  stackName: 'DTH-S3EC2-0f4c2a9e',
  parameters: [
    { ParameterKey: 'srcType', ParameterValue: 'Aliyun_OSS' },
    { ParameterKey: 'srcBucket', ParameterValue: 'photos' },
    { ParameterKey: 'srcPrefix', ParameterValue: '2024/' },
    { ParameterKey: 'srcRegion', ParameterValue: 'cn-hangzhou' },
    { ParameterKey: 'srcCredentials', ParameterValue: 'oss-keys' },
    { ParameterKey: 'destBucket', ParameterValue: 'archive' },
    { ParameterKey: 'destRegion', ParameterValue: 'cn-northwest-1' },
  ],
  progressInfo: {
    total: 1200,
    replicated: 1190,
    failed: 0,
    skipped: 10,
    verified: 1190,
    bytesTotal: 1_610_612_736,
    bytesDone: 1_610_612_736,
  },
};

describe('task outcome notification', () => {
  it("a DONE one-time task: the original's lines in its order, then counts, bytes, where, and timing", () => {
    const n = taskNotification(base, 'SNS', new Date('2026-11-30T10:05:30Z'));
    expect(n.subject).toBe('Data Transfer Hub: task DTH-S3EC2-0f4c2a9e completed');
    expect(n.message).toBe(
      [
        'Data Transfer Hub Task Monitoring Notification',
        '',
        'Task Type: S3EC2',
        'Task Name: DTH-S3EC2-0f4c2a9e',
        'Task Id: 0f4c2a9e-1b7d-4c3e-9a51-2d8e6f0b7c11',
        'Task Progress: DONE',
        'Transferred Objects: 1190',
        'Total Objects: 1200',
        'Skipped Objects (deleted or archived at the source): 10',
        'Failed Objects: 0',
        'Verified Objects: 1190',
        'Transferred Bytes: 1.5 GiB (1610612736 bytes)',
        'Source: Aliyun_OSS photos/2024/ (cn-hangzhou)',
        'Destination: archive (cn-northwest-1)',
        'Description: photos to Ningxia',
        'Started: 2026-11-30T08:00:00.000Z',
        'Finished: 2026-11-30T10:05:09.000Z',
        'Duration: 2 h 05 min 09 s',
      ].join('\n'),
    );
    expect(n).toMatchObject({ progress: 'DONE', channel: 'SNS', time: '2026-11-30T10:05:30.000Z' });
    expect(n.message).not.toContain('oss-keys'); // the credential's name is not mail content
  });

  it('an ERROR task: Error Code and Error Message where the original put them; images for image tasks', () => {
    const n = taskNotification(
      {
        ...base,
        type: 'ECR',
        progress: 'ERROR',
        errorCode: 'COMPLETE_CHECK_ERROR',
        errorMessage: '2 object(s) failed; first: app:1.2: manifest unknown',
        parameters: [
          { ParameterKey: 'sourceType', ParameterValue: 'Public' },
          { ParameterKey: 'destRegion', ParameterValue: 'us-west-2' },
        ],
        progressInfo: { total: 5, replicated: 3, failed: 2, skipped: 0, verified: 3, bytesTotal: 0, bytesDone: 900 },
      },
      'LOCAL',
      new Date('2026-11-30T10:06:00Z'),
    );
    const lines = n.message.split('\n');
    expect(lines.slice(5, 9)).toEqual([
      'Task Progress: ERROR',
      'Error Code: COMPLETE_CHECK_ERROR',
      'Error Message: 2 object(s) failed; first: app:1.2: manifest unknown',
      'Transferred Images: 3',
    ]);
    expect(lines).toContain('Failed Images: 2');
    // An image is skipped when the destination has it already (an S3 object: when the source no longer has it).
    expect(lines).toContain('Unchanged Images (skipped): 0');
    expect(lines).toContain('Transferred Bytes: 900 bytes');
    expect(lines).toContain('Source: public registry docker.io');
    expect(lines).toContain('Destination: Amazon ECR us-west-2');
    expect(n.subject).toBe('Data Transfer Hub: task DTH-S3EC2-0f4c2a9e failed');
  });

  it('an image task names the registries it copied between (before: "Amazon ECR" for a registry destination)', () => {
    const n = taskNotification(
      {
        ...base,
        type: 'ECR',
        stackName: undefined,
        parameters: [
          { ParameterKey: 'sourceType', ParameterValue: 'Public' },
          { ParameterKey: 'srcRegistry', ParameterValue: 'quay.io' },
          { ParameterKey: 'destRegistry', ParameterValue: 'registry.example.com:5000' },
          { ParameterKey: 'destPrefix', ParameterValue: 'mirror' },
        ],
      },
      'LOCAL',
      new Date('2026-11-30T10:06:00Z'),
    );
    expect(n.message.split('\n')).toEqual(
      expect.arrayContaining(['Source: public registry quay.io', 'Destination: registry.example.com:5000/mirror']),
    );
    const ecr = taskNotification(
      {
        ...base,
        type: 'ECR',
        parameters: [
          { ParameterKey: 'sourceType', ParameterValue: 'Amazon_ECR' },
          { ParameterKey: 'srcRegion', ParameterValue: 'us-east-1' },
          { ParameterKey: 'destRegion', ParameterValue: 'cn-north-1' },
          { ParameterKey: 'destAccountId', ParameterValue: '123456789012' },
          { ParameterKey: 'destPrefix', ParameterValue: 'mirror' },
        ],
      },
      'SNS',
      new Date('2026-11-30T10:06:00Z'),
    );
    expect(ecr.message.split('\n')).toEqual(
      expect.arrayContaining([
        'Source: Amazon ECR us-east-1',
        'Destination: Amazon ECR cn-north-1, 123456789012, prefix mirror',
      ]),
    );
  });

  it('who is notified: one-time DONE, any ERROR; never a fixed-rate pass, a stop, or the same outcome twice', () => {
    expect(shouldNotify(base)).toBe(true);
    expect(shouldNotify({ ...base, progress: 'ERROR' })).toBe(true);
    expect(shouldNotify({ ...base, scheduleType: 'FIXED_RATE', progress: 'ERROR' })).toBe(true);
    expect(shouldNotify({ ...base, scheduleType: 'FIXED_RATE', progress: 'DONE' })).toBe(false);
    for (const progress of ['STARTING', 'IN_PROGRESS', 'STOPPING', 'STOPPED'] as const)
      expect(shouldNotify({ ...base, progress }), progress).toBe(false);
    const sent = taskNotification(base, 'SNS', new Date('2026-11-30T10:05:30Z'));
    expect(shouldNotify({ ...base, notifications: [sent] })).toBe(false);
    // A new outcome after the last mail (an error after a stop and restart of the same task) is mailed.
    expect(
      shouldNotify({ ...base, progress: 'ERROR', stoppedAt: '2026-11-30T11:00:00.000Z', notifications: [sent] }),
    ).toBe(true);
  });

  it('formats: SNS-safe subjects, bytes, durations', () => {
    expect(notificationSubject('任务-1', 'DONE')).toBe('Data Transfer Hub: task ??-1 completed');
    expect(notificationSubject('x'.repeat(200), 'ERROR')).toHaveLength(99);
    expect(describeBytes(0)).toBe('0 bytes');
    expect(describeBytes(1536)).toBe('1.5 KiB (1536 bytes)');
    expect(describeDuration(12_400)).toBe('12 s');
    expect(describeDuration(240_000)).toBe('4 min 00 s');
  });
});
