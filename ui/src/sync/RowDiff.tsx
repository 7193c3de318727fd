import type { FieldChange } from "../bindings/FieldChange";
import type { RunKind } from "../bindings/RunKind";
import type { RunRow } from "../bindings/RunRow";
import type { WriteRule } from "../bindings/WriteRule";
import { afterWords, reasonWords, ruleEffect, type ReasonWords } from "./rowWords";
import { actionLabel, capitalized, outcomeLabel } from "./words";

/** What the two sides of a change are, by the kind of run. */
function sides(kind: RunKind): { before: string; after: string } {
  switch (kind) {
    case "push":
      return { before: "HubSpot now", after: "after the push" };
    case "pull":
      return { before: "Lead now", after: "after the pull" };
    case "undo":
      return { before: "HubSpot now", after: "after the undo" };
  }
}

/** What the row's reasons are, by its action. */
function reasonsTitle(row: RunRow): string {
  if (row.action === "invalid") return "Why it can't be written";
  if (row.action === "skip") return "Why it is skipped";
  return "Why";
}

/**
 * One row of a run, field by field: each field's value before and after, what its write rule
 * did, and for a row held back, why in words and what would change it.
 */
export function RowDiff({ row, kind, rules }: { row: RunRow; kind: RunKind; rules: Map<string, WriteRule> }) {
  const { before, after } = sides(kind);
  const others = Object.entries(row.record);
  // The outcome says something the action doesn't once the row was written (or failed, or waits).
  const outcome = (["previewed", "skipped", "invalid"] as const).some((o) => o === row.outcome)
    ? null
    : outcomeLabel(row.outcome);
  return (
    <aside
      className="side-panel row-diff"
      data-testid="preview-diff"
      data-email={row.email}
      aria-label={`Row ${String(row.seq + 1)}: ${row.email === "" ? "no email" : row.email}`}
    >
      <h3 className="row-diff-title">{row.email === "" ? <span className="muted">(no email)</span> : row.email}</h3>
      <p className="row-diff-head">
        <span className={`row-diff-action action-${row.action}`}>{capitalized(actionLabel(kind, row.action))}</span>
        {outcome !== null && <span className={`outcome outcome-${outcome}`}> · {outcome}</span>}
        {row.contact_id !== null && <span className="muted"> · contact {row.contact_id}</span>}
        {row.step > 0 && <span className="muted"> · step {row.step}</span>}
      </p>

      {row.reason_codes.length > 0 && (
        <WhyList
          title={reasonsTitle(row)}
          invalid={row.action === "invalid"}
          reasons={row.reason_codes.map((reason) => ({ code: reason.code, words: reasonWords(reason, kind) }))}
          testId="row-reason"
        />
      )}

      {row.error !== null && (
        <section className="row-why row-why-invalid">
          <h4>Why it failed</h4>
          <p className="row-error" data-testid="diff-error">
            {row.error}
          </p>
        </section>
      )}

      <h4>
        Fields: {before} → {after}
      </h4>
      {row.changes.length === 0 ? (
        <p className="muted">No field changes.</p>
      ) : (
        <ul className="row-diff-fields">
          {row.changes.map((change) => (
            <Change key={change.field} change={change} kind={kind} rule={rules.get(change.field) ?? null} />
          ))}
        </ul>
      )}

      {others.length > 0 && (
        <>
          <h4>{kind === "pull" ? "Other values, as read" : "Other values, as sent"}</h4>
          <dl className="row-diff-record">
            {others.map(([field, value]) => (
              <div key={field}>
                <dt>{field}</dt>
                <dd>{value === "" ? <span className="muted">(empty)</span> : value}</dd>
              </div>
            ))}
          </dl>
        </>
      )}

      <Notes notes={row.notes} />
    </aside>
  );
}

/** What the admin should know about a row, in words; nothing when there is none. */
export function Notes({ notes }: { notes: readonly string[] }) {
  if (notes.length === 0) return null;
  return (
    <>
      <h4>Notes</h4>
      <ul className="row-diff-notes">
        {notes.map((note) => (
          <li key={note} className="row-note">
            {note}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Why a row is held back, reason by reason in words, each with what would change it. */
export function WhyList({
  title,
  invalid,
  reasons,
  testId,
}: {
  title: string;
  /** Whether the row can't be written at all (shown as an error). */
  invalid: boolean;
  reasons: readonly { code: string; words: ReasonWords }[];
  /** Each reason's `data-testid` (its code is its `data-code`). */
  testId: string;
}) {
  return (
    <section className={invalid ? "row-why row-why-invalid" : "row-why"}>
      <h4>{title}</h4>
      <ul>
        {reasons.map(({ code, words }, i) => (
          <li key={`${String(i)}-${code}`} data-testid={testId} data-code={code}>
            <p className="row-why-text">{words.why}</p>
            {words.todo !== null && (
              <p className="row-why-todo" data-testid="row-todo">
                {words.todo}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One field's change: its value before and after, and what its write rule did (`null`: not known). */
export function Change({ change, kind, rule }: { change: FieldChange; kind: RunKind; rule: WriteRule | null }) {
  // A push names the property it writes, a pull the lead field; the other side in small print.
  const [name, other] =
    kind === "pull" ? [change.field, `from ${change.property}`] : [change.property, `from ${change.field}`];
  const empty = change.before === null || change.before === "";
  return (
    <li className="row-diff-field" data-testid="field-change" data-field={change.field}>
      <div className="row-diff-name">
        <span className="change-name">{name}</span>
        {change.property !== change.field && <span className="muted"> {other}</span>}
      </div>
      <div className="row-diff-values">
        <span data-testid="field-before" className={empty ? "change-before change-empty" : "change-before"}>
          {empty ? "(empty)" : change.before}
        </span>
        <span aria-hidden="true"> → </span>
        <span className="sr-only"> becomes </span>
        <span data-testid="field-after" className={change.kept ? "change-after change-kept" : "change-after"}>
          {afterWords(change, kind)}
        </span>
      </div>
      <div className="row-diff-rule muted" data-testid="field-rule">
        {ruleEffect(change, rule, kind)}
      </div>
    </li>
  );
}
