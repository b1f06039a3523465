/** "List a project" and a project's settings (fields, members, archive). */
import { useEffect, useState, type FormEvent } from "react";
import { api, type Project, type ProjectMember } from "../../api/client";
import { useSession } from "../../auth/useSession";
import { Field, FormAlert, Notice, SubmitButton } from "../../components/Form";
import { ErrorState, LoadingBlock } from "../../components/States";
import { fieldErrors, problemMessage } from "../../lib/problems";
import { useAsync, useDocumentTitle } from "../../lib/useAsync";
import { useSubmit } from "../../lib/useSubmit";
import { Link, useNavigate } from "../../router";
import { EMPTY_FIELDS, fieldsOf, ProjectForm, settingsBody, updateBody, type ProjectFields } from "./ProjectForm";

function SignInFirst({ what }: { what: string }) {
  return (
    <div className="notice" data-testid="sign-in-first">
      <h1>Log in first</h1>
      <p>
        <Link to="/login">Log in</Link> or <Link to="/signup">sign up</Link> to {what}.
      </p>
    </div>
  );
}

export function NewProjectPage() {
  useDocumentTitle("List a project");
  const session = useSession();
  const navigate = useNavigate();
  const [fields, setFields] = useState<ProjectFields>(EMPTY_FIELDS);
  const submit = useSubmit(() => api.createProject({ slug: fields.slug.trim(), ...settingsBody(fields) }));
  if (session.status === "loading") return <LoadingBlock label="Loading…" />;
  if (session.status === "signed_out") return <SignInFirst what="list a project" />;
  async function onSubmit() {
    const result = await submit.run();
    if (result.ok) navigate(`/projects/${result.value.slug}`);
  }
  return (
    <section className="section narrow" data-testid="new-project-page">
      <h1>List a project</h1>
      <p className="muted">You become its owner and can add maintainers later.</p>
      <ProjectForm
        fields={fields}
        setFields={setFields}
        onSubmit={() => void onSubmit()}
        pending={submit.pending}
        error={submit.error}
        creating
        submitLabel="Create project"
      />
    </section>
  );
}

export function ProjectSettingsPage({ slug }: { slug: string }) {
  const session = useSession();
  const signedIn = session.status === "signed_in";
  const meId = signedIn ? session.me.id : null;
  const isAdmin = signedIn ? session.me.is_admin : false;
  const state = useAsync(
    async (signal) => {
      const [project, members] = await Promise.all([
        api.getProject(slug, { signal }),
        api.listMembers(slug, { signal }),
      ]);
      return { project, members: members.items };
    },
    [slug],
  );
  useDocumentTitle(state.status === "success" ? `Settings · ${state.data.project.name}` : "Settings");
  if (session.status === "loading" || state.status === "loading") {
    return <LoadingBlock label="Loading settings…" />;
  }
  if (session.status === "signed_out") return <SignInFirst what="change this project" />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={state.retry} />;
  const role = state.data.members.find((m) => m.user_id === meId)?.role ?? null;
  if (!role && !isAdmin) {
    return (
      <div className="notice" data-testid="not-a-member">
        <h1>Not your project</h1>
        <p>Only this project's owners and maintainers can change its settings.</p>
        <Link to={`/projects/${slug}`}>Back to the project</Link>
      </div>
    );
  }
  const canManage = role === "owner" || isAdmin;
  return (
    <SettingsBody
      key={state.data.project.updated_at}
      initial={state.data.project}
      members={state.data.members}
      canManage={canManage}
      meId={meId}
      reload={state.retry}
    />
  );
}

function SettingsBody({
  initial,
  members,
  canManage,
  meId,
  reload,
}: {
  initial: Project;
  members: ProjectMember[];
  canManage: boolean;
  meId: number | null;
  reload: () => void;
}) {
  const [project, setProject] = useState(initial);
  const [fields, setFields] = useState<ProjectFields>(fieldsOf(initial));
  const [saved, setSaved] = useState(false);
  const save = useSubmit(() => api.updateProject(project.slug, updateBody(fields)));
  async function onSubmit() {
    setSaved(false);
    const result = await save.run();
    if (result.ok) {
      setProject(result.value);
      setFields(fieldsOf(result.value));
      setSaved(true);
    }
  }
  return (
    <section className="section narrow" data-testid="project-settings-page">
      <p className="back">
        <Link to={`/projects/${project.slug}`}>← {project.name}</Link>
      </p>
      <h1>Settings</h1>
      {project.archived_at && (
        <Notice tone="warning" testId="archived-notice">
          <p>This project is archived: it takes no new pledges or expenses and is hidden from the list.</p>
        </Notice>
      )}
      {saved && <Notice tone="success" title="Saved" testId="settings-saved" />}
      <ProjectForm
        fields={fields}
        setFields={(f) => {
          setSaved(false);
          setFields(f);
        }}
        onSubmit={() => void onSubmit()}
        pending={save.pending}
        error={save.error}
        creating={false}
        submitLabel="Save settings"
      />
      <p className="muted" data-testid="console-links">
        Goals, fair-market values of compute and sponsor approval are in the{" "}
        <Link to={`/projects/${project.slug}/manage?section=goals`}>funding console</Link> (
        <Link to={`/projects/${project.slug}/manage?section=values`}>compute values</Link>,{" "}
        <Link to={`/projects/${project.slug}/manage?section=sponsors`}>sponsor approval</Link>).
      </p>
      <MembersSection slug={project.slug} members={members} canManage={canManage} meId={meId} reload={reload} />
      {canManage && <ArchiveSection project={project} onChange={setProject} />}
    </section>
  );
}

