import { InitialSchema1764230400000 } from '../../migrations/1764230400000-InitialSchema';

/** In order. A new migration is added here as well as in migrations/. */
export const migrations = [InitialSchema1764230400000];
