import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Link, matchPath, RouterProvider, useLocation } from "./router";

describe("matchPath", () => {
  it("matches static and parameterised paths", () => {
    expect(matchPath("/", "/")).toEqual({});
    expect(matchPath("/projects/:slug", "/projects/tiny-llama")).toEqual({ slug: "tiny-llama" });
    expect(matchPath("/projects/:slug", "/projects/tiny-llama/")).toEqual({ slug: "tiny-llama" });
    expect(matchPath("/projects/:slug", "/projects/a%20b")).toEqual({ slug: "a b" });
  });

  it("rejects other paths", () => {
    expect(matchPath("/", "/about")).toBeNull();
    expect(matchPath("/projects/:slug", "/projects")).toBeNull();
    expect(matchPath("/projects/:slug", "/projects/")).toBeNull();
    expect(matchPath("/projects/:slug", "/projects/a/b")).toBeNull();
    expect(matchPath("/projects/:slug", "/projects/%E0%A4%A")).toBeNull();
  });
});

function Where() {
  const { pathname, search } = useLocation();
  return <p data-testid="where">{pathname + search}</p>;
}

describe("Link", () => {
  it("has a real href and navigates client-side on click", () => {
    render(
      <RouterProvider>
        <Link to="/projects/x?y=1">go</Link>
        <Where />
      </RouterProvider>,
    );
    const link = screen.getByRole("link", { name: "go" });
    expect(link.getAttribute("href")).toBe("/projects/x?y=1");
    expect(screen.getByTestId("where").textContent).toBe("/");

    fireEvent.click(link);

    expect(window.location.pathname).toBe("/projects/x");
    expect(screen.getByTestId("where").textContent).toBe("/projects/x?y=1");
  });

  it("leaves modified clicks to the browser", () => {
    render(
      <RouterProvider>
        <Link to="/elsewhere">go</Link>
        <Where />
      </RouterProvider>,
    );
    // Runs after React's handler: stops jsdom from attempting a real page load.
    let defaultPreventedByLink = true;
    const stopNavigation = (e: MouseEvent) => {
      defaultPreventedByLink = e.defaultPrevented;
      e.preventDefault();
    };
    document.addEventListener("click", stopNavigation);
    try {
      fireEvent.click(screen.getByRole("link", { name: "go" }), { ctrlKey: true });
    } finally {
      document.removeEventListener("click", stopNavigation);
    }
    expect(defaultPreventedByLink).toBe(false);
    expect(screen.getByTestId("where").textContent).toBe("/");
  });
});
