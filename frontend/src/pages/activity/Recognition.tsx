/**
 * A project's public recognition: its contributors (avatar, name linking to GitHub,
 * counts per kind) and its activity feed (GitHub activity and recorded work in one
 * stream), each read page by page with the server's cursors.
 */
import { useId, useState } from "react";
import { api, type ActivityItem, type ContributorEntry, type ContributorSummary } from "../../api/client";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/States";
import {
  CONTRIBUTION_KINDS,
  contributionKindLabel,
  contributorName,
  countLines,
  isContributionKind,
} from "../../lib/contributions";
import { formatShortDate, pluralize, safeHttpUrl } from "../../lib/format";
import { useCursorList } from "../../lib/useCursorList";
import { LoadMore } from "../funding/common";

const CONTRIBUTORS_PAGE = 20;
const ACTIVITY_PAGE = 15;

/** A contributor's GitHub avatar; a neutral mark for people without an account. */
export function Avatar({ contributor, size = 40 }: { contributor: ContributorSummary; size?: 32 | 40 }) {
  const src = contributor.anonymous ? null : safeHttpUrl(contributor.avatar_url);
  const [failed, setFailed] = useState(false);
  if (!src || failed) {
    return (
      <span className={`person-avatar person-avatar-empty person-avatar-${size}`} aria-hidden="true">
        {(contributor.login ?? "?").charAt(0).toUpperCase()}
      </span>
    );
  }
  // Decorative: the name is next to it.
  return (
    <img
      className={`person-avatar person-avatar-${size}`}
      src={src}
      alt=""
      width={size}
      height={size}
      loading="lazy"
      referrerPolicy="no-referrer"
      onError={() => setFailed(true)}
    />
  );
}

/** The contributor's name, linking to their GitHub profile when they have one. */
export function ContributorName({ contributor }: { contributor: ContributorSummary }) {
  const name = contributorName(contributor);
  const href = contributor.anonymous ? null : safeHttpUrl(contributor.html_url);
  if (!href) return <span className="contributor-name">{name}</span>;
  return (
    <a className="contributor-name" href={href} target="_blank" rel="nofollow noopener noreferrer">
      {name}
      <span className="visually-hidden"> on GitHub (opens in a new tab)</span>
    </a>
  );
}

