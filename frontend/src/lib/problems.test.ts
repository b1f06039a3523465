import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { problem } from "../test/fixtures";
import { fieldErrors, problemMessage, retryAfterText } from "./problems";

function validation(errors: { field: string; code: string; message: string }[]) {
  const p = { ...problem(422, "validation_failed", "Unprocessable Entity"), errors };
  return new ApiError({ status: 422, code: p.code, title: p.title, problem: p });
}

describe("fieldErrors", () => {
  it("maps validation_failed errors[] to one message per field", () => {
    const err = validation([
      { field: "email", code: "format", message: "must be an email address like name@example.org" },
      { field: "password", code: "too_short", message: "at least 12 characters" },
      { field: "password", code: "too_common", message: "too common" },
      { field: "display_name", code: "odd_rule", message: "server says no" },
    ]);
    expect(fieldErrors(err)).toEqual({
      email: "Enter a valid email address, like name@example.org.",
      password: "Use at least 12 characters.",
      display_name: "Server says no.",
    });
  });

  it("has a message for each password rule code", () => {
    const codes = ["too_short", "too_long", "too_common", "contains_email"];
    const messages = codes.map(
      (code) => fieldErrors(validation([{ field: "password", code, message: "m" }])).password,
    );
    expect(messages).toEqual([
      "Use at least 12 characters.",
      "Use at most 128 characters.",
      "This password is too common. Choose one that is harder to guess.",
      "The password must not contain your email address.",
    ]);
  });

  it("renames fields through aliases and keeps the rule texts", () => {
    const err = validation([{ field: "password", code: "contains_email", message: "m" }]);
    expect(fieldErrors(err, { password: "new_password" })).toEqual({
      new_password: "The password must not contain your email address.",
    });
  });

  it("is empty for other problems and non-API errors", () => {
    expect(fieldErrors(new ApiError({ status: 401, code: "invalid_credentials", title: "x" }))).toEqual({});
    expect(fieldErrors(new Error("boom"))).toEqual({});
    expect(fieldErrors(null)).toEqual({});
  });
});

describe("problemMessage", () => {
  it("words known codes", () => {
    const msg = (code: string, status = 400) => problemMessage(new ApiError({ status, code, title: "T" }));
    expect(msg("invalid_credentials", 401)).toBe("Email or password is wrong.");
    expect(msg("email_not_verified", 403)).toMatch(/confirm your email/);
    expect(msg("invalid_or_expired_link")).toBe("This link is invalid or has expired.");
    expect(msg("network_error", 0)).toBe(
      "We could not reach the server. Check your internet connection and try again.",
    );
  });

  it("shows Retry-After seconds for rate_limited when present", () => {
    const limited = (retryAfter: number | null) =>
      problemMessage(new ApiError({ status: 429, code: "rate_limited", title: "T", retryAfter }));
    expect(limited(42)).toBe("Too many attempts. Try again in 42 seconds.");
    expect(limited(1)).toBe("Too many attempts. Try again in 1 second.");
    expect(limited(null)).toBe("Too many attempts. Please wait a moment and try again.");
    expect(retryAfterText(600)).toBe("Try again in 10 minutes.");
  });

  it("never shows the server's developer title and detail", () => {
    const err = new ApiError({ status: 500, code: "internal", title: "Internal Server Error", detail: "db down" });
    expect(problemMessage(err)).toBe(
      "Something went wrong on our side. Please try again in a moment. If it keeps happening, tell the people who run this site.",
    );
    const odd = new ApiError({ status: 400, code: "invalid_query", title: "Bad Request", detail: "page: invalid digit" });
    expect(problemMessage(odd)).toBe("That did not work. Please check what you entered and try again.");
    // A network failure: the browser's "Failed to fetch" stays out of sight.
    const offline = new ApiError({ status: 0, code: "network_error", title: "x", detail: "Failed to fetch" });
    expect(problemMessage(offline)).not.toContain("Failed to fetch");
    expect(problemMessage(new Error("TypeError: x is undefined"))).toBe(
      "Something went wrong. Please try again.",
    );
  });
});
