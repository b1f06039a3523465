/** The settings form shared by "List a project" and a project's settings page. */
import { useId, type FormEvent } from "react";
import type { Project, ProjectKind } from "../../api/client";
import { Field, FormAlert, SubmitButton, TextArea } from "../../components/Form";
import { kindLabel, PROJECT_KINDS } from "../../lib/format";
import { fieldErrors, problemMessage } from "../../lib/problems";

/** What the form edits, as typed (empty optional fields are sent as null). */
export interface ProjectFields {
  slug: string;
  name: string;
  summary: string;
  kind: ProjectKind;
  description: string;
  homepage: string;
  repository_url: string;
  model_card_url: string;
  license: string;
  currency: string;
  auto_approve_sponsors: boolean;
  /** Settings only (a new project starts with bots not counted). */
  count_bots: boolean;
  contact_name: string;
  contact_email: string;
}

export const DESCRIPTION_MAX = 20000;

export const EMPTY_FIELDS: ProjectFields = {
  slug: "",
  name: "",
  summary: "",
  kind: "model",
  description: "",
  homepage: "",
  repository_url: "",
  model_card_url: "",
  license: "",
  currency: "USD",
  auto_approve_sponsors: false,
  count_bots: false,
  contact_name: "",
  contact_email: "",
};

export function fieldsOf(p: Project): ProjectFields {
  return {
    slug: p.slug,
    name: p.name,
    summary: p.summary,
    kind: p.kind,
    description: p.description,
    homepage: p.homepage ?? "",
    repository_url: p.repository_url ?? "",
    model_card_url: p.model_card_url ?? "",
    license: p.license ?? "",
    currency: p.currency,
    auto_approve_sponsors: p.auto_approve_sponsors,
    count_bots: p.count_bots,
    contact_name: p.contact_name ?? "",
    contact_email: p.contact_email ?? "",
  };
}

const orNull = (s: string) => (s.trim() === "" ? null : s.trim());

/** The patch of a project's settings page: every setting, the bots switch included. */
export function updateBody(f: ProjectFields) {
  return { ...settingsBody(f), count_bots: f.count_bots };
}

/** The body both create and patch send (all settings; empty optional ones cleared). */
export function settingsBody(f: ProjectFields) {
  return {
    name: f.name,
    summary: f.summary,
    kind: f.kind,
    description: f.description,
    homepage: orNull(f.homepage),
    repository_url: orNull(f.repository_url),
    model_card_url: orNull(f.model_card_url),
    license: orNull(f.license),
    currency: f.currency.trim().toUpperCase(),
    auto_approve_sponsors: f.auto_approve_sponsors,
    contact_name: orNull(f.contact_name),
    contact_email: orNull(f.contact_email),
  };
}

export function ProjectForm({
  fields,
  setFields,
  onSubmit,
  pending,
  error,
  creating,
  submitLabel,
}: {
  fields: ProjectFields;
  setFields: (f: ProjectFields) => void;
  onSubmit: () => void;
  pending: boolean;
  error: unknown;
  creating: boolean;
  submitLabel: string;
}) {
  const errors = fieldErrors(error, { name: "project_name" });
  const kindId = useId();
  const set = <K extends keyof ProjectFields>(key: K) => (value: ProjectFields[K]) =>
    setFields({ ...fields, [key]: value });
  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit();
  }
  return (
    <form className="form project-form" onSubmit={submit} noValidate data-testid="project-form">
      {error != null && <FormAlert>{problemMessage(error)}</FormAlert>}
      <fieldset className="fieldset">
        <legend>Basics</legend>
        {creating && (
          <Field
            label="Address"
            name="slug"
            value={fields.slug}
            onChange={set("slug")}
            error={errors.slug}
            hint="Lower-case letters, digits and dashes; the page will be /projects/<address>. It cannot change later."
            maxLength={64}
            required
          />
        )}
        <Field label="Name" name="name" value={fields.name} onChange={set("name")} error={errors.project_name} maxLength={120} required />
        <div className={`field${errors.kind ? " field-invalid" : ""}`} data-field="kind">
          <label htmlFor={kindId} className="field-label">
            Kind
          </label>
          <select
            id={kindId}
            name="kind"
            className="input"
            value={fields.kind}
            onChange={(e) => set("kind")(e.target.value as ProjectKind)}
          >
            {PROJECT_KINDS.map((k) => (
              <option key={k} value={k}>
                {kindLabel(k)}
              </option>
            ))}
          </select>
          {errors.kind && <p className="field-error" data-testid="error-kind">{errors.kind}</p>}
        </div>
        <TextArea label="Summary" name="summary" value={fields.summary} onChange={set("summary")} error={errors.summary} maxLength={1000} rows={2} />
        <TextArea
          label="Description"
          name="description"
          value={fields.description}
          onChange={set("description")}
          error={errors.description}
          maxLength={DESCRIPTION_MAX}
          rows={10}
          hint="Markdown: headings, lists, links, code. HTML is shown as text."
        />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Licence and links</legend>
        <Field
          label="Licence"
          name="license"
          value={fields.license}
          onChange={set("license")}
          error={errors.license}
          hint="An SPDX expression, e.g. Apache-2.0 or MIT OR Apache-2.0."
          maxLength={200}
        />
        <Field label="Homepage" name="homepage" type="url" value={fields.homepage} onChange={set("homepage")} error={errors.homepage} maxLength={2000} placeholder="https://" />
        <Field label="Repository" name="repository_url" type="url" value={fields.repository_url} onChange={set("repository_url")} error={errors.repository_url} maxLength={2000} placeholder="https://" />
        <Field label="Model or data card" name="model_card_url" type="url" value={fields.model_card_url} onChange={set("model_card_url")} error={errors.model_card_url} maxLength={2000} placeholder="https://" />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Funding</legend>
        <Field
          label="Currency"
          name="currency"
          value={fields.currency}
          onChange={set("currency")}
          error={errors.currency}
          hint="ISO 4217 code, e.g. USD, EUR, JPY. It cannot change once money is pledged."
          maxLength={3}
        />
        <div className="field field-checkbox" data-field="auto_approve_sponsors">
          <label>
            <input
              type="checkbox"
              name="auto_approve_sponsors"
              checked={fields.auto_approve_sponsors}
              onChange={(e) => set("auto_approve_sponsors")(e.target.checked)}
            />{" "}
            Show sponsors' names and logos without approving each
          </label>
        </div>
        <Field label="Public contact name" name="contact_name" value={fields.contact_name} onChange={set("contact_name")} error={errors.contact_name} maxLength={120} />
        <Field label="Public contact email" name="contact_email" type="email" value={fields.contact_email} onChange={set("contact_email")} error={errors.contact_email} maxLength={254} />
      </fieldset>
      {!creating && (
        <fieldset className="fieldset">
          <legend>Recognition</legend>
          <div className="field field-checkbox" data-field="count_bots">
            <label>
              <input
                type="checkbox"
                name="count_bots"
                checked={fields.count_bots}
                onChange={(e) => set("count_bots")(e.target.checked)}
              />{" "}
              Count bots' activity (dependabot and other accounts GitHub marks as bots) in the contributors list and
              the activity feed
            </label>
          </div>
        </fieldset>
      )}
      <SubmitButton pending={pending} testId="project-submit">
        {submitLabel}
      </SubmitButton>
    </form>
  );
}
