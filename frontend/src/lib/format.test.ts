import { describe, expect, it } from "vitest";
import {
  displayUrl,
  formatDate,
  isProjectKind,
  kindLabel,
  kindPlural,
  pageCount,
  pluralize,
  PROJECT_KINDS,
  safeHttpUrl,
} from "./format";

describe("formatDate", () => {
  it("formats an RFC 3339 timestamp as a UTC calendar date", () => {
    expect(formatDate("2025-11-28T09:30:00Z")).toBe("28 November 2025");
  });

  it("uses the UTC day even when the offset pushes it over midnight", () => {
    expect(formatDate("2025-01-01T23:30:00-02:00")).toBe("2 January 2025");
    expect(formatDate("2024-02-29T00:00:00.123456Z")).toBe("29 February 2024");
  });

  it("returns the input unchanged when it is not a date", () => {
    expect(formatDate("not a date")).toBe("not a date");
  });
});

describe("kinds", () => {
  it("labels every kind of the schema", () => {
    expect(PROJECT_KINDS.map(kindLabel)).toEqual(["Model", "Dataset", "Library", "Tool", "Other"]);
    expect(kindPlural("library")).toBe("Libraries");
  });

  it("title-cases an unknown kind from a newer server", () => {
    expect(kindLabel("benchmark")).toBe("Benchmark");
    expect(kindLabel("")).toBe("Other");
    expect(isProjectKind("benchmark")).toBe(false);
    expect(isProjectKind("dataset")).toBe(true);
    expect(isProjectKind(null)).toBe(false);
  });
});

describe("urls", () => {
  it("only accepts http and https homepages", () => {
    expect(safeHttpUrl("https://example.org/x")).toBe("https://example.org/x");
    expect(safeHttpUrl("http://example.org")).toBe("http://example.org/");
    expect(safeHttpUrl("javascript:alert(1)")).toBeNull();
    expect(safeHttpUrl("data:text/html,hi")).toBeNull();
    expect(safeHttpUrl("example.org")).toBeNull();
    expect(safeHttpUrl(null)).toBeNull();
    expect(safeHttpUrl(undefined)).toBeNull();
  });

  it("shows a URL without scheme, www and trailing slash", () => {
    expect(displayUrl("https://www.example.org/models/x/")).toBe("example.org/models/x");
    expect(displayUrl("https://huggingface.co/")).toBe("huggingface.co");
    expect(displayUrl("::nope")).toBe("::nope");
  });
});

describe("counting", () => {
  it("pluralizes", () => {
    expect(pluralize(1, "project")).toBe("1 project");
    expect(pluralize(3, "project")).toBe("3 projects");
    expect(pluralize(1200, "library", "libraries")).toBe("1,200 libraries");
  });

  it("counts pages", () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
    expect(pageCount(5, 0)).toBe(1);
  });
});
