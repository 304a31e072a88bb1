// Facts the network generator and the fleet need beyond the city centre points of
// node_modules/echarts/map/json/china-cities.json (loaded at run time, see cities.ts):
// an approximate freight weight of the major cities and the trunk expressway corridors as the
// sequence of prefecture cities they pass. Written from general knowledge; rough by design —
// they only shape where simulated stations and trucks are, not any real dispatch decision.

/**
 * Relative freight weight ≈ population in millions, raised for the big logistics hubs and ports.
 * Cities not listed weigh DEFAULT_CITY_WEIGHT (REMOTE_CITY_WEIGHT in Tibet, Qinghai and Xinjiang).
 * Names are those of the echarts file.
 */
export const CITY_FREIGHT_WEIGHT: Readonly<Record<string, number>> = {
  上海: 30, 北京: 22, 重庆: 22, 天津: 18, 广州: 24, 深圳: 22, 成都: 22, 武汉: 17, 西安: 15, 郑州: 17,
  苏州: 15, 杭州: 13, 东莞: 12, 佛山: 11, 南京: 11, 青岛: 13, 长沙: 11, 沈阳: 10, 宁波: 13, 济南: 10,
  合肥: 10, 石家庄: 11, 哈尔滨: 9, 昆明: 8.5, 大连: 9, 厦门: 7, 福州: 8, 泉州: 8.5, 无锡: 8, 温州: 8,
  南昌: 6.5, 长春: 8.5, 南宁: 8, 贵阳: 6, 太原: 5.5, 乌鲁木齐: 4.5, 兰州: 4.5, 唐山: 8.5, 徐州: 9, 潍坊: 8.5,
  临沂: 13, 保定: 9.5, 邯郸: 8, 烟台: 7, 常州: 6, 嘉兴: 6, 金华: 8, 绍兴: 5.5, 台州: 6.5, 南通: 7.5,
  盐城: 6, 洛阳: 7, 南阳: 8, 周口: 7, 商丘: 7, 赣州: 7.5, 衡阳: 6, 廊坊: 6, 沧州: 7, 呼和浩特: 3.5,
  包头: 3, 鄂尔多斯: 3.5, 榆林: 3.5, 银川: 3, 西宁: 2.5, 拉萨: 1, 海口: 3, 连云港: 5, 湛江: 6, 柳州: 4.5,
  株洲: 4, 岳阳: 5, 宜昌: 4.5, 襄阳: 5.5, 芜湖: 4.5, 扬州: 4.5, 淮安: 4.5, 德州: 5.5, 济宁: 8, 菏泽: 8,
  新乡: 6, 许昌: 4.5, 信阳: 6, 邢台: 7, 宝鸡: 3.5, 咸阳: 4, 渭南: 4.5, 绵阳: 4.5, 遵义: 6, 曲靖: 5.5,
};
export const DEFAULT_CITY_WEIGHT = 1.5;
export const REMOTE_CITY_WEIGHT = 0.5;
/** GB/T 2260 province prefixes of the sparsely populated west. */
export const REMOTE_PROVINCES = ['54', '63', '65'] as const;

export interface Corridor {
  /** Expressway designation(s), e.g. `G4`. */
  readonly id: string;
  readonly name: string;
  /** Prefecture cities in route order (echarts names). */
  readonly cities: readonly string[];
}

export const CORRIDORS: readonly Corridor[] = [
  {
    id: 'G4', name: 'Beijing–Hong Kong–Macau (Beijing–Shenzhen)',
    cities: ['北京', '保定', '石家庄', '邢台', '邯郸', '安阳', '新乡', '郑州', '许昌', '漯河', '驻马店', '信阳', '孝感', '武汉',
      '咸宁', '岳阳', '长沙', '株洲', '衡阳', '郴州', '韶关', '清远', '广州', '东莞', '深圳'],
  },
  {
    id: 'G2', name: 'Beijing–Shanghai',
    cities: ['北京', '廊坊', '天津', '沧州', '德州', '济南', '泰安', '临沂', '淮安', '扬州', '镇江', '常州', '无锡', '苏州', '上海'],
  },
  {
    id: 'G15', name: 'Shenyang–Haikou (Yantai–Zhanjiang)',
    cities: ['烟台', '青岛', '日照', '连云港', '盐城', '南通', '上海', '嘉兴', '宁波', '台州', '温州', '宁德', '福州', '莆田', '泉州',
      '厦门', '漳州', '汕头', '汕尾', '惠州', '深圳', '广州', '佛山', '江门', '阳江', '茂名', '湛江'],
  },
  {
    id: 'G60', name: 'Shanghai–Kunming',
    cities: ['上海', '嘉兴', '杭州', '金华', '衢州', '上饶', '鹰潭', '南昌', '宜春', '萍乡', '株洲', '湘潭', '邵阳', '怀化', '铜仁',
      '黔东南', '贵阳', '安顺', '曲靖', '昆明'],
  },
  {
    id: 'G30', name: 'Lianyungang–Khorgas (Lianyungang–Urumqi)',
    cities: ['连云港', '徐州', '商丘', '开封', '郑州', '洛阳', '三门峡', '渭南', '西安', '咸阳', '宝鸡', '天水', '定西', '兰州', '武威',
      '张掖', '酒泉', '嘉峪关', '哈密', '吐鲁番', '乌鲁木齐'],
  },
  {
    id: 'G1', name: 'Beijing–Harbin',
    cities: ['北京', '唐山', '秦皇岛', '葫芦岛', '锦州', '沈阳', '铁岭', '四平', '长春', '松原', '哈尔滨'],
  },
  {
    id: 'G5', name: 'Beijing–Kunming',
    cities: ['北京', '保定', '石家庄', '阳泉', '太原', '临汾', '运城', '渭南', '西安', '汉中', '广元', '绵阳', '德阳', '成都', '雅安',
      '凉山', '攀枝花', '楚雄', '昆明'],
  },
  {
    id: 'G42', name: 'Shanghai–Chengdu',
    cities: ['上海', '苏州', '无锡', '常州', '镇江', '南京', '合肥', '六安', '武汉', '荆州', '宜昌', '恩施', '重庆', '遂宁', '成都'],
  },
  {
    id: 'G3', name: 'Beijing–Taipei (Jinan–Fuzhou)',
    cities: ['济南', '泰安', '济宁', '徐州', '宿州', '蚌埠', '合肥', '铜陵', '黄山', '衢州', '南平', '福州'],
  },
  {
    id: 'G20', name: 'Qingdao–Yinchuan',
    cities: ['青岛', '潍坊', '淄博', '济南', '衡水', '石家庄', '阳泉', '太原', '吕梁', '榆林', '银川'],
  },
  {
    id: 'G6', name: 'Beijing–Lhasa (Beijing–Xining)',
    cities: ['北京', '张家口', '乌兰察布', '呼和浩特', '包头', '巴彦淖尔', '乌海', '银川', '中卫', '白银', '兰州', '西宁'],
  },
  {
    id: 'G65/G75', name: 'Baotou–Xi\'an–Chongqing–Guiyang–Nanning',
    cities: ['包头', '鄂尔多斯', '榆林', '延安', '铜川', '西安', '安康', '达州', '重庆', '遵义', '贵阳', '黔南', '河池', '南宁'],
  },
];
