/**
 * GraphQL cost on a real `dth serve`: one POST must not be able to run thousands of resolvers (10,000 aliases stalled
 * every other call for seconds) or start hundreds of tasks (400 createTask aliases started 400). Requests over the
 * limits (tokens, aliases, depth, cost, directives; one mutation of each kind) are refused before anything runs, with
 * an error saying which limit, while other calls keep answering; the console's own operations and a standard
 * introspection query stay within the limits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { params } from '../control-plane/local/hub-process.js';
import { mustStartServe, type HubChild } from './hub-child.js';

const work = mkdtempSync(join(tmpdir(), 'dth-rel-cost-'));
let hub: HubChild;
beforeAll(async () => {
  hub = await mustStartServe(join(work, 'hub'));
});
afterAll(async () => {
  await hub?.stop();
  rmSync(work, { recursive: true, force: true });
});

// A task that fails at once without leaving the machine (nothing listens on port 9).
const INPUT = {
  type: 'S3EC2',
  scheduleType: 'ONE_TIME',
  parameters: params({
    srcType: 'S3_Compatible',
    srcEndpoint: 'http://127.0.0.1:9',
    srcBucket: 'aaa',
    destEndpoint: 'http://127.0.0.1:9',
    destBucket: 'bbb',
    destRegion: 'us-east-1',
  }),
};
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join('\n');

/** Every task, stopped ones too (listTasksV2 without a filter leaves STOPPED out, as the original). */
async function taskCount(): Promise<number> {
  const r = await hub.gql(
    '{ listed: listTasksV2(count: 100) { total } stopped: listTasksV2(progress: STOPPED, count: 100) { total } }',
  );
  return r.body.data.listed.total + r.body.data.stopped.total;
}

/** The errors of a refused request; fails the test if any data came back. */
async function refused(query: string, variables?: Record<string, unknown>): Promise<string> {
  const r = await hub.gql(query, variables);
  expect(r.body.data ?? undefined, JSON.stringify(r.body).slice(0, 300)).toBeUndefined();
  expect(r.body.errors?.length).toBeGreaterThan(0);
  return r.body.errors!.map((e) => e.message).join('; ');
}

describe('hub GraphQL cost limits', () => {
  it('10,000 aliases are refused at once, and a concurrent call is not held up', async () => {
    const big = `{ ${aliases(10_000, 'listTasksV2(count: 100) { total items { id parameters { ParameterKey ParameterValue } } }')} }`;
    const started = performance.now();
    const bigCall = hub.gql(big).then((r) => ({ r, ms: performance.now() - started }));
    // While it is being handled, a small call.
    await new Promise((ok) => setTimeout(ok, 20));
    const smallStart = performance.now();
    const small = await hub.gql('{ listTasksV2 { total } }');
    const smallMs = performance.now() - smallStart;
    const { r, ms } = await bigCall;
    expect(r.body.data ?? undefined).toBeUndefined();
    expect(r.body.errors?.[0]?.message).toMatch(/tokens|aliases|cost/i);
    expect(small.body.data?.listTasksV2).toBeDefined();
    // Before the limits: the big call took ~4 s and the small one waited for it.
    expect(ms, 'refusing the big call').toBeLessThan(1500);
    expect(smallMs, 'the concurrent call').toBeLessThan(1500);
  });

  it('400 createTask aliases in one POST start nothing; neither do two', async () => {
    const many = `mutation($input: CreateTaskInput!) { ${aliases(400, 'createTask(input: $input) { id }')} }`;
    expect(await refused(many, { input: INPUT })).toMatch(/tokens|aliases|createTask/i);
    const two =
      'mutation($input: CreateTaskInput!) { a: createTask(input: $input) { id } b: createTask(input: $input) { id } }';
    expect(await refused(two, { input: INPUT })).toMatch(/createTask.*once|one createTask/i);
    // Hidden in fragments, the same.
    const viaFragments = `mutation($input: CreateTaskInput!) { ...A ...B }
      fragment A on Mutation { a: createTask(input: $input) { id } }
      fragment B on Mutation { b: createTask(input: $input) { id } }`;
    expect(await refused(viaFragments, { input: INPUT })).toMatch(/createTask.*once|one createTask/i);
    expect(await taskCount()).toBe(0);
    // One createTask and one stopTask together are fine (one of each kind).
    const one = await hub.gql('mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }', {
      input: INPUT,
    });
    expect(one.body.errors).toBeUndefined();
    const both = await hub.gql(
      'mutation($input: CreateTaskInput!, $id: String!) { createTask(input: $input) { id } stopTask(id: $id) { id } }',
      {
        input: INPUT,
        id: one.body.data.createTask.id,
      },
    );
    expect(both.body.errors).toBeUndefined();
    expect(await taskCount()).toBe(2);
  });

  it('deep, costly and directive-flooded documents are refused, each naming its limit', async () => {
    // Depth through introspection's self-reference (outside __schema, which tools use).
    const deep = `{ __type(name: "Task") { ${'fields { type { '.repeat(12)}name${' } }'.repeat(12)} } }`;
    expect(await refused(deep)).toMatch(/depth/i);
    // Many distinct fields, no aliases: cost.
    const wide = `{ ${Array.from({ length: 60 }, () => 'listTasksV2 { items { id description type scheduleType createdAt progress parameters { ParameterKey ParameterValue } progressInfo { total replicated failed } } total }').join(' ')} }`;
    expect(await refused(wide)).toMatch(/cost/i);
    expect(await refused(`{ ${aliases(16, 'getTask(id: "x") { id }')} }`)).toMatch(/aliases limit/i);
    expect(await refused(`{ ${'listSecrets { name } '.repeat(11)} }`)).toMatch(/root fields/i);
    const directives = `{ listTasksV2 { total ${'@include(if: true) '.repeat(50)} } }`;
    expect(await refused(directives)).toMatch(/directive/i);
    // A huge document is refused by size before it is even parsed into a tree.
    expect(await refused(`{ ${'__typename '.repeat(50_000)} }`)).toMatch(/tokens/i);
  });

  it("the console's operations and a standard introspection query pass", async () => {
    const TASK = `id description type scheduleType createdAt stoppedAt progress stackName stackStatus errorCode errorMessage
      parameters { ParameterKey ParameterValue } progressInfo { total replicated failed skipped verified bytesTotal bytesDone rate etaSeconds }`;
    const ops = [
      `query ListTasksV2($progress: TaskProgress, $page: Int, $count: Int) { listTasksV2(progress: $progress, page: $page, count: $count) { items { ${TASK} } total } }`,
      `query GetTask($id: ID!) { getTask(id: $id) { ${TASK} } }`,
      'query ListSecrets { listSecrets { name description } }',
      getIntrospectionQuery({ descriptions: true }),
    ];
    for (const q of ops) {
      const r = await hub.gql(q, { id: 'none' });
      expect(r.body.errors, q.slice(0, 60)).toBeUndefined();
    }
  });
});
