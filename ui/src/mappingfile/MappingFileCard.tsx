import { useId, useRef, useState, type ChangeEvent } from "react";

import type { Mapping } from "../bindings/Mapping";
import type { MappingExported } from "../bindings/MappingExported";
import type { MappingImport } from "../bindings/MappingImport";
import { SavedPath } from "../leads/SavedPath";
import type { CommandError } from "../shared/commandError";
import { Dialog } from "../shared/Dialog";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted } from "../shared/format";
import { toCommandError } from "../shared/ipc";
import { exportMappingFile, importMappingFile, previewMappingFile } from "./ipc";

const RULE_WORDS = { overwrite: "overwrite", "if-empty": "only if empty" } as const;

function describe(m: Mapping): string {
  return `${m.field_key} → ${m.property} (${RULE_WORDS[m.write_rule]})`;
}

/** Export the mapping as a file, and import one: preview first, apply on confirm. */
export function MappingFileCard({ onImported }: { onImported: () => void }) {
  const id = useId();
  const [exported, setExported] = useState<MappingExported | null>(null);
  const [pending, setPending] = useState<{ name: string; text: string; preview: MappingImport } | null>(null);
  const [done, setDone] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ error: CommandError; title: string } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);

  function run<T>(action: Promise<T>, title: string, then: (value: T) => void) {
    setBusy(true);
    setError(null);
    action.then(
      (value) => {
        setBusy(false);
        then(value);
      },
      (e: unknown) => {
        setBusy(false);
        setError({ error: toCommandError(e), title });
      },
    );
  }

  function chosen(event: ChangeEvent<HTMLInputElement>) {
    const file = event.currentTarget.files?.[0];
    setDone("");
    setPending(null);
    if (file === undefined) return;
    run(
      file.text().then(async (text) => ({ text, preview: await previewMappingFile(text) })),
      `The file ${file.name} can’t be imported`,
      ({ text, preview }) => {
        setPending({ name: file.name, text, preview });
      },
    );
  }

  function cancel() {
    setPending(null);
    if (fileInput.current !== null) fileInput.current.value = "";
  }

  function confirm() {
    if (pending === null) return;
    run(importMappingFile(pending.text), `The file ${pending.name} was not imported`, (result) => {
      const { plan } = result;
      setDone(
        `Imported ${pending.name}: ${String(plan.added.length)} added, ${String(plan.changed.length)} changed, ${String(plan.removed.length)} removed, ${counted(plan.new_fields.length, "new field")}.`,
      );
      cancel();
      onImported();
    });
  }

  const plan = pending?.preview.plan;
  const changes = plan === undefined ? 0 : plan.new_fields.length + plan.added.length + plan.changed.length + plan.removed.length;

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Mapping file</h2>
      <p className="muted">
        Save the mapping (with the custom fields it needs) as a file, or replace it with one. The email row always stays.
      </p>
      <div className="actions">
        <button
          type="button"
          data-testid="mapping-export"
          disabled={busy}
          onClick={() => {
            run(exportMappingFile(), "The mapping was not exported", setExported);
          }}
        >
          Export mapping
        </button>
      </div>
      {exported !== null && (
        <div className="notice notice-success" data-testid="mapping-exported">
          <SavedPath label={`Saved ${savedWhat(exported)} to`} path={exported.path} testId="mapping-export-path" />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-file`}>Import a mapping file</label>
        <input
          ref={fileInput}
          id={`${id}-file`}
          type="file"
          accept=".json,application/json"
          data-testid="mapping-import-file"
          disabled={busy}
          onChange={chosen}
        />
        <p className="field-hint">Nothing changes until you confirm what the file will do.</p>
      </div>
      {pending !== null && plan !== undefined && (
        <Dialog
          kind="question"
          title={changes === 0 ? `${pending.name} matches the current mapping` : `Importing ${pending.name} will:`}
          onClose={cancel}
          initialFocus={confirmButton}
          testId="mapping-import-preview"
        >
          <ul>
            {plan.new_fields.map((f) => (
              <li key={`f-${f.key}`} data-testid="mapping-import-new-field">
                add the custom field {f.key} ({f.type})
              </li>
            ))}
            {plan.added.map((m) => (
              <li key={`a-${m.field_key}`} data-testid="mapping-import-added">
                add {describe(m)}
              </li>
            ))}
            {plan.changed.map((c) => (
              <li key={`c-${c.after.field_key}`} data-testid="mapping-import-changed">
                change {describe(c.before)} to {describe(c.after)}
              </li>
            ))}
            {plan.removed.map((m) => (
              <li key={`r-${m.field_key}`} data-testid="mapping-import-removed">
                remove {describe(m)}
              </li>
            ))}
          </ul>
          <p className="muted">{plan.unchanged} rows stay as they are.</p>
          {pending.preview.warning !== null && <p className="notice notice-warning">Note: {pending.preview.warning}</p>}
          {/* An import that failed is said where the admin is looking: in the dialog. */}
          {error !== null && <FileError error={error} />}
          <div className="actions">
            <button
              ref={confirmButton}
              type="button"
              className="button-primary"
              data-testid="mapping-import-confirm"
              disabled={busy || changes === 0}
              onClick={confirm}
            >
              Import
            </button>
            <button type="button" data-testid="mapping-import-cancel" disabled={busy} onClick={cancel}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
      <p className="status-line" role="status" aria-live="polite" data-testid="mapping-import-done">
        {done}
      </p>
      {error !== null && pending === null && <FileError error={error} />}
    </section>
  );
}

function FileError({ error }: { error: { error: CommandError; title: string } }) {
  return (
    <div className="mapping-file-error" data-testid="mapping-file-error">
      <ErrorMessage error={error.error} title={error.title} />
    </div>
  );
}

/** "3 rows", and the custom fields they name when there are any. */
function savedWhat({ rows, fields }: MappingExported): string {
  const counted = (n: number, one: string) => `${String(n)} ${one}${n === 1 ? "" : "s"}`;
  return fields === 0 ? counted(rows, "row") : `${counted(rows, "row")} and ${counted(fields, "custom field")}`;
}
