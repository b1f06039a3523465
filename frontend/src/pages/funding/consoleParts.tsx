/**
 * Pieces the console's goal, compute and sponsor sections share: an action button that
 * shows its own failure, a bar for basis points, the accelerator catalogue, and words
 * for the console's problem codes.
 */
import { api, isApiError, type Accelerator } from "../../api/client";
import { FormAlert } from "../../components/Form";
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
