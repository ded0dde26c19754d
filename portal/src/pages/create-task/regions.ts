/**
 * Region suggestions per store, each with its name as the original console labelled them ("N. Virginia (us-east-1)");
 * the user may type another code (the parsers check the form). The original's lists, in both languages.
 */
import type { Lang } from '../../i18n/index.js';

/** A region: its code and its name in each language. */
export interface Region {
  code: string;
  en: string;
  zh: string;
}

const r = (code: string, en: string, zh: string): Region => ({ code, en, zh });

const AWS: readonly Region[] = [
  r('us-east-1', 'N. Virginia', '弗吉尼亚北部'),
  r('us-east-2', 'Ohio', '俄亥俄'),
  r('us-west-1', 'N. California', '北加利福尼亚'),
  r('us-west-2', 'Oregon', '俄勒冈'),
  r('af-south-1', 'Cape Town', '开普敦'),
  r('ap-east-1', 'Hong Kong', '香港'),
  r('ap-south-1', 'Mumbai', '孟买'),
  r('ap-south-2', 'Hyderabad', '海得拉巴'),
  r('ap-northeast-1', 'Tokyo', '东京'),
  r('ap-northeast-2', 'Seoul', '首尔'),
  r('ap-northeast-3', 'Osaka', '大阪'),
  r('ap-southeast-1', 'Singapore', '新加坡'),
  r('ap-southeast-2', 'Sydney', '悉尼'),
  r('ap-southeast-3', 'Jakarta', '雅加达'),
  r('ap-southeast-4', 'Melbourne', '墨尔本'),
  r('ca-central-1', 'Central', '加拿大中部'),
  r('ca-west-1', 'Calgary', '卡尔加里'),
  r('eu-central-1', 'Frankfurt', '法兰克福'),
  r('eu-central-2', 'Zurich', '苏黎世'),
  r('eu-west-1', 'Ireland', '爱尔兰'),
  r('eu-west-2', 'London', '伦敦'),
  r('eu-west-3', 'Paris', '巴黎'),
  r('eu-north-1', 'Stockholm', '斯德哥尔摩'),
  r('eu-south-1', 'Milan', '米兰'),
  r('eu-south-2', 'Spain', '西班牙'),
  r('il-central-1', 'Tel Aviv', '特拉维夫'),
  r('me-south-1', 'Bahrain', '巴林'),
  r('me-central-1', 'UAE', '阿联酋'),
  r('sa-east-1', 'São Paulo', '圣保罗'),
  r('cn-north-1', 'Beijing', '北京'),
  r('cn-northwest-1', 'Ningxia', '宁夏'),
  r('us-gov-west-1', 'US-Gov-West', '美国政府云（西部）'),
  r('us-gov-east-1', 'US-Gov-East', '美国政府云（东部）'),
];
const ALIYUN: readonly Region[] = [
  r('cn-qingdao', 'Qingdao', '青岛'),
  r('cn-beijing', 'Beijing', '北京'),
  r('cn-chengdu', 'Chengdu', '成都'),
  r('cn-zhangjiakou', 'Zhangjiakou', '张家口'),
  r('cn-hangzhou', 'Hangzhou', '杭州'),
  r('cn-shanghai', 'Shanghai', '上海'),
  r('cn-huhehaote', 'Hohhot', '呼和浩特'),
  r('cn-shenzhen', 'Shenzhen', '深圳'),
  r('cn-heyuan', 'Heyuan', '河源'),
  r('cn-guangzhou', 'Guangzhou', '广州'),
  r('cn-wulanchabu', 'Ulanqab', '乌兰察布'),
  r('cn-nanjing', 'Nanjing', '南京'),
  r('cn-fuzhou', 'Fuzhou', '福州'),
  r('cn-wuhan-lr', 'Wuhan', '武汉'),
  r('cn-hongkong', 'Hong Kong', '香港'),
  r('ap-southeast-1', 'Singapore', '新加坡'),
  r('ap-southeast-2', 'Sydney', '悉尼'),
  r('ap-southeast-3', 'Kuala Lumpur', '吉隆坡'),
  r('ap-southeast-5', 'Jakarta', '雅加达'),
  r('ap-southeast-6', 'Manila', '马尼拉'),
  r('ap-southeast-7', 'Bangkok', '曼谷'),
  r('ap-northeast-1', 'Tokyo', '东京'),
  r('ap-northeast-2', 'Seoul', '首尔'),
  r('eu-west-1', 'London', '伦敦'),
  r('eu-central-1', 'Frankfurt', '法兰克福'),
  r('us-west-1', 'Silicon Valley', '硅谷'),
  r('us-east-1', 'Virginia', '弗吉尼亚'),
  r('me-east-1', 'Dubai', '迪拜'),
  r('me-central-1', 'Riyadh', '利雅得'),
  r('ap-south-1', 'Mumbai', '孟买'),
];
const TENCENT: readonly Region[] = [
  r('ap-beijing', 'Beijing', '北京'),
  r('ap-nanjing', 'Nanjing', '南京'),
  r('ap-shanghai', 'Shanghai', '上海'),
  r('ap-guangzhou', 'Guangzhou', '广州'),
  r('ap-chengdu', 'Chengdu', '成都'),
  r('ap-chongqing', 'Chongqing', '重庆'),
  r('ap-hongkong', 'Hong Kong', '香港'),
  r('ap-singapore', 'Singapore', '新加坡'),
  r('ap-mumbai', 'Mumbai', '孟买'),
  r('ap-seoul', 'Seoul', '首尔'),
  r('ap-bangkok', 'Bangkok', '曼谷'),
  r('ap-tokyo', 'Tokyo', '东京'),
  r('na-siliconvalley', 'Silicon Valley', '硅谷'),
  r('na-ashburn', 'Virginia', '弗吉尼亚'),
  r('na-toronto', 'Toronto', '多伦多'),
  r('eu-frankfurt', 'Frankfurt', '法兰克福'),
  r('eu-moscow', 'Moscow', '莫斯科'),
  r('ap-jakarta', 'Jakarta', '雅加达'),
];
const QINIU: readonly Region[] = [
  r('cn-east-1', 'East China', '华东'),
  r('cn-east-2', 'East China 2', '华东 2'),
  r('cn-north-1', 'North China', '华北'),
  r('cn-south-1', 'South China', '华南'),
  r('us-north-1', 'North America', '北美'),
  r('ap-southeast-1', 'South East Asia', '东南亚'),
  r('ap-northeast-1', 'Seoul', '首尔'),
];

/** The store's regions (Amazon S3's for any other source kind, as the S3-compatible ones name AWS-like regions). */
export function regionsFor(kind: string): readonly Region[] {
  switch (kind) {
    case 'Aliyun_OSS':
      return ALIYUN;
    case 'Tencent_COS':
      return TENCENT;
    case 'Qiniu_Kodo':
      return QINIU;
    default:
      return AWS;
  }
}

/** An Autosuggest option: the code is the value typed in; the label names the region, "N. Virginia (us-east-1)". */
export function regionOptions(kind: string, lang: Lang): { value: string; label: string }[] {
  return regionsFor(kind).map((region) => ({
    value: region.code,
    label: lang === 'zh' ? `${region.zh}（${region.code}）` : `${region.en} (${region.code})`,
  }));
}
