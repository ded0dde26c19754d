import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { REQUEST_LIMITS } from '../core/request-limits.js';

/** graphql-armor's rules throw by default; reporting instead keeps every error in the answer's `errors`. */
const report = {
  propagateOnRejection: false,
  onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)],
};

/** Root fields of an operation, through fragments (each fragment counted once, as it runs once per spread). */
function rootFields(context: ValidationContext, set: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) names.push(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) names.push(...rootFields(context, s.selectionSet, seen));
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const fragment = context.getFragment(s.name.value);
      if (fragment) names.push(...rootFields(context, fragment.selectionSet, seen));
    }
  }
  return names;
}

/**
 * At most `maxRootFields` root fields (each is a resolver call), and one mutation of each kind: a request creates one
 * task at most, however it is written (aliases, fragments).
 */
const rootFieldsRule: ValidationRule = (context): ASTVisitor => ({
  OperationDefinition(op: OperationDefinitionNode) {
    const names = rootFields(context, op.selectionSet).filter((n) => !n.startsWith('__'));
    if (names.length > REQUEST_LIMITS.maxRootFields) {
      context.reportError(
        new GraphQLError(
          `an operation may have at most ${REQUEST_LIMITS.maxRootFields} root fields; this one has ${names.length}`,
          { nodes: op },
        ),
      );
    }
    if (op.operation !== 'mutation') return;
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const [name, n] of counts) {
      if (n > REQUEST_LIMITS.maxSameMutation) {
        context.reportError(
          new GraphQLError(
            `${name} may run once per request; this one asks ${n} times (send one request per ${name})`,
            { nodes: op },
          ),
        );
      }
    }
  },
});

/**
 * Validation rules that bound what one request costs. They run before graphql's own rules, whose overlapping-fields
 * check is quadratic in the number of same-named fields (10,000 aliases took seconds by itself).
 */
export const REQUEST_LIMIT_RULES: readonly ValidationRule[] = [
  maxAliasesRule({ n: REQUEST_LIMITS.maxAliases, ...report }),
  maxDepthRule({ n: REQUEST_LIMITS.maxDepth, ...report }),
  costLimitRule({ maxCost: REQUEST_LIMITS.maxCost, ...report }),
  maxDirectivesRule({ n: REQUEST_LIMITS.maxDirectives, ...report }),
  rootFieldsRule,
];
