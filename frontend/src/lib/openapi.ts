/**
 * Reading the server's OpenAPI 3.1 document (`/api/v1/openapi.json`) for the API
 * documentation page: operations grouped by tag, and a readable type for each schema.
 * Only the parts the page shows are modelled; anything unexpected is skipped, never
 * thrown on.
 */

export type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  example?: unknown;
  default?: unknown;
};

export interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description: string | null;
  schema: Schema | null;
}

export interface Response {
  status: string;
  description: string;
  /** The body schema and its media type, if the response has a body. */
  body: { mediaType: string; schema: Schema } | null;
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  summary: string | null;
  description: string | null;
  tags: string[];
  /** Whether a bearer token is needed (or accepted) for this operation. */
  bearer: boolean;
  parameters: Parameter[];
  requestBody: { required: boolean; mediaType: string; schema: Schema } | null;
  responses: Response[];
}

export interface TagGroup {
  name: string;
  description: string | null;
  operations: Operation[];
}

export interface ApiDoc {
  title: string;
  version: string;
  description: string | null;
  groups: TagGroup[];
  schemas: [string, Schema][];
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

type Json = Record<string, unknown>;

function obj(v: unknown): Json | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : null;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() ? v : null;
}

function firstContent(content: unknown): { mediaType: string; schema: Schema } | null {
  const c = obj(content);
  if (!c) return null;
  for (const [mediaType, value] of Object.entries(c)) {
    const schema = obj(obj(value)?.schema);
    if (schema) return { mediaType, schema: schema as Schema };
  }
  return null;
}

/** A stable anchor id for an operation, e.g. `get-api-v1-projects-slug`. */
export function operationAnchor(method: string, path: string): string {
  return `${method}-${path}`
    .toLowerCase()
    .replace(/[{}]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

export function schemaAnchor(name: string): string {
  return `schema-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/** The schema name a `$ref` points at (`#/components/schemas/Project` → `Project`). */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** Turns the raw document into what the page shows; throws only if it is not OpenAPI at all. */
export function readApiDoc(raw: unknown): ApiDoc {
  const doc = obj(raw);
  if (!doc || typeof doc.openapi !== "string" || !obj(doc.paths)) {
    throw new Error("not an OpenAPI document");
  }
  const info = obj(doc.info) ?? {};
  const tagInfo = Array.isArray(doc.tags) ? doc.tags.map(obj).filter((t) => t !== null) : [];
  const globalSecurity = Array.isArray(doc.security) && doc.security.length > 0;

  const operations: Operation[] = [];
  for (const [path, itemRaw] of Object.entries(obj(doc.paths) ?? {})) {
    const item = obj(itemRaw);
    if (!item) continue;
    for (const method of METHODS) {
      const op = obj(item[method]);
      if (!op) continue;
      const params = Array.isArray(op.parameters) ? op.parameters : [];
      const security = Array.isArray(op.security) ? op.security : null;
      const body = obj(op.requestBody);
      const content = body ? firstContent(body.content) : null;
      operations.push({
        id: operationAnchor(method, path),
        method: method.toUpperCase(),
        path,
        summary: str(op.summary),
        description: str(op.description),
        tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : [],
        bearer: security ? security.some((s) => obj(s) && "bearer" in (obj(s) ?? {})) : globalSecurity,
        parameters: params
          .map(obj)
          .filter((p): p is Json => p !== null && typeof p.name === "string")
          .map((p) => ({
            name: p.name as string,
            in: typeof p.in === "string" ? p.in : "query",
            required: p.required === true,
            description: str(p.description),
            schema: (obj(p.schema) as Schema | null) ?? null,
          })),
        requestBody: content
          ? { required: body?.required === true, mediaType: content.mediaType, schema: content.schema }
          : null,
        responses: Object.entries(obj(op.responses) ?? {})
          .map(([status, r]) => ({
            status,
            description: str(obj(r)?.description) ?? "",
            body: firstContent(obj(r)?.content),
          }))
          .sort((a, b) => a.status.localeCompare(b.status)),
      });
    }
  }

  // Groups in the document's tag order; untagged operations last.
  const names = [
    ...tagInfo.map((t) => t.name).filter((n): n is string => typeof n === "string"),
    ...operations.flatMap((o) => o.tags),
  ];
  const seen = new Set<string>();
  const groups: TagGroup[] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const ops = operations.filter((o) => o.tags[0] === name);
    if (ops.length === 0) continue;
    const info = tagInfo.find((t) => t.name === name);
    groups.push({ name, description: str(info?.description), operations: ops });
  }
  const untagged = operations.filter((o) => o.tags.length === 0);
  if (untagged.length > 0) groups.push({ name: "other", description: null, operations: untagged });

  const schemas = Object.entries(obj(obj(doc.components)?.schemas) ?? {})
    .filter((e): e is [string, Json] => obj(e[1]) !== null)
    .map(([name, s]) => [name, s as Schema] as [string, Schema])
    .sort((a, b) => a[0].localeCompare(b[0]));

  return {
    title: str(info.title) ?? "API",
    version: str(info.version) ?? "",
    description: str(info.description),
    groups,
    schemas,
  };
}

/** The rules a value must follow, in words ("1–80 characters", "at least 1"). */
export function constraints(schema: Schema): string[] {
  const out: string[] = [];
  const { minLength: minL, maxLength: maxL, minimum: min, maximum: max } = schema;
  if (minL !== undefined && maxL !== undefined) out.push(`${minL}–${maxL} characters`);
  else if (maxL !== undefined) out.push(`at most ${maxL} characters`);
  else if (minL !== undefined) out.push(`at least ${minL} characters`);
  if (min !== undefined && max !== undefined) out.push(`${min} to ${max}`);
  else if (min !== undefined) out.push(`at least ${min}`);
  else if (max !== undefined) out.push(`at most ${max}`);
  if (schema.minItems !== undefined) out.push(`at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}`);
  if (schema.maxItems !== undefined) out.push(`at most ${schema.maxItems} items`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}
