import { registerEnumType } from 'type-graphql';

export enum LeadIntent {
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
}

export enum LeadStatus {
  NEW = 'NEW',
  CONTACTED = 'CONTACTED',
  QUALIFIED = 'QUALIFIED',
  CONVERTED = 'CONVERTED',
  LOST = 'LOST',
}

registerEnumType(LeadIntent, {
  name: 'LeadIntent',
  description: 'How likely a lead is to buy, scored by declarative rules when it is registered.',
});
registerEnumType(LeadStatus, {
  name: 'LeadStatus',
  description: 'NEW → CONTACTED → QUALIFIED → CONVERTED; LOST from any open status.',
});
