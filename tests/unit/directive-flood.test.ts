import { buildSchema } from 'graphql';
import { directiveFloodCheck } from '../../src/server/abuse/query-limits';

const schema = buildSchema(`
  directive @tag(name: String) repeatable on FIELD
  type Query { a: Int b: Int }
`);
const limits = {
  depth: 12,
  cost: 50_000,
  aliases: 15,
  directives: 10,
  tokens: 2_000,
  batchOperations: 1,
  bodyBytes: 100_000,
};
const refuse = directiveFloodCheck(limits, schema);
const verdict = (query: unknown) => {
  try {
    refuse(query);
    return 'accepted';
  } catch (error) {
    return (error as { extensions: { code: string } }).extensions.code;
  }
};

describe('a directive flood, read from the tokens', () => {
  it.each([
    ['the scanner’s ten copies of one unknown directive', '{ a @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }'],
    ['a copy after arguments', '{ a @include(if: true) @include(if: false) }'],
    ['copies split by a comment', '{ a @x # note\n @x }'],
    ['eleven directives on eleven fields', `{ ${Array.from({ length: 11 }, (_, i) => `f${i}: a @d${i}`).join(' ')} }`],
    ['copies on a variable definition', 'query ($v: Int @x @x) { a }'],
    ['copies on an operation', 'query Q @x @x { a }'],
  ])('refuses %s', (_case, query) => {
    expect(verdict(query)).toBe('QUERY_TOO_COMPLEX');
  });

  it.each([
    ['the same directive on neighbouring fields', '{ a @include(if: true) b @include(if: true) }'],
    ['two different directives at one location', '{ a @include(if: true) @skip(if: false) }'],
    ['copies of a repeatable directive', '{ a @tag(name: "x") @tag(name: "y") }'],
    ['"@" inside strings', `{ a(s: "@x @x @x", t: """@y @y""") }`],
    ['ten directives, the limit', `{ ${Array.from({ length: 10 }, (_, i) => `f${i}: a @d${i}`).join(' ')} }`],
    ['text that does not lex, left to the parser', '{ a "unterminated @x @x }'],
    ['no query text (a persisted query’s hash alone)', undefined],
  ])('accepts %s', (_case, query) => {
    expect(verdict(query)).toBe('accepted');
  });

  it('stops reading at the token limit, where the parser refuses the text anyway', () => {
    const check = directiveFloodCheck({ ...limits, tokens: 20 }, schema);
    expect(() => check(`{ ${'a '.repeat(30)} b @x @x }`)).not.toThrow();
    expect(() => check(`{ b @x @x }`)).toThrow();
  });
});
