/**
 * rclone 1.60 (Debian) as the peer: configured by RCLONE_CONFIG_* variables only (`--config /dev/null`),
 * run without AWS_CA_BUNDLE (1.60 fails with "unsupported transport" when it is set).
 */
import { runMeasured, type Measured } from './measure.js';

export interface RcloneEndpoints {
  source: string;
  dest: string;
}

function remoteEnv(name: 'SRC' | 'DST', endpoint: string): NodeJS.ProcessEnv {
  const p = `RCLONE_CONFIG_${name}_`;
  return {
    [`${p}TYPE`]: 's3',
    [`${p}PROVIDER`]: 'Other',
    [`${p}ENDPOINT`]: endpoint,
    [`${p}ACCESS_KEY_ID`]: 'S3RVER',
    [`${p}SECRET_ACCESS_KEY`]: 'S3RVER',
    [`${p}FORCE_PATH_STYLE`]: 'true',
    [`${p}REGION`]: 'us-east-1',
  };
}

/**
 * Tuned for this setup (see the README): 64 transfers (best of 16/32/64 on 2,000 × 10 KiB here), 16 MiB chunks × 4 for multipart,
 * and --checksum so a rerun compares MD5 (the listing's ETag) like our engine, instead of HEADing every object for its mtime.
 */
export function defaultRcloneFlags(): string[] {
  return [
    '--transfers',
    '64',
    '--checkers',
    '64',
    '--checksum',
    '--s3-chunk-size',
    '16M',
    '--s3-upload-concurrency',
    '4',
    '--s3-upload-cutoff',
    '200M',
  ];
}

export async function rcloneCopy(
  ends: RcloneEndpoints,
  srcBucket: string,
  dstBucket: string,
  flags: string[],
): Promise<Measured> {
  return runMeasured(
    'rclone',
    [
      '--config',
      '/dev/null',
      'copy',
      `src:${srcBucket}`,
      `dst:${dstBucket}`,
      ...flags,
      '--stats',
      '0',
      '--log-level',
      'ERROR',
    ],
    {
      env: { ...remoteEnv('SRC', ends.source), ...remoteEnv('DST', ends.dest) },
      unsetEnv: ['AWS_CA_BUNDLE'],
      timeoutSec: 3600,
    },
  );
}

export async function rcloneVersion(): Promise<string> {
  const run = await runMeasured('rclone', ['--config', '/dev/null', 'version'], { unsetEnv: ['AWS_CA_BUNDLE'] });
  return run.stdout.split('\n')[0]?.trim() ?? 'rclone (unknown version)';
}
