// The admin's registry screens: list, search, create, edit and deactivate customers, vehicles, stations,
// depots and advisors; fixed-point assignments per customer; imports with a preview and per-row errors.
// Deactivating a station or advisor that is someone's fixed point first shows the customers affected.
// Validation messages come in the user's language (by field and error code, never the raw text).
import { ApiError, itemsOf } from '../api.ts';
import type { View, ViewContext } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { t } from '../i18n.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { Advisor, Customer, Station } from '../model.ts';
import { loadRegions, regionName, type RegionInfo } from '../regions.ts';
import { confirmDialog, empty, errorBox, errorText, fieldLabel, fieldsOf, loading, phoneLink, viewHead } from './common.ts';

type Row = Record<string, unknown>;
type FieldType = 'text' | 'number' | 'list' | 'region' | 'hours' | 'customer' | 'advisor' | 'bool';
interface Field { name: string; type: FieldType; required?: boolean; options?: readonly string[] }
interface Kind { plural: string; idField: 'id' | 'vin'; fields: Field[]; columns: string[]; search: string[] }

const CAPABILITIES = ['heavy-duty', 'engine', 'electrical', 'aftertreatment', 'tyre', 'transmission', 'brakes'] as const;
const PARTS = ['engine', 'fuel', 'cooling', 'electrical', 'aftertreatment', 'tyre', 'transmission', 'brakes', 'filters', 'lubricants'] as const;

export const KINDS: Record<string, Kind> = {
  customers: { plural: 'customers', idField: 'id', search: ['id', 'name'], columns: ['name', 'contactPhone', 'leadAdvisorId'],
    fields: [{ name: 'id', type: 'text', required: true }, { name: 'name', type: 'text', required: true }, { name: 'contactName', type: 'text' }, { name: 'contactPhone', type: 'text' }, { name: 'contactEmail', type: 'text' }, { name: 'leadAdvisorId', type: 'advisor' }] },
  vehicles: { plural: 'vehicles', idField: 'vin', search: ['vin', 'plate'], columns: ['plate', 'customerId', 'model', 'homeRegion'],
    fields: [{ name: 'vin', type: 'text', required: true }, { name: 'plate', type: 'text' }, { name: 'customerId', type: 'customer', required: true }, { name: 'model', type: 'text' }, { name: 'homeRegion', type: 'region' }] },
  stations: { plural: 'stations', idField: 'id', search: ['id', 'name'], columns: ['name', 'region', 'phone', 'vans'],
    fields: [{ name: 'id', type: 'text', required: true }, { name: 'name', type: 'text', required: true }, { name: 'region', type: 'region', required: true }, { name: 'lat', type: 'number', required: true }, { name: 'lon', type: 'number', required: true }, { name: 'address', type: 'text' }, { name: 'phone', type: 'text' }, { name: 'hours', type: 'hours', required: true }, { name: 'capabilities', type: 'list', required: true, options: CAPABILITIES }, { name: 'partsCategories', type: 'list', options: PARTS }, { name: 'vans', type: 'number', required: true }, { name: 'rating', type: 'number', required: true }] },
  depots: { plural: 'depots', idField: 'id', search: ['id', 'name'], columns: ['name', 'region'],
    fields: [{ name: 'id', type: 'text', required: true }, { name: 'name', type: 'text', required: true }, { name: 'region', type: 'region', required: true }, { name: 'lat', type: 'number', required: true }, { name: 'lon', type: 'number', required: true }, { name: 'partsCategories', type: 'list', options: PARTS }] },
  advisors: { plural: 'advisors', idField: 'id', search: ['id', 'name'], columns: ['name', 'phone', 'region'],
    fields: [{ name: 'id', type: 'text', required: true }, { name: 'name', type: 'text', required: true }, { name: 'phone', type: 'text' }, { name: 'email', type: 'text' }, { name: 'region', type: 'region' }] },
};
const TABS = [...Object.keys(KINDS), 'assignments', 'import'];

