import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import type { CreatedApiToken } from "../../api/client";
import { sessionStore } from "../../auth/session";
import { browser } from "../../lib/browser";
import { RouterProvider } from "../../router";
import { apiToken, createdToken, me, sessionBody } from "../../test/accounts";
import { jsonResponse, page, problem, problemResponse } from "../../test/fixtures";
import { TokenCreatedDialog } from "./TokensSection";

type Handler = (init: RequestInit | undefined, url: URL) => Response | Promise<Response>;

/**
 * Stubs fetch with "METHOD /path" handlers. Refresh answers 401 (signed out)
 * unless `signedIn`; the instance has GitHub sign-in configured; the home
 * page's project list is empty.
 */
function stubServer(routes: Record<string, Handler> = {}, { signedIn = false } = {}) {
  const calls: { key: string; init: RequestInit | undefined }[] = [];
  const fetch = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    calls.push({ key, init });
    const handler = routes[key];
    if (handler) return handler(init, url);
    if (key === "POST /api/v1/auth/refresh") {
      return signedIn
        ? jsonResponse(sessionBody())
        : problemResponse(problem(401, "invalid_refresh_token", "Unauthorized"));
    }
    if (key === "GET /api/v1/instance") {
      return jsonResponse({ name: "OpenFund", github_sign_in: true, mail_delivery: true });
    }
    if (key === "GET /api/v1/projects") return jsonResponse(page([]));
    if (key === "GET /api/v1/me/tokens") return jsonResponse([]);
    return problemResponse(problem(404, "not_found", "Not Found"));
  });
  vi.stubGlobal("fetch", fetch);
  return { fetch, calls, keys: () => calls.map((c) => c.key) };
}

function renderAt(path: string) {
  window.history.replaceState(null, "", path);
  return render(
    <RouterProvider>
      <App />
    </RouterProvider>,
  );
}

const body = (init: RequestInit | undefined) => JSON.parse(String(init?.body)) as unknown;

