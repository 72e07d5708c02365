import { loadConfig } from '../../src/config';
import {
  CampaignContent,
  claimIn,
  comparableForms,
  contentProblem,
  forbiddenClaims,
  needsRiskDisclosure,
} from '../../src/modules/campaign/campaign-content';
import { RiskLevel } from '../../src/modules/holding/holding.enums';
import { Channel } from '../../src/modules/interaction/interaction.enums';

const claims = forbiddenClaims(loadConfig({}).campaignContent.forbiddenClaims);
const found = (text: string) => claimIn(text, claims)?.phrase;

describe('forbidden claims in campaign content', () => {
  it('are configured by default as 保本, 稳赚, 零风险 and 高收益无风险', () => {
    expect(claims.map((c) => c.phrase)).toEqual(['保本', '稳赚', '零风险', '高收益无风险']);
  });

  it('are found anywhere in a text, and a text without them passes', () => {
    expect(found('本期理财稳赚不赔，欢迎咨询')).toBe('稳赚');
    expect(found('年化收益率参考3.2%，产品有风险')).toBeUndefined();
  });

  it('are found written in traditional characters', () => {
    expect(found('穩賺不賠')).toBe('稳赚');
    expect(found('零風險理財')).toBe('零风险');
    expect(found('高收益無風險')).toBe('高收益无风险');
  });

  it('are found when the claim is configured in traditional characters and the text is simplified', () => {
    const traditional = forbiddenClaims(['穩賺']);
    expect(claimIn('稳赚', traditional)?.phrase).toBe('穩賺');
  });

  it('are found after NFKC: full-width and compatibility forms read as their plain letters', () => {
    const latin = forbiddenClaims(['100% safe']);
    expect(claimIn('ＧＵＡＲＡＮＴＥＥＤ １００％ ＳＡＦＥ', latin)?.phrase).toBe('100% safe');
    // U+2F00 block: the Kangxi radical 「⾦」 is a compatibility form of 金.
    expect(claimIn('⾦', forbiddenClaims(['金']))?.phrase).toBe('金');
  });

  it('are found with spaces, punctuation, symbols or invisible characters between their characters', () => {
    expect(found('保 本')).toBe('保本');
    expect(found('保-本-保-息')).toBe('保本');
    expect(found('稳\u200b赚')).toBe('稳赚');
    expect(found('零，风。险')).toBe('零风险');
    expect(found('高收益★无风险')).toBe('高收益无风险');
  });

  it('compare letters case-insensitively', () => {
    expect(claimIn('Risk FREE returns', forbiddenClaims(['risk-free']))?.phrase).toBe('risk-free');
  });

  it('keep the text in both scripts for comparison', () => {
    expect(comparableForms('穩賺 不賠!')).toEqual(['稳赚不赔', '穩賺不賠']);
  });

  it('refuse a configured claim that has no letter or digit, which would match every text', () => {
    expect(() => forbiddenClaims(['——'])).toThrow(/letter or digit/);
    expect(() => loadConfig({ CAMPAIGN_FORBIDDEN_CLAIMS: '保本,!!!' })).toThrow();
  });

  it('are configured as a comma-separated list, ASCII or full-width commas', () => {
    expect(loadConfig({ CAMPAIGN_FORBIDDEN_CLAIMS: ' 刚性兑付，保证收益 ,,' }).campaignContent.forbiddenClaims).toEqual(
      ['刚性兑付', '保证收益'],
    );
  });
});

describe('the content check on submit', () => {
  const content = (over: Partial<CampaignContent> = {}): CampaignContent => ({
    messages: [],
    riskDisclosure: null,
    productRiskLevel: null,
    ...over,
  });

  it('names the message and the phrase as configured', () => {
    const problem = contentProblem(
      content({
        messages: [
          { channel: Channel.SMS, text: '理财产品推介' },
          { channel: Channel.CALL_CENTER, text: '本產品保本保息' },
        ],
      }),
      claims,
    );
    expect(problem).toEqual({
      field: 'messages[1].text',
      phrase: '保本',
      message: 'messages[1].text makes a forbidden claim: "保本"',
    });
  });

  it('checks the risk disclosure too', () => {
    expect(contentProblem(content({ riskDisclosure: '本產品零風險' }), claims)).toMatchObject({
      field: 'riskDisclosure',
      phrase: '零风险',
    });
  });

  it('requires a risk disclosure for a product above R1, and not for R1 or no product', () => {
    expect(needsRiskDisclosure(RiskLevel.R2)).toBe(true);
    expect(needsRiskDisclosure(RiskLevel.R5)).toBe(true);
    expect(needsRiskDisclosure(RiskLevel.R1)).toBe(false);
    expect(needsRiskDisclosure(null)).toBe(false);
    for (const riskDisclosure of [null, '', ' \u3000 ', '。']) {
      expect(contentProblem(content({ productRiskLevel: RiskLevel.R3, riskDisclosure }), claims)).toMatchObject({
        field: 'riskDisclosure',
      });
    }
    expect(contentProblem(content({ productRiskLevel: RiskLevel.R1 }), claims)).toBeUndefined();
    expect(
      contentProblem(content({ productRiskLevel: RiskLevel.R3, riskDisclosure: '产品有风险，投资须谨慎' }), claims),
    ).toBeUndefined();
  });

  it('reports a forbidden claim before a missing disclosure', () => {
    const problem = contentProblem(
      content({ productRiskLevel: RiskLevel.R4, messages: [{ channel: Channel.SMS, text: '稳赚' }] }),
      claims,
    );
    expect(problem?.phrase).toBe('稳赚');
  });
});
