/**
 * A compute pledge on the sponsor dashboard: its row (GPU-hours delivered of pledged,
 * from `GET /pledges/{id}/deliveries`) and, opened from the row, its delivery reports
 * with their state and the form to report a delivery (GPU-hours or GPU-minutes and
 * evidence: a note or a link). A maintainer confirms each report; only confirmed
 * minutes count as delivered.
 */
import { useId, useRef, useState, type FormEvent } from "react";
import { api, isApiError, type Delivery, type MyPledge, type PledgeDeliveries } from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { ErrorState, LoadingBlock } from "../../components/States";
import { hoursErrorMessage, parseGpuHours, parseGpuMinutes } from "../../lib/compute";
import { formatDate, formatShortDate, safeHttpUrl } from "../../lib/format";
import { formatGpuHours } from "../../lib/money";
import { fieldErrors, type FieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { Link } from "../../router";
import { SelectField } from "./PledgeParts";
import { fundingProblemMessage } from "./problems";

export const EVIDENCE_MAX = 2000;

const DELIVERY_STATE_WORDS: Record<Delivery["state"], string> = {
  reported: "Waiting for the maintainers",
  confirmed: "Confirmed",
  rejected: "Rejected",
};

export function deliveryStateLabel(state: string): string {
  return DELIVERY_STATE_WORDS[state as Delivery["state"]] ?? state;
}

/** A compute pledge's state in words (its money words do not fit: nothing is "received"). */
export function computeStateLabel(p: Pick<MyPledge, "state" | "window_end">): string {
  switch (p.state) {
    case "pledged":
      return p.window_end ? `Delivering until ${formatShortDate(p.window_end)}` : "Delivering";
    case "delivered":
      return "Delivered in full";
    case "expired":
      return "Window ended";
    default:
      return p.state;
  }
}

/** "1.5 of 10 GPU-h" (confirmed of pledged). */
export function deliveredText(confirmedMinutes: number, pledgedMinutes: number): string {
  return `${formatGpuHours(confirmedMinutes).replace(/ GPU-h$/, "")} of ${formatGpuHours(pledgedMinutes)}`;
}

type Unit = "hours" | "minutes";

/** The report form's field errors from the server, on the form's fields. */
export function deliveryFieldErrors(error: unknown, remaining: number): FieldErrors {
  if (isApiError(error) && error.code === "exceeds_pledge") {
    return {
      amount: `That is more than the pledge has room for: at most ${formatGpuHours(remaining)} (${remaining} GPU-minutes) remain.`,
    };
  }
  const raw = fieldErrors(error);
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(raw)) {
    const target = field === "gpu_minutes" ? "amount" : field;
    if (!(target in out)) out[target] = message;
  }
  return out;
}

