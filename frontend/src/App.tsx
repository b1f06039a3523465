import { Layout } from "./components/Layout";
import { HomePage } from "./pages/HomePage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ProjectPage } from "./pages/ProjectPage";
import { matchPath, useLocation } from "./router";

function Routes() {
  const { pathname } = useLocation();
  if (matchPath("/", pathname)) return <HomePage />;
  const project = matchPath("/projects/:slug", pathname);
  if (project?.slug) return <ProjectPage key={project.slug} slug={project.slug} />;
  return <NotFoundPage />;
}

export function App() {
  return (
    <Layout>
      <Routes />
    </Layout>
  );
}
