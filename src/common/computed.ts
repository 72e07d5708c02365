import { Extensions } from 'type-graphql';

/**
 * Marks a field whose value may be a function or a promise (a lazy load, a
 * count run only when selected). It gets an explicit resolver, which
 * graphql-jit needs to call or await it (src/server/executor.ts).
 */
export const Computed = () => Extensions({ computed: true });
