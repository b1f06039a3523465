/** Form building blocks: labelled fields with hints and errors, alerts, submit buttons. */
import {
  useEffect,
  useId,
  useRef,
  type InputHTMLAttributes,
  type ReactNode,
} from "react";
import { PASSWORD_MAX, PASSWORD_MIN } from "../lib/problems";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "onChange" | "value"> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  hint?: ReactNode;
  /** Extra content under the input, e.g. password rules (referenced by aria-describedby). */
  describedBy?: string;
};

/** A labelled input; the hint and the error are tied to it with aria-describedby. */
export function Field({
  label,
  value,
  onChange,
  error,
  hint,
  describedBy,
  name,
  ...rest
}: InputProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const described = [errorId, hintId, describedBy].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${error ? " field-invalid" : ""}`} data-field={name}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        className="input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        {...rest}
      />
      {hint && (
        <p className="field-hint" id={hintId ?? undefined}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId ?? undefined} data-testid={`error-${name ?? ""}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The form-level message for a failed submit; focused so screen readers announce it. */
export function FormAlert({
  children,
  tone = "error",
  testId = "form-error",
}: {
  children: ReactNode;
  tone?: "error" | "warning";
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Focus once when it appears (a failed submit), not on every re-render.
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div
      ref={ref}
      className={`form-alert form-alert-${tone}`}
      role="alert"
      tabIndex={-1}
      data-testid={testId}
    >
      {children}
    </div>
  );
}

/** A success or info box. */
export function Notice({
  title,
  children,
  tone = "success",
  testId,
}: {
  title?: string;
  children?: ReactNode;
  tone?: "success" | "info" | "warning";
  testId?: string;
}) {
  return (
    <div className={`notice-box notice-${tone}`} role="status" data-testid={testId}>
      {title && <p className="notice-box-title">{title}</p>}
      {children}
    </div>
  );
}

/** A submit button that shows a spinner and is disabled while pending. */
export function SubmitButton({
  pending,
  children,
  pendingLabel,
  variant = "primary",
  testId,
  block = false,
}: {
  pending: boolean;
  children: ReactNode;
  pendingLabel?: string;
  variant?: "primary" | "secondary" | "danger";
  testId?: string;
  block?: boolean;
}) {
  const cls = ["button", variant !== "primary" ? `button-${variant}` : "", block ? "button-block" : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <button type="submit" className={cls} disabled={pending} aria-busy={pending} data-testid={testId}>
      {pending && <span className="spinner spinner-small" aria-hidden="true" />}
      {pending ? (pendingLabel ?? children) : children}
    </button>
  );
}

/** The local part of an email ("ada" for "ada@example.org"), lower-cased. */
export function emailLocalPart(email: string): string {
  const at = email.indexOf("@");
  return (at > 0 ? email.slice(0, at) : "").trim().toLowerCase();
}

type RuleState = "ok" | "bad" | "neutral";

/** The password rules as a live checklist (the server has the last word). */
export function PasswordRules({
  id,
  password,
  email,
}: {
  id: string;
  password: string;
  email?: string;
}) {
  const local = email ? emailLocalPart(email) : "";
  const typed = password.length > 0;
  const rules: { key: string; text: string; state: RuleState }[] = [
    {
      key: "min",
      text: `At least ${PASSWORD_MIN} characters`,
      state: !typed ? "neutral" : password.length >= PASSWORD_MIN ? "ok" : "bad",
    },
    {
      key: "max",
      text: `At most ${PASSWORD_MAX} characters`,
      state: !typed ? "neutral" : password.length <= PASSWORD_MAX ? "ok" : "bad",
    },
    { key: "common", text: "Not a common password", state: "neutral" },
  ];
  if (email !== undefined) {
    rules.push({
      key: "email",
      text: "Must not contain the part of your email before the @",
      state:
        !typed || !local
          ? "neutral"
          : password.toLowerCase().includes(local)
            ? "bad"
            : "ok",
    });
  }
  return (
    <ul className="password-rules" id={id} aria-label="Password rules" data-testid="password-rules">
      {rules.map((r) => (
        <li key={r.key} className={`rule rule-${r.state}`} data-rule={r.key} data-state={r.state}>
          <span className="rule-icon" aria-hidden="true">
            {r.state === "ok" ? "✓" : r.state === "bad" ? "✕" : "•"}
          </span>
          {r.text}
          {r.state !== "neutral" && (
            <span className="visually-hidden">{r.state === "ok" ? " (met)" : " (not met)"}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** A labelled textarea with its hint and error, described for screen readers. */
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
