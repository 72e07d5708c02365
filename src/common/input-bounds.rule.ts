import { ASTVisitor, getNullableType, GraphQLError, isScalarType, Kind, ValidationContext, ValueNode } from 'graphql';
import { literalProblem } from './scalars';

/**
 * Values written into the document itself (`createCampaign(input: { budget:
 * "-1" })`) of the scalars PRODUCT.md §4 bounds (Decimal, Date, DateTime):
 * malformed or out of bounds is BAD_USER_INPUT naming the field, like the same
 * value sent in a variable. A validation rule because only the document walk
 * knows which argument and field a value belongs to.
 */
export function inputBoundsRule(context: ValidationContext): ASTVisitor {
  const path: string[] = [];
  const named = { leave: () => void path.pop() };
  const check = (node: ValueNode) => {
    const type = getNullableType(context.getInputType());
    if (!type || !isScalarType(type) || node.kind === Kind.VARIABLE || node.kind === Kind.NULL) return;
    const problem = literalProblem(type.name, node);
    if (!problem) return;
    const field = path.join('.');
    context.reportError(
      new GraphQLError(`Invalid input: ${field}: ${problem}`, {
        nodes: node,
        extensions: { code: 'BAD_USER_INPUT', field },
      }),
    );
  };
  return {
    VariableDefinition: { enter: (node) => void path.push(node.variable.name.value), ...named },
    Argument: { enter: (node) => void path.push(node.name.value), ...named },
    ObjectField: { enter: (node) => void path.push(node.name.value), ...named },
    StringValue: check,
    IntValue: check,
    FloatValue: check,
    BooleanValue: check,
    EnumValue: check,
    ListValue: check,
    ObjectValue: check,
  };
}
