/** Leaving the single-page app (e.g. for GitHub's authorize page). A seam for tests. */
export const browser = {
  assign(url: string) {
    window.location.assign(url);
  },
};
