import { useDocumentTitle } from "../lib/useAsync";
import { Link, useLocation } from "../router";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  const { pathname } = useLocation();
  return (
    <div className="notice" data-testid="page-not-found">
      <p className="notice-code">404</p>
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{pathname}</code>.
      </p>
      <Link to="/" className="button">
        Go to the home page
      </Link>
    </div>
  );
}