function type(label: string | RegExp, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe("header", () => {
  it("shows Log in and Sign up when signed out", async () => {
    stubServer();
    renderAt("/");
    expect(await screen.findByTestId("nav-login")).toBeTruthy();
    expect(screen.getByTestId("nav-login").getAttribute("href")).toBe("/login");
    expect(screen.getByTestId("nav-signup").getAttribute("href")).toBe("/signup");
    expect(screen.queryByTestId("user-menu")).toBeNull();
  });

  it("shows the display name with a Settings / Log out menu when signed in, and logs out", async () => {
    const server = stubServer(
      { "POST /api/v1/auth/logout": () => new Response(null, { status: 204 }) },
      { signedIn: true },
    );
    renderAt("/");

    expect((await screen.findByTestId("user-name")).textContent).toBe("Ada Lovelace");
    expect(screen.queryByTestId("nav-login")).toBeNull();

    const button = screen.getByTestId("user-menu-button");
    expect(button.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(button);
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getByTestId("menu-settings").getAttribute("href")).toBe("/settings");

    fireEvent.click(screen.getByTestId("menu-logout"));
    expect(await screen.findByTestId("nav-login")).toBeTruthy();
    expect(server.keys()).toContain("POST /api/v1/auth/logout");
    const logout = server.calls.find((c) => c.key === "POST /api/v1/auth/logout")!;
    expect((logout.init?.headers as Record<string, string>).Authorization).toBe("Bearer jwt-access");
    expect(sessionStore.get()).toEqual({ status: "signed_out" });
  });
});

describe("sign up", () => {
  it("shows the password rules and maps validation_failed errors to the fields", async () => {
    stubServer({
      "POST /api/v1/auth/register": () =>
        problemResponse({
          ...problem(422, "validation_failed", "Unprocessable Entity"),
          errors: [
            { field: "password", code: "too_common", message: "is too common" },
            {
              field: "display_name",
              code: "format",
              message: "must not be blank or contain control characters",
            },
          ],
        }),
    });
    renderAt("/signup");
    const rules = screen.getByTestId("password-rules");
    expect(rules.textContent).toContain("At least 12 characters");
    expect(rules.textContent).toContain("At most 128 characters");
    expect(rules.textContent).toContain("Not a common password");
    expect(rules.textContent).toContain("Must not contain the part of your email before the @");

    type("Email", "ada@example.org");
    type("Password", "ada-is-my-password");
    expect(within(rules).getByText(/part of your email/).closest("li")!.getAttribute("data-state")).toBe("bad");

    // Only the server knows a password is common; the form lets this one through.
    type("Display name", "Ada");
    type("Password", "password1234");
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));

    expect((await screen.findByTestId("form-error")).textContent).toBe(
      "Please correct the highlighted fields.",
    );
    const password = screen.getByLabelText("Password");
    expect(password.getAttribute("aria-invalid")).toBe("true");
    const errorId = password.getAttribute("aria-describedby")!.split(" ")[0]!;
    expect(document.getElementById(errorId)!.textContent).toBe(
      "This password is too common. Choose one that is harder to guess.",
    );
    // Our words, not the server's developer message.
    expect(screen.getByTestId("error-display_name").textContent).toBe(
      "Enter a display name, using letters, digits and punctuation.",
    );
    expect(screen.queryByTestId("error-email")).toBeNull();
  });

  it("checks the form before sending: an empty or malformed form costs no request", async () => {
    const server = stubServer({
      "POST /api/v1/auth/register": () => jsonResponse({ status: "verification_sent" }, 202),
    });
    renderAt("/signup");
    const submit = screen.getByRole("button", { name: "Create account" });
    fireEvent.click(submit);

    expect(screen.getByTestId("error-email").textContent).toBe("Enter your email address.");
    expect(screen.getByTestId("error-display_name").textContent).toBe("Enter a display name.");
    expect(screen.getByTestId("error-password").textContent).toBe("Enter a password.");
    // Focus goes to the first field to fix, whose message is tied to it.
    const email = screen.getByLabelText("Email");
    expect(document.activeElement).toBe(email);
    expect(email.getAttribute("aria-invalid")).toBe("true");

    type("Email", "ada@example");
    type("Display name", "   ");
    type("Password", "ada-lovelace-1815");
    // Editing a field clears its message until the next submit.
    expect(screen.queryByTestId("error-email")).toBeNull();
    fireEvent.click(submit);
    expect(screen.getByTestId("error-email").textContent).toBe(
      "Enter a valid email address, like name@example.org.",
    );
    expect(screen.getByTestId("error-display_name").textContent).toBe("Enter a display name.");
    type("Email", "ada@example.org");
    fireEvent.click(submit);
    expect(screen.getByTestId("error-password").textContent).toBe(
      "The password must not contain your email address.",
    );
    type("Password", "aaaaaaaaaaaaaaa");
    fireEvent.click(submit);
    expect(screen.getByTestId("error-password").textContent).toMatch(/too common/);
    type("Password", "short");
    fireEvent.click(submit);
    expect(screen.getByTestId("error-password").textContent).toBe("Use at least 12 characters.");
    expect(server.keys()).not.toContain("POST /api/v1/auth/register");

    type("Display name", "Ada");
    type("Password", "correct horse battery");
    fireEvent.click(submit);
    expect(await screen.findByTestId("signup-done")).toBeTruthy();
    expect(server.keys().filter((k) => k === "POST /api/v1/auth/register")).toHaveLength(1);
  });

  it("sends the form and shows 'Check your inbox' with the address on 202", async () => {
    const server = stubServer({
      "POST /api/v1/auth/register": () => jsonResponse({ status: "verification_sent" }, 202),
    });
    renderAt("/signup");
    type("Email", " ada@example.org ");
    type("Display name", "Ada");
    type("Password", "correct horse battery");
    const submit = screen.getByRole("button", { name: "Create account" });
    fireEvent.click(submit);
    expect(submit.getAttribute("aria-busy")).toBe("true");

    const done = await screen.findByTestId("signup-done");
    expect(within(done).getByRole("heading", { level: 1 }).textContent).toBe("Check your inbox");
    expect(screen.getByTestId("signup-email").textContent).toBe("ada@example.org");
    const call = server.calls.find((c) => c.key === "POST /api/v1/auth/register")!;
    expect(body(call.init)).toEqual({
      email: "ada@example.org",
      display_name: "Ada",
      password: "correct horse battery",
    });
  });
});

