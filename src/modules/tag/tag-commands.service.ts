import { DataSource } from 'typeorm';
import { appError } from '../../common/errors';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { writableCustomer } from '../customer/customer-access';
import { TagSource } from './tag.enums';
import { TagEntity } from './tag.entity';
import { CustomerTag } from './tag.type';

/** Staff tag customers by hand (source MANUAL); each change is audited in its transaction. */
export class TagCommandService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Assigning a tag the customer already has refreshes it (idempotent). */
  assign(ctx: RequestContext, customerId: string, tagCode: string, expiresAt: Date | null): Promise<CustomerTag> {
    return this.ds.transaction(async (em) => {
      await writableCustomer(em, ctx, { id: customerId }, 'assignTag');
      const tag = await em.getRepository(TagEntity).findOneBy({ code: tagCode });
      if (!tag) throw appError('BAD_USER_INPUT', `No tag ${tagCode}`, { field: 'tagCode' });
      if (expiresAt && expiresAt <= new Date())
        throw appError('BAD_USER_INPUT', 'expiresAt must be in the future', { field: 'expiresAt' });
      const [row] = await em.query(
        `INSERT INTO customer_tag (customer_id, tag_id, source, confidence, assigned_at, expires_at)
         VALUES ($1, $2, $3, 1, now(), $4)
         ON CONFLICT (customer_id, tag_id) DO UPDATE
           SET source = EXCLUDED.source, confidence = 1, assigned_at = now(), expires_at = EXCLUDED.expires_at
         RETURNING source, confidence, assigned_at AS "assignedAt", expires_at AS "expiresAt"`,
        [customerId, tag.id, TagSource.MANUAL, expiresAt],
      );
      await this.audit.recordMutation(em, ctx, 'assignTag', { customerId, tagCode }, customerId);
      return {
        tag,
        source: row.source,
        confidence: Number(row.confidence),
        assignedAt: row.assignedAt,
        expiresAt: row.expiresAt,
      };
    });
  }

  /** True when the customer had the tag. */
  remove(ctx: RequestContext, customerId: string, tagCode: string): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      await writableCustomer(em, ctx, { id: customerId }, 'removeTag');
      // For UPDATE and DELETE, TypeORM's query() answers [rows, affected count].
      const [, affected]: [unknown[], number] = await em.query(
        `DELETE FROM customer_tag WHERE customer_id = $1 AND tag_id = (SELECT id FROM tag WHERE code = $2)`,
        [customerId, tagCode],
      );
      const removed = affected > 0;
      await this.audit.recordMutation(em, ctx, 'removeTag', { customerId, tagCode, removed }, customerId);
      return removed;
    });
  }
}