export const adminView: View = (el, ctx, params) => {
  const kind = TABS.includes(params['kind'] ?? '') ? params['kind']! : 'customers';
  const body = h('div', { 'data-testid': `admin-${kind}` }, loading());
  render(el, h('section', { class: 'panel' }, viewHead(t('admin.title')),
    h('nav', { class: 'tabs', 'aria-label': t('admin.title') }, TABS.map((k) => h('a', { href: `#/admin/${k}`, class: k === kind ? 'active' : '', 'aria-current': k === kind ? 'page' : null }, t(`admin.tab.${k}` as MessageKey)))),
    body));
  if (kind === 'assignments') void assignmentsScreen(body, ctx, params['customer']);
  else if (kind === 'import') importScreen(body, ctx);
  else void listScreen(body, ctx, KINDS[kind]!, params);
};

/** Shows the API's refusal next to the form: the fields by their label, inputs marked invalid. */
function showFormError(form: HTMLFormElement, out: HTMLElement, err: unknown): void {
  form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
  if (err instanceof ApiError) {
    if (err.code === 'conflict' && fieldsOf(err).includes('plate')) {
      form.querySelector('[name=plate]')?.setAttribute('aria-invalid', 'true');
      return render(out, h('div', { class: 'error', role: 'alert', 'data-error': 'plate_taken' }, t('error.plate_taken')));
    }
    for (const f of fieldsOf(err)) form.querySelector(`[name="${f}"]`)?.setAttribute('aria-invalid', 'true');
  }
  render(out, errorBox(err));
}

