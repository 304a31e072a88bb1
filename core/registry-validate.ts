// Validation of registry entities against the schemas of core/registry.ts (the same schemas the API
// uses), plus the rules a JSON schema cannot say (VIN check digit). Used by the importer and by
// updates that merge a patch into a stored entity.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Type, type Static } from '@sinclair/typebox';
import { AssignmentSchema, CustomerSchema, REGISTRY_SCHEMAS, type RegistryKind, type RegistryKinds } from './registry.ts';
import { isValidVin } from './vin.ts';

export interface FieldProblem {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, useDefaults: true, removeAdditional: false, coerceTypes: false, strict: false });
addFormats(ajv);

const validators = new Map<RegistryKind, ValidateFunction>();
function validatorOf(kind: RegistryKind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = ajv.compile(REGISTRY_SCHEMAS[kind]);
    validators.set(kind, validate);
  }
  return validate;
}

function problemOf(e: ErrorObject): FieldProblem {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  if (params.additionalProperty) return { field: [path, params.additionalProperty].filter(Boolean).join('.'), message: 'is not a known field' };
  const field = [path, params.missingProperty].filter(Boolean).join('.') || '(entity)';
  return { field, message: e.message ?? 'is invalid' };
}

/** Validates (and fills defaults into a copy of) one entity. */
export function validateEntity<K extends RegistryKind>(kind: K, input: unknown): Validated<RegistryKinds[K]> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ field: '(entity)', message: 'must be an object' }] };
  }
  const value = structuredClone(input) as Record<string, unknown>;
  const validate = validatorOf(kind);
  if (!validate(value)) {
    // One problem per field is enough to act on; anyOf noise (literal unions) is folded.
    const errors = validate.errors ?? [];
    const allowed = new Map<string, unknown[]>();
    for (const e of errors) {
      if (e.keyword !== 'const') continue;
      const list = allowed.get(e.instancePath) ?? [];
      list.push((e.params as { allowedValue: unknown }).allowedValue);
      allowed.set(e.instancePath, list);
    }
    const seen = new Set<string>();
    const problems = errors
      .map((e) => {
        const problem = problemOf(e);
        const values = e.keyword === 'const' ? allowed.get(e.instancePath) : undefined;
        return values ? { field: problem.field, message: `must be one of ${values.join(', ')}` } : problem;
      })
      .filter((p) => !seen.has(p.field) && seen.add(p.field));
    return { ok: false, problems };
  }
  if (kind === 'vehicle' && !isValidVin(value.vin as string)) {
    return { ok: false, problems: [{ field: 'vin', message: 'check digit (position 9) does not match' }] };
  }
  return { ok: true, value: value as RegistryKinds[K] };
}

/** One assignment row of an import file: the customer plus the fields of an Assignment (who/when optional). */
export const AssignmentRowSchema = Type.Object(
  {
    customerId: CustomerSchema.properties.id,
    region: AssignmentSchema.properties.region,
    stationId: AssignmentSchema.properties.stationId,
    advisorId: AssignmentSchema.properties.advisorId,
    assignedAt: Type.Optional(AssignmentSchema.properties.assignedAt),
    assignedBy: Type.Optional(AssignmentSchema.properties.assignedBy),
    reason: AssignmentSchema.properties.reason,
  },
  { additionalProperties: false },
);
export type AssignmentRow = Static<typeof AssignmentRowSchema>;

let assignmentValidator: ValidateFunction | undefined;

export function validateAssignmentRow(input: unknown): Validated<AssignmentRow> {
  assignmentValidator ??= ajv.compile(AssignmentRowSchema);
  if (!assignmentValidator(input)) {
    const seen = new Set<string>();
    const problems = (assignmentValidator.errors ?? []).map(problemOf).filter((p) => !seen.has(p.field) && seen.add(p.field));
    return { ok: false, problems };
  }
  return { ok: true, value: input as AssignmentRow };
}
