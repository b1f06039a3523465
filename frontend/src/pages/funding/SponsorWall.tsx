/**
 * The project page's sponsor wall: the sponsors of public pledges whom the maintainers
 * approved (or, with auto-approval, whom nobody rejected), with what they gave. The
 * server decides who appears; anonymous pledges never do.
 *
 * A sponsor's link is shown only if it is http(s), with rel="sponsored nofollow
 * noopener" (it is paid for, and the page must not hand it a window reference); a logo
 * only over https (or from this site), as the page's Content-Security-Policy allows.
 */
import { api, type WallSponsor } from "../../api/client";
import { ErrorState, LoadingBlock } from "../../components/States";
import { displayUrl, safeHttpUrl } from "../../lib/format";
import { formatGpuHours, formatMoney } from "../../lib/money";
import { useAsync } from "../../lib/useAsync";

/** The `rel` of every sponsor link (issue 7: paid links, no window reference). */
export const SPONSOR_REL = "sponsored nofollow noopener";

/** A logo the page may load: https anywhere, or http(s) from this very site; else null. */
export function safeLogoUrl(url: string | null | undefined, origin = window.location.origin): string | null {
  const href = safeHttpUrl(url);
  if (!href) return null;
  const parsed = new URL(href);
  return parsed.protocol === "https:" || parsed.origin === origin ? href : null;
}

/** What a sponsor gave, in words: "$1,500.00 · 10 GPU-h H100-80GB". */
export function sponsorTotalsText(sponsor: WallSponsor): string {
  const parts = [
    ...sponsor.totals.money.map((m) => formatMoney(m)),
    ...sponsor.totals.compute.map((c) => `${formatGpuHours(c.gpu_minutes)} ${c.accelerator}`),
  ];
  return parts.join(" · ");
}

function SponsorCard({ sponsor }: { sponsor: WallSponsor }) {
  const link = safeHttpUrl(sponsor.url);
  const logo = safeLogoUrl(sponsor.logo_url);
  const totals = sponsorTotalsText(sponsor);
  const name = (
    <span className="sponsor-name" data-testid="sponsor-name">
      {sponsor.display_name}
    </span>
  );
  return (
    <li className="sponsor" data-testid="sponsor">
      {logo && (
        <img
          className="sponsor-logo"
          src={logo}
          alt={`${sponsor.display_name} logo`}
          width={48}
          height={48}
          loading="lazy"
          referrerPolicy="no-referrer"
          data-testid="sponsor-logo"
        />
      )}
      <div className="sponsor-body">
        {link ? (
          <a href={link} target="_blank" rel={SPONSOR_REL} data-testid="sponsor-link">
            {name}
          </a>
        ) : (
          name
        )}
        {link && <span className="muted small sponsor-url">{displayUrl(link)}</span>}
        {totals && (
          <span className="small sponsor-totals" data-testid="sponsor-totals">
            {totals}
          </span>
        )}
      </div>
    </li>
  );
}

export function SponsorWallSection({ slug }: { slug: string }) {
  const state = useAsync((signal) => api.sponsorWall(slug, { signal }), [slug]);
  let body;
  if (state.status === "loading") body = <LoadingBlock label="Loading sponsors…" />;
  else if (state.status === "error") body = <ErrorState error={state.error} onRetry={state.retry} />;
  else if (state.data.sponsors.length === 0) {
    body = (
      <p className="muted" data-testid="no-sponsors">
        No public sponsors yet. Sponsors who pledge under their name appear here once the
        maintainers approve them.
      </p>
    );
  } else {
    body = (
      <ul className="sponsor-wall" data-testid="sponsor-wall">
        {state.data.sponsors.map((s, i) => (
          <SponsorCard key={`${i}-${s.display_name}`} sponsor={s} />
        ))}
      </ul>
    );
  }
  return (
    <section className="sponsors" aria-labelledby="sponsors-title" data-testid="sponsors-section">
      <h3 id="sponsors-title">Sponsors</h3>
      {body}
    </section>
  );
}
