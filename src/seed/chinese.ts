import { Rng, WeightedTable } from './random';

/**
 * Name and address material for plausible mainland customers. Surname
 * weights follow the published national frequency ranking (per mille,
 * rounded); districts carry their real GB/T 2260 codes so that generated
 * resident ID numbers start with a region that exists.
 */

const SURNAMES = new WeightedTable<string>([
  ['王', 71],
  ['李', 70],
  ['张', 67],
  ['刘', 54],
  ['陈', 45],
  ['杨', 31],
  ['黄', 22],
  ['赵', 20],
  ['吴', 20],
  ['周', 19],
  ['徐', 15],
  ['孙', 15],
  ['马', 14],
  ['朱', 13],
  ['胡', 13],
  ['郭', 12],
  ['何', 12],
  ['高', 11],
  ['林', 11],
  ['罗', 9],
  ['郑', 9],
  ['梁', 9],
  ['谢', 8],
  ['宋', 7],
  ['唐', 7],
  ['许', 7],
  ['韩', 7],
  ['冯', 7],
  ['邓', 7],
  ['曹', 6],
  ['彭', 6],
  ['曾', 6],
  ['肖', 6],
  ['田', 5],
  ['董', 5],
  ['袁', 5],
  ['潘', 5],
  ['于', 5],
  ['蒋', 5],
  ['蔡', 5],
  ['余', 5],
  ['杜', 4],
  ['叶', 4],
  ['程', 4],
  ['苏', 4],
  ['魏', 4],
  ['吕', 4],
  ['丁', 4],
  ['任', 4],
  ['沈', 4],
  ['姚', 3],
  ['卢', 3],
  ['姜', 3],
  ['崔', 3],
  ['钟', 3],
  ['谭', 3],
  ['陆', 3],
  ['汪', 3],
  ['范', 3],
  ['金', 3],
  ['欧阳', 0.5],
  ['司马', 0.1],
  ['诸葛', 0.1],
  ['上官', 0.1],
]);

const MALE_CHARS = [
  ...'伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国志文峰然博晨轩子泽宏海亮成新毅诚睿航',
];
const FEMALE_CHARS = [...'芳娜敏静丽艳娟霞秀玲桂燕红琳雪婷晶颖倩慧佳欣怡梦雨思涵悦妍琪萍洁蕾薇月玉兰英丹璐瑶琦菲'];
const NEUTRAL_CHARS = [...'文佳子一嘉晓天安宁春秋雨心逸'];

export function personName(rng: Rng, gender: 'MALE' | 'FEMALE' | 'UNSPECIFIED'): string {
  const chars = gender === 'MALE' ? MALE_CHARS : gender === 'FEMALE' ? FEMALE_CHARS : NEUTRAL_CHARS;
  const surname = SURNAMES.pick(rng);
  if (rng.chance(0.3)) return surname + rng.pick(chars);
  const first = rng.chance(0.3) ? rng.pick(NEUTRAL_CHARS) : rng.pick(chars);
  return surname + first + rng.pick(chars);
}

export interface District {
  code: string;
  name: string;
  streets: readonly string[];
}

export interface City {
  province: string;
  /** As written in an address; for the municipalities the same as the province. */
  name: string;
  districts: readonly District[];
}

const d = (code: string, name: string, ...streets: string[]): District => ({ code, name, streets });

