/**
 * The signed-in account's sponsor profile (`/me/sponsor-profile`): the public name,
 * link and logo that projects show on their sponsor wall once their maintainers
 * approve the sponsor. Links must be http(s): the server refuses anything else
 * (`javascript:`, `data:`…) with a 422 whose field errors are shown under the fields.
 */
import { useState, type FormEvent } from "react";
import { api, isApiError, type SponsorProfile } from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { ErrorState, LoadingBlock } from "../../components/States";
import { formatDate } from "../../lib/format";
import { fieldErrors, problemMessage, type FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { checkLabel } from "../../lib/validate";

/** `UpdateSponsorProfile.display_name.maxLength`. */
export const SPONSOR_NAME_MAX = 120;
export const SPONSOR_LINK_MAX = 2000;

const LINK_WORDS: Record<string, string> = {
  format: "Enter an http(s) link, like https://example.org. Other kinds of links are not allowed.",
  length: "This link is too long.",
};

/** A refused profile's field errors, with our words for the links. */
export function sponsorProfileErrors(error: unknown): FieldErrors {
  const out = fieldErrors(error);
  if (!isApiError(error)) return out;
  for (const v of error.violations) {
    const words = LINK_WORDS[v.code];
    if ((v.field === "url" || v.field === "logo_url") && words) out[v.field] = words;
  }
  return out;
}

interface Draft {
  display_name: string;
  url: string;
  logo_url: string;
}

function draftOf(p: SponsorProfile): Draft {
  return { display_name: p.display_name, url: p.url ?? "", logo_url: p.logo_url ?? "" };
}

function ProfileForm({ initial }: { initial: SponsorProfile }) {
  const [saved, setSaved] = useState<SponsorProfile>(initial);
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);
  const save = useSubmit((d: Draft) =>
    api.updateSponsorProfile({
      display_name: d.display_name.trim(),
      url: d.url.trim() || null,
      logo_url: d.logo_url.trim() || null,
    }),
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const nameError = checkLabel(draft.display_name, "the name to show", SPONSOR_NAME_MAX);
    if (nameError) {
      setErrors({ display_name: nameError });
      return;
    }
    setErrors({});
    const result = await save.run(draft);
    if (result.ok) {
      setSaved(result.value);
      setDraft(draftOf(result.value));
      setDone(true);
    } else {
      setErrors(sponsorProfileErrors(result.error));
    }
  }

  const set = (field: keyof Draft) => (value: string) => {
    setDone(false);
    setDraft({ ...draft, [field]: value });
  };
  return (
    <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate aria-label="Sponsor profile" data-testid="sponsor-profile-form">
      {save.error !== null && <FormAlert>{problemMessage(save.error)}</FormAlert>}
      {done && (
        <Notice title="Sponsor profile saved." testId="sponsor-profile-saved">
          <p>Projects you sponsor publicly show it once their maintainers approve you.</p>
        </Notice>
      )}
      <Field
        label="Public name"
        name="display_name"
        autoComplete="organization"
        maxLength={SPONSOR_NAME_MAX}
        value={draft.display_name}
        onChange={set("display_name")}
        error={errors.display_name}
        hint="A person's or an organisation's name."
        required
      />
      <Field
        label="Link (optional)"
        name="url"
        type="url"
        inputMode="url"
        autoComplete="url"
        maxLength={SPONSOR_LINK_MAX}
        value={draft.url}
        onChange={set("url")}
        error={errors.url}
        hint="An http(s) address, e.g. https://example.org. Shown as a sponsored link."
      />
      <Field
        label="Logo address (optional)"
        name="logo_url"
        type="url"
        inputMode="url"
        maxLength={SPONSOR_LINK_MAX}
        value={draft.logo_url}
        onChange={set("logo_url")}
        error={errors.logo_url}
        hint="An https address of an image, shown square at 48 px."
      />
      <div className="form-actions">
        <SubmitButton pending={save.pending} pendingLabel="Saving…" testId="sponsor-profile-save">
          Save sponsor profile
        </SubmitButton>
        {saved.updated_at && (
          <span className="muted small">
            Last saved <time dateTime={saved.updated_at}>{formatDate(saved.updated_at)}</time>
          </span>
        )}
      </div>
    </form>
  );
}

export function SponsorProfileForm() {
  const state = useAsync((signal) => api.mySponsorProfile({ signal }), []);
  if (state.status === "loading") return <LoadingBlock label="Loading your sponsor profile…" />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={state.retry} />;
  return <ProfileForm initial={state.data} />;
}
