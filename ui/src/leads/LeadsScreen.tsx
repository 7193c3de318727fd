import { useCallback, useEffect, useState, type DragEvent } from "react";

import type { ImportInspection } from "../bindings/ImportInspection";
import type { Lead } from "../bindings/Lead";
import type { LeadDetail } from "../bindings/LeadDetail";
import type { LeadFilter } from "../bindings/LeadFilter";
import type { LeadSort } from "../bindings/LeadSort";
import type { SavedFile } from "../bindings/SavedFile";
import { listFields } from "../fields/ipc";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted, numberFormat } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import type { Loadable } from "../shared/loadable";
import { useLoadable } from "../shared/useLoadable";
import { FilterBar } from "./FilterBar";
import { ImportWizard } from "./ImportWizard";
import { csvImportInspect, exportLeads, leadDetail, refreshOwners } from "./ipc";
import { LeadDetailPanel } from "./LeadDetailPanel";
import { LeadForm } from "./LeadForm";
import { LeadTable } from "./LeadTable";
import { SavedPath } from "./SavedPath";
import "./leads.css";

/** How long typing pauses before the search runs. */
export const SEARCH_DELAY_MS = 250;

const FIRST_ADDED: LeadSort = { key: { kind: "id" }, descending: false };

/** The open lead's detail; until the chosen lead's arrives, the one before is not shown as if it were it. */
function detailOf(read: Loadable<LeadDetail | null>, selected: number | null): Loadable<LeadDetail> | null {
  if (selected === null) return null;
  if (read.status !== "ready") return read;
  const value = read.value;
  return value !== null && value.view.id === selected ? { status: "ready", value } : { status: "loading" };
}

