/**
 * The console's compute: delivery reports waiting for confirmation (confirm writes the
 * ledger entries; reject records the decision), and the Slurm upload — sacct output for
 * one compute pledge, previewed (per-type GPU-minutes, or the bad lines by number),
 * then recorded exactly as previewed — with the project's Slurm GPU type → class table.
 */
import { useState, type FormEvent } from "react";
import {
  api,
  isApiError,
  type Accelerator,
  type Delivery,
  type DeliveryState,
  type Project,
  type ProjectPledge,
  type SlurmGpuType,
  type SlurmPreview,
  type SlurmRecorded,
} from "../../api/client";
import { Field, FormAlert, Notice, SubmitButton, TextArea } from "../../components/Form";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import { formatShortDate, safeHttpUrl } from "../../lib/format";
import { formatGpuHours } from "../../lib/money";
import { fieldErrors } from "../../lib/problems";
import { useAsync } from "../../lib/useAsync";
import { useCursorList } from "../../lib/useCursorList";
import { useSubmit } from "../../lib/useSubmit";
import { LoadMore } from "./common";
import {
  acceleratorName,
  ActionButton,
  consoleProblemMessage,
  useAccelerators,
} from "./consoleParts";

const PAGE_SIZE = 25;
/** How many pledges the console reads to name compute pledges (100 a page). */
const PLEDGE_PAGES = 10;

