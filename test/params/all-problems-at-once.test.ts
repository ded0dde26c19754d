/**
 * Bad parameters are refused all at once, each named with its field and side, so a params file or a script is mended
 * in one round. Before, the parsers stopped at the first problem: a file with three typos took three runs. The
 * parsers' own order still decides the first problem named (the console's order); what they never check against
 * another parameter follows, in the schema's order.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, InvalidParametersError } from '../../worker/core/errors.js';
import { parseEcrTaskParams } from '../../worker/ecr/params.js';
import { parseS3TaskParams } from '../../worker/s3/params.js';

const S3_OK = { srcBucket: 'source-bucket', srcRegion: 'us-west-2', destBucket: 'dest-bucket' };

function refusal(parse: () => unknown): InvalidParameterError {
  try {
    parse();
  } catch (err) {
    if (err instanceof InvalidParameterError) return err;
    throw err;
  }
  throw new Error('the parameters were accepted');
}

describe('parameter problems, all at once', () => {
  it('names every value that is wrong on its own, with its field and side, in one error', () => {
    const err = refusal(() =>
      parseS3TaskParams({
        ...S3_OK,
        destStorageClass: 'FOO',
        workerNumber: 'many',
        includeMetadata: 'yes please',
        chunkSize: '8 bananas',
      }),
    );
    expect(err).toBeInstanceOf(InvalidParametersError);
    expect(err.name).toBe('InvalidParameterError');
    expect(err.code).toBe('INVALID_PARAMETER');
    const problems = (err as InvalidParametersError).problems;
    expect(problems.map((p) => p.field)).toEqual(['destStorageClass', 'includeMetadata', 'workerNumber', 'chunkSize']);
    expect(err.field).toBe('destStorageClass');
    expect(problems[0].message).toMatch(/^Storage class \(destStorageClass, destination side\): "FOO" is not one of/);
    expect(problems[2].message).toMatch(/\(workerNumber\): "many" is not a whole number$/);
    expect(err.message.split('\n')).toEqual(['4 parameters are invalid:', ...problems.map((p) => `  ${p.message}`)]);
  });

  it("puts the parser's first problem (one checked against others) first, then those found alone", () => {
    // srcBucket "x" is checked against its store's naming rule, only by the parser; destBucket missing is found alone.
    const err = refusal(() => parseS3TaskParams({ srcBucket: 'x', srcRegion: 'us-west-2', maxAttempts: '0' }));
    expect((err as InvalidParametersError).problems.map((p) => p.field)).toEqual([
      'srcBucket',
      'destBucket',
      'maxAttempts',
    ]);
    expect(err.message).toContain('Source bucket (srcBucket): "x" is not a valid bucket name');
    expect(err.message).toContain('Destination bucket (destBucket): is required');
  });

  it('names unknown parameters with the others, and each problem once', () => {
    const err = refusal(() => parseS3TaskParams({ ...S3_OK, destBuckett: 'b', srcType: 'S3', finderDepth: '-1' }));
    const problems = (err as InvalidParametersError).problems;
    expect(problems.map((p) => p.field)).toEqual(['destBuckett', 'srcType', 'finderDepth']);
    expect(problems[0].message).toBe('destBuckett: is not a parameter of S3 tasks; did you mean destBucket?');
  });

  it('one problem is refused as before: one InvalidParameterError with its own message', () => {
    const err = refusal(() => parseS3TaskParams({ ...S3_OK, destAcl: 'Private' }));
    expect(err).not.toBeInstanceOf(InvalidParametersError);
    expect(err.message).toBe(
      'Object ACL (destAcl, destination side): "Private" is not one of private, public-read, public-read-write, ' +
        'authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control; did you mean private?',
    );
  });

  it('does not judge the others by a value it could not take as given', () => {
    // A list where one value goes leaves srcBucket unread: "is required" would be wrong, so the parser does not run.
    const err = refusal(() => parseS3TaskParams({ ...S3_OK, srcBucket: ['a-bucket', 'b-bucket'], srcType: 'FTP' }));
    expect((err as InvalidParametersError).problems.map((p) => p.message)).toEqual([
      'Source bucket (srcBucket): takes one value, not a list',
      expect.stringMatching(/^Source type \(srcType\): "FTP" is not one of/),
    ]);
  });

  it('image tasks too', () => {
    const err = refusal(() =>
      parseEcrTaskParams({
        sourceType: 'Docker_Hub',
        srcImageList: 'nginx:1',
        destRegion: 'us-east-1',
        concurrency: 'ten',
        alarmEmail: 'ops-at-example',
      }),
    );
    expect((err as InvalidParametersError).problems.map((p) => p.field)).toEqual([
      'sourceType',
      'alarmEmail',
      'concurrency',
    ]);
  });
});
