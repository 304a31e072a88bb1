// The texts people read about the repair half of a case (live events, webhooks, task titles), in zh-CN and
// English, with times in China time (Asia/Shanghai). One place, so the console and the webhooks say the same.

export interface Notice {
  readonly zh: string;
  readonly en: string;
}

const ZH_TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const EN_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

/** A time as shown to people: China time, with the zone said in English. */
export function shownTime(iso: string): Notice {
  const d = new Date(iso);
  return { zh: ZH_TIME.format(d), en: `${EN_TIME.format(d)} (China time)` };
}

export function repairNotice(event: string, d: Record<string, unknown>): Notice | undefined {
  const t = (k: string) => (typeof d[k] === 'string' ? shownTime(d[k] as string) : { zh: '', en: '' });
  switch (event) {
    case 'repairing': return { zh: '服务站已开始维修', en: 'The station started the repair' };
    case 'waiting_parts': return { zh: '维修等待配件', en: 'The repair is waiting for parts' };
    case 'repaired': case 'resolved': return { zh: '车辆已修复', en: 'The truck is repaired' };
    case 'towed': return { zh: '车辆已拖往维修厂', en: 'The truck was towed to a workshop' };
    case 'closed': return { zh: '救援工单已关闭', en: 'The rescue case is closed' };
    case 'parts_reserved': return { zh: `配件已预留，预计 ${t('readyAt').zh} 到站`, en: `Parts reserved, at the station by ${t('readyAt').en}` };
    case 'parts_delivered': return { zh: '配件已送达服务站', en: 'Parts delivered to the station' };
    case 'quoted': return { zh: `服务站报价 ${String(d.amountCny)} 元，待客户确认`, en: `The station quoted CNY ${String(d.amountCny)}; awaiting the customer's approval` };
    case 'quote_approved': return { zh: '客户已确认报价', en: 'The customer approved the quote' };
    case 'quote_rejected': return { zh: '客户未同意报价', en: 'The customer rejected the quote' };
    case 'claim_submitted': return { zh: '保修索赔已提交', en: 'Warranty claim submitted' };
    case 'rated': return { zh: `客户评分 ${String(d.score)} 分`, en: `The customer rated the repair ${String(d.score)}/5` };
    case 'follow_up_completed': return { zh: '回访已完成', en: 'Follow-up call completed' };
    case 'repair_overdue': return { zh: `维修超过时限（${t('deadline').zh}），已升级处理`, en: `Repair deadline missed (${t('deadline').en}); escalated` };
    case 'sla_warning':
      return d.clock === 'repair'
        ? { zh: `维修时限将于 ${t('deadline').zh} 到期`, en: `Repair deadline at ${t('deadline').en}` }
        : undefined;
    default: return undefined;
  }
}

export function followUpTitle(vin: string): Notice {
  return { zh: `维修回访：车辆 ${vin}`, en: `Follow-up call after repair: truck ${vin}` };
}

export function complaintNotice(event: string, d: Record<string, unknown>): Notice | undefined {
  switch (event) {
    case 'filed': return { zh: `收到投诉，须于 ${shownTime(String(d.answerDue)).zh} 前答复`, en: `Complaint received; answer due by ${shownTime(String(d.answerDue)).en}` };
    case 'answered': return { zh: '投诉已答复', en: 'Complaint answered' };
    case 'escalated': return { zh: '投诉逾期未答复，已升级', en: 'Complaint not answered in time; escalated' };
    case 'closed': return { zh: '投诉已关闭', en: 'Complaint closed' };
    default: return undefined;
  }
}
