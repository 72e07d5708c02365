import { parse } from 'graphql';
import { variablesCostDependsOn } from '../../src/server/abuse/query-limits';

describe('the variables a query cost depends on', () => {
  it('are those given to `first` or to a directive condition, wherever they are', () => {
    const document = parse(`
      query ($id: ID!, $n: Int, $m: Int, $withTags: Boolean!, $noRisk: Boolean!, $after: String) {
        customer(id: $id) {
          holdings(first: $n, after: $after) { totalCount }
          tags @include(if: $withTags) { source }
          ...More
        }
      }
      fragment More on Customer { interactions(first: $m) { totalCount } riskProfile @skip(if: $noRisk) { creditGrade } }
    `);
    expect(variablesCostDependsOn(document)).toEqual(['m', 'n', 'noRisk', 'withTags']);
  });

  it('leave out a field argument that happens to be called `if`', () => {
    expect(variablesCostDependsOn(parse('query ($x: Boolean) { f(if: $x) }'))).toEqual([]);
  });
});