function ReportForm({
  pledgeId,
  remaining,
  onReported,
}: {
  pledgeId: number;
  remaining: number;
  onReported: (d: Delivery) => void;
}) {
  const id = useId();
  const [unit, setUnit] = useState<Unit>("hours");
  const [amount, setAmount] = useState("");
  const [evidence, setEvidence] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const report = useSubmit((minutes: number, text: string) =>
    api.reportDelivery(pledgeId, { gpu_minutes: minutes, evidence: text }),
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = unit === "hours" ? parseGpuHours(amount) : parseGpuMinutes(amount);
    const next: FieldErrors = {};
    if (!parsed.ok) next.amount = hoursErrorMessage(parsed.error, unit);
    else if (parsed.minutes > BigInt(remaining)) {
      next.amount = `At most ${formatGpuHours(remaining)} (${remaining} GPU-minutes) remain in this pledge.`;
    }
    const text = evidence.trim();
    if (!text) next.evidence = "Say how it was delivered: a note, or a link to the usage report.";
    else if (text.length > EVIDENCE_MAX) next.evidence = `Use at most ${EVIDENCE_MAX} characters.`;
    setErrors(next);
    if (!parsed.ok || Object.keys(next).length > 0) return;
    const result = await report.run(Number(parsed.minutes), text);
    if (result.ok) {
      setAmount("");
      setEvidence("");
      onReported(result.value);
    } else {
      setErrors(deliveryFieldErrors(result.error, remaining));
    }
  }

  return (
    <form
      className="form report-delivery"
      onSubmit={(e) => void onSubmit(e)}
      noValidate
      aria-label={`Report a delivery for pledge #${pledgeId}`}
      data-testid="report-delivery-form"
    >
      {report.error !== null && <FormAlert>{fundingProblemMessage(report.error)}</FormAlert>}
      <div className="inline-fields">
        <Field
          label={unit === "hours" ? "GPU-hours delivered" : "GPU-minutes delivered"}
          name="amount"
          inputMode={unit === "hours" ? "decimal" : "numeric"}
          autoComplete="off"
          value={amount}
          onChange={setAmount}
          error={errors.amount}
          hint={
            unit === "hours"
              ? "Up to two decimals, in steps of 0.05 h (3 minutes)."
              : "Whole minutes."
          }
          required
        />
        <SelectField label="Unit" name="unit" value={unit} onChange={(u) => setUnit(u === "minutes" ? "minutes" : "hours")}>
          <option value="hours">GPU-hours</option>
          <option value="minutes">GPU-minutes</option>
        </SelectField>
      </div>
      <div className={`field${errors.evidence ? " field-invalid" : ""}`} data-field="evidence">
        <label className="field-label" htmlFor={`${id}-evidence`}>
          Evidence
        </label>
        <textarea
          id={`${id}-evidence`}
          name="evidence"
          className="input"
          rows={2}
          maxLength={EVIDENCE_MAX}
          value={evidence}
          onChange={(e) => setEvidence(e.target.value)}
          aria-invalid={errors.evidence ? true : undefined}
          aria-describedby={`${id}-evidence-hint${errors.evidence ? ` ${id}-evidence-error` : ""}`}
        />
        <p className="field-hint" id={`${id}-evidence-hint`}>
          A note (job ids, dates) or a link to the cluster's usage report.
        </p>
        {errors.evidence && (
          <p className="field-error" id={`${id}-evidence-error`} data-testid="error-evidence">
            {errors.evidence}
          </p>
        )}
      </div>
      <div className="form-actions">
        <SubmitButton pending={report.pending} pendingLabel="Reporting…" testId="report-delivery-submit">
          Report delivery
        </SubmitButton>
      </div>
    </form>
  );
}

function Evidence({ text }: { text: string }) {
  const link = safeHttpUrl(text.trim());
  return link && !/\s/.test(text.trim()) ? (
    <a href={link} target="_blank" rel="nofollow noopener noreferrer">
      {text}
    </a>
  ) : (
    <span className="pre-wrap">{text}</span>
  );
}

