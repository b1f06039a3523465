import { pageCount } from "../lib/format";
import { Link } from "../router";

export function Pagination({
  page,
  perPage,
  total,
  hrefFor,
}: {
  page: number;
  perPage: number;
  total: number;
  hrefFor: (page: number) => string;
}) {
  const pages = pageCount(total, perPage);
  if (total <= perPage) return null;
  const prev = page > 1 ? page - 1 : null;
  const next = page < pages ? page + 1 : null;
  return (
    <nav className="pagination" aria-label="Pagination" data-testid="pagination">
      {prev ? (
        <Link to={hrefFor(prev)} className="button button-secondary" rel="prev">
          ← Newer
        </Link>
      ) : (
        <span className="button button-secondary" aria-disabled="true">
          ← Newer
        </span>
      )}
      <span className="pagination-status" aria-current="page">
        Page {page} of {pages}
      </span>
      {next ? (
        <Link to={hrefFor(next)} className="button button-secondary" rel="next">
          Older →
        </Link>
      ) : (
        <span className="button button-secondary" aria-disabled="true">
          Older →
        </span>
      )}
    </nav>
  );
}
