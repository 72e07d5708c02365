import { GraphQLError } from 'graphql';
import { dateAndId } from '../../src/common/cursor-keys';
import { encodeCursor, toConnection, toPageRequest } from '../../src/common/pagination';

const ID = '7d9f2a52-5f0e-4c4e-9a57-6f4c2f1b2a10';

describe('page requests', () => {
  it('defaults to 20 and decodes a cursor made by the same list', () => {
    expect(toPageRequest({}, dateAndId)).toEqual({ limit: 20 });
    expect(toPageRequest({ first: 5, after: encodeCursor(['2024-01-01', ID]) }, dateAndId)).toEqual({
      limit: 5,
      after: ['2024-01-01', ID],
    });
  });

  it.each([
    ['not base64 json'],
    [encodeCursor(['2024-01-01'])],
    [encodeCursor(['2024-01-01', 'x'])],
    [encodeCursor(['0000-01-01', ID])], // round-trips through Date, but PostgreSQL has no year 0
    [Buffer.from('{}').toString('base64url')],
  ])('rejects the cursor %s as BAD_USER_INPUT', (after) => {
    expect(() => toPageRequest({ after }, dateAndId)).toThrow(GraphQLError);
    try {
      toPageRequest({ after }, dateAndId);
    } catch (error) {
      expect((error as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });
});

describe('connections', () => {
  it('uses the extra row only to tell that a next page exists, and counts lazily', async () => {
    const count = jest.fn(async () => 3);
    const conn = toConnection(
      [1, 2, 3],
      2,
      (n) => [n],
      (n) => ({ n }),
      count,
    );
    expect(conn.edges.map((e) => e.node)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(conn.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor([2]) });
    expect(count).not.toHaveBeenCalled();
    await expect(conn.totalCount).resolves.toBe(3);
  });
});
