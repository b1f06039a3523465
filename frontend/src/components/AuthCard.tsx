import { useId, type ReactNode } from "react";

/** The centred card that holds the sign-in and sign-up forms. */
export function AuthCard({
  title,
  lead,
  children,
  footer,
  testId,
}: {
  title: string;
  lead?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
}) {
  const headingId = useId();
  return (
    <section className="auth-page" aria-labelledby={headingId} data-testid={testId}>
      <div className="auth-card card">
        <h1 id={headingId} className="auth-title">
          {title}
        </h1>
        {lead && <p className="auth-lead">{lead}</p>}
        {children}
      </div>
      {footer && <div className="auth-footer">{footer}</div>}
    </section>
  );
}
