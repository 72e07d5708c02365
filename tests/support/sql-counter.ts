import { Client } from 'pg';

/**
 * Counts SQL statements at the driver: every statement TypeORM or a loader
 * sends goes through pg's Client#query. Tests run the server in-process, so
 * the count covers exactly the requests made while counting.
 */
export function countStatements() {
  const original = Client.prototype.query;
  const statements: string[] = [];
  /** Per statement, its prepared-statement name, or undefined when it was sent unnamed (parsed and planned again). */
  const names: (string | undefined)[] = [];
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const first = args[0];
    statements.push(typeof first === 'string' ? first : String((first as { text?: string })?.text ?? first));
    names.push(typeof first === 'object' ? (first as { name?: string })?.name : undefined);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  return {
    statements,
    names,
    restore: () => {
      Client.prototype.query = original;
    },
  };
}

/** What issue 18 leaves out of a count of statements sent: a transaction's own BEGIN and COMMIT, and savepoints. */
const TRANSACTION_CONTROL = /^\s*(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b/i;

export function withoutTransactionControl(statements: readonly string[]): string[] {
  return statements.filter((sql) => !TRANSACTION_CONTROL.test(sql));
}
