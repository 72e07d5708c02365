import { Converter } from 'opencc-js';
import { RiskLevel } from '../holding/holding.enums';
import type { Channel } from '../interaction/interaction.enums';

/** What submitCampaign checks before a campaign goes to its approver. */
export interface CampaignContent {
  messages: readonly { channel: Channel; text: string }[];
  riskDisclosure: string | null;
  /** The risk level of the campaign's product; null when it promotes none. */
  productRiskLevel: RiskLevel | null;
}

export interface ContentProblem {
  /** Where on the campaign: `messages[1].text` or `riskDisclosure`. */
  field: string;
  message: string;
  /** The forbidden claim as configured, when one was found. */
  phrase?: string;
}

/** A configured claim with the forms a text is compared in. */
export interface ForbiddenClaim {
  phrase: string;
  forms: readonly [simplified: string, traditional: string];
}

// Hong Kong's and Taiwan's variant characters both reach simplified through
// standard traditional; one pass each covers either kind of text.
const hongKongToSimplified = Converter({ from: 'hk', to: 'cn' });
const taiwanToSimplified = Converter({ from: 'tw', to: 'cn' });
const simplifiedToTraditional = Converter({ from: 'cn', to: 't' });

/**
 * Only letters and digits are compared: spaces, punctuation, symbols,
 * zero-width and other format characters inserted between the characters of
 * a claim ("保 本", "保-本", "保\u200b本") do not hide it. The cost is that a
 * claim may be matched across a sentence break ("确保。本…" reads as "保本");
 * substring matching of Chinese has that risk anyway ("确保本金"), and a
 * false alarm costs the maker a rewording where a miss costs a mis-selling
 * finding.
 */
const NOT_COMPARED = /[^\p{L}\p{N}]+/gu;

function comparable(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(NOT_COMPARED, '');
}

/** The text in simplified and in traditional characters, after NFKC and without what is not compared. */
export function comparableForms(text: string): [simplified: string, traditional: string] {
  const simplified = taiwanToSimplified(hongKongToSimplified(comparable(text)));
  return [simplified, simplifiedToTraditional(simplified)];
}

/** Claims whose comparable form is empty would match every text; the configuration refuses them. */
export function forbiddenClaims(phrases: readonly string[]): ForbiddenClaim[] {
  return phrases.map((phrase) => {
    const forms = comparableForms(phrase);
    if (!forms[0]) throw new Error(`A forbidden claim must contain a letter or digit: "${phrase}"`);
    return { phrase, forms };
  });
}

/** The first configured claim the text makes, in either script. */
export function claimIn(text: string, claims: readonly ForbiddenClaim[]): ForbiddenClaim | undefined {
  const [simplified, traditional] = comparableForms(text);
  return claims.find(({ forms }) => simplified.includes(forms[0]) || traditional.includes(forms[1]));
}

/** A product above R1 may lose money: the campaign must say so. */
export function needsRiskDisclosure(productRiskLevel: RiskLevel | null): boolean {
  return productRiskLevel !== null && productRiskLevel > RiskLevel.R1;
}

/** The first reason the content may not go to approval, messages first (in their order), then the disclosure. */
export function contentProblem(
  content: CampaignContent,
  claims: readonly ForbiddenClaim[],
): ContentProblem | undefined {
  const texts = [
    ...content.messages.map((m, i) => ({ field: `messages[${i}].text`, text: m.text })),
    ...(content.riskDisclosure === null ? [] : [{ field: 'riskDisclosure', text: content.riskDisclosure }]),
  ];
  for (const { field, text } of texts) {
    const claim = claimIn(text, claims);
    if (claim) {
      return { field, phrase: claim.phrase, message: `${field} makes a forbidden claim: "${claim.phrase}"` };
    }
  }
  if (needsRiskDisclosure(content.productRiskLevel) && !comparable(content.riskDisclosure ?? '')) {
    return {
      field: 'riskDisclosure',
      message: `riskDisclosure is required: the campaign's product is ${content.productRiskLevel}, above R1`,
    };
  }
  return undefined;
}
