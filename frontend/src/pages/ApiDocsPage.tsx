import { Fragment, useEffect, type ReactNode } from "react";
import { api } from "../api/client";
import { ErrorState, LoadingBlock } from "../components/States";
import { useInstance } from "../instance/instance";
import {
  constraints,
  readApiDoc,
  refName,
  schemaAnchor,
  type Operation,
  type Schema,
} from "../lib/openapi";
import { useAsync, useDocumentTitle } from "../lib/useAsync";
import { Link } from "../router";

/** Text with `code spans` from the document's descriptions, rendered without HTML. */
function Prose({ text }: { text: string }) {
  const parts = text.split("`");
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? <code key={i}>{part}</code> : <Fragment key={i}>{part}</Fragment>,
      )}
    </>
  );
}

function typeNames(type: Schema["type"]): string[] {
  if (Array.isArray(type)) return type;
  return type ? [type] : [];
}

/** A schema's type in words, with links to named schemas. */
export function TypeOf({ schema }: { schema: Schema }): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return <a href={`#${schemaAnchor(name)}`}>{name}</a>;
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && alternatives.length > 0) {
    return (
      <>
        {alternatives.map((alt, i) => (
          <Fragment key={i}>
            {i > 0 && " or "}
            <TypeOf schema={alt} />
          </Fragment>
        ))}
      </>
    );
  }
  if (schema.allOf?.length === 1 && schema.allOf[0]) return <TypeOf schema={schema.allOf[0]} />;
  if (schema.enum && schema.enum.length > 0) {
    return (
      <>
        one of{" "}
        {schema.enum.map((v, i) => (
          <Fragment key={i}>
            {i > 0 && ", "}
            <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>
          </Fragment>
        ))}
      </>
    );
  }
  const types = typeNames(schema.type);
  const nullable = types.includes("null");
  const main = types.filter((t) => t !== "null");
  let base: ReactNode = main.join(" or ") || "any value";
  if (main.length === 1 && main[0] === "array" && schema.items) {
    base = (
      <>
        array of <TypeOf schema={schema.items} />
      </>
    );
  } else if (schema.format) {
    base = `${base} (${schema.format})`;
  }
  return nullable ? <>{base} or null</> : base;
}

/** The rules of a value: lengths, ranges and, folded away, its pattern. */
function Rules({ schema }: { schema: Schema }) {
  const words = constraints(schema);
  if (words.length === 0 && !schema.pattern) return null;
  return (
    <span className="api-rules">
      {words.length > 0 && <span> · {words.join(", ")}</span>}
      {schema.pattern && (
        <details className="api-pattern">
          <summary>Pattern</summary>
          <code>{schema.pattern}</code>
        </details>
      )}
    </span>
  );
}