async function listScreen(el: HTMLElement, ctx: ViewContext, kind: Kind, params: Record<string, string>): Promise<void> {
  const q = h('input', { type: 'search', 'aria-label': t('admin.search'), placeholder: t('admin.search'), value: params['q'] ?? '' });
  const showInactive = h('input', { type: 'checkbox', 'aria-label': t('admin.showInactive') });
  const list = h('div', {}, loading());
  const formArea = h('div', {});
  render(el, h('div', { class: 'form inline' }, q, h('label', { class: 'check' }, showInactive, t('admin.showInactive')),
    h('button', { class: 'button primary', type: 'button', 'data-testid': 'admin-new', onclick: () => void openForm() }, t('admin.new'))), formArea, list);

  let rows: Row[] = [];
  const [regions, customers, advisors] = await Promise.all([
    loadRegions().catch(() => undefined),
    ctx.directory.customers().catch(() => new Map<string, Customer>()),
    ctx.api.get('/v1/advisors', { limit: 1000 }).then((a) => new Map(itemsOf<Advisor>(a).map((x) => [x.id, x]))).catch(() => new Map<string, Advisor>()),
  ]);
  const cell = (name: string, v: unknown) => {
    if (v === undefined || v === null || v === '') return '–';
    if (name === 'region' || name === 'homeRegion') return regionName(regions, String(v));
    if (name === 'customerId') return customers.get(String(v))?.name ?? String(v);
    if (name === 'leadAdvisorId') return advisors.get(String(v))?.name ?? String(v);
    if (name === 'phone' || name === 'contactPhone') return phoneLink(String(v));
    return Array.isArray(v) ? v.join(', ') : String(v);
  };

  const draw = () => {
    const text = q.value.trim().toUpperCase();
    const shown = rows.filter((r) => (showInactive.checked || r['active'] !== false) && (!text || kind.search.some((f) => String(r[f] ?? '').toUpperCase().includes(text))));
    render(list, shown.length
      ? h('table', { class: 'table compact', 'data-testid': 'admin-list' },
          h('thead', {}, h('tr', {}, [kind.idField === 'vin' ? 'VIN' : t('field.id'), ...kind.columns.map(fieldLabel), t('col.status'), ''].map((x) => h('th', {}, x)))),
          h('tbody', {}, shown.slice(0, 500).map((r) => h('tr', { 'data-id': String(r[kind.idField]) },
            h('td', { class: 'mono' }, String(r[kind.idField])),
            kind.columns.map((c) => h('td', {}, cell(c, r[c]))),
            h('td', {}, r['active'] === false ? t('admin.inactive') : t('admin.active')),
            h('td', {},
              h('button', { class: 'button small', type: 'button', onclick: () => void openForm(r) }, t('action.edit')),
              r['active'] !== false ? h('button', { class: 'button small danger', type: 'button', 'data-testid': 'deactivate', onclick: () => void deactivate(r) }, t('action.deactivate')) : null)))))
      : empty(rows.length ? t('queue.noMatch') : t('admin.none')));
  };
  q.addEventListener('input', draw);
  showInactive.addEventListener('change', draw);

  const load = async () => {
    try {
      const out: Row[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await ctx.api.get<{ items: Row[]; total: number }>(`/v1/${kind.plural}`, { limit: 1000, offset });
        out.push(...page.items);
        if (out.length >= page.total || page.items.length === 0) break;
      }
      rows = out;
      draw();
    } catch (err) {
      render(list, errorBox(err, () => void load()));
    }
  };

  const deactivate = async (r: Row) => {
    const id = String(r[kind.idField]);
    // A station or advisor that is someone's fixed point: say whom it leaves without one.
    let affected: string[] = [];
    try {
      if (kind.plural === 'stations') affected = itemsOf<{ id: string; name: string; regions: string[] }>(await ctx.api.get(`/v1/stations/${encodeURIComponent(id)}/customers`, { limit: 1000 })).map((c) => `${c.name} (${c.regions.map((r) => regionName(regions, r)).join('、')})`);
      if (kind.plural === 'advisors') {
        // Named: the customers it leads; counted: every customer it looks after (assigned in a region or lead).
        const count = (await ctx.api.get<{ customers: number }>(`/v1/advisors/${encodeURIComponent(id)}/vehicles`, { limit: 1 })).customers;
        affected = [...customers.values()].filter((c) => c.leadAdvisorId === id).map((c) => c.name);
        if (count > affected.length) affected.push(t('admin.andMore', { n: count - affected.length }));
      }
    } catch {
      affected = [];
    }
    const name = String(r['name'] ?? r['plate'] ?? id);
    const warning = affected.length
      ? h('div', { 'data-testid': 'fixed-point-warning' }, h('p', { class: 'error' }, t('admin.fixedPointWarning', { name, n: affected.length })), h('ul', {}, affected.map((c) => h('li', {}, c))))
      : h('p', {}, t('admin.deactivateBody', { name }));
    if (!(await confirmDialog(t('admin.deactivateTitle', { name }), warning, t('action.deactivate'), true))) return;
    try {
      await ctx.api.post(`/v1/${kind.plural}/${encodeURIComponent(id)}/deactivate`);
      ctx.directory.invalidate();
      await load();
    } catch (err) {
      render(formArea, errorBox(err));
    }
  };

  const openForm = async (existing?: Row) => {
    const out = h('div', { role: 'status' });
    const inputs = kind.fields.map((f) => {
      const value = existing?.[f.name];
      const locked = existing && f.name === kind.idField;
      let input: HTMLElement;
      if (f.type === 'list') {
        input = h('fieldset', { class: 'checks' }, h('legend', {}, fieldLabel(f.name)), (f.options ?? []).map((o) =>
          h('label', { class: 'check' }, h('input', { type: 'checkbox', name: f.name, value: o, checked: Array.isArray(value) && value.includes(o) }), t(`capability.${o}` as MessageKey))));
        return input;
      }
      if (f.type === 'customer' || f.type === 'advisor' || f.type === 'region') {
        const opts: Array<[string, string]> = f.type === 'customer' ? [...customers.values()].map((c) => [c.id, c.name])
          : f.type === 'advisor' ? [...advisors.values()].map((a) => [a.id, a.name])
            : [...(regions?.values() ?? [])].map((r: RegionInfo) => [r.code, `${r.name} ${r.code}`]);
        input = h('select', { name: f.name, required: f.required ?? false }, h('option', { value: '' }, '–'), opts.sort((a, b) => a[1].localeCompare(b[1])).map(([v, l]) => h('option', { value: v, selected: String(value ?? '') === v }, l)));
      } else {
        input = h('input', { name: f.name, type: f.type === 'number' ? 'number' : 'text', step: f.type === 'number' ? 'any' : null, required: f.required ?? false, readonly: locked ?? false, value: value === undefined ? (f.type === 'hours' ? '24h' : '') : String(value) });
      }
      return h('label', {}, fieldLabel(f.name), input);
    });
    const form = h('form', { class: 'card form', 'data-testid': 'admin-form' }, h('h2', {}, existing ? t('admin.editTitle', { name: String(existing['name'] ?? existing[kind.idField]) }) : t('admin.newTitle')), inputs,
      h('div', { class: 'inline-buttons' }, h('button', { class: 'button primary', type: 'submit' }, t('action.save')), h('button', { class: 'button', type: 'button', onclick: () => render(formArea) }, t('action.back'))), out);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = formValues(form);
      const entity: Row = {};
      for (const f of kind.fields) {
        if (f.type === 'list') entity[f.name] = [...form.querySelectorAll<HTMLInputElement>(`input[name="${f.name}"]:checked`)].map((x) => x.value);
        else if (v[f.name] === '' || v[f.name] === undefined) continue;
        else if (f.type === 'number') entity[f.name] = Number(v[f.name]);
        else entity[f.name] = v[f.name];
      }
      try {
        if (existing) {
          const { [kind.idField]: _id, ...change } = entity;
          await ctx.api.patch(`/v1/${kind.plural}/${encodeURIComponent(String(existing[kind.idField]))}`, change);
        } else {
          await ctx.api.post(`/v1/${kind.plural}`, { ...entity, active: true });
        }
        ctx.directory.invalidate();
        render(formArea, h('div', { class: 'ok', role: 'status', 'data-testid': 'saved' }, t('admin.saved', { name: String(entity['name'] ?? entity['plate'] ?? entity[kind.idField] ?? '') })));
        await load();
      } catch (err) {
        showFormError(form, out, err);
      }
    });
    render(formArea, form);
    form.querySelector<HTMLInputElement>('input:not([readonly])')?.focus();
  };
  await load();
}

