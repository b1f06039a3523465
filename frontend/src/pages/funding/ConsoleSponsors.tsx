/**
 * Two project settings the console keeps: the fair-market value of a GPU-hour per
 * accelerator class (in the project's currency, so compute counts toward one combined
 * figure), and which sponsors appear in public (pending ones approved or rejected, or
 * every one shown at once with the auto-approve switch).
 */
import { useState, type FormEvent } from "react";
import { api, type Accelerator, type AcceleratorValue, type Project, type ProjectSponsor } from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { safeHttpUrl } from "../../lib/format";
import { amountErrorMessage, currencyExponent, formatGpuHours, formatMoney, parseAmount } from "../../lib/money";
import { useAsync } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { moneyFieldErrors } from "./problems";
import { acceleratorName, ActionButton, consoleProblemMessage, useAccelerators } from "./consoleParts";

// ------------------------------------------------------------ fair-market values

function ValueForm({
  project,
  catalogue,
  onSet,
}: {
  project: Project;
  catalogue: Accelerator[];
  onSet: (v: AcceleratorValue) => void;
}) {
  const [code, setCode] = useState(catalogue[0]?.code ?? "");
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = useSubmit((minor: number) =>
    api.setAcceleratorValue(project.slug, code, { currency: project.currency, amount_minor: minor }),
  );

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = parseAmount(amount, currencyExponent(project.currency));
    if (!parsed.ok) {
      setError(amountErrorMessage(parsed.error, project.currency));
      return;
    }
    setError(null);
    const r = await submit.run(Number(parsed.minor));
    if (r.ok) {
      setAmount("");
      onSet(r.value);
    } else {
      setError(moneyFieldErrors(r.error).amount ?? null);
    }
  }

  return (
    <form className="form inline-form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="value-form">
      {submit.error !== null && !error && <FormAlert testId="value-error">{consoleProblemMessage(submit.error)}</FormAlert>}
      <label className="field">
        <span className="field-label">Accelerator class</span>
        <select className="input" value={code} onChange={(e) => setCode(e.target.value)} data-testid="value-class">
          {catalogue.map((a) => (
            <option key={a.code} value={a.code}>
              {acceleratorName(a.code, catalogue)}
            </option>
          ))}
        </select>
      </label>
      <Field
        label={`Value per GPU-hour (${project.currency})`}
        name="amount"
        inputMode="decimal"
        autoComplete="off"
        value={amount}
        onChange={setAmount}
        error={error}
      />
      <SubmitButton pending={submit.pending} pendingLabel="Saving…" variant="secondary" testId="value-save">
        Set value
      </SubmitButton>
    </form>
  );
}

