/**
 * Pieces both pledge flows (money and compute) share: the choice between them, the
 * optional goal a pledge counts toward, a labelled select, the end of every pledge form
 * (goal, anonymity, message, "Review pledge"), and the words for the pledge endpoint's
 * goal problems.
 */
import { useId, type ReactNode } from "react";
import { api, isApiError, type Goal } from "../../api/client";
import type { FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";

export type PledgeKind = "money" | "compute";

/** `?kind=compute` → compute; anything else is money. */
export function pledgeKindOf(value: string | null): PledgeKind {
  return value === "compute" ? "compute" : "money";
}

/** `?goal=12` → 12; anything that is not a positive integer → null. */
export function goalIdOf(value: string | null): number | null {
  return value !== null && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null;
}

/** Money or compute: radio buttons at the top of the pledge form. */
export function PledgeKindChoice({ kind, onChange }: { kind: PledgeKind; onChange: (k: PledgeKind) => void }) {
  return (
    <fieldset className="field pledge-kind" data-testid="pledge-kind">
      <legend className="field-label">What you pledge</legend>
      <label className="checkbox">
        <input
          type="radio"
          name="pledge-kind"
          value="money"
          checked={kind === "money"}
          onChange={() => onChange("money")}
          data-testid="pledge-kind-money"
        />
        Money, in the project's currency
      </label>
      <label className="checkbox">
        <input
          type="radio"
          name="pledge-kind"
          value="compute"
          checked={kind === "compute"}
          onChange={() => onChange("compute")}
          data-testid="pledge-kind-compute"
        />
        Compute: GPU-hours you provide
      </label>
    </fieldset>
  );
}

/** The project's open goals (the only ones a pledge may count toward); [] if none or unreadable. */
export function useOpenGoals(slug: string): Goal[] | null {
  const state = useAsync(
    (signal) => api.listGoals(slug, { status: "open", limit: 100 }, { signal }),
    [slug],
  );
  if (state.status === "loading") return null;
  return state.status === "success" ? state.data.items : [];
}

/** A labelled <select> with the same error and hint wiring as `Field`. */
export function SelectField({
  label,
  name,
  value,
  onChange,
  error,
  hint,
  children,
  disabled,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  hint?: ReactNode;
  children: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className={`field${error ? " field-invalid" : ""}`} data-field={name}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select
        id={id}
        name={name}
        className="input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        disabled={disabled}
      >
        {children}
      </select>
      {hint && (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid={`error-${name}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** "Counts toward a goal (optional)": the open goals; nothing when there are none. */
export function GoalSelect({
  goals,
  value,
  onChange,
  error,
}: {
  goals: Goal[] | null;
  value: string;
  onChange: (value: string) => void;
  error?: string;
}) {
  if (goals === null || (goals.length === 0 && !error)) return null;
  return (
    <SelectField
      label="Counts toward a goal (optional)"
      name="goal"
      value={value}
      onChange={onChange}
      error={error}
      hint="Your pledge shows in that goal's progress."
    >
      <option value="">No particular goal</option>
      {goals.map((g) => (
        <option key={g.id} value={String(g.id)}>
          {g.title}
        </option>
      ))}
    </SelectField>
  );
}

/** The goal chosen in a draft, if it is still one of the open goals. */
export function chosenGoal(goals: Goal[] | null, value: string): Goal | null {
  return goals?.find((g) => String(g.id) === value) ?? null;
}

/** `unknown_goal` / `goal_not_open` answers as an error on the goal field (else none). */
export function goalProblem(error: unknown): FieldErrors {
  if (!isApiError(error)) return {};
  if (error.code === "unknown_goal") return { goal: "That goal is not one of this project's." };
  if (error.code === "goal_not_open") {
    return { goal: "That goal takes no more pledges (it is met, closed or expired). Choose another." };
  }
  return {};
}

/** A pledge's message is at most this many characters (the server's limit). */
export const MESSAGE_MAX = 2000;

/** The fields every pledge draft has beside its kind's own. */
export interface PledgeExtrasDraft {
  goal: string;
  anonymous: boolean;
  message: string;
}

/**
 * The end of both pledge forms: the optional goal, the anonymity switch, the message to
 * the project and the "Review pledge" button. `onChange` gets the changed field only.
 */
export function PledgeExtras({
  idPrefix,
  goals,
  draft,
  errors,
  onChange,
}: {
  idPrefix: string;
  goals: Goal[] | null;
  draft: PledgeExtrasDraft;
  errors: FieldErrors;
  onChange: (patch: Partial<PledgeExtrasDraft>) => void;
}) {
  return (
    <>
      <GoalSelect goals={goals} value={draft.goal} onChange={(goal) => onChange({ goal })} error={errors.goal} />
      <label className="checkbox">
        <input
          type="checkbox"
          name="anonymous"
          checked={draft.anonymous}
          onChange={(e) => onChange({ anonymous: e.target.checked })}
          data-testid="pledge-anonymous"
        />
        Pledge anonymously (your name is shown nowhere, not even to the maintainers)
      </label>
      <div className={`field${errors.message ? " field-invalid" : ""}`} data-field="message">
        <label className="field-label" htmlFor={`${idPrefix}-message`}>
          Message to the project (optional)
        </label>
        <textarea
          id={`${idPrefix}-message`}
          name="message"
          className="input"
          rows={3}
          maxLength={MESSAGE_MAX}
          value={draft.message}
          onChange={(e) => onChange({ message: e.target.value })}
          aria-invalid={errors.message ? true : undefined}
        />
        {errors.message && (
          <p className="field-error" data-testid="error-message">
            {errors.message}
          </p>
        )}
      </div>
      <div className="form-actions">
        <button type="submit" className="button" data-testid="pledge-review">
          Review pledge
        </button>
      </div>
    </>
  );
}
