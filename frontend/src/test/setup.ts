import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { sessionStore } from "../auth/session";
import { instanceStore } from "../instance/instance";

// jsdom does not implement scrolling; the router scrolls to top on navigation.
window.scrollTo = () => {};

afterEach(() => {
  cleanup();
  window.history.replaceState(null, "", "/");
  // Every test starts like a fresh page load: session not yet known.
  sessionStore.reset();
  instanceStore.reset();
});
