import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  defaultFieldResolver,
  DocumentNode,
  execute,
  ExecutionResult,
  FragmentDefinitionNode,
  Kind,
  getNamedType,
  getVariableValues,
  GraphQLError,
  GraphQLSchema,
  isInputObjectType,
  isObjectType,
  OperationDefinitionNode,
  printSchema,
  typeFromAST,
} from 'graphql';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';
import { isWrapperType } from '../privacy/policy';
import type { RequestContext } from '../request/context';
import { directRead } from './direct-reads';

/**
 * graphql-js's default resolver calls a function-valued property and awaits
 * a promise; graphql-jit reads plain properties inline and does neither (its
 * README: "all computed properties must have a resolver"). Fields that can
 * hold one get graphql-js's default resolver explicitly, so both executors
 * answer alike:
 * - every field of a type the privacy policy governs (every type but
 *   connections and edges): the per-object pass may put a denial there (a
 *   function building the FORBIDDEN error at its path) or an audited read (a
 *   function noting the read), under whatever policy is loaded;
 * - fields marked @Computed() (a cached reference row or a lazy load; a
 *   connection's count).
 * Every other field stays a plain property read, which is where graphql-jit
 * saves its time.
 */
export function resolveComputedFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.resolve) continue;
      if (!isWrapperType(type.name) || field.extensions?.computed) field.resolve = defaultFieldResolver;
    }
  }
  return schema;
}

/**
 * graphql-jit as Apollo Server's executor. Apollo 4+ has no executor option;
 * its gateway interface, whose load() returns an executor, is the seam (see
 * STACK-NOTES). Parsing, validation, plugins, error formatting and status
 * codes stay Apollo's: only execution changes. Each operation of a parsed
 * document is compiled once (Apollo hands out the same document object for
 * the same text, and drops it from its cache in time, which drops the
 * compiled query too).
 *
 * graphql-js still runs what graphql-jit 0.8 gets wrong:
 * - variables are checked by graphql-js first, so a bad one gets graphql-js's
 *   error, which Apollo answers as BAD_USER_INPUT;
 * - input defaults: graphql-jit refuses an omitted non-null input field that
 *   has a default, and hands null where an omitted or null variable should
 *   have given way to an input field's default. So mutations, operations
 *   with input-object variables, and requests that omit a variable without
 *   a default of its own or send null run on graphql-js;
 * - an operation graphql-jit cannot compile;
 * - a request whose operationName resolves no operation of the document.
 *
 * Measured on the benchmark (100,000 customers): W1 +15%, W2 +30% throughput
 * and about half the W2 p99, against graphql-js.
 *
 * Before either, the direct reads (direct-reads.ts) answer the queries they
 * cover, on both executors.
 */
export function jitExecutor(
  schema: GraphQLSchema,
  {
    directReads = false,
    /** false (GRAPHQL_EXECUTOR=graphql-js): every operation the direct reads leave runs on graphql-js. */
    compile = true,
  } = {},
): GatewayInterface {
  const compiledByDocument = new WeakMap<DocumentNode, Map<string | null, CompiledQuery | null>>();

  /** The compiled operation, or null where graphql-js runs it. */
  const compiledFor = (document: DocumentNode, operation: OperationDefinitionNode, name: string | null) => {
    let byOperation = compiledByDocument.get(document);
    if (!byOperation) {
      byOperation = new Map();
      compiledByDocument.set(document, byOperation);
    }
    let compiled = byOperation.get(name);
    if (compiled === undefined) {
      const result =
        operation.operation !== 'query' || hasInputObjectVariables(schema, operation)
          ? null
          : compileQuery(schema, document, name ?? undefined);
      compiled = result && isCompiledQuery(result) ? result : null;
      byOperation.set(name, compiled);
    }
    return compiled;
  };

  const executor: GatewayExecutor = async ({ document, operation, operationName, request, context }) => {
    const variables = request.variables ?? {};
    // Typed as always set, but Apollo calls the executor even when the request's operationName
    // names no operation of the document, or names none of several. graphql-js, given the name the
    // client sent (the resolved one is null here), answers with the error that Apollo turns into
    // a 400, and runs nothing.
    if (!(operation as OperationDefinitionNode | undefined))
      return execute({ schema, document, operationName: request.operationName, variableValues: variables });
    const checked = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (checked.errors) return { errors: checked.errors };
    const direct =
      directReads &&
      (await directRead(schema, operation, fragmentsOf(document), checked.coerced, context as RequestContext));
    if (direct) return direct;
    const compiled =
      !compile || leavesDefaultsToFill(operation, variables) ? null : compiledFor(document, operation, operationName);
    if (!compiled)
      return execute({ schema, document, operationName, contextValue: context, variableValues: variables });
    const result = (await compiled.query(undefined, context, variables)) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(withExtensions) } : result;
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: async () => ({ executor }),
    stop: async () => undefined,
  };
}

const fragmentsByDocument = new WeakMap<DocumentNode, Record<string, FragmentDefinitionNode>>();

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  let fragments = fragmentsByDocument.get(document);
  if (!fragments) {
    fragments = {};
    for (const definition of document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    fragmentsByDocument.set(document, fragments);
  }
  return fragments;
}

/** A variable sent as null, or omitted without a default of its own: where an argument's or input field's default may apply. */
function leavesDefaultsToFill(operation: OperationDefinitionNode, variables: Record<string, unknown>): boolean {
  return (operation.variableDefinitions ?? []).some(
    ({ variable, defaultValue }) =>
      variables[variable.name.value] === null || (!Object.hasOwn(variables, variable.name.value) && !defaultValue),
  );
}

function hasInputObjectVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  return (operation.variableDefinitions ?? []).some((definition) => {
    const type = typeFromAST(schema, definition.type);
    return type !== undefined && isInputObjectType(getNamedType(type));
  });
}

/**
 * graphql-jit's own errors (a null in a non-null field) carry no extensions,
 * which Apollo's error formatting expects: such an error becomes graphql-js's
 * own kind, so it is formatted, logged and masked like any other.
 */
function withExtensions(error: GraphQLError): GraphQLError {
  if (error.extensions) return error;
  const copy = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined });
  (copy as { locations?: unknown }).locations = error.locations;
  return copy;
}
