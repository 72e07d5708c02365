import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import {
  DocumentNode,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  OperationDefinitionNode,
  parse,
} from 'graphql';
import { compileQuery } from 'graphql-jit';
import { DecimalScalar } from '../../src/common/scalars';
import { jitExecutor, resolveComputedFields } from '../../src/server/executor';

jest.mock('graphql-jit', () => {
  const actual = jest.requireActual('graphql-jit');
  return { ...actual, compileQuery: jest.fn(actual.compileQuery) };
});

const Thing = new GraphQLObjectType({
  name: 'Thing',
  fields: {
    plain: { type: GraphQLInt },
    lazy: { type: GraphQLInt, extensions: { computed: true } },
    later: { type: GraphQLInt, extensions: { computed: true } },
    required: { type: new GraphQLNonNull(GraphQLInt) },
  },
});
const Input = new GraphQLInputObjectType({
  name: 'Input',
  fields: { amount: { type: new GraphQLNonNull(DecimalScalar), defaultValue: '0.00' } },
});
const schema = resolveComputedFields(
  new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        thing: {
          type: Thing,
          args: { times: { type: GraphQLInt } },
          resolve: (_root, { times }: { times?: number }) => ({
            plain: 1 * (times ?? 1),
            lazy: () => 2,
            later: Promise.resolve(3),
            required: null,
          }),
        },
        echo: {
          type: GraphQLString,
          args: { input: { type: Input } },
          resolve: (_root, { input }: { input: { amount: string } }) => input.amount,
        },
      },
    }),
  }),
);

const gateway = jitExecutor(schema);

async function run(query: string, variables: Record<string, unknown> = {}, document: DocumentNode = parse(query)) {
  const { executor } = await gateway.load({ apollo: {} });
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  return executor!({
    document,
    operation,
    operationName: null,
    request: { query, variables },
    context: {},
  } as unknown as GatewayGraphQLRequestContext);
}

describe('the graphql-jit executor', () => {
  it('calls and awaits the values of computed fields, as graphql-js does', async () => {
    const result = await run('{ thing { plain lazy later } }');
    expect(result).toEqual({ data: { thing: { plain: 1, lazy: 2, later: 3 } } });
  });

  it('reports a null in a non-null field as an error with extensions, which Apollo formats', async () => {
    const result = await run('{ thing { required } }');
    expect(result.data).toEqual({ thing: null });
    expect(result.errors).toEqual([expect.objectContaining({ path: ['thing', 'required'], extensions: {} })]);
  });

  it("answers a bad variable with graphql-js's error, at its variable definition (BAD_USER_INPUT in Apollo)", async () => {
    const result = await run('query ($n: Int) { thing(times: $n) { plain } }', { n: 'many' });
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].message).toMatch(/^Variable "\$n" got invalid value "many"/);
    expect(result.errors![0].nodes?.[0].kind).toBe(Kind.VARIABLE_DEFINITION);
  });

  it('fills the default of an omitted non-null input field (graphql-jit 0.8 would refuse it)', async () => {
    const result = await run('query ($input: Input!) { echo(input: $input) }', { input: {} });
    expect(result).toEqual({ data: { echo: '0.00' } });
  });

  it("fills an input field's default where a variable inside an input literal is omitted", async () => {
    const result = await run('query ($a: Decimal) { echo(input: { amount: $a }) }', {});
    expect(result).toEqual({ data: { echo: '0.00' } });
  });

  it("compiles a document once and runs it with each request's variables", async () => {
    const compiledBefore = jest.mocked(compileQuery).mock.calls.length;
    const document = parse('query ($n: Int) { thing(times: $n) { plain } }');
    expect(await run('', { n: 2 }, document)).toEqual({ data: { thing: { plain: 2 } } });
    expect(await run('', { n: 5 }, document)).toEqual({ data: { thing: { plain: 5 } } });
    expect(jest.mocked(compileQuery).mock.calls.length - compiledBefore).toBe(1);
  });
});
