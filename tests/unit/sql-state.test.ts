import { QueryFailedError } from 'typeorm';
import { sqlStateOf } from '../../src/db/sql-state';

describe('sqlStateOf', () => {
  it("reads pg's code, directly or through TypeORM's wrapper", () => {
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(sqlStateOf(pgError)).toBe('23505');
    expect(sqlStateOf(new QueryFailedError('INSERT …', [], pgError))).toBe('23505');
  });

  it('is undefined for what is not a database error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    for (const error of [refused, new Error('plain'), null, undefined, 'text', { code: 42 }]) {
      expect(sqlStateOf(error)).toBeUndefined();
    }
  });
});