export const CITIES: readonly City[] = [
  {
    province: '北京市',
    name: '北京市',
    districts: [
      d('110101', '东城区', '东长安街', '王府井大街', '东直门内大街'),
      d('110102', '西城区', '金融大街', '西单北大街', '复兴门内大街'),
      d('110105', '朝阳区', '建国路', '朝阳北路', '望京街'),
      d('110106', '丰台区', '丰台北路', '南三环西路'),
      d('110108', '海淀区', '中关村大街', '学院路', '知春路'),
      d('110112', '通州区', '新华大街', '九棵树东路'),
    ],
  },
  {
    province: '上海市',
    name: '上海市',
    districts: [
      d('310101', '黄浦区', '南京东路', '淮海中路', '西藏中路'),
      d('310104', '徐汇区', '漕溪北路', '衡山路', '肇嘉浜路'),
      d('310105', '长宁区', '延安西路', '天山路', '仙霞路'),
      d('310106', '静安区', '南京西路', '共和新路'),
      d('310112', '闵行区', '七莘路', '莘松路'),
      d('310115', '浦东新区', '世纪大道', '张杨路', '陆家嘴环路'),
    ],
  },
  {
    province: '天津市',
    name: '天津市',
    districts: [
      d('120101', '和平区', '南京路', '滨江道'),
      d('120103', '河西区', '友谊路', '大沽南路'),
      d('120104', '南开区', '鞍山西道', '白堤路'),
      d('120116', '滨海新区', '第二大街', '新港二号路'),
    ],
  },
  {
    province: '重庆市',
    name: '重庆市',
    districts: [
      d('500103', '渝中区', '民族路', '中山三路', '邹容路'),
      d('500105', '江北区', '建新北路', '北滨一路'),
      d('500106', '沙坪坝区', '汉渝路', '小龙坎正街'),
      d('500112', '渝北区', '金开大道', '新南路'),
    ],
  },
  {
    province: '广东省',
    name: '广州市',
    districts: [
      d('440104', '越秀区', '中山五路', '北京路', '东风中路'),
      d('440105', '海珠区', '江南大道中', '新港中路'),
      d('440106', '天河区', '天河路', '体育西路', '花城大道'),
      d('440111', '白云区', '白云大道北', '机场路'),
      d('440113', '番禺区', '番禺大道', '市桥大北路'),
    ],
  },
  {
    province: '广东省',
    name: '深圳市',
    districts: [
      d('440303', '罗湖区', '深南东路', '人民南路', '东门中路'),
      d('440304', '福田区', '深南中路', '福华路', '益田路'),
      d('440305', '南山区', '南海大道', '后海大道', '科苑路'),
      d('440306', '宝安区', '宝安大道', '新安六路'),
      d('440307', '龙岗区', '龙岗大道', '龙翔大道'),
    ],
  },
  {
    province: '浙江省',
    name: '杭州市',
    districts: [
      d('330102', '上城区', '解放路', '庆春路'),
      d('330105', '拱墅区', '莫干山路', '湖墅南路'),
      d('330106', '西湖区', '文三路', '天目山路', '曙光路'),
      d('330108', '滨江区', '江南大道', '滨盛路'),
      d('330110', '余杭区', '文一西路', '五常大道'),
    ],
  },
  {
    province: '江苏省',
    name: '南京市',
    districts: [
      d('320102', '玄武区', '中山路', '北京东路'),
      d('320104', '秦淮区', '中华路', '太平南路'),
      d('320105', '建邺区', '江东中路', '河西大街'),
      d('320106', '鼓楼区', '中山北路', '湖南路'),
      d('320115', '江宁区', '双龙大道', '天元中路'),
    ],
  },
  {
    province: '江苏省',
    name: '苏州市',
    districts: [
      d('320505', '虎丘区', '长江路', '狮山路'),
      d('320506', '吴中区', '东吴北路', '宝带西路'),
      d('320507', '相城区', '相城大道', '华元路'),
      d('320508', '姑苏区', '人民路', '干将东路'),
    ],
  },
  {
    province: '四川省',
    name: '成都市',
    districts: [
      d('510104', '锦江区', '春熙路', '红星路三段'),
      d('510105', '青羊区', '蜀都大道', '青华路'),
      d('510106', '金牛区', '蜀汉路', '交大路'),
      d('510107', '武侯区', '科华北路', '武侯祠大街', '人民南路四段'),
      d('510108', '成华区', '建设路', '双庆路'),
    ],
  },
  {
    province: '湖北省',
    name: '武汉市',
    districts: [
      d('420102', '江岸区', '解放大道', '沿江大道'),
      d('420103', '江汉区', '建设大道', '青年路'),
      d('420106', '武昌区', '中南路', '武珞路'),
      d('420111', '洪山区', '珞喻路', '雄楚大道'),
    ],
  },
  {
    province: '陕西省',
    name: '西安市',
    districts: [
      d('610102', '新城区', '解放路', '长乐西路'),
      d('610103', '碑林区', '南大街', '友谊东路'),
      d('610104', '莲湖区', '西大街', '莲湖路'),
      d('610112', '未央区', '未央路', '凤城八路'),
      d('610113', '雁塔区', '小寨东路', '科技路'),
    ],
  },
];

export const ALL_DISTRICTS: readonly District[] = CITIES.flatMap((c) => c.districts);

export function cityByName(name: string): City {
  const city = CITIES.find((c) => c.name === name);
  if (!city) throw new Error(`Unknown city ${name}`);
  return city;
}

const COMMUNITIES = [...'阳光花园,锦绣家园,翠苑,金色家园,华府,名都,新村,公寓,小区,雅苑,国际花园,湖畔居'.split(',')];

/** A street line such as `建国路88号锦绣家园3栋1502室`. */
export function streetAddress(rng: Rng, district: District): string {
  const base = `${rng.pick(district.streets)}${rng.int(1, 999)}号`;
  if (rng.chance(0.25)) return base;
  return `${base}${rng.pick(COMMUNITIES)}${rng.int(1, 30)}栋${rng.int(1, 33)}${String(rng.int(1, 6)).padStart(2, '0')}室`;
}

/** Mainland mobile prefixes in use, weighted roughly by subscriber share. */
const PHONE_PREFIXES = new WeightedTable<string>([
  ['138', 9],
  ['139', 9],
  ['137', 6],
  ['136', 6],
  ['135', 6],
  ['134', 3],
  ['150', 5],
  ['151', 5],
  ['152', 4],
  ['157', 3],
  ['158', 5],
  ['159', 5],
  ['182', 3],
  ['183', 3],
  ['187', 4],
  ['188', 4],
  ['198', 2],
  ['130', 4],
  ['131', 4],
  ['132', 3],
  ['155', 3],
  ['156', 3],
  ['185', 3],
  ['186', 5],
  ['166', 2],
  ['176', 2],
  ['133', 3],
  ['153', 2],
  ['177', 2],
  ['180', 3],
  ['181', 3],
  ['189', 4],
  ['191', 1],
  ['199', 2],
]);

export function mobilePhone(rng: Rng): string {
  return PHONE_PREFIXES.pick(rng) + rng.digits(8);
}

const EMAIL_DOMAINS = new WeightedTable<string>([
  ['example.com', 6],
  ['example.net', 2],
  ['example.org', 2],
]);
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** RFC 2606 reserved domains only: demo data must never mail a real person. */
export function emailAddress(rng: Rng): string {
  let local = '';
  const letters = rng.int(2, 6);
  for (let i = 0; i < letters; i++) local += LETTERS[Math.floor(rng.next() * 26)];
  return `${local}${rng.digits(rng.int(2, 4))}@${EMAIL_DOMAINS.pick(rng)}`;
}
