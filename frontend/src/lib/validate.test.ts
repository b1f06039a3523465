import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PASSWORD_MAX, PASSWORD_MIN } from "./problems";
import {
  checkEmail,
  checkLabel,
  checkNewPassword,
  DISPLAY_NAME_MAX,
  EMAIL_MAX,
  EMAIL_PATTERN,
  failed,
  LABEL_PATTERN,
  PASSWORD_PATTERN,
  TOKEN_NAME_MAX,
} from "./validate";

// The server's OpenAPI snapshot, which states its exact rules.
const doc = JSON.parse(
  // Vitest runs in frontend/.
  readFileSync(resolve(process.cwd(), "../openapi/openapi.json"), "utf8"),
) as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } };
const prop = (schema: string, field: string) => doc.components.schemas[schema]!.properties[field]!;

describe("the form rules are the server's", () => {
  it("matches the OpenAPI document's patterns and lengths", () => {
    expect(prop("RegisterRequest", "email").pattern).toBe(EMAIL_PATTERN);
    expect(prop("RegisterRequest", "email").maxLength).toBe(EMAIL_MAX);
    expect(prop("ChangeEmail", "new_email").pattern).toBe(EMAIL_PATTERN);
    expect(prop("RegisterRequest", "display_name").pattern).toBe(LABEL_PATTERN);
    expect(prop("RegisterRequest", "display_name").maxLength).toBe(DISPLAY_NAME_MAX);
    expect(prop("UpdateMe", "display_name").pattern).toBe(LABEL_PATTERN);
    expect(prop("CreateApiToken", "name").pattern).toBe(LABEL_PATTERN);
    expect(prop("CreateApiToken", "name").maxLength).toBe(TOKEN_NAME_MAX);
    expect(prop("ChangePassword", "new_password").pattern).toBe(PASSWORD_PATTERN);
    expect(prop("ChangePassword", "new_password").minLength).toBe(PASSWORD_MIN);
    expect(prop("ChangePassword", "new_password").maxLength).toBe(PASSWORD_MAX);
  });
});

describe("checkEmail", () => {
  it("accepts addresses and refuses empty or malformed ones", () => {
    expect(checkEmail("ada@example.org")).toBeNull();
    expect(checkEmail("  ada.lovelace+fund@mail.example.co.uk ")).toBeNull();
    expect(checkEmail("")).toBe("Enter your email address.");
    expect(checkEmail("   ")).toBe("Enter your email address.");
    for (const bad of ["ada", "ada@", "@example.org", "ada@example", "ada @example.org", "a@b@c.org", "ada@-x.org"]) {
      expect(checkEmail(bad), bad).toMatch(/valid email address/);
    }
    expect(checkEmail(`${"a".repeat(60)}@${"b".repeat(190)}.org`)).toBe("This address is too long.");
  });
});

describe("checkLabel", () => {
  it("refuses blank, too long and control characters", () => {
    expect(checkLabel("Ada", "a display name", 80)).toBeNull();
    expect(checkLabel("  ", "a display name", 80)).toBe("Enter a display name.");
    expect(checkLabel("x".repeat(81), "a display name", 80)).toBe("Use at most 80 characters.");
    // Characters, not UTF-16 units: 80 emoji are fine.
    expect(checkLabel("🦉".repeat(80), "a display name", 80)).toBeNull();
    expect(checkLabel("Ada\u0007", "a display name", 80)).toMatch(/letters, digits/);
  });
});

describe("checkNewPassword", () => {
  it("checks length, one repeated character and the email's name", () => {
    expect(checkNewPassword("correct horse battery", "ada@example.org")).toBeNull();
    expect(checkNewPassword("")).toBe("Enter a password.");
    expect(checkNewPassword("short")).toBe("Use at least 12 characters.");
    expect(checkNewPassword("x".repeat(129))).toBe("Use at most 128 characters.");
    expect(checkNewPassword("zzzzzzzzzzzzzz")).toMatch(/too common/);
    expect(checkNewPassword("my-name-is-ADA-lovelace", "ada@example.org")).toMatch(/email address/);
    // A local part shorter than 3 characters is not checked (as on the server).
    expect(checkNewPassword("al-is-my-long-password", "al@example.org")).toBeNull();
  });
});

describe("failed", () => {
  it("keeps only the messages", () => {
    expect(failed({ a: null, b: null })).toBeNull();
    expect(failed({ a: "x", b: null })).toEqual({ a: "x" });
  });
});
