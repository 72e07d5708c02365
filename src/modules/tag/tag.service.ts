import { DataSource } from 'typeorm';
import { TagEntity } from './tag.entity';
import { Tag } from './tag.type';

export class TagService {
  constructor(private readonly ds: DataSource) {}

  /** The tag catalogue is short and bounded, so it is a plain list. */
  catalogue(): Promise<Tag[]> {
    return this.ds.getRepository(TagEntity).find({ order: { category: 'ASC', code: 'ASC' } });
  }
}
