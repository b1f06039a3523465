import type { ComponentType } from "react";
import { useSessionStart } from "./auth/useSession";
import { Layout } from "./components/Layout";
import { useInstanceStart } from "./instance/instance";
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
import { matchPath, useLocation } from "./router";

const STATIC_ROUTES: Record<string, ComponentType> = {
  "/signup": SignupPage,
  "/verify-email": VerifyEmailPage,
  "/login": LoginPage,
  "/forgot-password": ForgotPasswordPage,
  "/reset-password": ResetPasswordPage,
  "/settings": SettingsPage,
  "/signin/github": GithubSigninPage,
};

function Routes() {
  const { pathname } = useLocation();
  if (matchPath("/", pathname)) return <HomePage />;
  const project = matchPath("/projects/:slug", pathname);
  if (project?.slug) return <ProjectPage key={project.slug} slug={project.slug} />;
  for (const [path, Page] of Object.entries(STATIC_ROUTES)) {
    if (matchPath(path, pathname)) return <Page />;
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
