import {
  defaultFieldResolver,
  getNamedType,
  GraphQLField,
  GraphQLFieldResolver,
  GraphQLSchema,
  isObjectType,
} from 'graphql';
import type { RequestContext } from '../request/context';
import { deniedAt } from './denial';

/**
 * The one place where the privacy policy meets every object that reaches a
 * client. Every field whose type is an object (a relation, a root field, a
 * connection's edges and nodes, a nested value such as a holding's product)
 * runs through here:
 * - denied to the caller on the object it belongs to: answered FORBIDDEN at
 *   its path, and its resolver (the load) never runs;
 * - otherwise its result goes through `RequestPrivacy.view`: each object is
 *   read under its customer's plan, or the plan it was reached under, with
 *   masks and denials applied to its leaf fields and full reads of
 *   sensitive ones noted for the audit.
 * Leaf fields read from their object are never wrapped (each row of a page
 * has dozens); their object's pass has already put the masked value, the
 * denial or the audited read in place. A leaf computed by a resolver of its
 * own (such as a customer's riskWarnings) has nothing in its object for that
 * pass to replace, so it is wrapped: read in full, or denied before it runs.
 * Whatever type is added later is covered the same way.
 */
export function enforcePrivacy(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const root = type.name === 'Query' || type.name === 'Mutation' || type.name === 'Subscription';
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type);
      if (isObjectType(returned)) {
        field.resolve = guarded(type.name, field.name, returned.name, field.resolve ?? defaultFieldResolver, root);
      } else if (!root && isComputedLeaf(field)) {
        field.resolve = guardedComputedLeaf(type.name, field.name, field.resolve!);
      }
    }
  }
  return schema;
}

function guarded(
  parentType: string,
  fieldName: string,
  returnedType: string,
  resolve: GraphQLFieldResolver<unknown, RequestContext>,
  root: boolean,
): GraphQLFieldResolver<unknown, RequestContext> {
  return (source, args, context, info) => {
    const { privacy, audit } = context;
    // Root fields are graphql-shield's (OPERATION_POLICY); their results are read under the caller's columns.
    const owner = root ? privacy.rootOwner : privacy.ownerOf(source);
    if (!root && owner.plan.isDenied(parentType, fieldName)) return deniedAt(info, audit);
    const value = resolve(source, args, context, info);
    if (value instanceof Promise)
      return value.then((resolved) => privacy.view(resolved, returnedType, owner, audit, info));
    return privacy.view(value, returnedType, owner, audit, info);
  };
}

/** A field of a scalar or enum type whose value a resolver of its own computes. */
export function isComputedLeaf(field: GraphQLField<unknown, unknown>): boolean {
  return (
    !isObjectType(getNamedType(field.type)) && field.resolve !== undefined && field.resolve !== defaultFieldResolver
  );
}

/**
 * A computed leaf is answered in full or not at all: a mask works on a stored
 * value, and such a field has none until its resolver runs, so a masked cell
 * denies it as a masked cell without a mask does on any field.
 */
function guardedComputedLeaf(
  parentType: string,
  fieldName: string,
  resolve: GraphQLFieldResolver<unknown, RequestContext>,
): GraphQLFieldResolver<unknown, RequestContext> {
  return (source, args, context, info) => {
    if (context.privacy.ownerOf(source).plan.access(parentType, fieldName) !== 'F')
      return deniedAt(info, context.audit);
    return resolve(source, args, context, info);
  };
}
