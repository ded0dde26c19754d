/**
 * How much one GraphQL request may ask of the API: one source for the local hub's validation rules
 * (control-plane/local/graphql-limits.ts) and the AppSync API's own limits (lib/task-api.ts).
 *
 * Measured on the console's operations: the largest (listTasksV2 with every task field) is 73 tokens, depth 4, cost under 100,
 * no alias, one root field. Before these limits, 10,000 aliases held the hub for 4 s and 400 createTask aliases in one
 * POST started 400 tasks.
 */
export const REQUEST_LIMITS = {
  /** Lexical tokens in the document: checked while parsing, so a huge document costs nothing more than its read. */
  maxTokens: 2000,
  /** Aliased fields in an operation (the console sends none). */
  maxAliases: 15,
  /** Nesting of selections (introspection's __schema excepted: tools send it nested ~20 deep). */
  maxDepth: 10,
  /** Static cost: 1 per scalar, 2 per object field, children weighted 1.5× per level (graphql-armor's cost-limit). */
  maxCost: 1000,
  /** Directives in an operation. */
  maxDirectives: 10,
  /** Root fields of an operation: each is one resolver call (one Lambda invocation in the cloud). */
  maxRootFields: 10,
  /** Root mutation fields of one kind per request: one createTask, one stopTask. */
  maxSameMutation: 1,
} as const;
