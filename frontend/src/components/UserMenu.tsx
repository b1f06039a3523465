import { useEffect, useId, useRef, useState } from "react";
import { api, type MyProject } from "../api/client";
import { useSession } from "../auth/useSession";
import { Link, useLocation, useNavigate } from "../router";

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]![0], parts[parts.length - 1]![0]] : [parts[0]?.[0]];
  return letters.filter(Boolean).join("").toUpperCase() || "?";
}

/** The right side of the header: Log in / Sign up, or the account menu. */
export function AccountNav() {
  const session = useSession();
  const { pathname } = useLocation();

  if (session.status === "loading") {
    return <span className="account-nav-placeholder" aria-hidden="true" />;
  }
  if (session.status === "signed_out") {
    return (
      <div className="account-nav" data-testid="account-nav">
        <Link
          to="/login"
          className="nav-link"
          aria-current={pathname === "/login" ? "page" : undefined}
          data-testid="nav-login"
        >
          Log in
        </Link>
        <Link to="/signup" className="button button-small" data-testid="nav-signup">
          Sign up
        </Link>
      </div>
    );
  }
  return (
    <UserMenu name={session.me.display_name} email={session.me.email} admin={session.me.is_admin} />
  );
}

function UserMenu({ name, email, admin }: { name: string; email: string; admin: boolean }) {
  const [open, setOpen] = useState(false);
  const [loggingOut, setLoggingOut] = useState(false);
  const menuId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [projects, setProjects] = useState<MyProject[] | null>(null);

  // "My projects", read each time the menu opens (it changes when one is created).
  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    api.myProjects({ signal: controller.signal }).then(
      (r) => setProjects(r.items),
      () => undefined,
    );
    return () => controller.abort();
  }, [open]);

  // Close on navigation, outside click and Escape.
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    // The page under the open menu is out of reach until it closes: nothing there can be
    // focused or clicked half-covered by the menu (a click outside only closes it).
    const main = document.getElementById("main");
    main?.setAttribute("inert", "");
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      main?.removeAttribute("inert");
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  async function logOut() {
    setLoggingOut(true);
    try {
      await api.logout();
    } catch {
      /* the session is cleared either way */
    } finally {
      setLoggingOut(false);
      setOpen(false);
      navigate("/");
    }
  }

  return (
    <div className="user-menu" ref={rootRef} data-testid="user-menu">
      <button
        ref={buttonRef}
        type="button"
        className="user-menu-button"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((o) => !o)}
        data-testid="user-menu-button"
      >
        <span className="avatar" aria-hidden="true">
          {initials(name)}
        </span>
        <span className="user-name" data-testid="user-name">
          {name}
        </span>
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </button>
      <div className="user-menu-panel" id={menuId} hidden={!open}>
        <p className="user-menu-email" title={email}>
          {email}
        </p>
        <ul data-testid="menu-my-projects" aria-label="My projects">
          {projects?.map((m) => (
            <li key={m.project.id}>
              <Link to={`/projects/${m.project.slug}`} data-testid="menu-project">
                {m.project.name} <span className="muted small">{m.role}</span>
              </Link>
            </li>
          ))}
          <li>
            <Link to="/me/pledges" data-testid="menu-my-pledges">
              My pledges
            </Link>
          </li>
          <li>
            <Link to="/settings" data-testid="menu-settings">
              Settings
            </Link>
          </li>
          {admin && (
            <>
              <li>
                <Link to="/admin/jobs" data-testid="menu-admin-jobs">
                  Failed jobs
                </Link>
              </li>
              <li>
                <Link to="/admin/outbox" data-testid="menu-admin-outbox">
                  Mail outbox
                </Link>
              </li>
            </>
          )}
          <li>
            <button
              type="button"
              onClick={() => void logOut()}
              disabled={loggingOut}
              aria-busy={loggingOut}
              data-testid="menu-logout"
            >
              {loggingOut ? "Logging out…" : "Log out"}
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
}
