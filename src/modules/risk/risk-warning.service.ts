import type { RequestContext } from '../../request/context';
import type { Customer } from '../customer/customer.type';
import { riskWarningsFor, RiskWarning } from './risk-warnings';

/**
 * A customer's risk warnings from what the 360° view loads anyway: the
 * customer row, the latest assessment and the tags, through the request's
 * loaders (the look-ahead fetches them with the customer).
 */
export class RiskWarningService {
  constructor(private readonly vulnerableTagCode: string) {}

  async forCustomer(ctx: RequestContext, customer: Customer): Promise<RiskWarning[]> {
    const [assessment, tags] = await Promise.all([
      ctx.loaders.risk.latestByCustomer.load(customer.id),
      ctx.loaders.tag.byCustomer.load(customer.id),
    ]);
    return riskWarningsFor(
      {
        ageYears: customer.ageYears,
        kycStatus: customer.kycStatus,
        assessmentValidUntil: assessment?.validUntil ?? null,
        tagCodes: tags.map((t) => t.tag.code),
      },
      ctx.today,
      this.vulnerableTagCode,
    );
  }
}
