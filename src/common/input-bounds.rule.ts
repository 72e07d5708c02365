import { ASTVisitor, getNamedType, GraphQLError, ValidationContext } from 'graphql';
import { dateProblem, moneyProblem, timeProblem } from './input-bounds';

/** What each bounded scalar refuses in a literal that is well-formed (format is the scalar's own check). */
const PROBLEM_OF: Record<string, (raw: string) => string | undefined> = {
  Decimal: moneyProblem,
  Date: dateProblem,
  DateTime: (raw) => timeProblem(new Date(raw)),
};

/**
 * PRODUCT.md §4's bounds on values written into the document itself
 * (`createCampaign(input: { budget: "-1" })`), refused as BAD_USER_INPUT
 * naming the field, like the same value sent in a variable. A validation rule
 * because only the document walk knows which argument and field a value
 * belongs to.
 */
export function inputBoundsRule(context: ValidationContext): ASTVisitor {
  const path: string[] = [];
  const named = { leave: () => void path.pop() };
  return {
    VariableDefinition: { enter: (node) => void path.push(node.variable.name.value), ...named },
    Argument: { enter: (node) => void path.push(node.name.value), ...named },
    ObjectField: { enter: (node) => void path.push(node.name.value), ...named },
    StringValue(node) {
      const type = context.getInputType();
      const problem = type ? PROBLEM_OF[getNamedType(type).name]?.(node.value) : undefined;
      if (!problem) return;
      const field = path.join('.');
      context.reportError(
        new GraphQLError(`Invalid input: ${field} ${problem}`, {
          nodes: node,
          extensions: { code: 'BAD_USER_INPUT', field },
        }),
      );
    },
  };
}
