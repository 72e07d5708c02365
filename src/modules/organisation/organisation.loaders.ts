import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { ReferenceCache } from '../../db/reference-cache';
import { BranchEntity } from './branch.entity';
import { StaffEntity } from './staff.entity';
import { Branch, RelationshipManager } from './organisation.type';

/** Branches and staff names change rarely: one cache per process, shared by every request's loaders. */
export function createOrganisationCache(ds: DataSource) {
  return {
    branches: new ReferenceCache<Branch>(
      (ids) => ds.getRepository(BranchEntity).find({ where: { id: In([...ids]) } }),
      (b) => b.id,
    ),
    staff: new ReferenceCache<RelationshipManager>(
      (ids) => ds.getRepository(StaffEntity).find({ select: { id: true, name: true }, where: { id: In([...ids]) } }),
      (s) => s.id,
    ),
  };
}

export type OrganisationCache = ReturnType<typeof createOrganisationCache>;

export function createOrganisationLoaders(cache: OrganisationCache) {
  const branch = new DataLoader<string, Branch | null>((ids) => cache.branches.getMany(ids));
  const staff = new DataLoader<string, RelationshipManager | null>((ids) => cache.staff.getMany(ids));
  return {
    branch,
    staff,
    /**
     * What a customer's plain `branch` field holds: the cached row itself
     * (graphql-js resolves it without a promise), or a lazy load.
     */
    branchOf: (id: string) => cache.branches.peek(id) ?? (() => branch.load(id)),
    managerOf: (id: string | null) => (id === null ? null : (cache.staff.peek(id) ?? (() => staff.load(id)))),
  };
}

export type OrganisationLoaders = ReturnType<typeof createOrganisationLoaders>;
