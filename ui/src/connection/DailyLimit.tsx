import { useCallback, useId, useState, type SubmitEvent } from "react";

import type { DailyUse } from "../bindings/DailyUse";
import type { Portal } from "../bindings/Portal";
import { ErrorMessage } from "../shared/ErrorMessage";
import { formatTime, numberFormat } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { dailyUse, setDailyReserve } from "./ipc";

/** The most of the daily limit that can be kept free (`MAX_DAILY_RESERVE_PERCENT` in the store). */
const MAX_RESERVE = 90;

type SaveState = { status: "idle" } | { status: "saving" } | { status: "failed"; error: CommandError };

/**
 * The active portal's daily API use as HubSpot last stated it (to this app or the command line),
 * and the share of the limit kept free for the portal's other apps, which the admin sets.
 */
export function DailyLimit({ portal, onChanged }: { portal: Portal; onChanged: () => void }) {
  const [reads, setReads] = useState(0);
  // The figures live beside the store, not in it: read when shown and after a change here.
  const load = useCallback(() => dailyUse(), []);
  const [use] = useLoadable(load, reads, { followsStore: false });
  return (
    <div className="detail-wide" data-testid="daily-limit">
      <dt>Daily API limit</dt>
      <dd>
        {use.status === "loading" && <span className="muted">Reading…</span>}
        {use.status === "failed" && <ErrorMessage title="Today's use could not be read" error={use.error} />}
        {use.status === "ready" && <UseLine use={use.value} />}
        <ReserveForm
          portal={portal}
          onSaved={() => {
            setReads((n) => n + 1);
            onChanged();
          }}
        />
      </dd>
    </div>
  );
}

function UseLine({ use }: { use: DailyUse | null }) {
  if (use === null) {
    return (
      <p className="muted" data-testid="daily-use">
        Not known yet: HubSpot states it with each call of a private app (OAuth apps have no daily limit).
      </p>
    );
  }
  const share = (use.used * 100) / Math.max(use.limit, 1);
  return (
    <p data-testid="daily-use">
      {numberFormat.format(use.used)} of {numberFormat.format(use.limit)} calls used today ({share.toFixed(1)} %),{" "}
      as HubSpot said at {formatTime(use.seen_at)}.
    </p>
  );
}

function ReserveForm({ portal, onSaved }: { portal: Portal; onSaved: () => void }) {
  const inputId = useId();
  const [draft, setDraft] = useState(String(portal.daily_reserve_percent));
  const [state, setState] = useState<SaveState>({ status: "idle" });
  const percent = Number(draft);
  const valid = draft.trim() !== "" && Number.isInteger(percent) && percent >= 0 && percent <= MAX_RESERVE;
  const changed = valid && percent !== portal.daily_reserve_percent;

  function save(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!changed) return;
    setState({ status: "saving" });
    setDailyReserve(percent).then(
      () => {
        setState({ status: "idle" });
        onSaved();
      },
      (error: unknown) => {
        setState({ status: "failed", error: toCommandError(error) });
      },
    );
  }

  return (
    <form className="inline-form" onSubmit={save} aria-label="Daily reserve">
      <label htmlFor={inputId}>Keep free for the portal&apos;s other apps</label>
      <input
        id={inputId}
        type="number"
        min={0}
        max={MAX_RESERVE}
        step={1}
        value={draft}
        aria-invalid={!valid}
        aria-describedby={`${inputId}-help`}
        onChange={(e) => {
          setDraft(e.currentTarget.value);
        }}
      />
      <span aria-hidden="true">%</span>
      <button type="submit" disabled={!changed || state.status === "saving"}>
        {state.status === "saving" ? "Saving…" : "Save"}
      </button>
      <p id={`${inputId}-help`} className={valid ? "field-hint" : "field-error"}>
        {valid
          ? "A sync stops, resumable, before it would use this share of the day's calls."
          : `A whole number from 0 to ${String(MAX_RESERVE)}.`}
      </p>
      {state.status === "failed" && <ErrorMessage title="The reserve was not saved" error={state.error} />}
    </form>
  );
}
