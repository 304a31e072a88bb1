// A realistic set of J1939 faults for simulated breakdowns (SPN = suspect parameter number, FMI =
// failure mode identifier). Red-stop faults stop the truck; amber ones are warnings it drives on with.

export type FaultLamp = 'redStop' | 'amberWarning' | 'mil' | 'protect';

export interface FaultCode {
  readonly spn: number;
  readonly fmi: number;
  readonly lamp: FaultLamp;
  readonly description: string;
}

export const RED_STOP_FAULTS: readonly FaultCode[] = [
  { spn: 110, fmi: 0, lamp: 'redStop', description: 'Engine coolant temperature above normal, most severe' },
  { spn: 100, fmi: 1, lamp: 'redStop', description: 'Engine oil pressure below normal, most severe' },
  { spn: 111, fmi: 1, lamp: 'redStop', description: 'Coolant level below normal, most severe' },
  { spn: 190, fmi: 0, lamp: 'redStop', description: 'Engine speed above normal (overspeed)' },
  { spn: 98, fmi: 1, lamp: 'redStop', description: 'Engine oil level below normal, most severe' },
  { spn: 117, fmi: 1, lamp: 'redStop', description: 'Brake primary air pressure below normal, most severe' },
  { spn: 5246, fmi: 0, lamp: 'redStop', description: 'SCR operator inducement active, severe (engine derated to limp)' },
  { spn: 3251, fmi: 0, lamp: 'redStop', description: 'DPF differential pressure above normal, most severe' },
  { spn: 94, fmi: 1, lamp: 'redStop', description: 'Fuel delivery pressure below normal, most severe' },
  { spn: 1209, fmi: 0, lamp: 'redStop', description: 'Exhaust gas pressure above normal, most severe' },
];

export const AMBER_FAULTS: readonly FaultCode[] = [
  { spn: 110, fmi: 16, lamp: 'amberWarning', description: 'Engine coolant temperature above normal, moderately severe' },
  { spn: 100, fmi: 18, lamp: 'amberWarning', description: 'Engine oil pressure below normal, moderately severe' },
  { spn: 3226, fmi: 2, lamp: 'mil', description: 'Aftertreatment outlet NOx sensor erratic' },
  { spn: 3251, fmi: 16, lamp: 'amberWarning', description: 'DPF differential pressure above normal, moderately severe' },
  { spn: 3719, fmi: 16, lamp: 'amberWarning', description: 'DPF soot load above normal, regeneration needed' },
  { spn: 4364, fmi: 18, lamp: 'mil', description: 'SCR conversion efficiency below normal' },
  { spn: 1761, fmi: 18, lamp: 'amberWarning', description: 'DEF tank level below normal' },
  { spn: 5246, fmi: 15, lamp: 'amberWarning', description: 'SCR operator inducement, warning level' },
  { spn: 168, fmi: 18, lamp: 'amberWarning', description: 'Battery potential below normal' },
  { spn: 521, fmi: 2, lamp: 'amberWarning', description: 'Brake pedal position erratic' },
  { spn: 914, fmi: 14, lamp: 'amberWarning', description: 'Brake stroke alert (special instructions)' },
  { spn: 84, fmi: 2, lamp: 'amberWarning', description: 'Wheel-based vehicle speed erratic' },
  { spn: 175, fmi: 16, lamp: 'protect', description: 'Engine oil temperature above normal, moderately severe' },
];