function Properties({ schema }: { schema: Schema }) {
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return null;
  const required = new Set(schema.required ?? []);
  return (
    <dl className="api-fields">
      {props.map(([name, prop]) => (
        <div key={name} className="api-field">
          <dt>
            <code>{name}</code>{" "}
            <span className={required.has(name) ? "api-required" : "api-optional"}>
              {required.has(name) ? "required" : "optional"}
            </span>
          </dt>
          <dd>
            <span className="api-type">
              <TypeOf schema={prop} />
            </span>
            <Rules schema={prop} />
            {prop.description && (
              <p className="api-desc">
                <Prose text={prop.description} />
              </p>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function OperationBlock({ op }: { op: Operation }) {
  const headingId = `${op.id}-title`;
  return (
    <article className="api-op card" id={op.id} aria-labelledby={headingId} data-testid="api-operation">
      <h3 className="api-op-title" id={headingId}>
        <span className={`api-method api-method-${op.method.toLowerCase()}`}>{op.method}</span>{" "}
        <code className="api-path">{op.path}</code>
      </h3>
      {op.summary && (
        <p className="api-summary">
          <Prose text={op.summary} />
        </p>
      )}
      {op.description && op.description !== op.summary && (
        <p className="api-desc">
          <Prose text={op.description} />
        </p>
      )}
      <p className="api-auth-note">
        {op.bearer ? (
          <span className="pill pill-warn">Needs a token</span>
        ) : (
          <span className="pill pill-ok">Public</span>
        )}
      </p>
      {op.parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <dl className="api-fields">
            {op.parameters.map((p) => (
              <div key={`${p.in}-${p.name}`} className="api-field">
                <dt>
                  <code>{p.name}</code> <span className="api-in">in {p.in}</span>{" "}
                  <span className={p.required ? "api-required" : "api-optional"}>
                    {p.required ? "required" : "optional"}
                  </span>
                </dt>
                <dd>
                  {p.schema && (
                    <>
                      <span className="api-type">
                        <TypeOf schema={p.schema} />
                      </span>
                      <Rules schema={p.schema} />
                    </>
                  )}
                  {p.description && (
                    <p className="api-desc">
                      <Prose text={p.description} />
                    </p>
                  )}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
      {op.requestBody && (
        <>
          <h4>Request body</h4>
          <p>
            <code>{op.requestBody.mediaType}</code>:{" "}
            <span className="api-type">
              <TypeOf schema={op.requestBody.schema} />
            </span>
          </p>
        </>
      )}
      <h4>Responses</h4>
      <ul className="api-responses">
        {op.responses.map((r) => (
          <li key={r.status}>
            <strong className="api-status">{r.status}</strong> {r.description && <Prose text={r.description} />}
            {r.body && (
              <>
                {" "}
                — <TypeOf schema={r.body.schema} />
              </>
            )}
          </li>
        ))}
      </ul>
    </article>
  );
}

function HowToAuthenticate({ origin, name }: { origin: string; name: string }) {
  return (
    <section className="api-intro card" aria-labelledby="api-auth-title" data-testid="api-auth">
      <h2 id="api-auth-title">How to authenticate with an API token</h2>
      <p>Reading public data (projects, the instance) needs no token. Everything else does:</p>
      <ol className="api-steps">
        <li>
          Log in and open <Link to="/settings">Settings</Link>, section <strong>API tokens</strong>.
        </li>
        <li>
          Create a token. Give it the <strong>read</strong> scope to only read, and{" "}
          <strong>write</strong> too if it should create or change things. Copy it: it is shown
          only once.
        </li>
        <li>
          Send it with each request in the <code>Authorization</code> header:
        </li>
      </ol>
      <pre className="api-example">
        <code>{`curl -H "Authorization: Bearer of_pat_…" ${origin}/api/v1/me`}</code>
      </pre>
      <p className="muted small">
        A token acts as you, so keep it secret and revoke it when you no longer need it. Tokens
        cannot change your password, email address or other tokens: for that, sign in to{" "}
        {name} itself. Errors come back as <code>application/problem+json</code> with a stable{" "}
        <code>code</code>, such as <code>not_found</code> or <code>insufficient_scope</code>.
      </p>
    </section>
  );
}

export function ApiDocsPage() {
  useDocumentTitle("API documentation");
  const { name } = useInstance();
  const state = useAsync((signal) => api.getOpenApi({ signal }).then(readApiDoc), []);
  const loaded = state.status === "success";

  // The content arrives after the page: honour a #fragment in the address then.
  useEffect(() => {
    if (!loaded || !window.location.hash) return;
    const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    target?.scrollIntoView?.();
  }, [loaded]);

  const origin = window.location.origin;
  let body;
  if (state.status === "loading") {
    body = <LoadingBlock label="Loading the API description…" />;
  } else if (state.status === "error") {
    body = <ErrorState error={state.error} onRetry={state.retry} />;
  } else {
    const doc = state.data;
    body = (
      <>
        <nav className="api-toc card" aria-labelledby="api-toc-title">
          <h2 id="api-toc-title">Contents</h2>
          <ul>
            {doc.groups.map((g) => (
              <li key={g.name}>
                <a href={`#tag-${g.name}`}>{g.name}</a>
                <span className="muted"> ({g.operations.length})</span>
              </li>
            ))}
            <li>
              <a href="#schemas">Schemas</a>
            </li>
          </ul>
        </nav>
        {doc.groups.map((g) => (
          <section key={g.name} className="api-group" aria-labelledby={`tag-${g.name}`}>
            <h2 id={`tag-${g.name}`} className="api-group-title">
              {g.name}
            </h2>
            {g.description && <p className="muted">{g.description}</p>}
            {g.operations.map((op) => (
              <OperationBlock key={op.id} op={op} />
            ))}
          </section>
        ))}
        <section className="api-group" aria-labelledby="schemas">
          <h2 id="schemas" className="api-group-title">
            Schemas
          </h2>
          {doc.schemas.map(([schemaName, schema]) => (
            <article
              key={schemaName}
              id={schemaAnchor(schemaName)}
              className="api-op card"
              aria-labelledby={`${schemaAnchor(schemaName)}-title`}
            >
              <h3 className="api-op-title" id={`${schemaAnchor(schemaName)}-title`}>
                {schemaName}
              </h3>
              {schema.description && (
                <p className="api-desc">
                  <Prose text={schema.description} />
                </p>
              )}
              {schema.properties ? (
                <Properties schema={schema} />
              ) : (
                <p>
                  <span className="api-type">
                    <TypeOf schema={schema} />
                  </span>
                  <Rules schema={schema} />
                </p>
              )}
            </article>
          ))}
        </section>
      </>
    );
  }

  return (
    <div className="api-docs" data-testid="api-docs">
      <p className="back">
        <Link to="/" data-testid="back-link">
          ← Back to {name}
        </Link>
      </p>
      <header className="api-docs-header">
        <h1>API documentation</h1>
        <p className="muted">
          Everything {name} shows is also available as JSON under <code>/api/v1</code>. This page
          is drawn from the{" "}
          <a href="/api/v1/openapi.json" data-testid="api-openapi-link">
            OpenAPI document
          </a>
          , which code generators and API tools can read directly.
        </p>
      </header>
      <HowToAuthenticate origin={origin} name={name} />
      {body}
    </div>
  );
}