async function assignmentsScreen(el: HTMLElement, ctx: ViewContext, customerId: string | undefined): Promise<void> {
  const [customers, stations, regions, advisors] = await Promise.all([
    ctx.directory.customers().catch(() => new Map<string, Customer>()),
    ctx.directory.stations().catch(() => new Map<string, Station>()),
    loadRegions().catch(() => undefined),
    ctx.api.get('/v1/advisors', { limit: 1000 }).then((a) => new Map(itemsOf<Advisor>(a).map((x) => [x.id, x]))).catch(() => new Map<string, Advisor>()),
  ]);
  const picker = h('select', { 'aria-label': t('col.customer'), 'data-testid': 'assign-customer', onchange: (e: Event) => ctx.navigate(`#/admin/assignments?customer=${encodeURIComponent((e.currentTarget as HTMLSelectElement).value)}`) },
    h('option', { value: '' }, t('coverage.chooseCustomer')), [...customers.values()].sort((a, b) => a.name.localeCompare(b.name)).map((c) => h('option', { value: c.id, selected: c.id === customerId }, c.name)));
  const table = h('div', {});
  const out = h('div', { role: 'status' });
  render(el, h('label', {}, t('col.customer'), ' ', picker), table);
  if (!customerId) return render(table, empty(t('coverage.pick')));
  const load = async () => {
    try {
      const answer = await ctx.api.get<{ assignments: Array<{ region: string; stationId: string; advisorId: string }> }>(`/v1/customers/${encodeURIComponent(customerId)}/assignments`);
      const regionSelect = h('select', { name: 'region', required: true, 'aria-label': t('col.region') }, h('option', { value: '' }, '–'),
        [...(regions?.values() ?? [])].sort((a, b) => a.code.localeCompare(b.code)).map((r) => h('option', { value: r.code }, `${r.name} ${r.code}`)));
      const stationSelect = h('select', { name: 'stationId', required: true, 'aria-label': t('coverage.fixedPoint') }, h('option', { value: '' }, '–'),
        [...stations.values()].filter((s) => s.active !== false && s.capabilities?.includes('heavy-duty')).sort((a, b) => a.name.localeCompare(b.name)).map((s) => h('option', { value: s.id }, `${s.name} · ${regionName(regions, s.region)}`)));
      const advisorSelect = h('select', { name: 'advisorId', required: true, 'aria-label': t('truck.advisor') }, h('option', { value: '' }, '–'),
        [...advisors.values()].filter((a) => a.active !== false).map((a) => h('option', { value: a.id }, a.name)));
      // Offer the stations of the chosen region's province first.
      regionSelect.addEventListener('change', () => {
        const prov = regionSelect.value.slice(0, 2);
        const opts = [...stationSelect.options].slice(1);
        opts.sort((a, b) => Number(!(stations.get(a.value)?.region ?? '').startsWith(prov)) - Number(!(stations.get(b.value)?.region ?? '').startsWith(prov)) || a.text.localeCompare(b.text));
        stationSelect.append(...opts);
      });
      const form = h('form', { class: 'card form', 'data-testid': 'assignment-form' }, h('h2', {}, t('admin.assignTitle')),
        h('label', {}, t('col.region'), regionSelect), h('label', {}, t('coverage.fixedPoint'), stationSelect), h('label', {}, t('truck.advisor'), advisorSelect),
        h('label', {}, t('admin.reason'), h('input', { name: 'reason', maxlength: 500 })),
        h('button', { class: 'button primary', type: 'submit' }, t('action.save')), out);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const v = formValues(form);
        try {
          await ctx.api.put(`/v1/customers/${encodeURIComponent(customerId)}/assignments`, { assignments: [{ region: v['region'], stationId: v['stationId'], advisorId: v['advisorId'] }], ...(v['reason'] ? { reason: v['reason'] } : {}) });
          render(out, h('div', { class: 'ok', 'data-testid': 'saved' }, t('admin.assignSaved')));
          await load();
        } catch (err) {
          render(out, h('div', { class: 'error', role: 'alert' }, errorText(err)));
        }
      });
      render(table,
        answer.assignments.length
          ? h('table', { class: 'table compact', 'data-testid': 'assignments' },
              h('thead', {}, h('tr', {}, [t('col.region'), t('coverage.fixedPoint'), t('truck.advisor')].map((x) => h('th', {}, x)))),
              h('tbody', {}, answer.assignments.map((a) => h('tr', {}, h('td', {}, regionName(regions, a.region)), h('td', {}, stations.get(a.stationId)?.name ?? a.stationId), h('td', {}, advisors.get(a.advisorId)?.name ?? a.advisorId)))))
          : empty(t('coverage.noFixedPoints')),
        form);
    } catch (err) {
      render(table, errorBox(err, () => void load()));
    }
  };
  await load();
}

