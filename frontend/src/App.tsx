import type { ComponentType } from "react";
import { useSessionStart } from "./auth/useSession";
import { Layout } from "./components/Layout";
import { useInstanceStart } from "./instance/instance";
import { ApiDocsPage } from "./pages/ApiDocsPage";
import { FailedJobsPage, OutboxPage } from "./pages/admin/AdminPages";
import { ForgotPasswordPage } from "./pages/account/ForgotPasswordPage";
import { GithubSigninPage } from "./pages/account/GithubSigninPage";
import { LoginPage } from "./pages/account/LoginPage";
import { ResetPasswordPage } from "./pages/account/ResetPasswordPage";
import { SettingsPage } from "./pages/account/SettingsPage";
import { SignupPage } from "./pages/account/SignupPage";
import { VerifyEmailPage } from "./pages/account/VerifyEmailPage";
import { HomePage } from "./pages/HomePage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ProjectPage } from "./pages/ProjectPage";
import { GoalPage } from "./pages/funding/Goals";
import { LedgerPage } from "./pages/funding/LedgerPage";
import { ManagePage } from "./pages/funding/ManagePage";
import { MyPledgesPage } from "./pages/funding/MyPledgesPage";
import { PledgePage } from "./pages/funding/PledgePage";
import { NewProjectPage, ProjectSettingsPage } from "./pages/projects/ProjectPages";
import { matchPath, useLocation } from "./router";
import routes from "./routes.json";

/**
 * The app's pages, by the patterns in routes.json (which the server reads too,
 * to answer every other path with 404). A unit test checks the two lists agree.
 */
export const PAGES: Record<string, ComponentType<{ params: Record<string, string> }>> = {
  "/": HomePage,
  "/projects/:slug": ({ params }) => <ProjectPage key={params.slug} slug={params.slug ?? ""} />,
  "/projects/:slug/ledger": ({ params }) => <LedgerPage key={params.slug} slug={params.slug ?? ""} />,
  "/projects/:slug/pledge": ({ params }) => <PledgePage key={params.slug} slug={params.slug ?? ""} />,
  "/projects/:slug/goals/:id": ({ params }) => (
    <GoalPage key={`${params.slug}/${params.id}`} slug={params.slug ?? ""} id={params.id ?? ""} />
  ),
  "/projects/:slug/manage": ({ params }) => <ManagePage key={params.slug} slug={params.slug ?? ""} />,
  "/me/pledges": MyPledgesPage,
  "/projects/:slug/settings": ({ params }) => (
    <ProjectSettingsPage key={params.slug} slug={params.slug ?? ""} />
  ),
  "/new-project": NewProjectPage,
  "/signup": SignupPage,
  "/verify-email": VerifyEmailPage,
  "/login": LoginPage,
  "/forgot-password": ForgotPasswordPage,
  "/reset-password": ResetPasswordPage,
  "/settings": SettingsPage,
  "/signin/github": GithubSigninPage,
  "/api/v1/docs": ApiDocsPage,
  "/admin/jobs": FailedJobsPage,
  "/admin/outbox": OutboxPage,
};

export const PAGE_PATTERNS: readonly string[] = routes.pages;

function Routes() {
  const { pathname } = useLocation();
  for (const pattern of PAGE_PATTERNS) {
    const params = matchPath(pattern, pathname);
    const Page = PAGES[pattern];
    if (params && Page) return <Page params={params} />;
  }
  return <NotFoundPage />;
}

export function App() {
  useSessionStart();
  useInstanceStart();
  return (
    <Layout>
      <Routes />
    </Layout>
  );
}