describe("log in", () => {
  async function submitLogin(handler: Handler) {
    const server = stubServer({ "POST /api/v1/auth/login": handler });
    renderAt("/login?next=/settings");
    type("Email", "ada@example.org");
    type("Password", "wrong password");
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    return server;
  }

  it("sends nothing for an empty form or a malformed address", async () => {
    const server = stubServer({ "POST /api/v1/auth/login": () => jsonResponse(sessionBody()) });
    renderAt("/login");
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(screen.getByTestId("error-email").textContent).toBe("Enter your email address.");
    expect(screen.getByTestId("error-password").textContent).toBe("Enter your password.");
    type("Email", "ada.example.org");
    type("Password", "anything at all");
    fireEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(screen.getByTestId("error-email").textContent).toMatch(/valid email address/);
    expect(document.activeElement).toBe(screen.getByLabelText("Email"));
    expect(server.keys()).not.toContain("POST /api/v1/auth/login");
  });

  it("says 'Email or password is wrong' for invalid_credentials", async () => {
    await submitLogin(() => problemResponse(problem(401, "invalid_credentials", "Unauthorized")));
    expect((await screen.findByTestId("form-error")).textContent).toBe("Email or password is wrong.");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
  });

  it("offers to resend the verification mail for email_not_verified", async () => {
    const server = await submitLogin(() =>
      problemResponse(problem(403, "email_not_verified", "Forbidden")),
    );
    const resend = await screen.findByTestId("login-resend");
    expect(screen.getByTestId("form-error").textContent).toMatch(/confirm your email/);
    server.fetch.mockImplementationOnce(async () => jsonResponse({ status: "sent" }, 202));
    fireEvent.click(within(resend).getByRole("button", { name: "Resend verification email" }));
    expect(await screen.findByTestId("resend-done")).toBeTruthy();
    const last = server.fetch.mock.calls.at(-1)!;
    expect(new URL(last[0], "http://localhost").pathname).toBe("/api/v1/auth/verify-email/resend");
    expect(body(last[1])).toEqual({ email: "ada@example.org" });
  });

  it("shows the Retry-After seconds for rate_limited", async () => {
    await submitLogin(
      () =>
        new Response(JSON.stringify(problem(429, "rate_limited", "Too Many Requests")), {
          status: 429,
          headers: { "content-type": "application/problem+json", "Retry-After": "30" },
        }),
    );
    expect((await screen.findByTestId("form-error")).textContent).toBe(
      "Too many attempts. Try again in 30 seconds.",
    );
  });

  it("signs in and goes to next", async () => {
    await submitLogin(() => jsonResponse(sessionBody()));
    expect(await screen.findByTestId("settings-page")).toBeTruthy();
    expect(window.location.pathname).toBe("/settings");
    expect(screen.getByTestId("user-name").textContent).toBe("Ada Lovelace");
  });

  it("has Forgot password and GitHub sign-in", async () => {
    const assign = vi.spyOn(browser, "assign").mockImplementation(() => {});
    const server = stubServer({
      "POST /api/v1/auth/github/start": () =>
        jsonResponse({ authorize_url: "https://github.com/login/oauth/authorize?state=s" }),
    });
    renderAt("/login");
    expect(screen.getByTestId("forgot-link").getAttribute("href")).toBe("/forgot-password");
    fireEvent.click(await screen.findByRole("button", { name: "Sign in with GitHub" }));
    await waitFor(() =>
      expect(assign).toHaveBeenCalledWith("https://github.com/login/oauth/authorize?state=s"),
    );
    const start = server.calls.find((c) => c.key === "POST /api/v1/auth/github/start")!;
    expect(body(start.init)).toEqual({ mode: "login" });
  });
});

