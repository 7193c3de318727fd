import type { CompanySummary } from "../bindings/CompanySummary";
import type { PreviewSummary } from "../bindings/PreviewSummary";
import { counted, numberFormat } from "../shared/format";
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
      {summary.companies !== undefined && (
        <CompanyPlanLines summary={summary.companies} undo={summary.kind === "undo"} />
      )}
      {summary.kind === "push" && <SkipAdvice summary={summary} />}
      <p>
        The live run takes about{" "}
        <strong data-testid="preview-api-calls">{counted(summary.api_calls, "API call")}</strong> and{" "}
        <strong data-testid="preview-time">{durationWords(summary.seconds)}</strong>
        {summary.kind === "pull" ? " (it applies this plan without reading HubSpot again)" : ""}.
      </p>
    </section>
  );
}

/**
 * Why a push skips leads that it could write, and what changes that: the first push of a new
 * setup skips every lead HubSpot doesn't have while creating contacts is off.
 */
function SkipAdvice({ summary }: { summary: PreviewSummary }) {
  const count = (key: string) => summary.details.find((d) => d.key === key)?.count ?? 0;
  const noMatch = count("no-match-create-off");
  const updateOff = count("update-off");
  if (noMatch === 0 && updateOff === 0) return null;
  return (
    <div className="notice notice-hint" data-testid="skip-advice">
      {noMatch > 0 && (
        <p>
          {counted(noMatch, "lead")} {noMatch === 1 ? "has" : "have"} no HubSpot contact with the same email, and
          creating contacts is off, so {noMatch === 1 ? "it is" : "they are"} skipped. To create{" "}
          {noMatch === 1 ? "it" : "them"}, turn on “Create HubSpot contact when no match is found” in Push rules,
          then preview again.
        </p>
      )}
      {updateOff > 0 && (
        <p>
          {counted(updateOff, "lead")} {updateOff === 1 ? "matches" : "match"} a HubSpot contact, but updating
          contacts is off, so {updateOff === 1 ? "it is" : "they are"} skipped. Turn on updating in Push rules to
          send {updateOff === 1 ? "its" : "their"} values.
        </p>
      )}
    </div>
  );
}

/** A push's planned company rows and associations, in words; the leads left without one by why. */
function CompanyPlanLines({ summary, undo }: { summary: CompanySummary; undo: boolean }) {
  const c = summary.counts;
  const n = (value: number) => numberFormat.format(value);
  if (undo)
    return (
      <div>
        <p data-testid="preview-companies">
          Companies: {n(c.update)} to restore, {n(c.archive)} to archive, {n(c.skip)} left as they are.
        </p>
        <p data-testid="preview-associations">
          Associations: {n(c.unassociate)} to take back (each contact’s earlier primary company made primary again),{" "}
          {n(c.no_association)} left as they are.
        </p>
      </div>
    );
  return (
    <div>
      <p data-testid="preview-companies">
        Companies: {n(c.create)} to create, {n(c.update)} to update, {n(c.unchanged)} unchanged, {n(c.skip)} skipped,{" "}
        {n(c.invalid)} invalid.
      </p>
      <p data-testid="preview-associations">
        Associations: {counted(c.associate, "contact")} to associate with {c.associate === 1 ? "its" : "their"} company,{" "}
        {n(c.already)} already associated, {n(c.no_association)} without one.
      </p>
      {summary.skipped.length > 0 && (
        <p className="muted">
          Without one: {summary.skipped.map((d) => `${d.label}: ${numberFormat.format(d.count)}`).join(" · ")}
        </p>
      )}
    </div>
  );
}
