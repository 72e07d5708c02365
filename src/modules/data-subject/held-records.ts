import type { EntityManager } from 'typeorm';
import type { Keyring } from '../../privacy/encryption/keyring';

/** What a legal hold keeps of an erased customer (customer_erasure.held), as the erasure wrote it. */
export interface HeldData {
  /** Whose book and branch the customer was in, which decides how a reader's plan covers them. */
  ownership: { branchId: string; relationshipManagerId: string | null };
  /** The identity the AML law keeps (customer identification records); keyed as the Customer type's fields. */
  identity: Record<string, unknown> & { idType?: string };
  /** Holdings and their daily balances (transaction records), as the export's holdings section reads them. */
  holdings: Record<string, unknown>[];
  /** With their AML ratings, which no export discloses. */
  riskAssessments: (Record<string, unknown> & { amlRating?: string })[];
}

/** The held records as stored: one document, encrypted whole (it holds the ID number and account numbers). */
export function sealHeldData(em: EntityManager, keyring: Keyring, held: HeldData): Promise<string> {
  return keyring.encrypt(em, 'customer_erasure', 'held', JSON.stringify(held));
}

/** An erased customer's tombstone: when, and what is still held until when (nothing once the hold ran out). */
export class HeldRecords {
  private constructor(
    readonly erasedAt: Date,
    readonly heldUntil: string | null,
    private readonly data: HeldData | null,
  ) {}

  static async of(em: EntityManager, keyring: Keyring, customerId: string): Promise<HeldRecords | null> {
    const [row] = await em.query(
      `SELECT erased_at AS "erasedAt", held_until::text AS "heldUntil", held FROM customer_erasure WHERE customer_id = $1`,
      [customerId],
    );
    if (!row) return null;
    if (row.held === null) return new HeldRecords(row.erasedAt, row.heldUntil, null);
    await keyring.prepare(em, [row.held]);
    const held = JSON.parse(keyring.decrypt('customer_erasure', 'held', row.held)) as HeldData;
    return new HeldRecords(row.erasedAt, row.heldUntil, held);
  }

  get ownership(): HeldData['ownership'] {
    // Once the hold ran out nothing is read under it; an empty book and branch cover no one's plan but ALL scopes.
    return this.data?.ownership ?? { branchId: '', relationshipManagerId: null };
  }

  /** The held records, the identity without its id type (the API has no field for it). */
  get records(): Omit<HeldData, 'ownership'> | null {
    if (!this.data) return null;
    const { idType: _notAnApiField, ...identity } = this.data.identity;
    return { identity, holdings: this.data.holdings, riskAssessments: this.data.riskAssessments };
  }
}
