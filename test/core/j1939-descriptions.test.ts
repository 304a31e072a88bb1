// The fault description table covers every code the simulators emit, in both languages.
import { describe, expect, it } from 'vitest';
import { describeFault, FMI_TEXT, SPN_TEXT } from '../../core/j1939-descriptions.ts';
import { SPN_NAMES } from '../../core/j1939.ts';
import { AMBER_FAULTS, RED_STOP_FAULTS } from '../../simulators/faults.ts';

describe('J1939 fault descriptions', () => {
  it('describes every simulated fault in Chinese and English with its lamp; red-stop codes are critical', () => {
    for (const f of [...RED_STOP_FAULTS, ...AMBER_FAULTS]) {
      const d = describeFault(f.spn, f.fmi);
      expect(d.known, `SPN ${f.spn}`).toBe(true);
      expect(d.text.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(d.text.en).not.toMatch(/[\u4e00-\u9fff]/);
      expect(d.lamp, `${f.spn}/${f.fmi}`).toBe(f.lamp);
      if (f.lamp === 'redStop') expect(d.severity).toBe('critical');
    }
  });

  it('names every SPN of the dispatcher\'s table and every FMI 0–31', () => {
    for (const spn of Object.keys(SPN_NAMES).map(Number)) expect(SPN_TEXT[spn]?.en, `SPN ${spn}`).toBe(SPN_NAMES[spn]);
    for (let fmi = 0; fmi <= 31; fmi++) expect(FMI_TEXT[fmi]?.zh, `FMI ${fmi}`).toBeTruthy();
  });

  it('still explains an unknown SPN by its failure mode', () => {
    const d = describeFault(65000, 4);
    expect(d.known).toBe(false);
    expect(d.text.en).toBe('SPN 65000: voltage below normal or shorted low');
    expect(d.text.zh).toBe('SPN 65000：电压低于正常或对地短路');
  });
});
