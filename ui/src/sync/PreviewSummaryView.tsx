import type { PreviewSummary } from "../bindings/PreviewSummary";
import { numberFormat } from "../shared/format";
import { useActivePortal } from "../shared/activePortal";
import { actionLabel, actionsOf, durationWords, portalWords } from "./words";

/** A preview's counts per action, and what the live run will cost. */
export function PreviewSummaryView({ summary }: { summary: PreviewSummary }) {
  const { counts } = summary;
  const portal = useActivePortal();
  const title =
    summary.kind === "undo"
      ? `Undo preview of run ${String(summary.undo_of ?? "")}`
      : `${summary.kind === "push" ? "Push" : "Pull"} preview`;
  return (
    <section
      className="preview-summary"
      data-testid="preview-summary"
      aria-labelledby={`preview-${String(summary.run_id)}`}
    >
      <h3 id={`preview-${String(summary.run_id)}`}>
        {title} (run {summary.run_id}): nothing was written
      </h3>
      <p className="muted">
        {summary.kind === "pull"
          ? `From ${portalWords(summary, portal)} into the lead store.`
          : `To ${portalWords(summary, portal)}.`}
      </p>
      <dl className="counts">
        {actionsOf(summary.kind).map((action) => (
          <div key={action}>
            <dt>{actionLabel(summary.kind, action)}</dt>
            <dd data-testid={`preview-count-${action}`}>{numberFormat.format(counts[action])}</dd>
          </div>
        ))}
      </dl>
      {summary.details.length > 0 && (
        <p className="muted">{summary.details.map((d) => `${d.label}: ${numberFormat.format(d.count)}`).join(" · ")}</p>
      )}
      <p>
        The live run takes about{" "}
        <strong data-testid="preview-api-calls">{numberFormat.format(summary.api_calls)} API calls</strong> and{" "}
        <strong data-testid="preview-time">{durationWords(summary.seconds)}</strong>
        {summary.kind === "pull" ? " (it applies this plan without reading HubSpot again)" : ""}.
      </p>
    </section>
  );
}
