import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badUserInput } from './errors';
import { Computed } from './computed';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_PAGE_SIZE}; ${DEFAULT_PAGE_SIZE} when omitted.` })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

/** A validated page request: `limit` rows after the position `after` (undefined = from the start). */
export interface PageRequest<K> {
  limit: number;
  after?: K;
}

/**
 * Turns client page arguments into a PageRequest. `decodeKey` checks the
 * shape of a decoded cursor and returns the sort key it holds, or undefined
 * when the cursor was not made by this list.
 */
export function toPageRequest<K>(args: PageArgs, decodeKey: (parts: unknown[]) => K | undefined): PageRequest<K> {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw badUserInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  if (args.after == null) return { limit };
  const key = decodeKey(decodeCursor(args.after));
  if (key === undefined) throw badUserInput('after', 'after is not a cursor of this list');
  return { limit, after: key };
}

/** Cursors are opaque to clients: base64url of the row's sort key. */
export function encodeCursor(parts: unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string): unknown[] {
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the driver.
    const parts: unknown = text.includes('\\u0000') || text.includes('\0') ? undefined : JSON.parse(text);
    if (Array.isArray(parts)) return parts;
  } catch {
    // fall through: any malformed cursor is the client's error, reported below
  }
  throw badUserInput('after', 'after is not a valid cursor');
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** Read only when a client selects totalCount: a getter, so the count query runs only then. */
  readonly totalCount: Promise<number>;
}

/**
 * Builds a connection from rows fetched with `limit + 1`: the extra row only
 * tells whether a next page exists.
 */
export function toConnection<R, T>(
  rows: R[],
  limit: number,
  cursorOf: (row: R) => unknown[],
  toNode: (row: R) => T,
  countAll: () => Promise<number>,
): Connection<T> {
  const page = rows.slice(0, limit);
  // Cursors are getters: most clients never select them, and a page of pages would encode thousands.
  const edges = page.map((row) => ({
    get cursor() {
      return encodeCursor(cursorOf(row));
    },
    node: toNode(row),
  }));
  const last = page[page.length - 1];
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      get endCursor() {
        return last === undefined ? null : encodeCursor(cursorOf(last));
      },
    },
    get totalCount() {
      return countAll();
    },
  };
}

/**
 * The GraphQL types of a Relay connection of `nodeType`, named `${name}Connection` and `${name}Edge`.
 * `countWithheld`: its totalCount is an aggregate over customers that small-cohort suppression may withhold (null).
 */
export function ConnectionType<T extends object>(
  nodeType: ClassType<T>,
  name: string,
  { countWithheld = false }: { countWithheld?: boolean } = {},
) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => nodeType)
    node: T;
  }

  @ObjectType(`${name}Connection`, { simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, {
      nullable: countWithheld,
      description: countWithheld
        ? 'All items matching, across pages; null (SUPPRESSED) where it covers too few customers for the caller.'
        : 'All items matching, across pages.',
    })
    @Computed()
    totalCount: number;
  }
  return ConnectionClass;
}