export function ConsoleValues({ project }: { project: Project }) {
  const accelerators = useAccelerators();
  const values = useAsync((signal) => api.listAcceleratorValues(project.slug, { signal }), [project.slug]);
  const [items, setItems] = useState<AcceleratorValue[] | null>(null);
  if (accelerators.status === "loading" || values.status === "loading") {
    return <LoadingBlock label="Loading values…" />;
  }
  if (accelerators.status === "error") return <ErrorState error={accelerators.error} onRetry={accelerators.retry} />;
  if (values.status === "error") return <ErrorState error={values.error} onRetry={values.retry} />;
  const catalogue = accelerators.data.items;
  const shown = items ?? values.data.items;
  const upsert = (v: AcceleratorValue) =>
    setItems([...shown.filter((x) => x.accelerator !== v.accelerator), v].sort((a, b) => a.accelerator.localeCompare(b.accelerator)));
  return (
    <>
      <p className="muted">
        What one GPU-hour of each class is worth to the project, in {project.currency}. With a value for every
        class a goal targets, its page shows money and compute as one combined figure. Values are never used for
        the ledger, which keeps compute in GPU-minutes.
      </p>
      {shown.length === 0 ? (
        <EmptyState title="No values set" testId="no-values" />
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Fair-market values">
          <table className="token-table funding-table" data-testid="values">
            <caption className="visually-hidden">Fair-market values per GPU-hour</caption>
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col" className="num">
                  Per GPU-hour
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((v) => (
                <tr key={v.accelerator} data-testid="value" data-accelerator={v.accelerator}>
                  <td>{acceleratorName(v.accelerator, catalogue)}</td>
                  <td className="num" data-testid="value-amount">
                    {formatMoney(v.value_per_gpu_hour)}
                  </td>
                  <td>
                    <ActionButton
                      label="Remove"
                      pendingLabel="Removing…"
                      ariaLabel={`Remove the value of ${v.accelerator}`}
                      variant="secondary"
                      run={() => api.deleteAcceleratorValue(project.slug, v.accelerator)}
                      onDone={() => setItems(shown.filter((x) => x.accelerator !== v.accelerator))}
                      testId="remove-value"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {catalogue.length > 0 ? (
        <ValueForm project={project} catalogue={catalogue} onSet={upsert} />
      ) : (
        <p className="muted">The accelerator catalogue is empty: a site admin adds classes first.</p>
      )}
    </>
  );
}

// ------------------------------------------------------------ sponsor approval

function SponsorTotals({ sponsor }: { sponsor: ProjectSponsor }) {
  const parts = [
    ...sponsor.totals.money.map((m) => formatMoney(m)),
    ...sponsor.totals.compute.map((c) => `${formatGpuHours(c.gpu_minutes)} ${c.accelerator}`),
  ];
  return <>{parts.length > 0 ? parts.join(", ") : <span className="muted">Nothing received yet</span>}</>;
}

function AutoApprove({ project }: { project: Project }) {
  const [on, setOn] = useState(project.auto_approve_sponsors);
  const [saved, setSaved] = useState(false);
  const save = useSubmit((value: boolean) => api.updateProject(project.slug, { auto_approve_sponsors: value }));
  async function toggle(value: boolean) {
    setSaved(false);
    const r = await save.run(value);
    if (r.ok) {
      setOn(r.value.auto_approve_sponsors);
      setSaved(true);
    }
  }
  return (
    <div className="settings-section" data-testid="auto-approve">
      <div className="field field-checkbox">
        <label>
          <input
            type="checkbox"
            checked={on}
            disabled={save.pending}
            onChange={(e) => void toggle(e.target.checked)}
            data-testid="auto-approve-toggle"
          />{" "}
          Show new sponsors' names, links and logos without approving each
        </label>
      </div>
      <p className="muted small">
        A decision below always wins: a rejected sponsor stays hidden even with this on. Anonymous pledges never
        show their sponsor.
      </p>
      {saved && (
        <Notice testId="auto-approve-saved">{on ? "New sponsors now appear at once." : "New sponsors now wait for approval."}</Notice>
      )}
      {save.error !== null && <FormAlert testId="auto-approve-error">{consoleProblemMessage(save.error)}</FormAlert>}
    </div>
  );
}

export function ConsoleSponsors({ project }: { project: Project }) {
  const pending = useAsync((signal) => api.listPendingSponsors(project.slug, { signal }), [project.slug]);
  const [decided, setDecided] = useState<ProjectSponsor[]>([]);
  const done = new Set(decided.map((d) => d.user_id));
  return (
    <>
      <AutoApprove project={project} />
      <h3>Waiting for approval</h3>
      {decided.length > 0 && (
        <Notice testId="sponsor-decided">
          {decided
            .map((d) => `${d.display_name}: ${d.state === "approved" ? "shown on the sponsor wall" : "kept hidden"}`)
            .join("; ")}
          .
        </Notice>
      )}
      {pending.status === "loading" && <LoadingBlock label="Loading sponsors…" />}
      {pending.status === "error" && <ErrorState error={pending.error} onRetry={pending.retry} />}
      {pending.status === "success" && pending.data.items.filter((s) => !done.has(s.user_id)).length === 0 && (
        <EmptyState title="No sponsors waiting" testId="no-pending-sponsors">
          <p>Sponsors with a public pledge appear here until you approve or reject showing them.</p>
        </EmptyState>
      )}
      {pending.status === "success" && pending.data.items.some((s) => !done.has(s.user_id)) && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Sponsors waiting for approval">
          <table className="token-table funding-table" data-testid="pending-sponsors">
            <caption className="visually-hidden">Sponsors waiting for approval</caption>
            <thead>
              <tr>
                <th scope="col">Sponsor</th>
                <th scope="col">Link and logo</th>
                <th scope="col">Given through public pledges</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pending.data.items
                .filter((s) => !done.has(s.user_id))
                .map((s) => {
                  const link = safeHttpUrl(s.url);
                  const logo = safeHttpUrl(s.logo_url);
                  return (
                    <tr key={s.user_id} data-testid="pending-sponsor-row" data-user-id={s.user_id}>
                      <td data-testid="pending-sponsor-name">{s.display_name}</td>
                      <td>
                        {link && (
                          <a href={link} target="_blank" rel="sponsored nofollow noopener noreferrer">
                            {link} ↗
                          </a>
                        )}
                        {logo && (
                          <>
                            {link && <br />}
                            <a href={logo} target="_blank" rel="sponsored nofollow noopener noreferrer">
                              Logo ↗
                            </a>
                          </>
                        )}
                        {!link && !logo && <span className="muted">None</span>}
                      </td>
                      <td>
                        <SponsorTotals sponsor={s} />
                      </td>
                      <td>
                        <div className="row-actions">
                          <ActionButton
                            label="Approve"
                            pendingLabel="Approving…"
                            ariaLabel={`Approve ${s.display_name}`}
                            run={async () => {
                              const r = await api.decideSponsor(project.slug, s.user_id, "approve");
                              setDecided((d) => [...d, r]);
                            }}
                            onDone={() => undefined}
                            testId="approve-sponsor"
                          />
                          <ActionButton
                            label="Reject"
                            pendingLabel="Rejecting…"
                            ariaLabel={`Reject ${s.display_name}`}
                            variant="secondary"
                            run={async () => {
                              const r = await api.decideSponsor(project.slug, s.user_id, "reject");
                              setDecided((d) => [...d, r]);
                            }}
                            onDone={() => undefined}
                            testId="reject-sponsor"
                          />
                        </div>
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
