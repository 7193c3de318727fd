import { useState } from "react";

import type { Field } from "../bindings/Field";
import type { ImportInspection } from "../bindings/ImportInspection";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportReport } from "../bindings/ImportReport";
import type { MatchedBy } from "../bindings/MatchedBy";
import { Dialog } from "../shared/Dialog";
import { ErrorMessage } from "../shared/ErrorMessage";
import { numberFormat } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { csvImportRun } from "./ipc";
import { SavedPath } from "./SavedPath";

/** Row errors listed on screen; the saved report has every one. */
const LISTED_ERRORS = 200;

const MATCHED_BY: Record<MatchedBy, string> = {
  key: "matched by field key",
  label: "matched by field label",
  property: "matched by HubSpot property",
  alias: "matched by a common name",
  override: "chosen",
  unmatched: "no field matched",
};

const DELIMITERS = { comma: "commas", semicolon: "semicolons", tab: "tabs" } as const;

/** What the chosen columns can't do, said before the import is tried. */
function mappingProblems(choices: string[], columns: string[], fields: Field[]): string[] {
  const problems: string[] = [];
  if (!choices.includes("email")) problems.push("Choose the column that holds the email: every lead needs one.");
  for (const field of new Set(choices.filter((c) => c !== ""))) {
    const taking = columns.filter((_, i) => choices[i] === field);
    if (taking.length > 1) {
      const label = fields.find((f) => f.key === field)?.label ?? field;
      problems.push(`${taking.map((c) => `“${c}”`).join(" and ")} all go to ${label}: a field takes one column.`);
    }
  }
  return problems;
}

/**
 * The CSV import after a file was chosen: each column's field (changeable, or not imported)
 * with sample values, then the import or a check of it, then what it did and the bad rows.
 */
export function ImportWizard({ inspection, fields, onClose, onImported }: { inspection: ImportInspection; fields: Field[]; onClose: () => void; onImported: () => void }) {
  const columns = inspection.columns.map((c) => c.column);
  const [choices, setChoices] = useState<string[]>(inspection.columns.map((c) => c.field ?? ""));
  const [skipBadRows, setSkipBadRows] = useState(true);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const problems = mappingProblems(choices, columns, fields);

  function run(dryRun: boolean) {
    setRunning(true);
    setError(null);
    setProgress(null);
    const request = {
      token: inspection.token,
      fileName: inspection.file_name,
      columns: columns.map((column, i) => ({ column, field: choices[i] === "" ? null : (choices[i] ?? null) })),
      skipBadRows,
      dryRun,
    };
    csvImportRun(request, setProgress).then(
      (done) => {
        setRunning(false);
        setReport(done);
        if (!dryRun) onImported();
      },
      (e: unknown) => {
        setRunning(false);
        setError(toCommandError(e));
      },
    );
  }

  const imported = report?.imported;
  return (
    <Dialog kind="form" title={`Import ${inspection.file_name}`} onClose={onClose} testId="import-wizard">
      {(imported === undefined || imported.dry_run) && (
        <section data-testid="import-mapping" aria-labelledby="import-mapping-title">
          <h3 id="import-mapping-title">Columns</h3>
          <p className="muted">
            Cells are separated by {DELIMITERS[inspection.delimiter]}. Choose the field each column fills, or “Don't import”.
          </p>
          <div className="import-columns" role="table" aria-label="Columns and their fields">
            <div className="import-column import-column-head" role="row">
              <span role="columnheader">Column</span>
              <span role="columnheader">Field</span>
              <span role="columnheader">Sample values</span>
            </div>
            {inspection.columns.map((c, i) => {
              const id = `import-column-${String(i)}`;
              return (
                <div key={id} className="import-column" role="row" data-testid="import-column" data-column={c.column}>
                  <span role="cell">
                    <label htmlFor={id}>{c.column === "" ? "(no name)" : c.column}</label>
                    <span className="field-hint">{choices[i] === (c.field ?? "") ? MATCHED_BY[c.matched_by] : MATCHED_BY.override}</span>
                  </span>
                  <span role="cell">
                    <select
                      id={id}
                      value={choices[i]}
                      disabled={running}
                      onChange={(e) => {
                        const value = e.currentTarget.value;
                        setChoices((old) => old.map((v, j) => (j === i ? value : v)));
                      }}
                    >
                      <option value="">Don't import</option>
                      {fields.map((f) => (
                        <option key={f.key} value={f.key}>
                          {f.label}
                        </option>
                      ))}
                    </select>
                  </span>
                  <span role="cell" className="import-samples">
                    {inspection.samples
                      .map((row) => row[i] ?? "")
                      .filter((v) => v !== "")
                      .slice(0, 3)
                      .join(" · ") || <span className="muted">(empty)</span>}
                  </span>
                </div>
              );
            })}
          </div>
          {problems.length > 0 && (
            <ul className="field-error" data-testid="import-mapping-problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <label className="field-check">
            <input
              type="checkbox"
              checked={skipBadRows}
              disabled={running}
              onChange={(e) => {
                setSkipBadRows(e.currentTarget.checked);
              }}
            />
            Skip bad rows: import the others and save the bad ones, with their errors, to a report
          </label>
          <p className="field-hint">Otherwise one bad row stops the import and nothing is written.</p>
          {error && <ErrorMessage error={error} title="Nothing was imported" />}
          {running && (
            <p role="status" aria-busy="true">
              Importing…
              {progress && progress.bytes_total > 0 && (
                <progress value={progress.bytes_read} max={progress.bytes_total} aria-label="Import progress" />
              )}
            </p>
          )}
          <div className="actions">
            <button type="button" className="button-primary" data-testid="import-confirm" disabled={running || problems.length > 0} onClick={() => { run(false); }}>
              Import
            </button>
            <button type="button" data-testid="import-dry-run" disabled={running || problems.length > 0} onClick={() => { run(true); }}>
              Check without importing
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </section>
      )}
      {imported && (
        <section className="import-result" data-testid="import-result" aria-labelledby="import-result-title" role="status">
          <h3 id="import-result-title">{imported.dry_run ? "Check: nothing was written" : "Imported"}</h3>
          <dl className="details">
            <dt>{imported.dry_run ? "Would add" : "Added"}</dt>
            <dd data-testid="import-added">{numberFormat.format(imported.added)}</dd>
            <dt>{imported.dry_run ? "Would update" : "Updated"}</dt>
            <dd data-testid="import-updated">{numberFormat.format(imported.updated)}</dd>
            <dt>{imported.dry_run ? "Would skip (bad rows)" : "Skipped (bad rows)"}</dt>
            <dd data-testid="import-skipped">{numberFormat.format(imported.skipped.length)}</dd>
            <dt>Blank rows passed over</dt>
            <dd>{numberFormat.format(imported.blank)}</dd>
          </dl>
          {imported.errors_file !== null && <SavedPath label="Row-error report" path={imported.errors_file} testId="import-report-path" />}
          {imported.skipped.length > 0 && (
            <table className="row-errors" data-testid="import-row-errors">
              <caption>
                Bad rows{imported.skipped.length > LISTED_ERRORS ? ` (the first ${String(LISTED_ERRORS)}; the report has all)` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {imported.skipped.slice(0, LISTED_ERRORS).map((r, i) => (
                  <tr key={`${String(r.row)}-${String(i)}`}>
                    <td>{r.row}</td>
                    <td>{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!imported.dry_run && (
            <div className="actions">
              <button type="button" className="button-primary" onClick={onClose}>
                Done
              </button>
            </div>
          )}
        </section>
      )}
    </Dialog>
  );
}
