import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { AuditService } from '../modules/audit/audit.service';
import { CampaignCommandService } from '../modules/campaign/campaign-commands.service';
import { ConsentCommandService } from '../modules/consent/consent-commands.service';
import { TagCommandService } from '../modules/tag/tag-commands.service';
import { EnrollmentService } from '../modules/campaign/enrollment.service';
import { IdempotencyService } from '../modules/idempotency/idempotency.service';
import { InteractionCommandService } from '../modules/interaction/interaction-commands';
import { CampaignResponseService } from '../modules/campaign/campaign-response';
import { CampaignCostService } from '../modules/campaign/campaign-cost';
import { LeadCommandService } from '../modules/lead/lead-commands';
import { LeadService } from '../modules/lead/lead.service';
import { CampaignService } from '../modules/campaign/campaign.service';
import { CustomerService } from '../modules/customer/customer.service';
import { HoldingService } from '../modules/holding/holding.service';
import { InteractionService } from '../modules/interaction/interaction.service';
import { ContactComplianceService } from '../modules/interaction/contact-compliance';
import { TagService } from '../modules/tag/tag.service';
import { RiskWarningService } from '../modules/risk/risk-warning.service';
import { StaffDirectory } from '../modules/organisation/staff-directory.service';
import { churnReport } from '../modules/task/churn-report';
import { TaskService } from '../modules/task/task.service';
import { RevealService } from '../modules/reveal/reveal.service';
import { CustomerErasureService } from '../modules/data-subject/customer-erasure';
import { DataSubjectExportService } from '../modules/data-subject/data-subject-export';
import type { Keyring } from '../privacy/encryption/keyring';
import type { RequestContext } from './context';

/** Services are stateless and shared by all requests; the caller arrives as the first argument. */
export function createServices(ds: DataSource, config: Config, keyring: Keyring) {
  const audit = new AuditService(ds, config.audit.hashKey);
  const idempotency = new IdempotencyService(ds, config.audit.hashKey);
  return {
    customers: new CustomerService(config, keyring),
    tags: new TagService(),
    holdings: new HoldingService(keyring),
    interactions: new InteractionService(),
    campaigns: new CampaignService(),
    campaignCommands: new CampaignCommandService(ds, audit, config.campaignContent.forbiddenClaims),
    tagCommands: new TagCommandService(ds, audit),
    enrollments: new EnrollmentService(ds),
    interactionCommands: new InteractionCommandService(idempotency, config.contactCaps),
    contactCompliance: new ContactComplianceService(config.contactCaps),
    riskWarnings: new RiskWarningService(config.riskWarnings.vulnerableTagCode),
    leadCommands: new LeadCommandService(idempotency, audit, config.leads, keyring),
    campaignResponses: new CampaignResponseService(idempotency, audit),
    campaignCosts: new CampaignCostService(idempotency, audit),
    consentCommands: new ConsentCommandService(ds, audit),
    staff: new StaffDirectory(ds),
    tasks: new TaskService(ds, audit),
    leads: new LeadService(ds, audit, config.leads, keyring),
    reveals: new RevealService(ds, audit, config.reveal, keyring),
    churnReport: (ctx: RequestContext, from: string, to: string) => churnReport(ctx, config.businessTimeZone, from, to),
    dataSubjectExport: new DataSubjectExportService(config.segmentation, keyring),
    customerErasure: new CustomerErasureService(ds, audit, keyring, {
      legalHoldYears: config.erasure.legalHoldYears,
      businessTimeZone: config.businessTimeZone,
    }),
    audit,
  };
}

export type Services = ReturnType<typeof createServices>;
