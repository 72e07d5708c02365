import type { RequestContext } from '../../request/context';
import { TagEntity } from './tag.entity';
import { Tag } from './tag.type';

/** Reads only, through the request's read source (a replica for queries). */
export class TagService {
  /** The tag catalogue is short and bounded, so it is a plain list. */
  catalogue(ctx: RequestContext): Promise<Tag[]> {
    return ctx.reads.getRepository(TagEntity).find({ order: { category: 'ASC', code: 'ASC' } });
  }
}
