/** The whole 360° view of a customer, as a front end would select it. */
export const CUSTOMER_360_FIELDS = `
  id customerNo name gender birthDate ageBand idNumber phone email address city
  branch { id code name }
  relationshipManager { id name }
  tier lifecycleStage aum aumBand kycStatus churnSignals
  tags { tag { code name category } source confidence assignedAt expiresAt }
  holdings(first: 10) {
    totalCount
    edges { cursor node { id product { code name type riskLevel } accountNo balance currency openedAt maturityDate status } }
    pageInfo { hasNextPage endCursor }
  }
  interactions(first: 10) {
    totalCount
    edges { node { id channel type occurredAt summary outcome } }
    pageInfo { hasNextPage endCursor }
  }
  campaignEnrollments { status channel campaign { id code name status } }
  riskProfile { riskTolerance assessedAt validUntil creditGrade amlRating }
  riskWarnings
  consents { channel purpose granted updatedAt }
  contactAllowance { remainingToday remainingThisMonth resetsAt }
`;
