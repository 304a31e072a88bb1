// What a J1939 fault code means, in Chinese and English, for people on the phone with a driver: the
// suspect parameter (SPN, SAE J1939-71 names), the failure mode (FMI, J1939-73), the lamp the ECU
// normally lights for that pair and the severity the dispatcher rates it with (core/j1939.ts). Pure data,
// shared by the API and the console. Covers every code the simulators emit (simulators/faults.ts) and the
// common heavy-truck SPNs; an unknown SPN still gets its FMI text and a "SPN n" name.
import type { FaultSeverity } from './j1939.ts';
import { dtcSeverity } from './j1939.ts';

export type FaultLamp = 'redStop' | 'amberWarning' | 'mil' | 'protect';

export interface LocalText {
  readonly zh: string;
  readonly en: string;
}

/** SPN → its name. */
export const SPN_TEXT: Readonly<Record<number, LocalText>> = {
  27: { zh: 'EGR 阀位置', en: 'EGR valve position' },
  51: { zh: '节气门位置', en: 'Throttle position' },
  84: { zh: '车轮车速', en: 'Wheel-based vehicle speed' },
  91: { zh: '加速踏板位置', en: 'Accelerator pedal position' },
  94: { zh: '燃油输送压力', en: 'Fuel delivery pressure' },
  96: { zh: '燃油液位', en: 'Fuel level' },
  97: { zh: '油中有水指示', en: 'Water in fuel indicator' },
  98: { zh: '机油液位', en: 'Engine oil level' },
  100: { zh: '机油压力', en: 'Engine oil pressure' },
  102: { zh: '增压压力', en: 'Boost pressure' },
  105: { zh: '进气歧管温度', en: 'Intake manifold temperature' },
  107: { zh: '空气滤清器压差', en: 'Air filter differential pressure' },
  108: { zh: '大气压力', en: 'Barometric pressure' },
  109: { zh: '冷却液压力', en: 'Coolant pressure' },
  110: { zh: '发动机冷却液温度', en: 'Engine coolant temperature' },
  111: { zh: '冷却液液位', en: 'Coolant level' },
  117: { zh: '制动主气压', en: 'Brake primary air pressure' },
  118: { zh: '制动副气压', en: 'Brake secondary air pressure' },
  157: { zh: '共轨压力', en: 'Injector metering rail pressure' },
  158: { zh: '蓄电池电压（开关）', en: 'Battery potential (switched)' },
  167: { zh: '充电系统电压', en: 'Charging system potential' },
  168: { zh: '蓄电池电压', en: 'Battery potential' },
  171: { zh: '环境温度', en: 'Ambient air temperature' },
  174: { zh: '燃油温度', en: 'Fuel temperature' },
  175: { zh: '机油温度', en: 'Engine oil temperature' },
  177: { zh: '变速箱油温', en: 'Transmission oil temperature' },
  190: { zh: '发动机转速', en: 'Engine speed' },
  241: { zh: '轮胎气压', en: 'Tyre pressure' },
  244: { zh: '里程', en: 'Trip distance' },
  411: { zh: 'EGR 压差', en: 'EGR differential pressure' },
  520: { zh: '缓速器扭矩', en: 'Retarder torque' },
  521: { zh: '制动踏板位置', en: 'Brake pedal position' },
  597: { zh: '制动开关', en: 'Brake switch' },
  629: { zh: '控制器 1', en: 'Controller #1' },
  636: { zh: '凸轮轴位置传感器', en: 'Camshaft position sensor' },
  639: { zh: 'J1939 网络 1', en: 'J1939 network #1' },
  651: { zh: '1 缸喷油器', en: 'Injector cylinder #1' },
  723: { zh: '曲轴位置传感器', en: 'Crankshaft position sensor' },
  914: { zh: '制动行程报警', en: 'Brake stroke alert' },
  1127: { zh: '涡轮增压压力', en: 'Turbocharger boost pressure' },
  1209: { zh: '排气压力', en: 'Exhaust gas pressure' },
  1761: { zh: '尿素箱液位', en: 'DEF tank level' },
  3031: { zh: '尿素箱温度', en: 'DEF tank temperature' },
  3216: { zh: '后处理入口 NOx', en: 'Aftertreatment intake NOx' },
  3226: { zh: '后处理出口 NOx', en: 'Aftertreatment outlet NOx' },
  3251: { zh: 'DPF 压差', en: 'DPF differential pressure' },
  3361: { zh: '尿素喷射单元', en: 'DEF dosing unit' },
  3364: { zh: '尿素品质', en: 'DEF quality' },
  3719: { zh: 'DPF 碳载量', en: 'DPF soot load' },
  4364: { zh: 'SCR 转化效率', en: 'SCR conversion efficiency' },
  5246: { zh: 'SCR 驾驶员诱导（限扭）', en: 'SCR operator inducement severity' },
};

