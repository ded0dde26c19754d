import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createResolvers } from '../../../control-plane/core/resolvers.js';
import { APPSYNC_BUILT_INS } from '../../../control-plane/local/graphql-endpoint.js';
import type { ControlPlaneDeps } from '../../../control-plane/core/ports.js';
import { SECRET_KIND } from '../../../worker/core/secret-shape.js';

const sdl = readFileSync('control-plane/api/schema.graphql', 'utf8');

describe('control-plane/api/schema.graphql', () => {
  it('is AppSync-ready: no redefined AWS scalars or auth directives, no string descriptions, and it builds with them declared', () => {
    expect(sdl).not.toMatch(/^\s*scalar\s+AWS/m);
    expect(sdl).not.toMatch(/^\s*directive\s+@aws_/m);
    expect(sdl).not.toMatch(/^\s*"/m);
    expect(() => buildSchema(APPSYNC_BUILT_INS + sdl)).not.toThrow();
  });

  it('has one resolver for every Query and Mutation field, and no resolver without a field', () => {
    const schema = buildSchema(APPSYNC_BUILT_INS + sdl);
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()),
      ...Object.keys(schema.getMutationType()!.getFields()),
    ].sort();
    const resolvers = Object.keys(createResolvers({} as ControlPlaneDeps)).sort();
    expect(resolvers).toEqual(fields);
    expect(fields).toEqual(
      expect.arrayContaining([
        'listTasksV2',
        'getTask',
        'listSecrets',
        'listLogStreams',
        'getLogEvents',
        'getMetricHistoryData',
        'getErrorMessage',
        'estimateTask',
        'listTaskObjects',
        'listNotifications',
        'createTask',
        'stopTask',
      ]),
    );
  });

  it('keeps the original task fields and adds the new progress figures', () => {
    const schema = buildSchema(APPSYNC_BUILT_INS + sdl);
    const task = Object.keys(
      (schema.getType('Task') as unknown as { getFields(): Record<string, unknown> }).getFields(),
    );
    expect(task).toEqual(
      expect.arrayContaining([
        'id',
        'description',
        'type',
        'templateUrl',
        'parameters',
        'createdAt',
        'stoppedAt',
        'progress',
        'progressInfo',
        'stackId',
        'stackName',
        'stackOutputs',
        'stackStatus',
        'stackStatusReason',
        'executionArn',
        'scheduleType',
      ]),
    );
    const info = Object.keys(
      (schema.getType('CommonProgressInfo') as unknown as { getFields(): Record<string, unknown> }).getFields(),
    );
    expect(info).toEqual(
      expect.arrayContaining([
        'total',
        'replicated',
        'failed',
        'verified',
        'bytesTotal',
        'bytesDone',
        'rate',
        'etaSeconds',
      ]),
    );
  });
});

describe('enums the code also holds', () => {
  it("SecretKind is the secret-shape module's words, in one place", () => {
    const kinds = (buildSchema(APPSYNC_BUILT_INS + sdl).getType('SecretKind') as GraphQLEnumType)
      .getValues()
      .map((v) => v.name);
    expect(kinds.sort()).toEqual(Object.values(SECRET_KIND).sort());
  });
});
