import { useEffect, useRef, type ReactNode } from "react";
import { DEFAULT_INSTANCE, useInstance } from "../instance/instance";
import { Link, useLocation } from "../router";
import { AccountNav } from "./UserMenu";

function LogoMark() {
  return (
    <svg className="logo-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="currentColor" />
      <circle cx="16" cy="16" r="8.5" fill="none" stroke="#fff" strokeWidth="3" />
      <path d="M16 10.5v11M12.5 16h7" stroke="#34d399" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}

export function SiteHeader() {
  const { pathname } = useLocation();
  const exploring = pathname === "/" || pathname.startsWith("/projects");
  const { name } = useInstance();
  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link to="/" className="brand" data-testid="brand">
          <LogoMark />
          <span className="brand-name">{name}</span>
        </Link>
        <nav aria-label="Main" className="main-nav">
          <Link to="/" aria-current={exploring ? "page" : undefined}>
            Explore
          </Link>
          <Link to="/api/v1/docs/" aria-current={pathname.startsWith("/api/v1/docs") ? "page" : undefined}>
            API
          </Link>
        </nav>
        <AccountNav />
      </div>
    </header>
  );
}

export function SiteFooter() {
  const { name } = useInstance();
  return (
    <footer className="site-footer">
      <div className="container footer-inner">
        <p className="footer-tagline">
          <strong data-testid="footer-name">{name}</strong> — money, compute and recognition for
          open AI, accounted for in public.{" "}
          {name === DEFAULT_INSTANCE.name ? "Self-hostable." : "Runs on OpenFund, which is self-hostable."}
        </p>
        <nav aria-label="For developers" className="footer-nav">
          <Link to="/api/v1/docs/" data-testid="footer-api-docs">
            API documentation
          </Link>
          <a href="/api/v1/openapi.json" data-testid="footer-openapi">
            OpenAPI JSON
          </a>
        </nav>
      </div>
    </footer>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // After a client-side navigation, move focus to the new page's content so
  // keyboard and screen-reader users start there (as after a full page load).
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <SiteHeader />
      <main id="main" className="container main" tabIndex={-1} ref={mainRef}>
        {children}
      </main>
      <SiteFooter />
    </div>
  );
}
