/**
 * Where to go after signing in. Only same-site paths are accepted, so a
 * crafted `?next=https://evil.example` or `//evil.example` cannot redirect
 * the user off the site.
 */
export function safeNext(raw: string | null | undefined, fallback = "/"): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) {
    return fallback;
  }
  try {
    const url = new URL(raw, "http://openfund.invalid");
    if (url.origin !== "http://openfund.invalid") return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

/** `/login?next=/settings` (slashes left readable). */
export function loginHref(next?: string | null): string {
  const target = safeNext(next, "");
  if (!target || target === "/") return "/login";
  return `/login?next=${encodeURIComponent(target).replace(/%2F/gi, "/")}`;
}