/** The project's compute pledges (any state), newest first, read page by page. */
async function computePledges(slug: string, signal: AbortSignal): Promise<ProjectPledge[]> {
  const out: ProjectPledge[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < PLEDGE_PAGES; i += 1) {
    const page = await api.listProjectPledges(slug, { cursor, limit: 100 }, { signal });
    out.push(...page.items.filter((p) => p.kind === "compute"));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return out;
}

function useComputePledges(slug: string) {
  return useAsync((signal) => computePledges(slug, signal), [slug]);
}

function sponsorOf(p: ProjectPledge | undefined): string {
  if (!p) return "";
  if (p.anonymous) return "Anonymous";
  return p.sponsor_name ?? "A former account";
}

/** "#12 · Grace Hopper · 1,000 GPU-h H100-80GB" */
export function pledgeLabel(p: ProjectPledge): string {
  const compute = p.compute ? ` · ${formatGpuHours(p.compute.gpu_minutes)} ${p.compute.accelerator}` : "";
  return `#${p.id} · ${sponsorOf(p)}${compute}`;
}

const DELIVERY_STATE_WORDS: Record<DeliveryState, string> = {
  reported: "Waiting for confirmation",
  confirmed: "Confirmed",
  rejected: "Rejected",
};

/** Evidence as a link when it is one http(s) URL, else as the note it is. */
export function Evidence({ text }: { text: string }) {
  const trimmed = text.trim();
  const href = /\s/.test(trimmed) ? null : safeHttpUrl(trimmed);
  if (href) {
    return (
      <a href={href} target="_blank" rel="nofollow noopener noreferrer" data-testid="evidence-link">
        {trimmed.length > 60 ? `${trimmed.slice(0, 57)}…` : trimmed} ↗
      </a>
    );
  }
  if (!trimmed) return <span className="muted">None</span>;
  return (
    <span className="pre-wrap" data-testid="evidence-note">
      {text}
    </span>
  );
}

// ------------------------------------------------------------ deliveries

export function ConsoleDeliveries({ project }: { project: Project }) {
  const [filter, setFilter] = useState<DeliveryState | "">("reported");
  const pledges = useComputePledges(project.slug);
  const list = useCursorList(
    (cursor, signal) =>
      api.listProjectDeliveries(
        project.slug,
        { state: filter || undefined, cursor, limit: PAGE_SIZE },
        { signal },
      ),
    [project.slug, filter],
  );
  const [decided, setDecided] = useState<Record<number, Delivery>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const byId = new Map((pledges.status === "success" ? pledges.data : []).map((p) => [p.id, p]));
  const s = list.state;

  function onDecided(d: Delivery) {
    setDecided((m) => ({ ...m, [d.id]: d }));
    setNotice(
      d.state === "confirmed"
        ? `Delivery #${d.id} confirmed: ${formatGpuHours(d.gpu_minutes)} recorded in the public ledger.`
        : `Delivery #${d.id} rejected: nothing was recorded.`,
    );
    if (filter === "reported") list.remove((x) => x.id === d.id);
  }

  return (
    <>
      <p className="muted">
        Sponsors, maintainers and a pledge's own API token report compute as it is delivered. Confirm a report
        when the usage is real: that writes it to the public ledger. Slurm uploads are confirmed as they are
        recorded and appear here as confirmed.
      </p>
      <label className="field delivery-filter">
        <span className="field-label">Show</span>
        <select
          className="input"
          value={filter}
          onChange={(e) => {
            setNotice(null);
            setFilter(e.target.value as DeliveryState | "");
          }}
          data-testid="delivery-filter"
        >
          <option value="reported">Waiting for confirmation</option>
          <option value="confirmed">Confirmed</option>
          <option value="rejected">Rejected</option>
          <option value="">All deliveries</option>
        </select>
      </label>
      {notice && <Notice testId="delivery-decided">{notice}</Notice>}
      {pledges.status === "error" && (
        <FormAlert tone="warning" testId="pledges-error">
          The pledges could not be read, so classes and sponsors are not shown. {consoleProblemMessage(pledges.error)}
        </FormAlert>
      )}
      {s.status === "loading" && <LoadingBlock label="Loading deliveries…" />}
      {s.status === "error" && <ErrorState error={s.error} onRetry={list.reload} />}
      {s.status === "ready" && s.items.length === 0 && (
        <EmptyState title={filter === "reported" ? "No deliveries waiting" : "No deliveries"} testId="no-deliveries">
          <p>Compute delivered against the project's pledges appears here.</p>
        </EmptyState>
      )}
      {s.status === "ready" && s.items.length > 0 && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Compute deliveries">
          <table className="token-table funding-table" data-testid="deliveries">
            <caption className="visually-hidden">Compute deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Pledge</th>
                <th scope="col">Class</th>
                <th scope="col" className="num">
                  Delivered
                </th>
                <th scope="col">Evidence</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.items.map((item) => {
                const d = decided[item.id] ?? item;
                const pledge = byId.get(d.pledge_id);
                return (
                  <tr key={d.id} data-testid="delivery" data-id={d.id} data-state={d.state}>
                    <td>
                      #{d.id}
                      <span className="muted small">
                        {" "}
                        · <time dateTime={d.created_at}>{formatShortDate(d.created_at)}</time>
                        {d.source === "slurm" ? " · Slurm upload" : d.reported_by_token ? " · by API token" : ""}
                      </span>
                    </td>
                    <td data-testid="delivery-pledge">
                      #{d.pledge_id}
                      {pledge && <span className="muted small"> · {sponsorOf(pledge)}</span>}
                    </td>
                    <td data-testid="delivery-class">{pledge?.compute?.accelerator ?? "—"}</td>
                    <td className="num" data-testid="delivery-hours">
                      {formatGpuHours(d.gpu_minutes)}
                    </td>
                    <td>
                      <Evidence text={d.evidence} />
                    </td>
                    <td data-testid="delivery-state">{DELIVERY_STATE_WORDS[d.state] ?? d.state}</td>
                    <td>
                      {d.state === "reported" && (
                        <div className="row-actions">
                          <ActionButton
                            label="Confirm"
                            pendingLabel="Confirming…"
                            ariaLabel={`Confirm delivery #${d.id}`}
                            run={async () => onDecided((await api.confirmDelivery(d.id)).delivery)}
                            onDone={() => undefined}
                            testId="confirm-delivery"
                          />
                          <ActionButton
                            label="Reject"
                            pendingLabel="Rejecting…"
                            ariaLabel={`Reject delivery #${d.id}`}
                            variant="secondary"
                            run={async () => onDecided(await api.rejectDelivery(d.id))}
                            onDone={() => undefined}
                            testId="reject-delivery"
                          />
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {s.status === "ready" && s.next && (
        <LoadMore
          shown={s.items.length}
          loading={s.loadingMore}
          error={s.moreError}
          onClick={list.loadMore}
          singular="delivery"
          plural="deliveries"
        />
      )}
    </>
  );
}

// ------------------------------------------------------------ Slurm GPU types

function SlurmTypes({
  project,
  catalogue,
  types,
  onChange,
}: {
  project: Project;
  catalogue: Accelerator[];
  types: SlurmGpuType[];
  onChange: (types: SlurmGpuType[]) => void;
}) {
  const [slurmType, setSlurmType] = useState("");
  const [accelerator, setAccelerator] = useState(catalogue[0]?.code ?? "");
  const [localError, setLocalError] = useState<string | null>(null);
  const put = useSubmit(() => api.putSlurmGpuType(project.slug, slurmType.trim(), accelerator));
  const errors = fieldErrors(put.error);

  async function onAdd(e: FormEvent) {
    e.preventDefault();
    const name = slurmType.trim();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
      setLocalError("Enter the type as Slurm writes it in gres/gpu:<type>=N, like a100 or h100_80g.");
      return;
    }
    if (!accelerator) {
      setLocalError("Choose an accelerator class.");
      return;
    }
    setLocalError(null);
    const r = await put.run();
    if (r.ok) {
      onChange([...types.filter((t) => t.slurm_type !== r.value.slurm_type), r.value].sort((a, b) => a.slurm_type.localeCompare(b.slurm_type)));
      setSlurmType("");
    }
  }

  return (
    <section className="settings-section" aria-labelledby="slurm-types-title" data-testid="slurm-types">
      <h3 id="slurm-types-title">Slurm GPU types</h3>
      <p className="muted">
        Slurm names GPU types as the cluster's admins chose (<code>gres/gpu:a100=4</code>). Say which accelerator
        class each one is; an upload with a type not listed here cannot be recorded.
      </p>
      {types.length === 0 ? (
        <p className="muted" data-testid="no-slurm-types">
          No types mapped yet.
        </p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Slurm GPU types">
          <table className="token-table funding-table">
            <caption className="visually-hidden">Slurm GPU types and their classes</caption>
            <thead>
              <tr>
                <th scope="col">Slurm type</th>
                <th scope="col">Counts as</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {types.map((t) => (
                <tr key={t.slurm_type} data-testid="slurm-type" data-type={t.slurm_type}>
                  <td>
                    <code>{t.slurm_type}</code>
                  </td>
                  <td>{acceleratorName(t.accelerator, catalogue)}</td>
                  <td>
                    <ActionButton
                      label="Remove"
                      pendingLabel="Removing…"
                      ariaLabel={`Remove the Slurm type ${t.slurm_type}`}
                      variant="secondary"
                      run={() => api.deleteSlurmGpuType(project.slug, t.slurm_type)}
                      onDone={() => onChange(types.filter((x) => x.slurm_type !== t.slurm_type))}
                      testId="remove-slurm-type"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="form inline-form" onSubmit={(e) => void onAdd(e)} noValidate data-testid="slurm-type-form">
        {put.error !== null && !errors.slurm_type && (
          <FormAlert testId="slurm-type-error">{consoleProblemMessage(put.error)}</FormAlert>
        )}
        <Field
          label="Slurm type"
          name="slurm_type"
          value={slurmType}
          onChange={setSlurmType}
          error={localError ?? errors.slurm_type}
          maxLength={64}
          autoComplete="off"
          spellCheck={false}
        />
        <label className="field">
          <span className="field-label">Counts as</span>
          <select
            className="input"
            value={accelerator}
            onChange={(e) => setAccelerator(e.target.value)}
            data-testid="slurm-type-class"
          >
            {catalogue.map((a) => (
              <option key={a.code} value={a.code}>
                {acceleratorName(a.code, catalogue)}
              </option>
            ))}
          </select>
        </label>
        <SubmitButton pending={put.pending} variant="secondary" testId="slurm-type-save">
          Map type
        </SubmitButton>
      </form>
    </section>
  );
}

// ------------------------------------------------------------ Slurm upload

/** `invalid_sacct` violations → "Line 3: …" rows, in input order. */
export function sacctLineErrors(error: unknown): { line: number | null; text: string }[] {
  if (!isApiError(error) || error.code !== "invalid_sacct") return [];
  return error.violations.map((v) => {
    const m = /^sacct:(\d+)$/.exec(v.field);
    const text = v.message.replace(/^line \d+:\s*/, "");
    return { line: m ? Number(m[1]) : null, text: text.charAt(0).toUpperCase() + text.slice(1) };
  });
}

function PreviewTable({ preview, catalogue }: { preview: SlurmPreview; catalogue: Accelerator[] }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="GPU usage by Slurm type">
      <table className="token-table funding-table" data-testid="slurm-preview-types">
        <caption className="visually-hidden">GPU usage by Slurm type</caption>
        <thead>
          <tr>
            <th scope="col">Slurm type</th>
            <th scope="col">Class</th>
            <th scope="col" className="num">
              GPU-minutes
            </th>
            <th scope="col" className="num">
              GPU-hours
            </th>
            <th scope="col">Recorded</th>
          </tr>
        </thead>
        <tbody>
          {preview.types.map((t) => (
            <tr key={t.slurm_type} data-testid="slurm-preview-type" data-type={t.slurm_type}>
              <td>
                <code>{t.slurm_type}</code>
              </td>
              <td>{t.accelerator ? acceleratorName(t.accelerator, catalogue) : <span className="muted">Not mapped</span>}</td>
              <td className="num" data-testid="slurm-type-minutes">
                {t.gpu_minutes.toLocaleString("en-US")}
              </td>
              <td className="num">{formatGpuHours(t.gpu_minutes)}</td>
              <td>
                {t.pledge_id !== null
                  ? `Against pledge #${t.pledge_id}`
                  : t.accelerator
                    ? "No: another class than the pledge's"
                    : "No: map it first"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SlurmPreviewBox({
  preview,
  catalogue,
  confirming,
  onConfirm,
  error,
}: {
  preview: SlurmPreview;
  catalogue: Accelerator[];
  confirming: boolean;
  onConfirm: () => void;
  error: unknown;
}) {
  const canRecord = preview.fits && preview.unmapped.length === 0 && preview.gpu_minutes > 0;
  return (
    <div className="card slurm-preview" data-testid="slurm-preview">
      <h4>Preview: nothing is recorded yet</h4>
      <dl className="funding-totals">
        <div>
          <dt>Records against pledge #{preview.pledge_id}</dt>
          <dd data-testid="slurm-preview-total">
            {formatGpuHours(preview.gpu_minutes)} {preview.accelerator}
          </dd>
        </div>
        <div>
          <dt>Confirmed before</dt>
          <dd>{formatGpuHours(preview.confirmed_gpu_minutes)}</dd>
        </div>
        <div>
          <dt>Pledged</dt>
          <dd>{formatGpuHours(preview.pledged_gpu_minutes)}</dd>
        </div>
      </dl>
      <p className="muted small" data-testid="slurm-preview-counts">
        {preview.allocations_counted} finished job allocations added up ({preview.gpu_minutes.toLocaleString("en-US")}{" "}
        GPU-minutes); {preview.allocations_skipped} still pending or running, left for a later upload;{" "}
        {preview.steps_ignored} job steps ignored (their allocation counts).
      </p>
      {preview.types.length > 0 && <PreviewTable preview={preview} catalogue={catalogue} />}
      {preview.unmapped.length > 0 && (
        <FormAlert tone="warning" testId="slurm-unmapped">
          Map these Slurm GPU types to a class before recording: {preview.unmapped.join(", ")}.
        </FormAlert>
      )}
      {preview.untyped_gpu_minutes > 0 && (
        <p className="muted small" data-testid="slurm-untyped">
          {formatGpuHours(preview.untyped_gpu_minutes)} of GPUs allocated without a type (
          <code>gres/gpu=N</code>) are shown here but never recorded.
        </p>
      )}
      {!preview.fits && (
        <FormAlert tone="warning" testId="slurm-does-not-fit">
          {preview.gpu_minutes === 0
            ? "Nothing in this upload counts toward the pledge."
            : "Recording this would take the pledge past what was pledged. Upload less, or ask the sponsor to pledge more."}
        </FormAlert>
      )}
      {error !== null && <FormAlert>{consoleProblemMessage(error)}</FormAlert>}
      <button
        type="button"
        className="button"
        onClick={onConfirm}
        disabled={!canRecord || confirming}
        aria-busy={confirming}
        data-testid="slurm-confirm"
      >
        {confirming ? "Recording…" : `Record ${formatGpuHours(preview.gpu_minutes)} as delivered`}
      </button>
    </div>
  );
}

function SlurmUpload({
  project,
  catalogue,
  pledges,
}: {
  project: Project;
  catalogue: Accelerator[];
  pledges: ProjectPledge[];
}) {
  const open = pledges.filter((p) => p.state === "pledged");
  const [pledgeId, setPledgeId] = useState<number | null>(open[0]?.id ?? null);
  const [sacct, setSacct] = useState("");
  const [fileError, setFileError] = useState<string | null>(null);
  const [preview, setPreview] = useState<SlurmPreview | null>(null);
  const [recorded, setRecorded] = useState<SlurmRecorded | null>(null);
  const previewCall = useSubmit(() => api.previewSlurm(project.slug, { pledge_id: pledgeId ?? 0, sacct }));
  const confirmCall = useSubmit((digest: string, pledge: number) =>
    api.confirmSlurm(project.slug, { pledge_id: pledge, sacct, digest }),
  );
  const lineErrors = sacctLineErrors(previewCall.error);

  function edited() {
    setPreview(null);
    setRecorded(null);
    previewCall.reset();
    confirmCall.reset();
  }

  async function onFile(file: File | undefined) {
    if (!file) return;
    setFileError(null);
    try {
      setSacct(await file.text());
      edited();
    } catch {
      setFileError("The file could not be read.");
    }
  }

  async function onPreview(e: FormEvent) {
    e.preventDefault();
    setRecorded(null);
    if (pledgeId === null) return;
    if (!sacct.trim()) {
      setFileError("Paste the sacct output, or choose the file it was saved in.");
      return;
    }
    setFileError(null);
    confirmCall.reset();
    const r = await previewCall.run();
    setPreview(r.ok ? r.value : null);
  }

  async function onConfirm() {
    if (!preview) return;
    const r = await confirmCall.run(preview.digest, preview.pledge_id);
    if (r.ok) {
      setRecorded(r.value);
      setPreview(null);
      setSacct("");
    }
  }

  if (open.length === 0) {
    return (
      <EmptyState title="No compute pledge to deliver against" testId="no-compute-pledges">
        <p>A Slurm upload is recorded against one open compute pledge of this project.</p>
      </EmptyState>
    );
  }
  return (
    <>
      {recorded && (
        <Notice testId="slurm-recorded">
          Recorded delivery #{recorded.delivery.id}: {formatGpuHours(recorded.delivery.gpu_minutes)}{" "}
          {recorded.preview.accelerator} against pledge #{recorded.delivery.pledge_id}, confirmed and in the public
          ledger.
        </Notice>
      )}
      <form className="form slurm-form" onSubmit={(e) => void onPreview(e)} noValidate data-testid="slurm-form">
        <label className="field">
          <span className="field-label">Compute pledge</span>
          <select
            className="input"
            value={pledgeId ?? ""}
            onChange={(e) => {
              setPledgeId(Number(e.target.value));
              edited();
            }}
            data-testid="slurm-pledge"
          >
            {open.map((p) => (
              <option key={p.id} value={p.id}>
                {pledgeLabel(p)}
              </option>
            ))}
          </select>
        </label>
        <TextArea
          label="sacct output"
          name="sacct"
          value={sacct}
          onChange={(v) => {
            setSacct(v);
            edited();
          }}
          rows={8}
          spellCheck={false}
          error={fileError}
          hint={
            <>
              From <code>sacct --parsable2 --noheader --format=JobID,Start,End,ElapsedRaw,AllocTRES,State</code>.
              Every finished job allocation counts, whatever its final state; job steps and running jobs do not.
            </>
          }
        />
        <div className="field">
          <label className="field-label" htmlFor="slurm-file">
            Or read it from a file
          </label>
          <input
            id="slurm-file"
            type="file"
            accept=".txt,.log,.psv,text/plain"
            onChange={(e) => void onFile(e.target.files?.[0])}
            data-testid="slurm-file"
          />
        </div>
        {previewCall.error !== null && (
          <FormAlert testId="slurm-error">{consoleProblemMessage(previewCall.error)}</FormAlert>
        )}
        {lineErrors.length > 0 && (
          <ul className="field-error sacct-errors" data-testid="sacct-errors">
            {lineErrors.map((l, i) => (
              <li key={i} data-testid="sacct-error" data-line={l.line ?? undefined}>
                {l.line !== null ? `Line ${l.line}: ` : ""}
                {l.text}
              </li>
            ))}
          </ul>
        )}
        <div className="form-actions">
          <SubmitButton pending={previewCall.pending} pendingLabel="Adding up…" variant="secondary" testId="slurm-preview-button">
            Preview
          </SubmitButton>
        </div>
      </form>
      {preview && (
        <SlurmPreviewBox
          preview={preview}
          catalogue={catalogue}
          confirming={confirmCall.pending}
          onConfirm={() => void onConfirm()}
          error={confirmCall.error}
        />
      )}
    </>
  );
}

export function ConsoleSlurm({ project }: { project: Project }) {
  const accelerators = useAccelerators();
  const pledges = useComputePledges(project.slug);
  const types = useAsync((signal) => api.listSlurmGpuTypes(project.slug, { signal }), [project.slug]);
  const [edited, setEdited] = useState<SlurmGpuType[] | null>(null);
  if (accelerators.status === "loading" || pledges.status === "loading" || types.status === "loading") {
    return <LoadingBlock label="Loading compute pledges…" />;
  }
  if (accelerators.status === "error") return <ErrorState error={accelerators.error} onRetry={accelerators.retry} />;
  if (pledges.status === "error") return <ErrorState error={pledges.error} onRetry={pledges.retry} />;
  if (types.status === "error") return <ErrorState error={types.error} onRetry={types.retry} />;
  const catalogue = accelerators.data.items;
  return (
    <>
      <SlurmUpload project={project} catalogue={catalogue} pledges={pledges.data} />
      <SlurmTypes project={project} catalogue={catalogue} types={edited ?? types.data} onChange={setEdited} />
    </>
  );
}