/** Splits a CSV line (quotes allowed). */
function csvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** `POST /v1/import/{kind}?dryRun=true` (docs/api.md): what an import would do, and every row's problems. */
interface DryRun {
  created: number;
  updated: number;
  unchanged: number;
  problems: Array<{ row: number; field: string }>;
}

function importScreen(el: HTMLElement, ctx: ViewContext): void {
  const kind = h('select', { name: 'kind', 'aria-label': t('admin.importKind') }, ['stations', 'depots', 'vehicles', 'advisors', 'customers', 'assignments'].map((k) => h('option', { value: k }, t(`admin.tab.${k}` as MessageKey))));
  const text = h('textarea', { name: 'file', rows: 8, 'aria-label': t('admin.importText'), placeholder: t('admin.importHint'), spellcheck: 'false' });
  const file = h('input', { type: 'file', accept: '.csv,.json,text/csv,application/json', 'aria-label': t('admin.importFile') });
  const preview = h('div', { 'data-testid': 'import-preview' });
  const out = h('div', { role: 'status' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });
  let parsed: { header: string[]; rows: string[][]; json: unknown[] | null } | undefined;
  const showPreview = (problems: Array<{ row: number; field?: string | undefined }> = [], plan?: DryRun) => {
    const body = text.value.trim();
    if (!body) return render(preview, empty(t('admin.importEmpty')));
    let json: unknown[] | null = null;
    let header: string[] = [];
    let rows: string[][] = [];
    if (body.startsWith('[')) {
      try {
        json = JSON.parse(body) as unknown[];
        header = [...new Set(json.flatMap((r) => Object.keys((r ?? {}) as object)))];
        rows = json.map((r) => header.map((k) => { const v = (r as Row)[k]; return v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v); }));
      } catch {
        return render(preview, h('div', { class: 'error', role: 'alert' }, t('admin.importBadJson')));
      }
    } else {
      const lines = body.split(/\r?\n/).filter((l) => l.trim());
      header = csvLine(lines[0] ?? '');
      rows = lines.slice(1).map(csvLine);
    }
    parsed = { header, rows, json };
    const byRow = new Map<number, string[]>();
    for (const p of problems) byRow.set(p.row, [...(byRow.get(p.row) ?? []), p.field ? t('admin.fieldInvalid', { field: fieldLabel(p.field) }) : t('error.validation_failed')]);
    render(preview,
      h('p', { class: problems.length ? 'error' : 'muted' }, problems.length ? t('admin.importProblems', { n: byRow.size, total: rows.length }) : t('admin.importRows', { n: rows.length })),
      plan && !problems.length ? h('p', { class: 'ok', 'data-testid': 'import-plan' }, t('admin.importPlan', { created: plan.created, updated: plan.updated, unchanged: plan.unchanged })) : '',
      h('table', { class: 'table compact' },
        h('thead', {}, h('tr', {}, ['#', ...header.map(fieldLabel), t('admin.rowErrors')].map((x) => h('th', {}, x)))),
        h('tbody', {}, rows.slice(0, 200).map((r, i) => h('tr', { class: byRow.has(i + 1) ? 'row-escalated' : '', 'data-row': i + 1 },
          h('td', {}, i + 1), r.map((c) => h('td', {}, c)), h('td', { 'data-testid': 'row-error' }, (byRow.get(i + 1) ?? []).join('；')))))));
  };
  const send = <T>(query: string) => (parsed!.json
    ? ctx.api.post<T>(`/v1/import/${kind.value}${query}`, parsed!.json)
    : ctx.api.postText<T>(`/v1/import/${kind.value}${query}`, text.value, 'text/csv'));
  /** The server's dry run: every row validated as the import will, the counts it would store, nothing stored. */
  const dryRun = async () => {
    showPreview();
    if (!parsed) return;
    render(out, loading());
    try {
      const plan = await send<DryRun>('?dryRun=true');
      showPreview(plan.problems.map((p) => ({ row: p.row, field: p.field || undefined })), plan);
      render(out);
    } catch (err) {
      render(out, errorBox(err, () => void dryRun()));
    }
  };
  const submit = async () => {
    showPreview();
    if (!parsed) return;
    try {
      const report = await send<Row>('');
      ctx.directory.invalidate();
      render(out, h('div', { class: 'ok', 'data-testid': 'imported' }, t('admin.imported', { n: Number(report['rows'] ?? parsed.rows.length) })));
    } catch (err) {
      // The API names each problem `rows[N].field` (N counts the data rows from 1).
      const problems = err instanceof ApiError && Array.isArray(err.details)
        ? (err.details as Array<{ field?: string }>).flatMap((d) => {
            const m = /^rows\[(\d+)\]\.?(.*)$/.exec(d.field ?? '');
            return m ? [{ row: Number(m[1]), field: m[2] || undefined }] : [];
          })
        : [];
      if (problems.length) showPreview(problems);
      render(out, h('div', { class: 'error', role: 'alert' }, problems.length ? t('admin.importRefused') : errorText(err)));
    }
  };
  render(el, h('div', { class: 'card form' }, h('h2', {}, t('admin.importTitle')), h('label', {}, t('admin.importKind'), kind), file, text,
    h('div', { class: 'inline-buttons' },
      h('button', { class: 'button', type: 'button', 'data-testid': 'import-preview-button', onclick: () => void dryRun() }, t('admin.preview')),
      h('button', { class: 'button primary', type: 'button', 'data-testid': 'import-submit', onclick: () => void submit() }, t('admin.import'))), out), preview);
}
