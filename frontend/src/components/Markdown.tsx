/**
 * A project's Markdown description, rendered safely: react-markdown builds React
 * elements from the Markdown syntax tree and never injects HTML (raw HTML in the
 * source shows as text); links are limited to http(s) and mailto, open in a new tab and
 * carry rel="nofollow noopener noreferrer"; images are shown as links, so a
 * description cannot load third-party content into the page.
 */
import ReactMarkdown, { type Components } from "react-markdown";

const SAFE_LINK = /^(https?:|mailto:)/i;

/** Only http(s) and mailto targets survive; anything else becomes plain text. */
export function safeLink(url: string): string {
  return SAFE_LINK.test(url.trim()) ? url : "";
}

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="nofollow noopener noreferrer">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a href={src} target="_blank" rel="nofollow noopener noreferrer">
        {alt || "image"}
      </a>
    ) : (
      <span>{alt}</span>
    ),
};

export function Markdown({ source, testId }: { source: string; testId?: string }) {
  return (
    <div className="markdown" data-testid={testId}>
      <ReactMarkdown skipHtml={false} urlTransform={safeLink} components={components}>
        {source}
      </ReactMarkdown>
    </div>
  );
}