describe("verify email", () => {
  it("verifies the token on load and links to log in", async () => {
    const server = stubServer({
      "POST /api/v1/auth/verify-email": () => jsonResponse({ status: "verified" }),
    });
    renderAt("/verify-email?token=tok-1");
    expect(await screen.findByTestId("verify-done")).toBeTruthy();
    expect(screen.getByTestId("verify-login").getAttribute("href")).toBe("/login");
    const call = server.calls.find((c) => c.key === "POST /api/v1/auth/verify-email")!;
    expect(body(call.init)).toEqual({ token: "tok-1" });
  });

  it("says an address confirmed before is confirmed, and leads on to log in", async () => {
    stubServer({
      "POST /api/v1/auth/verify-email": () => jsonResponse({ status: "already_verified" }),
    });
    renderAt("/verify-email?token=tok-used");
    const card = await screen.findByTestId("verify-already");
    expect(within(card).getByRole("heading", { level: 1 }).textContent).toBe(
      "Email already confirmed",
    );
    expect(card.textContent).not.toMatch(/invalid|expired/i);
    expect(screen.getByTestId("verify-login").getAttribute("href")).toBe("/login");
  });

  it("offers a resend form for invalid_or_expired_link", async () => {
    const server = stubServer({
      "POST /api/v1/auth/verify-email": () =>
        problemResponse(problem(400, "invalid_or_expired_link", "Bad Request")),
      "POST /api/v1/auth/verify-email/resend": () => jsonResponse({ status: "sent" }, 202),
    });
    renderAt("/verify-email?token=tok-2");
    expect(await screen.findByTestId("verify-invalid")).toBeTruthy();
    type("Email", "ada@example.org");
    fireEvent.click(screen.getByRole("button", { name: "Resend verification email" }));
    expect(await screen.findByTestId("resend-done")).toBeTruthy();
    expect(server.keys()).toContain("POST /api/v1/auth/verify-email/resend");
  });
});

describe("password reset", () => {
  it("asks for an address instead of sending an empty one", async () => {
    const server = stubServer({
      "POST /api/v1/auth/password-reset": () => jsonResponse({ status: "sent" }, 202),
    });
    renderAt("/forgot-password");
    fireEvent.click(screen.getByRole("button", { name: "Send reset link" }));
    expect(screen.getByTestId("error-email").textContent).toBe("Enter your email address.");
    expect(screen.queryByTestId("forgot-done")).toBeNull();
    expect(server.keys()).not.toContain("POST /api/v1/auth/password-reset");
  });

  it("always answers 'if an account exists'", async () => {
    stubServer({ "POST /api/v1/auth/password-reset": () => jsonResponse({ status: "sent" }, 202) });
    renderAt("/forgot-password");
    type("Email", "nobody@example.org");
    fireEvent.click(screen.getByRole("button", { name: "Send reset link" }));
    expect((await screen.findByTestId("forgot-done")).textContent).toMatch(
      /If an account exists for nobody@example\.org/,
    );
  });

  it("sets the new password and links to log in; an expired link offers a new one", async () => {
    const server = stubServer({
      "POST /api/v1/auth/password-reset/confirm": () => jsonResponse({ status: "password_changed" }),
    });
    renderAt("/reset-password?token=r1");
    type("New password", "a brand new passphrase");
    fireEvent.click(screen.getByRole("button", { name: "Save new password" }));
    expect(await screen.findByTestId("reset-done")).toBeTruthy();
    expect(screen.getByTestId("reset-login").getAttribute("href")).toBe("/login");
    const call = server.calls.find((c) => c.key === "POST /api/v1/auth/password-reset/confirm")!;
    expect(body(call.init)).toEqual({ token: "r1", password: "a brand new passphrase" });
  });

  it("shows the expired state for invalid_or_expired_link", async () => {
    stubServer({
      "POST /api/v1/auth/password-reset/confirm": () =>
        problemResponse(problem(400, "invalid_or_expired_link", "Bad Request")),
    });
    renderAt("/reset-password?token=old");
    type("New password", "a brand new passphrase");
    fireEvent.click(screen.getByRole("button", { name: "Save new password" }));
    const invalid = await screen.findByTestId("reset-invalid");
    expect(within(invalid).getByRole("link", { name: "Request a new link" }).getAttribute("href")).toBe(
      "/forgot-password",
    );
  });
});

