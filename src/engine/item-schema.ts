// Whether an eval's `item_schema` (a JSON Schema) defines the field a template path names, e.g.
// `{{item.meta.lang}}` → properties.meta.properties.lang. Pure: the schema in, an answer out.
//
// A schema that says nothing about a level (no `properties`, `{}`, `true`, a `$ref` that cannot be
// followed) leaves every field open there: only what the schema rules out is refused. A level with
// `properties` (or `patternProperties`) defines those fields only, unless `additionalProperties` is `true`
// or a schema; that is what catches a typo such as `{{item.must_mentoin}}`.

/** The answer for one path: defined, or where it stops and what that level defines. */
export type FieldLookup = { defined: true } | { defined: false; at: string[]; known: string[]; why: 'undefined' | 'not-an-object' };

/** Steps of `$ref`/combinator nesting followed at most: a recursive schema must not loop. */
const MAX_STEPS = 64;

/** Looks up `path` (the parts after `item.`) in `schema`. */
export function lookUpField(schema: unknown, path: readonly string[]): FieldLookup {
  return lookUp(schema, schema, path, 0, 0);
}

function lookUp(root: unknown, schema: unknown, path: readonly string[], index: number, steps: number): FieldLookup {
  // `false` allows no value: the field that leads to it is not one the item may have.
  if (schema === false && index > 0) return { defined: false, at: path.slice(0, index), known: [], why: 'undefined' };
  if (index >= path.length || steps > MAX_STEPS || !isObject(schema)) return { defined: true };
  if (typeof schema.$ref === 'string' && resolvePointer(root, schema.$ref) === undefined) return { defined: true };

  // What applies at this level: the schema's own keywords, a $ref, the combinators' branches. A field
  // any of them defines is defined (allOf often spreads an object's properties over its branches).
  const alternatives: Array<() => FieldLookup> = [];
  if (constrainsLevel(schema)) alternatives.push(() => lookUpHere(root, schema, path, index, steps));
  if (typeof schema.$ref === 'string') alternatives.push(() => lookUp(root, resolvePointer(root, schema.$ref as string), path, index, steps + 1));
  for (const branch of [...list(schema.allOf), ...list(schema.anyOf), ...list(schema.oneOf)]) {
    alternatives.push(() => lookUp(root, branch, path, index, steps + 1));
  }
  if (alternatives.length === 0) return { defined: true };
  const refusals: Extract<FieldLookup, { defined: false }>[] = [];
  for (const alternative of alternatives) {
    const found = alternative();
    if (found.defined) return found;
    refusals.push(found);
  }
  // Said from the level where the path first goes astray, with every field any alternative defines there.
  const first = refusals.reduce((shallowest, refusal) => (refusal.at.length < shallowest.at.length ? refusal : shallowest));
  const known = [...new Set(refusals.filter((refusal) => refusal.at.length === first.at.length).flatMap((refusal) => refusal.known))];
  return { ...first, known };
}

/** One level of one schema (no $ref, no combinators). */
function lookUpHere(root: unknown, schema: Record<string, unknown>, path: readonly string[], index: number, steps: number): FieldLookup {
  const part = path[index] as string;
  const next = (child: unknown) => lookUp(root, child, path, index + 1, steps + 1);
  const types = typeList(schema.type);
  const arrayLike = types.includes('array') || schema.items !== undefined || schema.prefixItems !== undefined;
  const objectLike = types.includes('object') || schema.properties !== undefined || schema.patternProperties !== undefined || schema.additionalProperties !== undefined;

  if (/^\d+$/.test(part) && arrayLike) {
    const position = Number(part);
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : null;
    if (prefix && position < prefix.length) return next(prefix[position]);
    if (prefix) return next(Array.isArray(schema.items) ? schema.additionalItems : schema.items);
    return next(schema.items);
  }
  if (objectLike) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (Object.hasOwn(properties, part)) return next(properties[part]);
    if (isObject(schema.patternProperties)) {
      for (const [pattern, child] of Object.entries(schema.patternProperties)) {
        if (matches(pattern, part)) return next(child);
      }
    }
    const additional = schema.additionalProperties;
    if (isObject(additional) || additional === true) return next(additional);
    const listsFields = isObject(schema.properties) || isObject(schema.patternProperties);
    if (additional === false || listsFields) return { defined: false, at: path.slice(0, index + 1), known: Object.keys(properties), why: 'undefined' };
    return { defined: true };
  }
  if (types.length > 0 && !types.includes('object') && !types.includes('array')) {
    return { defined: false, at: path.slice(0, index + 1), known: [], why: 'not-an-object' };
  }
  return { defined: true };
}

/** True when the schema constrains fields itself, besides its combinators. */
function constrainsLevel(schema: Record<string, unknown>): boolean {
  return ['properties', 'patternProperties', 'additionalProperties', 'items', 'prefixItems', 'type'].some((key) => schema[key] !== undefined);
}

/** A local `$ref` (`#/$defs/x`, `#/definitions/x`, `#`); undefined for any other. */
function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  let value: unknown = root;
  for (const token of pointer.slice(1).split('/')) {
    const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function matches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    // A pattern JavaScript cannot read: the field may be one it allows.
    return true;
  }
}

function typeList(type: unknown): string[] {
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((entry): entry is string => typeof entry === 'string') : [];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
