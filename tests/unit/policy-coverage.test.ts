import { buildSchema } from 'graphql';
import { policyGaps } from '../../src/privacy/coverage';
import { getSchema } from '../../src/server/schema';

describe('policy coverage', () => {
  it('covers every field of the schema the server serves', async () => {
    expect(policyGaps(await getSchema())).toEqual([]);
  });

  it('reports a field added without a policy entry, and a root field nobody may call', () => {
    const schema = buildSchema(`
      type Customer { id: ID! customerNo: String! favouriteColour: String }
      type Query { customer(id: ID!): Customer, secretReport: String }
    `);
    expect(policyGaps(schema).sort()).toEqual([
      'Customer.favouriteColour has no entry in FIELD_POLICY',
      'Query.secretReport has no entry in OPERATION_POLICY',
    ]);
  });

  it('reports a field some role is denied that is not nullable', () => {
    const schema = buildSchema(`type Customer { phone: String! } type Query { customer(id: ID!): Customer }`);
    expect(policyGaps(schema)).toEqual(['Customer.phone can be denied, so it must be nullable']);
  });
});
