import { types } from 'node:util';

/**
 * Jest runs each test file in its own JavaScript realm, while Node's core
 * modules create their errors in the main one: a refused connection
 * (ECONNREFUSED from `net`) is then not `instanceof Error` inside the test,
 * and graphql-js treats it as a value instead of an error
 * (jestjs/jest#2549). Production has one realm; this makes tests agree with
 * it. Subclasses (GraphQLError...) keep the ordinary check.
 */
const ordinary = Function.prototype[Symbol.hasInstance];
Object.defineProperty(Error, Symbol.hasInstance, {
  value(this: unknown, value: unknown) {
    if (this === Error && types.isNativeError(value)) return true;
    return ordinary.call(this, value);
  },
});
