import { registerEnumType } from 'type-graphql';

/** Suitability questionnaire result; compares in order, C1 (most cautious) to C5. */
export enum RiskTolerance {
  C1 = 'C1',
  C2 = 'C2',
  C3 = 'C3',
  C4 = 'C4',
  C5 = 'C5',
}
export enum CreditGrade {
  AAA = 'AAA',
  AA = 'AA',
  A = 'A',
  BBB = 'BBB',
  BB = 'BB',
  B = 'B',
  C = 'C',
}
export enum AmlRating {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
}

registerEnumType(RiskTolerance, { name: 'RiskTolerance' });
registerEnumType(CreditGrade, { name: 'CreditGrade' });
registerEnumType(AmlRating, { name: 'AmlRating' });
