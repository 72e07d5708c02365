import { GraphQLError } from 'graphql';
import { DataSource, EntityManager } from 'typeorm';
import { canonicalUuid } from '../../auth/principal';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import type { RevealSettings } from '../../config';
import { rowScopeForOperation } from '../../privacy/row-scope';
import type { RequestContext } from '../../request/context';
import type { AuditService } from '../audit/audit.service';
import { REVEAL_OPERATION } from '../audit/audit.type';
import { CustomerEntity } from '../customer/customer.entity';
import { scopedCustomers } from '../customer/customer.loaders';
import { formatAddress } from '../customer/customer.mapper';
import { HoldingEntity } from '../holding/holding.entity';
import { openCustomerRows } from '../customer/customer-sealing';
import type { Keyring } from '../../privacy/encryption/keyring';
import { REVEALABLE, RevealableField, RevealOutcome, RevealReason } from './reveal.enums';
import { dailyQuotaOf, quotaDay, takeRevealSlot } from './reveal-quota';
import { RevealedValue, RevealTarget } from './reveal.type';

/** Long enough for a sentence or two on why; an essay belongs in the ticket. */
export const REVEAL_NOTE_MAX_LENGTH = 500;
export const REVEAL_TICKET_MAX_LENGTH = 64;
/** A ticket or case number as service desks write them: letters, digits and a few separators. */
const TICKET = /^[A-Za-z0-9][A-Za-z0-9._:/#-]*$/;

export interface RevealRequest {
  target: RevealTarget;
  field: RevealableField;
  reason: RevealReason;
  note: string;
  ticket?: string | null;
}

/** A refusal is committed (with its audit record) before the caller hears of it. */
type Decision = { revealed: RevealedValue } | { refused: GraphQLError };

/**
 * Break-glass reads (issue 20, item 1): one masked value in full, when the
 * policy's reveal cells let one of the caller's columns covering the customer
 * reveal that field for that reason. The quota slot, the audit record and
 * the read are one transaction; the value leaves only after it commits. A
 * refusal (no reveal cell, or no slot left) is recorded too, and committed
 * before the error is answered. A customer or holding outside the caller's
 * row scope is NOT_FOUND, like a missing one, to the caller; the audit record
 * of the refusal names the id asked for, so that auditors see probing.
 */
export class RevealService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly settings: RevealSettings,
    private readonly keyring: Keyring,
  ) {}

  async reveal(ctx: RequestContext, request: RevealRequest): Promise<RevealedValue> {
    const target = checkRequest(request);
    const decision = await this.ds.transaction((em) => this.decide(em, ctx, request, target));
    if ('refused' in decision) throw decision.refused;
    return decision.revealed;
  }

  private async decide(
    em: EntityManager,
    ctx: RequestContext,
    request: RevealRequest,
    target: { customerId: string } | { holdingId: string },
  ): Promise<Decision> {
    const { type, field } = REVEALABLE[request.field];
    const found = await findTarget(em, ctx, target, this.keyring);
    if (!found) {
      const holdingId = 'holdingId' in target ? target.holdingId : null;
      await this.audit.recordReveal(em, ctx, 'customerId' in target ? target.customerId : null, field, {
        field: request.field,
        holdingId,
        reason: request.reason,
        note: request.note,
        ticket: request.ticket ?? null,
        outcome: RevealOutcome.NOT_FOUND,
      });
      return { refused: appError('NOT_FOUND', 'No such customer or holding') };
    }
    const { customer, holding } = found;
    const columns = ctx.privacy.decidePlanFor(customer).columns;
    const revealing = ctx.privacy.policy.revealingColumns(columns, type, field, request.reason);
    const record = (outcome: RevealOutcome) =>
      this.audit.recordReveal(em, ctx, customer.id, field, {
        field: request.field,
        holdingId: holding?.id ?? null,
        reason: request.reason,
        note: request.note,
        ticket: request.ticket ?? null,
        outcome,
      });
    if (revealing.length === 0) {
      await record(RevealOutcome.FORBIDDEN);
      return {
        refused: appError(
          'FORBIDDEN',
          `Your roles may not reveal ${type}.${field} of this customer for ${request.reason}`,
        ),
      };
    }
    const quota = dailyQuotaOf(this.settings, ctx.principal.roles, revealing);
    const { day, resetsAt } = quotaDay(new Date(), this.settings.timeZone);
    // The staff id as stored (lower case): the same person in another case is the same caller.
    const actorId = canonicalUuid(ctx.principal.id) ?? ctx.principal.id;
    const used = await takeRevealSlot(em, actorId, day, quota);
    if (used === null) {
      await record(RevealOutcome.QUOTA_EXCEEDED);
      return {
        refused: appError('QUOTA_EXCEEDED', `The daily quota of ${quota} reveals is used up`, {
          quota,
          resetsAt: resetsAt.toISOString(),
        }),
      };
    }
    const auditRecordId = await record(RevealOutcome.REVEALED);
    return {
      revealed: {
        field: request.field,
        value: holding ? holding.accountNo : customerValue(customer, field),
        customerId: customer.id,
        holdingId: holding?.id ?? null,
        auditRecordId,
        remainingToday: quota - used,
        resetsAt,
      },
    };
  }
}

