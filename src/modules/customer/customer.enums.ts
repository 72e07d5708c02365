import { registerEnumType } from 'type-graphql';

export enum Gender {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
  UNSPECIFIED = 'UNSPECIFIED',
}
export enum KycStatus {
  VERIFIED = 'VERIFIED',
  PENDING = 'PENDING',
  EXPIRED = 'EXPIRED',
}
export enum IdType {
  RESIDENT_ID = 'RESIDENT_ID',
  PASSPORT = 'PASSPORT',
  HK_MACAO_PERMIT = 'HK_MACAO_PERMIT',
  TAIWAN_PERMIT = 'TAIWAN_PERMIT',
  FOREIGN_PERMANENT_RESIDENT = 'FOREIGN_PERMANENT_RESIDENT',
}
export enum Tier {
  PRIVATE_BANKING = 'PRIVATE_BANKING',
  WEALTH = 'WEALTH',
  MASS = 'MASS',
  POTENTIAL = 'POTENTIAL',
}
export enum LifecycleStage {
  POTENTIAL = 'POTENTIAL',
  ACTIVE = 'ACTIVE',
  DORMANT = 'DORMANT',
}
export enum AumBand {
  UNDER_50K = 'UNDER_50K',
  FROM_50K_TO_500K = 'FROM_50K_TO_500K',
  FROM_500K_TO_6M = 'FROM_500K_TO_6M',
  OVER_6M = 'OVER_6M',
}
export enum AgeBand {
  UNDER_25 = 'UNDER_25',
  AGE_25_34 = 'AGE_25_34',
  AGE_35_44 = 'AGE_35_44',
  AGE_45_54 = 'AGE_45_54',
  AGE_55_64 = 'AGE_55_64',
  AGE_65_PLUS = 'AGE_65_PLUS',
}
export enum ChurnSignal {
  LOGIN_DECLINE = 'LOGIN_DECLINE',
  AUM_DROP = 'AUM_DROP',
  COMPLAINTS_RISING = 'COMPLAINTS_RISING',
}

registerEnumType(Gender, { name: 'Gender' });
registerEnumType(KycStatus, { name: 'KycStatus' });
registerEnumType(Tier, { name: 'Tier', description: 'Customer tier, derived from AUM (and age for POTENTIAL).' });
registerEnumType(LifecycleStage, { name: 'LifecycleStage', description: 'RFM lifecycle stage.' });
registerEnumType(AumBand, { name: 'AumBand', description: 'AUM band; edges follow the configured tier thresholds.' });
registerEnumType(AgeBand, { name: 'AgeBand' });
registerEnumType(ChurnSignal, {
  name: 'ChurnSignal',
  description: 'Warning signs comparing the last churn window (90 days by default) with the one before.',
});
