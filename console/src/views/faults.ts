// Active fault codes with their meaning in the user's language (core/j1939-descriptions.ts), the lamp and
// the severity: what the agent reads to the driver and the station reads before it loads the van.
import { describeFault, SPN_TEXT } from '../../../core/j1939-descriptions.ts';
import { h } from '../dom.ts';
import { locale, t, tCode } from '../i18n.ts';
import type { Dtc } from '../model.ts';

export function faultText(spn: number, fmi: number): string {
  const d = describeFault(spn, fmi);
  return locale() === 'zh-CN' ? d.text.zh : d.text.en;
}

export function faultRows(dtcs: readonly Pick<Dtc, 'spn' | 'fmi'>[]): HTMLElement {
  return h('table', { class: 'table compact', 'data-testid': 'faults-table' },
    h('thead', {}, h('tr', {}, [t('col.code'), t('col.meaning'), t('col.lamp'), t('col.severity')].map((x) => h('th', {}, x)))),
    h('tbody', {}, dtcs.map((dtc) => {
      const d = describeFault(dtc.spn, dtc.fmi);
      return h('tr', { 'data-spn': dtc.spn },
        h('td', { class: 'mono' }, `${dtc.spn}/${dtc.fmi}`),
        h('td', {}, locale() === 'zh-CN' ? d.text.zh : d.text.en),
        h('td', {}, d.lamp ? tCode('lamp', d.lamp) : '–'),
        h('td', {}, h('span', { class: `badge sev-${d.severity}` }, tCode('severity', d.severity))));
    })));
}

/** Codes known only by SPN (a case keeps the SPNs of its fault events): the part that failed. */
export function spnRows(spns: readonly number[]): HTMLElement {
  return h('ul', { class: 'plain', 'data-testid': 'faults-table' }, spns.map((spn) => {
    const name = SPN_TEXT[spn];
    return h('li', { 'data-spn': spn }, h('span', { class: 'mono' }, `SPN ${spn}`), ' ', name ? (locale() === 'zh-CN' ? name.zh : name.en) : '');
  }));
}