/** Everything a client can get wrong, answered before the database is touched. */
function checkRequest(request: RevealRequest): { customerId: string } | { holdingId: string } {
  const { customerId, holdingId } = request.target;
  if ((customerId == null) === (holdingId == null)) {
    throw badUserInput('target', 'target takes exactly one of customerId and holdingId');
  }
  const onHolding = REVEALABLE[request.field].type === 'Holding';
  if (onHolding !== (holdingId != null)) {
    throw badUserInput(
      'field',
      onHolding
        ? `${request.field} is a holding's: give target.holdingId`
        : `${request.field} is a customer's: give target.customerId`,
    );
  }
  const note = request.note.trim();
  if (note.length === 0) throw badUserInput('note', 'note must say why the value is needed');
  if ([...request.note].length > REVEAL_NOTE_MAX_LENGTH) {
    throw badUserInput('note', `note must be at most ${REVEAL_NOTE_MAX_LENGTH} characters`);
  }
  const ticket = request.ticket;
  if (ticket != null && (ticket.length > REVEAL_TICKET_MAX_LENGTH || !TICKET.test(ticket))) {
    throw badUserInput(
      'ticket',
      `ticket must be at most ${REVEAL_TICKET_MAX_LENGTH} letters, digits and . _ : / # - (starting with a letter or digit)`,
    );
  }
  if (holdingId != null) {
    assertId('target.holdingId', holdingId);
    return { holdingId };
  }
  assertId('target.customerId', customerId!);
  return { customerId: customerId! };
}

/** The customer (within the scope of the caller's roles that may call revealField) and, for an account number, the holding. */
async function findTarget(
  em: EntityManager,
  ctx: RequestContext,
  target: { customerId: string } | { holdingId: string },
  keyring: Keyring,
): Promise<{ customer: CustomerEntity; holding?: HoldingEntity } | null> {
  let holding: HoldingEntity | undefined;
  let customerId: string;
  if ('holdingId' in target) {
    const found = await em.getRepository(HoldingEntity).findOneBy({ id: target.holdingId });
    if (!found) return null;
    [holding] = await keyring.open(em, 'holding', [found], { account_no: 'accountNo' });
    customerId = found.customerId;
  } else {
    customerId = target.customerId;
  }
  const scope = rowScopeForOperation(ctx.principal, ctx.privacy, 'Mutation', REVEAL_OPERATION);
  const customer = await scopedCustomers(em, { scope }).andWhere('c.id = :customerId', { customerId }).getOne();
  return customer ? { customer: (await openCustomerRows(keyring, em, [customer]))[0], holding } : null;
}

function customerValue(customer: CustomerEntity, field: string): string | null {
  switch (field) {
    case 'idNumber':
      return customer.idNumber;
    case 'phone':
      return customer.phone;
    case 'email':
      return customer.email;
    default:
      return formatAddress(customer);
  }
}