/** The lead store: a table of every lead, a lead's detail, add and edit, import and export. */
export function LeadsScreen({ onPull }: { onPull?: () => void }) {
  const [fields] = useLoadable(listFields);
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState("");
  const [filters, setFilters] = useState<LeadFilter[]>([]);
  const [sort, setSort] = useState<LeadSort>(FIRST_ADDED);
  const [reloadKey, setReloadKey] = useState(0);
  const [total, setTotal] = useState<number | null>(null);
  const [tableError, setTableError] = useState<CommandError | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  // Bumped to read the open lead again (an edit, an import, new owners).
  const [detailReads, setDetailReads] = useState(0);
  const loadDetail = useCallback(() => (selected === null ? Promise.resolve(null) : leadDetail(selected)), [selected]);
  const [read] = useLoadable(loadDetail, detailReads);
  const detail = detailOf(read, selected);
  const [form, setForm] = useState<{ lead: Lead | null } | null>(null);
  const [inspection, setInspection] = useState<ImportInspection | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: CommandError } | null>(null);
  const [exported, setExported] = useState<SavedFile | null>(null);
  const [ownersNote, setOwnersNote] = useState("");

  useEffect(() => {
    const timer = window.setTimeout(() => {
      setSearch(typed.trim());
    }, SEARCH_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
    };
  }, [typed]);

  const showDetail = useCallback((id: number) => {
    setSelected(id);
    setDetailReads((n) => n + 1);
  }, []);

  function leadsChanged() {
    setReloadKey((k) => k + 1);
    setDetailReads((n) => n + 1);
  }

  function act<T>(name: string, title: string, work: () => Promise<T>, done: (value: T) => void) {
    setBusy(name);
    setActionError(null);
    work().then(
      (value) => {
        setBusy(null);
        done(value);
      },
      (e: unknown) => {
        setBusy(null);
        setActionError({ title, error: toCommandError(e) });
      },
    );
  }

  function chooseFile(file: File | undefined) {
    if (!file) return;
    act(
      "import",
      `${file.name} could not be read`,
      () => file.text().then((text) => csvImportInspect(file.name, text)),
      setInspection,
    );
  }

  if (fields.status !== "ready") {
    return (
      <div className="screen">
        <section className="card">
          <h2>Leads</h2>
          {fields.status === "loading" && <p aria-busy="true">Loading the lead fields…</p>}
          {fields.status === "failed" && <ErrorMessage error={fields.error} title="The lead fields could not be read" />}
        </section>
      </div>
    );
  }

  return (
    <div className="screen leads-screen">
      <section className="card" aria-labelledby="leads-title">
        <div className="leads-toolbar">
          <h2 id="leads-title">Leads</h2>
          <p className="leads-total" data-testid="leads-total" aria-live="polite">
            {total === null ? "Counting…" : `${numberFormat.format(total)} ${total === 1 ? "lead" : "leads"}`}
          </p>
          <label className="leads-search">
            <span className="sr-only">Search leads</span>
            <input
              type="search"
              placeholder="Search email and every field"
              data-testid="leads-search"
              value={typed}
              onChange={(e) => {
                setTyped(e.currentTarget.value);
              }}
            />
          </label>
          <div className="actions">
            <button type="button" className="button-primary" data-testid="lead-add" onClick={() => { setForm({ lead: null }); }}>
              Add lead
            </button>
            <label
              className="file-button"
              onDragOver={(e: DragEvent) => {
                e.preventDefault();
              }}
              onDrop={(e: DragEvent) => {
                e.preventDefault();
                chooseFile(e.dataTransfer.files[0]);
              }}
            >
              {busy === "import" ? "Reading…" : "Import CSV (choose or drop a file)"}
              <input
                type="file"
                accept=".csv,.tsv,.txt,text/csv"
                data-testid="leads-import-file"
                onChange={(e) => {
                  chooseFile(e.currentTarget.files?.[0]);
                  e.currentTarget.value = "";
                }}
              />
            </label>
            <button
              type="button"
              data-testid="leads-export"
              disabled={busy === "export"}
              onClick={() => {
                act("export", "The leads could not be exported", exportLeads, setExported);
              }}
            >
              {busy === "export" ? "Exporting…" : "Export CSV"}
            </button>
            <button
              type="button"
              data-testid="leads-refresh-owners"
              disabled={busy === "owners"}
              onClick={() => {
                act("owners", "The owners could not be read from HubSpot", refreshOwners, (list) => {
                  setOwnersNote(list.warning ?? `${counted(list.owners.length, "owner")} read from HubSpot.`);
                  setDetailReads((n) => n + 1);
                });
              }}
            >
              {busy === "owners" ? "Reading owners…" : "Refresh owners"}
            </button>
          </div>
        </div>
        <FilterBar fields={fields.value} filters={filters} onChange={setFilters} />
        {ownersNote !== "" && <p role="status" className="muted">{ownersNote}</p>}
        {exported && (
          <div className="notice notice-success" role="status">
            <p>Exported {counted(exported.leads, "lead")}.</p>
            <SavedPath label="Saved to" path={exported.path} testId="export-path" />
          </div>
        )}
        {actionError && <ErrorMessage error={actionError.error} title={actionError.title} />}
        {tableError && <ErrorMessage error={tableError} title="The leads could not be read" />}
        <div className={detail === null ? "table-split table-split-single" : "table-split"}>
          <LeadTable
            fields={fields.value}
            search={search}
            filters={filters}
            sort={sort}
            onSort={setSort}
            reloadKey={reloadKey}
            selectedId={selected}
            onSelect={showDetail}
            onTotal={setTotal}
            onError={setTableError}
            whenEmpty={
              <>
                <p>
                  No leads yet. Add one, import a CSV file (the buttons above), or pull contacts from your HubSpot portal.
                </p>
                {onPull && (
                  <button type="button" onClick={onPull}>
                    Pull contacts from HubSpot…
                  </button>
                )}
              </>
            }
          />
          {detail?.status === "loading" && (
            <div className="side-panel lead-detail-pending">
              <p aria-busy="true">Loading the lead…</p>
            </div>
          )}
          {detail?.status === "failed" && (
            <div className="side-panel lead-detail-pending">
              <ErrorMessage error={detail.error} title="The lead could not be read" />
            </div>
          )}
          {detail?.status === "ready" && (
            <LeadDetailPanel
              detail={detail.value}
              fields={fields.value}
              onEdit={() => {
                setForm({ lead: detail.value.view });
              }}
              onClose={() => {
                setSelected(null);
              }}
            />
          )}
        </div>
      </section>
      {form && (
        <LeadForm
          fields={fields.value}
          lead={form.lead}
          onCancel={() => {
            setForm(null);
          }}
          onSaved={(lead) => {
            setForm(null);
            setReloadKey((k) => k + 1);
            showDetail(lead.id);
          }}
        />
      )}
      {inspection && (
        <ImportWizard
          inspection={inspection}
          fields={fields.value}
          onClose={() => {
            setInspection(null);
          }}
          onImported={leadsChanged}
        />
      )}
    </div>
  );
}