describe("settings", () => {
  it("redirects to /login?next=/settings when signed out", async () => {
    stubServer();
    renderAt("/settings");
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/login?next=/settings"));
    expect(await screen.findByTestId("login-page")).toBeTruthy();
  });

  it("lists tokens, creates one (secret shown once) and revokes one after confirming", async () => {
    const created = createdToken();
    const server = stubServer(
      {
        "GET /api/v1/me/tokens": () =>
          jsonResponse([apiToken({ id: 1, name: "Dashboard", last_used_at: "2025-11-27T08:00:00Z" })]),
        "POST /api/v1/me/tokens": () => jsonResponse(created, 201),
        "DELETE /api/v1/me/tokens/1": () => new Response(null, { status: 204 }),
      },
      { signedIn: true },
    );
    renderAt("/settings");

    const row = await screen.findByTestId("token-row");
    expect(row.textContent).toContain("Dashboard");
    expect(row.textContent).toContain("read");
    expect(row.textContent).toContain("of_3kd9");
    expect(row.textContent).toContain("21 Nov 2025");
    expect(row.textContent).toContain("27 Nov 2025");

    type("Token name", "Release bot");
    fireEvent.click(screen.getByTestId("scope-write"));
    fireEvent.click(screen.getByTestId("token-create"));

    const dialog = await screen.findByRole("dialog");
    expect((within(dialog).getByTestId("token-secret") as HTMLInputElement).value).toBe(created.secret);
    expect(dialog.textContent).toMatch(/only time the secret is shown/);
    const post = server.calls.find((c) => c.key === "POST /api/v1/me/tokens")!;
    expect(body(post.init)).toEqual({ name: "Release bot", scopes: ["read", "write"] });

    fireEvent.click(within(dialog).getByTestId("token-done"));
    expect(screen.queryByRole("dialog")).toBeNull();
    // Once closed, the secret is gone from the page.
    expect(document.body.textContent).not.toContain(created.secret);
    expect(screen.getAllByTestId("token-row")).toHaveLength(2);

    const dashboard = screen.getAllByTestId("token-row").find((r) => r.textContent?.includes("Dashboard"))!;
    fireEvent.click(within(dashboard).getByTestId("token-revoke"));
    expect(server.keys()).not.toContain("DELETE /api/v1/me/tokens/1");
    fireEvent.click(within(dashboard).getByTestId("token-revoke-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("token-row")).toHaveLength(1));
    expect(server.keys()).toContain("DELETE /api/v1/me/tokens/1");
  });

  it("saves the display name and updates the header", async () => {
    stubServer(
      { "PATCH /api/v1/me": (init) => jsonResponse(me({ display_name: (body(init) as { display_name: string }).display_name })) },
      { signedIn: true },
    );
    renderAt("/settings");
    await screen.findByTestId("settings-page");
    type("Display name", "Countess Ada");
    fireEvent.click(within(screen.getByTestId("settings-profile")).getByRole("button", { name: "Save" }));
    expect(await screen.findByTestId("profile-saved")).toBeTruthy();
    expect(screen.getByTestId("user-name").textContent).toBe("Countess Ada");
  });

  it("shows a wrong current password on the field", async () => {
    stubServer(
      { "POST /api/v1/me/password": () => problemResponse(problem(401, "invalid_credentials", "Unauthorized")) },
      { signedIn: true },
    );
    renderAt("/settings");
    const section = await screen.findByTestId("settings-password");
    fireEvent.change(within(section).getByLabelText("Current password"), { target: { value: "nope" } });
    fireEvent.change(within(section).getByLabelText("New password"), { target: { value: "a brand new passphrase" } });
    fireEvent.click(within(section).getByRole("button", { name: "Change password" }));
    expect((await within(section).findByTestId("error-current_password")).textContent).toBe(
      "Your current password is wrong.",
    );
  });

  it("explains last_sign_in_method when unlinking GitHub fails", async () => {
    sessionStore.reset();
    stubServer(
      {
        "POST /api/v1/auth/refresh": () =>
          jsonResponse(sessionBody({ account: me({ github_login: "ada-l", has_password: false }) })),
        "DELETE /api/v1/me/github": () =>
          problemResponse(problem(409, "last_sign_in_method", "Conflict")),
      },
    );
    renderAt("/settings");
    const section = await screen.findByTestId("settings-github");
    expect(within(section).getByTestId("github-login").textContent).toBe("@ada-l");
    fireEvent.click(within(section).getByTestId("github-unlink"));
    expect((await within(section).findByRole("alert")).textContent).toMatch(/Set a password before unlinking/);
  });

  it("offers to sign in with GitHub again when a GitHub-only account must re-authenticate", async () => {
    sessionStore.reset();
    const assign = vi.spyOn(browser, "assign").mockImplementation(() => {});
    stubServer({
      "POST /api/v1/auth/refresh": () =>
        jsonResponse(sessionBody({ account: me({ github_login: "ada-l", has_password: false }) })),
      "DELETE /api/v1/me": () =>
        problemResponse(problem(403, "reauthentication_required", "Forbidden")),
      "POST /api/v1/auth/github/start": () =>
        jsonResponse({ authorize_url: "https://github.example/login/oauth/authorize?state=s" }),
    });
    renderAt("/settings");
    const section = await screen.findByTestId("settings-delete");
    fireEvent.click(within(section).getByRole("checkbox"));
    fireEvent.click(within(section).getByTestId("delete-account"));
    expect((await within(section).findByRole("alert")).textContent).toMatch(
      /sign in with GitHub again/,
    );
    fireEvent.click(within(section).getByTestId("github-reauth"));
    await waitFor(() =>
      expect(assign).toHaveBeenCalledWith("https://github.example/login/oauth/authorize?state=s"),
    );
    assign.mockRestore();
  });

  it("deletes the account after password confirmation, then is signed out at home", async () => {
    const server = stubServer(
      {
        "DELETE /api/v1/me": () => new Response(null, { status: 204 }),
        "POST /api/v1/auth/logout": () => new Response(null, { status: 204 }),
      },
      { signedIn: true },
    );
    renderAt("/settings");
    const section = await screen.findByTestId("settings-delete");
    const button = within(section).getByTestId("delete-account") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.change(within(section).getByLabelText("Confirm with your password"), { target: { value: "pw" } });
    fireEvent.click(button);
    await waitFor(() => expect(window.location.pathname).toBe("/"));
    expect(await screen.findByTestId("nav-login")).toBeTruthy();
    const del = server.calls.find((c) => c.key === "DELETE /api/v1/me")!;
    expect(body(del.init)).toEqual({ password: "pw" });
  });
});

describe("GitHub sign-in landing", () => {
  it("shows the error code from ?error=", async () => {
    stubServer();
    renderAt("/signin/github?error=github_denied");
    const page = await screen.findByTestId("github-signin-error");
    expect(page.textContent).toContain("GitHub sign-in was cancelled.");
    // No machine code on show.
    expect(page.textContent).not.toContain("github_denied");
  });

  it("refreshes to get the session and goes to next", async () => {
    stubServer({}, { signedIn: true });
    renderAt("/signin/github?next=/settings");
    expect(await screen.findByTestId("settings-page")).toBeTruthy();
    expect(window.location.pathname).toBe("/settings");
  });
});

describe("TokenCreatedDialog", () => {
  it("shows the secret in a labelled, read-only box with a warning and copies it", async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    // jsdom has no showModal(); record that the dialog opens modally (which is
    // what keeps focus inside it in a browser; the browser test checks that).
    const showModal = vi.fn(function (this: HTMLDialogElement) {
      this.setAttribute("open", "");
    });
    Object.defineProperty(HTMLDialogElement.prototype, "showModal", {
      value: showModal,
      configurable: true,
    });
    const created: CreatedApiToken = createdToken();
    const onClose = vi.fn();
    const { unmount } = render(<TokenCreatedDialog created={created} onClose={onClose} />);

    const dialog = screen.getByRole("dialog", { name: "Token “Release bot” created" });
    expect(dialog.tagName).toBe("DIALOG");
    expect(showModal).toHaveBeenCalledTimes(1);
    expect((dialog as HTMLDialogElement).open).toBe(true);
    const secret = within(dialog).getByLabelText("Your new token") as HTMLInputElement;
    expect(secret.value).toBe(created.secret);
    expect(secret.readOnly).toBe(true);
    expect(document.activeElement).toBe(secret);
    expect(dialog.textContent).toContain("Copy it now.");

    fireEvent.click(within(dialog).getByTestId("token-copy"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(created.secret));
    // The label changes once writeText's promise has resolved and React re-rendered.
    await waitFor(() =>
      expect(within(dialog).getByTestId("token-copy").textContent).toBe("Copied ✓"),
    );

    // Escape fires `cancel` on a modal dialog.
    const cancel = new Event("cancel", { cancelable: true });
    dialog.dispatchEvent(cancel);
    expect(cancel.defaultPrevented).toBe(true);
    expect(onClose).toHaveBeenCalled();
    unmount();
    delete (HTMLDialogElement.prototype as { showModal?: unknown }).showModal;
  });
});