function MembersSection({
  slug,
  members,
  canManage,
  meId,
  reload,
}: {
  slug: string;
  members: ProjectMember[];
  canManage: boolean;
  meId: number | null;
  reload: () => void;
}) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"maintainer" | "owner">("maintainer");
  const add = useSubmit(() => api.addMember(slug, { email: email.trim(), role }));
  const remove = useSubmit((userId: number) => api.removeMember(slug, userId));
  const errors = fieldErrors(add.error);
  useEffect(() => setEmail(""), [members]);
  async function onAdd(e: FormEvent) {
    e.preventDefault();
    const result = await add.run();
    if (result.ok) reload();
  }
  async function onRemove(userId: number) {
    const result = await remove.run(userId);
    if (result.ok) reload();
  }
  return (
    <section className="settings-section" aria-labelledby="members-title" data-testid="members-section">
      <h2 id="members-title">Members</h2>
      {remove.error != null && <FormAlert testId="remove-error">{problemMessage(remove.error)}</FormAlert>}
      <ul className="member-list">
        {members.map((m) => (
          <li key={m.user_id} data-testid="member" data-user-id={m.user_id}>
            <span className="member-name">{m.display_name}</span>{" "}
            {m.github_login && <span className="muted">@{m.github_login}</span>}{" "}
            <span className="badge">{m.role}</span>{" "}
            {(canManage || m.user_id === meId) && (
              <button
                type="button"
                className="link-button"
                disabled={remove.pending}
                onClick={() => void onRemove(m.user_id)}
                data-testid={`remove-${m.user_id}`}
              >
                {m.user_id === meId ? "Leave" : "Remove"}
              </button>
            )}
          </li>
        ))}
      </ul>
      {canManage && (
        <form className="form inline-form" onSubmit={(e) => void onAdd(e)} noValidate data-testid="add-member-form">
          {add.error != null && !errors.email && <FormAlert testId="add-member-error">{problemMessage(add.error)}</FormAlert>}
          <Field
            label="Add by email address"
            name="email"
            type="email"
            value={email}
            onChange={setEmail}
            error={errors.email}
            maxLength={254}
            required
          />
          <label className="field">
            <span className="field-label">Role</span>
            <select
              className="input"
              value={role}
              onChange={(e) => setRole(e.target.value === "owner" ? "owner" : "maintainer")}
              data-testid="member-role"
            >
              <option value="maintainer">Maintainer</option>
              <option value="owner">Owner</option>
            </select>
          </label>
          <SubmitButton pending={add.pending} variant="secondary" testId="add-member">
            Add member
          </SubmitButton>
        </form>
      )}
    </section>
  );
}

function ArchiveSection({ project, onChange }: { project: Project; onChange: (p: Project) => void }) {
  const archived = project.archived_at !== null;
  const toggle = useSubmit(() => api.setArchived(project.slug, !archived));
  async function onClick() {
    const result = await toggle.run();
    if (result.ok) onChange(result.value);
  }
  return (
    <section className="settings-section" aria-labelledby="archive-title" data-testid="archive-section">
      <h2 id="archive-title">{archived ? "Restore" : "Archive"}</h2>
      <p className="muted">
        {archived
          ? "Restoring lists the project again and lets it take pledges and expenses."
          : "An archived project keeps its page and public ledger but takes no new pledges or expenses and leaves the list."}
      </p>
      {toggle.error != null && <FormAlert testId="archive-error">{problemMessage(toggle.error)}</FormAlert>}
      <button
        type="button"
        className={`button ${archived ? "button-secondary" : "button-danger"}`}
        disabled={toggle.pending}
        onClick={() => void onClick()}
        data-testid={archived ? "unarchive" : "archive"}
      >
        {archived ? "Restore project" : "Archive project"}
      </button>
    </section>
  );
}
