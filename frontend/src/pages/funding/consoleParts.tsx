/**
 * Pieces the console's goal, compute and sponsor sections share: a labelled textarea,
 * an action button that shows its own failure, the accelerator catalogue, percentages
 * from basis points, and words for the console's problem codes.
 */
import { useId, type ReactNode } from "react";
import { api, isApiError, type Accelerator } from "../../api/client";
import { FormAlert } from "../../components/Form";
import { scaledDecimal } from "../../lib/money";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { fundingProblemMessage } from "./problems";

const CONSOLE_MESSAGES: Record<string, string> = {
  exceeds_pledge:
    "Confirming this would take the pledge past what was pledged. Reject the report, or ask for a corrected one.",
  goal_not_open:
    "This goal is no longer open (met, closed or expired): its deadline and targets cannot change.",
  invalid_sacct: "Some lines could not be read; nothing was recorded. See the lines below.",
  unmapped_gpu_types:
    "Some Slurm GPU types are not mapped to an accelerator class yet. Map them below, then preview again.",
  nothing_to_record:
    "Nothing in this upload counts toward the pledge (no finished allocation of the pledge's class).",
  digest_mismatch: "The accounting text changed after the preview. Preview it again before confirming.",
  invalid_state:
    "This has changed in the meantime (decided already, or the pledge is delivered or expired). Reload to see it.",
};

/** The sentence a console form shows for a failed call. */
export function consoleProblemMessage(error: unknown): string {
  if (isApiError(error) && error.status < 500) {
    const known = CONSOLE_MESSAGES[error.code];
    if (known) return known;
  }
  return fundingProblemMessage(error);
}

/** Basis points (10000 = 100 %) as a percentage with up to two decimals: 4567 → "45.67 %". */
export function percentText(basisPoints: number): string {
  const text = scaledDecimal(basisPoints, 2).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  return `${text} %`;
}

/** A bar for basis points, capped at 100 % (the figure next to it is not capped). */
export function ProgressBar({ basisPoints, label }: { basisPoints: number; label: string }) {
  return (
    <progress
      className="goal-progress"
      max={10000}
      value={Math.max(0, Math.min(basisPoints, 10000))}
      aria-label={label}
    />
  );
}

/** The accelerator catalogue (public), loaded once per section. */
export function useAccelerators() {
  return useAsync((signal) => api.listAccelerators({ signal }), []);
}

/** "NVIDIA H100 80GB (H100-80GB)" for a class code, or the code alone when unknown. */
export function acceleratorName(code: string, catalogue: Accelerator[]): string {
  const a = catalogue.find((x) => x.code === code);
  return a && a.display_name !== code ? `${a.display_name} (${code})` : code;
}

export function TextArea({
  label,
  name,
  value,
  onChange,
  error,
  hint,
  maxLength,
  rows = 4,
  spellCheck,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | null;
  hint?: ReactNode;
  maxLength?: number;
  rows?: number;
  spellCheck?: boolean;
}) {
  const id = useId();
  const described = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].join(" ").trim() || undefined;
  return (
    <div className={`field${error ? " field-invalid" : ""}`} data-field={name}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        className="input"
        rows={rows}
        maxLength={maxLength}
        value={value}
        spellCheck={spellCheck}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
      />
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

/** A small button that runs one call, then `onDone`; its failure is shown under it. */
export function ActionButton({
  label,
  pendingLabel,
  ariaLabel,
  run,
  onDone,
  testId,
  variant = "primary",
}: {
  label: string;
  pendingLabel: string;
  ariaLabel?: string;
  run: () => Promise<unknown>;
  onDone: () => void;
  testId: string;
  variant?: "primary" | "secondary" | "danger";
}) {
  const submit = useSubmit(run);
  const cls = `button button-small${variant === "primary" ? "" : ` button-${variant}`}`;
  return (
    <>
      <button
        type="button"
        className={cls}
        onClick={() => void submit.run().then((r) => r.ok && onDone())}
        disabled={submit.pending}
        aria-busy={submit.pending}
        aria-label={submit.pending ? undefined : ariaLabel}
        data-testid={testId}
      >
        {submit.pending ? pendingLabel : label}
      </button>
      {submit.error !== null && (
        <FormAlert testId={`${testId}-error`}>{consoleProblemMessage(submit.error)}</FormAlert>
      )}
    </>
  );
}