/** FMI 0–31 (SAE J1939-73). */
export const FMI_TEXT: Readonly<Record<number, LocalText>> = {
  0: { zh: '高于正常（最严重）', en: 'above normal, most severe' },
  1: { zh: '低于正常（最严重）', en: 'below normal, most severe' },
  2: { zh: '数据不稳定或错误', en: 'erratic or incorrect data' },
  3: { zh: '电压高于正常或对电源短路', en: 'voltage above normal or shorted high' },
  4: { zh: '电压低于正常或对地短路', en: 'voltage below normal or shorted low' },
  5: { zh: '电流低于正常或开路', en: 'current below normal or open circuit' },
  6: { zh: '电流高于正常或电路接地', en: 'current above normal or grounded circuit' },
  7: { zh: '机械系统无响应或失调', en: 'mechanical system not responding or out of adjustment' },
  8: { zh: '频率、脉宽或周期异常', en: 'abnormal frequency, pulse width or period' },
  9: { zh: '更新速率异常', en: 'abnormal update rate' },
  10: { zh: '变化速率异常', en: 'abnormal rate of change' },
  11: { zh: '原因不明', en: 'root cause not known' },
  12: { zh: '设备或部件损坏', en: 'bad intelligent device or component' },
  13: { zh: '超出标定范围', en: 'out of calibration' },
  14: { zh: '特殊说明', en: 'special instructions' },
  15: { zh: '高于正常（最轻）', en: 'above normal, least severe' },
  16: { zh: '高于正常（中等）', en: 'above normal, moderately severe' },
  17: { zh: '低于正常（最轻）', en: 'below normal, least severe' },
  18: { zh: '低于正常（中等）', en: 'below normal, moderately severe' },
  19: { zh: '网络数据错误', en: 'received network data in error' },
  20: { zh: '数据向高漂移', en: 'data drifted high' },
  21: { zh: '数据向低漂移', en: 'data drifted low' },
  31: { zh: '条件存在', en: 'condition exists' },
};
for (let fmi = 22; fmi <= 30; fmi++) (FMI_TEXT as Record<number, LocalText>)[fmi] = { zh: `保留故障模式 ${fmi}`, en: `reserved failure mode ${fmi}` };

/** The lamp the ECU lights for the pairs the network sees most (simulators/faults.ts and field data). */
const PAIR_LAMP: ReadonlyMap<string, FaultLamp> = new Map([
  ['110:0', 'redStop'], ['100:1', 'redStop'], ['111:1', 'redStop'], ['190:0', 'redStop'], ['98:1', 'redStop'],
  ['117:1', 'redStop'], ['118:1', 'redStop'], ['5246:0', 'redStop'], ['3251:0', 'redStop'], ['94:1', 'redStop'],
  ['1209:0', 'redStop'], ['175:0', 'redStop'], ['177:0', 'redStop'],
  ['110:16', 'amberWarning'], ['100:18', 'amberWarning'], ['3251:16', 'amberWarning'], ['3719:16', 'amberWarning'],
  ['1761:18', 'amberWarning'], ['5246:15', 'amberWarning'], ['168:18', 'amberWarning'], ['521:2', 'amberWarning'],
  ['914:14', 'amberWarning'], ['84:2', 'amberWarning'], ['175:16', 'protect'],
  ['3226:2', 'mil'], ['4364:18', 'mil'], ['3364:18', 'mil'], ['3216:2', 'mil'],
]);

export interface FaultDescription {
  readonly spn: number;
  readonly fmi: number;
  /** Whether the SPN is in the table (else `name` is "SPN n"). */
  readonly known: boolean;
  readonly name: LocalText;
  readonly mode: LocalText;
  /** "name: mode" in each language, ready to show. */
  readonly text: LocalText;
  readonly lamp?: FaultLamp;
  readonly severity: FaultSeverity;
}

export function describeFault(spn: number, fmi: number): FaultDescription {
  const spnText = SPN_TEXT[spn];
  const name = spnText ?? { zh: `SPN ${spn}`, en: `SPN ${spn}` };
  const mode = FMI_TEXT[fmi] ?? { zh: `故障模式 ${fmi}`, en: `failure mode ${fmi}` };
  const lamp = PAIR_LAMP.get(`${spn}:${fmi}`);
  return {
    spn,
    fmi,
    known: spnText !== undefined,
    name,
    mode,
    text: { zh: `${name.zh}：${mode.zh}`, en: `${name.en}: ${mode.en}` },
    ...(lamp ? { lamp } : {}),
    severity: lamp === 'redStop' ? 'critical' : dtcSeverity({ spn, fmi }),
  };
}
