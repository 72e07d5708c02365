/**
 * GraphQL Code Generator: TypeScript types for the operations front ends keep in operations/,
 * checked against the checked-in SDL. `npm run codegen` rewrites clients/operations.ts, which is
 * checked in so a front end can copy it without running the gateway's tooling; a test fails when
 * it is stale (`graphql-codegen --check`). Written as generated, unformatted, so the check compares
 * exactly what the tool writes (.prettierignore).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'operations/**/*.graphql',
  generates: {
    'clients/operations.ts': {
      plugins: ['typescript-operations'],
      config: {
        // The contract's scalars travel as strings: Decimal keeps its two decimals exact.
        scalars: {
          Date: { input: 'string', output: 'string' },
          DateTime: { input: 'string', output: 'string' },
          Decimal: { input: 'string', output: 'string' },
        },
        // Enum values are added without a major release (CHANGELOG.md lists them as dangerous):
        // the types make a client handle a value it has never seen.
        futureProofEnums: true,
        enumType: 'string-literal',
      },
    },
  },
};

export default config;
