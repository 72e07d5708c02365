import type DataLoader from 'dataloader';

/**
 * A paginated relation (a customer's holdings, interactions) is fetched with
 * the same page arguments for every parent in one selection, so one loader per
 * distinct argument set batches all parents of that selection together.
 * Distinct aliases with other arguments get their own loader and batch.
 * `keyOf` names an argument set (JSON by default; give one for arguments JSON cannot tell apart).
 */
export function loadersByArgs<A, L extends DataLoader<unknown, unknown>>(
  make: (args: A) => L,
  keyOf: (args: A) => string = JSON.stringify,
): (args: A) => L {
  const loaders = new Map<string, L>();
  return (args) => {
    const key = keyOf(args);
    let loader = loaders.get(key);
    if (!loader) {
      loader = make(args);
      loaders.set(key, loader);
    }
    return loader;
  };
}