function ContributorRow({ entry }: { entry: ContributorEntry }) {
  const c = entry.contributor;
  const lines = countLines(entry.counts);
  const showLogin = !c.anonymous && c.login && c.name?.trim();
  return (
    <li className="contributor" data-testid="contributor" data-login={c.login ?? undefined} data-id={c.id}>
      <Avatar contributor={c} />
      <div className="contributor-body">
        <p className="contributor-head">
          <ContributorName contributor={c} />
          {showLogin && <span className="muted small"> @{c.login}</span>}
          {c.is_bot && <span className="pill"> Bot</span>}
        </p>
        <p className="muted small">
          <strong data-testid="contributor-total">{pluralize(entry.total, "contribution")}</strong>
          {" · since "}
          <time dateTime={entry.first_contribution_at}>{formatShortDate(entry.first_contribution_at)}</time>
        </p>
        {lines.length > 0 && (
          <ul className="kind-counts" aria-label={`${contributorName(c)}'s contributions by kind`} data-testid="contributor-counts">
            {lines.map((l) => (
              <li key={l.kind} data-kind={l.kind}>
                {l.words}
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
}

export function ContributorsSection({ slug }: { slug: string }) {
  const titleId = useId();
  const list = useCursorList(
    (cursor, signal) => api.listContributors(slug, { cursor, limit: CONTRIBUTORS_PAGE }, { signal }),
    [slug],
  );
  const s = list.state;
  return (
    <section className="recognition" aria-labelledby={titleId} data-testid="contributors-section">
      <h2 id={titleId}>Contributors</h2>
      {s.status === "loading" && <LoadingBlock label="Loading contributors…" />}
      {s.status === "error" && <ErrorState error={s.error} onRetry={list.reload} />}
      {s.status === "ready" && s.items.length === 0 && (
        <EmptyState title="No contributors yet" testId="no-contributors">
          <p>
            The people who commit, review, report issues and release on the project's linked GitHub repositories
            appear here, with the work its maintainers record.
          </p>
        </EmptyState>
      )}
      {s.status === "ready" && s.items.length > 0 && (
        <>
          <ol className="contributor-list" data-testid="contributors">
            {s.items.map((e) => (
              <ContributorRow key={e.contributor.id} entry={e} />
            ))}
          </ol>
          {s.next && (
            <LoadMore
              shown={s.items.length}
              loading={s.loadingMore}
              error={s.moreError}
              onClick={list.loadMore}
              singular="contributor"
              plural="contributors"
            />
          )}
        </>
      )}
    </section>
  );
}

function ActivityRow({ item }: { item: ActivityItem }) {
  const href = safeHttpUrl(item.url);
  const text = item.recorded ? (item.description ?? "") : (item.title ?? "");
  // Comments and reviews have no title of their own: the link says where they are.
  const what = text || (href ? (item.recorded ? "The work" : "See it on GitHub") : "");
  return (
    <li className="activity-item" data-testid="activity-item" data-kind={item.kind} data-id={item.id}>
      <Avatar contributor={item.contributor} size={32} />
      <div className="activity-body">
        <p className="activity-what">
          <span className={`pill${item.recorded ? " pill-write" : ""}`}>{contributionKindLabel(item.kind)}</span>{" "}
          {href ? (
            <a href={href} target="_blank" rel="nofollow noopener noreferrer" data-testid="activity-link">
              {what}
            </a>
          ) : (
            <span>{what}</span>
          )}
        </p>
        <p className="muted small">
          <ContributorName contributor={item.contributor} />
          {item.repository && <> in {item.repository}</>}
          {item.recorded && <> · recorded by a maintainer</>}
          {" · "}
          <time dateTime={item.occurred_at}>{formatShortDate(item.occurred_at)}</time>
        </p>
      </div>
    </li>
  );
}

export function ActivitySection({ slug }: { slug: string }) {
  const titleId = useId();
  const filterId = useId();
  const [kind, setKind] = useState("");
  const list = useCursorList(
    (cursor, signal) =>
      api.listActivity(slug, { kind: isContributionKind(kind) ? kind : null, cursor, limit: ACTIVITY_PAGE }, { signal }),
    [slug, kind],
  );
  const s = list.state;
  return (
    <section className="recognition" aria-labelledby={titleId} data-testid="activity-section">
      <div className="section-head recognition-head">
        <h2 id={titleId}>Activity</h2>
        <div className="field field-inline">
          <label className="field-label" htmlFor={filterId}>
            Show
          </label>
          <select
            id={filterId}
            className="input"
            value={kind}
            onChange={(e) => setKind(e.target.value)}
            data-testid="activity-kind"
          >
            <option value="">All kinds of work</option>
            {CONTRIBUTION_KINDS.map((k) => (
              <option key={k} value={k}>
                {contributionKindLabel(k)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {s.status === "loading" && <LoadingBlock label="Loading activity…" />}
      {s.status === "error" && <ErrorState error={s.error} onRetry={list.reload} />}
      {s.status === "ready" && s.items.length === 0 && (
        <EmptyState title={kind ? `No ${contributionKindLabel(kind).toLowerCase()} yet` : "No activity yet"} testId="no-activity">
          <p>Commits, pull requests, reviews, issues, comments, releases and recorded work appear here, newest first.</p>
        </EmptyState>
      )}
      {s.status === "ready" && s.items.length > 0 && (
        <>
          <ol className="activity-feed" data-testid="activity">
            {s.items.map((i) => (
              <ActivityRow key={i.id} item={i} />
            ))}
          </ol>
          {s.next && (
            <LoadMore
              shown={s.items.length}
              loading={s.loadingMore}
              error={s.moreError}
              onClick={list.loadMore}
              singular="item"
              plural="items"
            />
          )}
        </>
      )}
    </section>
  );
}
