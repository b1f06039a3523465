import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { RouterProvider } from "../router";
import { PROJECTS, project } from "../test/fixtures";
import { ProjectList } from "./ProjectList";

function renderList(projects = PROJECTS) {
  return render(
    <RouterProvider>
      <ProjectList projects={projects} />
    </RouterProvider>,
  );
}

describe("ProjectList", () => {
  it("renders one card per project with name, kind, summary and links", () => {
    renderList();
    const cards = screen.getAllByTestId("project-card");
    expect(cards).toHaveLength(3);

    const first = cards[0]!;
    const title = within(first).getByRole("heading", { level: 3 });
    expect(title.textContent).toBe("Tiny Llama");
    const link = within(first).getByTestId("project-card-link");
    expect(link.getAttribute("href")).toBe("/projects/tiny-llama");
    expect(within(first).getByTestId("kind-badge").textContent).toBe("Model");
    expect(first.textContent).toContain("A 1.1B parameter open language model");
    expect(first.textContent).toContain("28 November 2025");
    const homepage = within(first).getByTestId("project-homepage");
    expect(homepage.getAttribute("href")).toBe("https://example.org/tiny-llama");
    expect(homepage.getAttribute("rel")).toContain("noopener");
    expect(homepage.textContent).toBe("example.org/tiny-llama");

    expect(within(cards[1]!).getByTestId("kind-badge").textContent).toBe("Dataset");
    expect(within(cards[2]!).getByTestId("kind-badge").textContent).toBe("Library");
  });

  it("omits the homepage link when there is none or it is not http(s)", () => {
    renderList([
      project({ id: 7, slug: "a", homepage: null }),
      project({ id: 8, slug: "b", homepage: "javascript:alert(1)" }),
    ]);
    expect(screen.getAllByTestId("project-card")).toHaveLength(2);
    expect(screen.queryByTestId("project-homepage")).toBeNull();
  });

  it("shows a plain-words empty state when there are no projects", () => {
    renderList([]);
    expect(screen.queryByTestId("project-card")).toBeNull();
    const empty = screen.getByTestId("empty-state");
    expect(within(empty).getByRole("heading").textContent).toBe("No projects yet");
    expect(empty.textContent).toContain("Nobody has listed a project on OpenFund so far.");
    expect(empty.textContent).not.toContain("openfund demo");
  });

  it("renders a custom empty state when given one", () => {
    render(
      <RouterProvider>
        <ProjectList projects={[]} empty={<p data-testid="custom">none here</p>} />
      </RouterProvider>,
    );
    expect(screen.getByTestId("custom").textContent).toBe("none here");
    expect(screen.queryByTestId("empty-state")).toBeNull();
  });
});
