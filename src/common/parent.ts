import { createParameterDecorator } from 'type-graphql';

/**
 * The object a field resolver runs on, as it is. type-graphql's `@Root()`
 * copies it into a new instance of the parameter's declared class on every
 * call (every property of a customer, for each of its field resolvers, for
 * every customer of a page: 3.4% of W2's CPU in bench/results/profile.md).
 * Our object types are plain data with no methods to gain from that copy,
 * and the privacy pass has already handed the executor the caller's own copy.
 */
export function Parent() {
  return createParameterDecorator(({ root }) => root);
}