function DeliveryList({ items, pledgeId }: { items: Delivery[]; pledgeId: number }) {
  if (items.length === 0) {
    return (
      <p className="muted" data-testid="no-deliveries">
        No deliveries reported yet.
      </p>
    );
  }
  const caption = `Delivery reports of pledge #${pledgeId}`;
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table className="token-table funding-table" data-testid="deliveries">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Reported</th>
            <th scope="col" className="num">
              Compute
            </th>
            <th scope="col">Evidence</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-testid="delivery" data-id={d.id} data-state={d.state}>
              <td>
                <time dateTime={d.created_at}>{formatShortDate(d.created_at)}</time>
                {d.source === "slurm" && <span className="muted small"> · Slurm upload</span>}
              </td>
              <td className="num" data-testid="delivery-amount">
                {formatGpuHours(d.gpu_minutes)}
                <span className="muted small"> ({d.gpu_minutes} min)</span>
              </td>
              <td className="cell-wrap">
                <Evidence text={d.evidence} />
              </td>
              <td>
                <span
                  className={`pill ${d.state === "confirmed" ? "pill-ok" : d.state === "reported" ? "pill-warn" : ""}`}
                  data-testid="delivery-state"
                >
                  {deliveryStateLabel(d.state)}
                </span>
                {d.decided_at && (
                  <span className="muted small">
                    {" "}
                    <time dateTime={d.decided_at}>{formatShortDate(d.decided_at)}</time>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DeliveryPanel({
  pledge,
  data,
  reported,
  onReported,
}: {
  pledge: MyPledge;
  data: PledgeDeliveries;
  reported: Delivery | null;
  onReported: (d: Delivery) => void;
}) {
  const open = data.pledge.state === "pledged";
  return (
    <div className="delivery-panel" data-testid="delivery-panel">
      <p className="small">
        Confirmed <strong>{formatGpuHours(data.confirmed_gpu_minutes)}</strong>
        {data.pending_gpu_minutes > 0 && <> · waiting for confirmation {formatGpuHours(data.pending_gpu_minutes)}</>}
        {" · "}room left {formatGpuHours(data.remaining_gpu_minutes)}
        {pledge.window_end && (
          <>
            {" · "}window ends <time dateTime={pledge.window_end}>{formatDate(pledge.window_end)}</time>
          </>
        )}
      </p>
      <DeliveryList items={data.items} pledgeId={pledge.id} />
      {reported && (
        <Notice title="Delivery reported." testId="delivery-reported">
          <p>
            {formatGpuHours(reported.gpu_minutes)} wait for the maintainers of{" "}
            <Link to={`/projects/${encodeURIComponent(pledge.project_slug)}`}>{pledge.project_name}</Link> to
            confirm them.
          </p>
        </Notice>
      )}
      {open && data.remaining_gpu_minutes > 0 ? (
        <ReportForm
          pledgeId={pledge.id}
          remaining={data.remaining_gpu_minutes}
          onReported={onReported}
        />
      ) : (
        <p className="muted small">
          {open ? "Everything pledged is confirmed." : "This pledge takes no more reports."}
        </p>
      )}
    </div>
  );
}

/**
 * A compute pledge's table row plus, when opened, a row with its deliveries. `columns`
 * is the table's column count (the panel spans them all).
 */
export function ComputePledgeRows({ pledge, columns }: { pledge: MyPledge; columns: number }) {
  const [open, setOpen] = useState(false);
  const [generation, setGeneration] = useState(0);
  const [reported, setReported] = useState<Delivery | null>(null);
  const panelId = useId();
  const state = useAsync((signal) => api.pledgeDeliveries(pledge.id, { signal }), [pledge.id, generation]);
  const pledged = pledge.compute?.gpu_minutes ?? 0;
  // While a reload runs (after a report), the last answer stays on screen.
  const last = useRef<PledgeDeliveries | null>(null);
  if (state.status === "success") last.current = state.data;
  const data = last.current;
  const current = data?.pledge ?? pledge;
  return (
    <>
      <tr data-testid="my-pledge" data-id={pledge.id} data-state={current.state} data-kind="compute">
        <td>
          #{pledge.id}
          {pledge.anonymous && <span className="pill"> anonymous</span>}
        </td>
        <td>
          <Link to={`/projects/${encodeURIComponent(pledge.project_slug)}`}>{pledge.project_name}</Link>
        </td>
        <td>
          <time dateTime={pledge.created_at}>{formatShortDate(pledge.created_at)}</time>
        </td>
        <td>Compute</td>
        <td className="num" data-testid="my-pledge-amount">
          {pledge.compute ? (
            <>
              {formatGpuHours(pledged)} <span className="cell-note">{pledge.compute.accelerator}</span>
            </>
          ) : (
            "—"
          )}
        </td>
        <td className="cell-soft" data-testid="my-pledge-state">
          {computeStateLabel({ ...pledge, state: current.state })}
        </td>
        <td className="num" data-testid="my-pledge-received">
          {data ? (
            <>
              <span data-testid="my-pledge-delivered">{deliveredText(data.confirmed_gpu_minutes, pledged)}</span>
              <span className="muted small cell-note"> delivered</span>
              {data.pending_gpu_minutes > 0 && (
                <span className="muted small cell-note" data-testid="my-pledge-pending">
                  +{formatGpuHours(data.pending_gpu_minutes)} waiting
                </span>
              )}
            </>
          ) : state.status === "error" ? (
            <span className="muted">Could not load</span>
          ) : (
            <span className="muted">…</span>
          )}
        </td>
        <td>
          <button
            type="button"
            className="button button-secondary button-small"
            aria-expanded={open}
            aria-controls={panelId}
            onClick={() => setOpen((o) => !o)}
            aria-label={`Deliveries of pledge #${pledge.id}`}
            data-testid="pledge-deliveries"
          >
            Deliveries
          </button>
        </td>
      </tr>
      {open && (
        <tr className="delivery-row" id={panelId}>
          <td colSpan={columns}>
            {data ? (
              <DeliveryPanel
                pledge={pledge}
                data={data}
                reported={reported}
                onReported={(d) => {
                  setReported(d);
                  setGeneration((g) => g + 1);
                }}
              />
            ) : state.status === "error" ? (
              <ErrorState error={state.error} onRetry={state.retry} />
            ) : (
              <LoadingBlock label="Loading deliveries…" />
            )}
          </td>
        </tr>
      )}
    </>
  );
}
