import { InitialSchema1764230400000 } from '../../migrations/1764230400000-InitialSchema';
import { EnrollmentSkips1764316800000 } from '../../migrations/1764316800000-EnrollmentSkips';
import { ScreeningSkipReasons1764403200000 } from '../../migrations/1764403200000-ScreeningSkipReasons';
import { ContactComplianceFlags1764489600000 } from '../../migrations/1764489600000-ContactComplianceFlags';
import { PersonalisedMarketingWithdrawn1764576000000 } from '../../migrations/1764576000000-PersonalisedMarketingWithdrawn';
import { DataIn1764662400000 } from '../../migrations/1764662400000-DataIn';
import { EventsOutbox1764921600000 } from '../../migrations/1764921600000-EventsOutbox';
import { IngestInbox1765008000000 } from '../../migrations/1765008000000-IngestInbox';
import { OutboxEventWrittenAt1765094400000 } from '../../migrations/1765094400000-OutboxEventWrittenAt';
import { EnrollmentRuns1765180800000 } from '../../migrations/1765180800000-EnrollmentRuns';
import { ContactCaps1765353600000 } from '../../migrations/1765353600000-ContactCaps';
import { RetentionTasks1765440000000 } from '../../migrations/1765440000000-RetentionTasks';
import { CampaignCosts1765526400000 } from '../../migrations/1765526400000-CampaignCosts';
import { CampaignContent1765612800000 } from '../../migrations/1765612800000-CampaignContent';
import { ValidateChannelChecks1765612800001 } from '../../migrations/1765612800001-ValidateChannelChecks';
import { LeadRouting1765699200000 } from '../../migrations/1765699200000-LeadRouting';
import { AuditedReveal1765785600000 } from '../../migrations/1765785600000-AuditedReveal';
import { CustomerErasure1766131200000 } from '../../migrations/1766131200000-CustomerErasure';
import { DataKeys1766217600000 } from '../../migrations/1766217600000-DataKeys';
import { BlindIndexes1766304000000 } from '../../migrations/1766304000000-BlindIndexes';
import { AuditPurge1766390400000 } from '../../migrations/1766390400000-AuditPurge';
import { InteractionCorrected1766476800000 } from '../../migrations/1766476800000-InteractionCorrected';
import { EncryptedErasureHold1766563200000 } from '../../migrations/1766563200000-EncryptedErasureHold';
import { EnrollmentByHeapPages1766736000000 } from '../../migrations/1766736000000-EnrollmentByHeapPages';
import { EnrollmentByIdRanges1766822404000 } from '../../migrations/1766822404000-EnrollmentByIdRanges';
import { EnrollmentWritesWithoutPageTouches1766908800000 } from '../../migrations/1766908800000-EnrollmentWritesWithoutPageTouches';
import { AuditChain1765872000000 } from '../../migrations/1765872000000-AuditChain';
import { AuditRecordPartitions1765872000001 } from '../../migrations/1765872000001-AuditRecordPartitions';

/** In order. A new migration is added here as well as in migrations/. */
export const migrations = [
  InitialSchema1764230400000,
  EnrollmentSkips1764316800000,
  ScreeningSkipReasons1764403200000,
  ContactComplianceFlags1764489600000,
  PersonalisedMarketingWithdrawn1764576000000,
  DataIn1764662400000,
  EventsOutbox1764921600000,
  IngestInbox1765008000000,
  OutboxEventWrittenAt1765094400000,
  EnrollmentRuns1765180800000,
  ContactCaps1765353600000,
  RetentionTasks1765440000000,
  CampaignCosts1765526400000,
  CampaignContent1765612800000,
  ValidateChannelChecks1765612800001,
  LeadRouting1765699200000,
  AuditedReveal1765785600000,
  AuditChain1765872000000,
  AuditRecordPartitions1765872000001,
  CustomerErasure1766131200000,
  DataKeys1766217600000,
  BlindIndexes1766304000000,
  AuditPurge1766390400000,
  InteractionCorrected1766476800000,
  EncryptedErasureHold1766563200000,
  EnrollmentByHeapPages1766736000000,
  EnrollmentByIdRanges1766822404000,
  EnrollmentWritesWithoutPageTouches1766908800000,
];
