import { useCallback, useEffect, useId, useState, type ReactNode } from "react";

import { HeldRunPanel } from "../guardrails/HeldRunPanel";
import { useActivePortal } from "../shared/activePortal";
import { ErrorMessage } from "../shared/ErrorMessage";
import { counted, formatTime, numberFormat } from "../shared/format";
import { useLoadable } from "../shared/useLoadable";
import { runDetail, undoPreview } from "../sync/ipc";
import { runOrigin } from "../sync/jobState";
import { JobView } from "../sync/JobView";
import { ExportRun } from "../sync/ResultView";
import { ARCHIVE_CREATED, FORCE } from "../sync/rowWords";
import { RunRows } from "../sync/RunRows";
import { useSyncJob } from "../sync/useSyncJob";
import { nameToType, runDuration } from "../sync/words";
import { settingsLines } from "./settings";

interface Props {
  runId: number;
  /** A job changed the history: read the list again. */
  onChanged: () => void;
  onOpen: (runId: number) => void;
}

/** One run: counts, settings, its undo runs and rows; Undo and Resume; a held run's Approve and Refuse. */
export function RunDetailView({ runId, onChanged, onOpen }: Props) {
  const job = useSyncJob(runOrigin(runId));
  // A finished undo or resume changes this run's counts and undo runs: read it again.
  const finished = job.state.step === "finished" ? job.state.run.id : 0;
  const [detail, updateDetail] = useLoadable(
    useCallback(() => runDetail(runId), [runId]),
    finished,
  );
  const portal = useActivePortal();
  const [archiveCreated, setArchiveCreated] = useState(false);
  const [force, setForce] = useState(false);
  const ids = useId();
  const step = job.state.step;

  // A preview, a run, a resume or an approval adds to the history.
  useEffect(() => {
    if (step === "previewed" || step === "finished") onChanged();
  }, [step, onChanged]);

  if (detail.status === "loading") return <p aria-busy="true">Loading run {runId}…</p>;
  if (detail.status === "failed")
    return <ErrorMessage error={detail.error} title={`Run ${String(runId)} could not be read`} />;
  const { run, undo_runs: undoRuns, companies, hold } = detail.value;
  const c = run.counts;
  const busy = step === "previewing" || step === "running";
  const undoable = run.kind === "push" && run.mode === "live";
  return (
    <section className="card run-card" data-testid="run-detail" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>
        Run {run.id}: {run.kind} ({run.mode}), {run.status}
      </h2>
      <dl className="details">
        <Detail label="Portal">
          {detail.value.portal_name ?? "—"} {run.portal_id !== null && `(${String(run.portal_id)})`}
        </Detail>
        <Detail label="Started">{formatTime(run.started_at)}</Detail>
        <Detail label="Duration">{runDuration(run)}</Detail>
        <Detail label="API calls">{numberFormat.format(run.api_calls)}</Detail>
        {run.schedule_id !== null && (
          <Detail label="Started by" testId="detail-schedule">
            Schedule {run.schedule_id}
          </Detail>
        )}
        <Detail label="Planned" wide testId="detail-planned">
          {c.update} update, {c.create} create, {c.archive} archive, {c.skip} skip, {c.invalid} invalid
        </Detail>
        {run.mode === "live" && (
          <Detail label="Outcomes" wide testId="detail-outcomes">
            {c.updated} updated, {c.created} created, {c.archived} archived, {c.failed} failed, {c.pending} pending
          </Detail>
        )}
        {companies !== undefined && run.kind === "undo" && (
          <>
            <Detail label="Companies" wide testId="detail-companies">
              {companies.counts.update} restore, {companies.counts.archive} archive, {companies.counts.skip} skip
              {run.mode === "live" &&
                `; ${String(companies.counts.updated)} restored, ${String(companies.counts.archived)} archived, ${String(companies.counts.failed)} failed, ${String(companies.counts.pending)} pending`}
            </Detail>
            <Detail label="Associations" wide testId="detail-associations">
              {companies.counts.unassociate} take back, {companies.counts.no_association} skip
              {run.mode === "live" &&
                `; ${String(companies.counts.unassociated)} taken back, ${String(companies.counts.association_failed)} failed, ${String(companies.counts.association_pending)} pending`}
            </Detail>
          </>
        )}
        {companies !== undefined && run.kind !== "undo" && (
          <Detail label="Companies" wide testId="detail-companies">
            {companies.counts.update} update, {companies.counts.create} create, {companies.counts.unchanged} unchanged,{" "}
            {companies.counts.skip} skip, {companies.counts.invalid} invalid
            {run.mode === "live" &&
              `; ${String(companies.counts.updated)} updated, ${String(companies.counts.created)} created, ${String(companies.counts.failed)} failed, ${String(companies.counts.pending)} pending`}
          </Detail>
        )}
        {companies !== undefined && run.kind !== "undo" && (
          <Detail label="Associations" wide testId="detail-associations">
            {companies.counts.associate} associate, {companies.counts.already} already, {companies.counts.no_association}{" "}
            without one
            {run.mode === "live" &&
              `; ${String(companies.counts.associated)} associated, ${String(companies.counts.association_failed)} failed, ${String(companies.counts.association_pending)} pending`}
          </Detail>
        )}
        {run.stop_reason !== null && (
          <Detail label="Stopped" wide>
            {run.stop_reason}
          </Detail>
        )}
        {settingsLines(run.settings).map((line) => (
          <Detail key={line.label} label={line.label} wide text>
            {line.value}
          </Detail>
        ))}
      </dl>
      {undoRuns.length > 0 && (
        <p>
          Undone by{" "}
          {undoRuns.map((u, i) => (
            <span key={u.id}>
              {i > 0 && ", "}
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onOpen(u.id);
                }}
              >
                run {u.id}
              </button>{" "}
              ({u.status})
            </span>
          ))}
          .
        </p>
      )}
      {hold !== undefined && (
        <HeldRunPanel
          hold={hold}
          typedName={nameToType(run.kind, run.portal_id, detail.value.portal_name, portal)}
          busy={busy}
          onApprove={() => {
            job.approve(run.id, run.kind);
          }}
          onRefused={(refused) => {
            updateDetail((d) => ({ ...d, run: { ...d.run, hold: refused.state }, hold: refused }));
            onChanged();
          }}
          onOpenRun={onOpen}
        />
      )}
      <h3>Rows</h3>
      <RunRows
        runId={run.id}
        kind={run.kind}
        outcomeFilter={run.mode === "live"}
        label={`Rows of run ${String(run.id)}`}
        settings={run.settings}
        companies={companies}
      />
      {run.mode === "live" && <ExportRun runId={run.id} />}
      {(undoable || run.status !== "completed") && (
        <div className="action-block">
          {run.mode === "live" && run.status !== "completed" && (
            <div className="notice notice-warning">
              <p className="notice-title">
                {counted(c.pending, "row")} {c.pending === 1 ? "was" : "were"} not written: {run.stop_reason ?? "the run stopped early"}.
              </p>
              <div className="actions">
                <button
                  type="button"
                  className="button-primary"
                  data-testid="run-resume"
                  disabled={busy}
                  onClick={() => {
                    job.resume(run.id, run.kind);
                  }}
                >
                  Resume
                </button>
              </div>
            </div>
          )}
          {undoable && (
            <fieldset className="rules" disabled={busy}>
              <legend>Undo this run</legend>
              <label className="field-check">
                <input
                  type="checkbox"
                  checked={archiveCreated}
                  onChange={(e) => {
                    setArchiveCreated(e.currentTarget.checked);
                  }}
                />
                {ARCHIVE_CREATED} (they are kept otherwise)
              </label>
              <label className="field-check">
                <input
                  type="checkbox"
                  checked={force}
                  onChange={(e) => {
                    setForce(e.currentTarget.checked);
                  }}
                />
                {FORCE} (and undo it again if it was undone)
              </label>
              <div className="actions">
                <button
                  type="button"
                  data-testid="run-undo"
                  onClick={() => {
                    job.preview("undo", () => undoPreview(run.id, { archiveCreated, force }));
                  }}
                >
                  Preview the undo
                </button>
              </div>
            </fieldset>
          )}
        </div>
      )}
      <JobView job={job} />
    </section>
  );
}

interface DetailProps {
  label: string;
  children: ReactNode;
  /** Spans both columns. */
  wide?: boolean;
  /** Plain text rather than a figure. */
  text?: boolean;
  testId?: string;
}

function Detail({ label, children, wide = false, text = false, testId }: DetailProps) {
  return (
    <div className={wide ? "detail-wide" : undefined}>
      <dt>{label}</dt>
      <dd className={text ? "detail-text" : undefined} data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
