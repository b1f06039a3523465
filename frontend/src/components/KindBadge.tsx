import { isProjectKind, kindLabel } from "../lib/format";

export function KindBadge({ kind }: { kind: string }) {
  const tone = isProjectKind(kind) ? kind : "other";
  return (
    <span className={`kind-badge kind-${tone}`} data-testid="kind-badge" data-kind={kind}>
      {kindLabel(kind)}
    </span>
  );
}
