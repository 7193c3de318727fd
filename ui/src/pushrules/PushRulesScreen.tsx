import { useState } from "react";

import type { CommandError } from "../shared/commandError";
import { ErrorMessage } from "../shared/ErrorMessage";
import { toCommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { CompanyRulesCard } from "./CompanyRulesCard";
import { FreeMailCard } from "./FreeMailCard";
import { pushRules, setPushRules } from "./ipc";

const CREATE_NEEDS_UPDATE =
  "Turn on “Update matching HubSpot contact” first: Hubsync creates contacts only while it updates them.";

/**
 * Push rules: what a push may do to HubSpot contacts and companies (the active portal's profile),
 * and which domains name no company.
 */
export function PushRulesScreen() {
  const [rules, updateRules] = useLoadable(pushRules);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<CommandError | null>(null);

  /** Saves the rules; `null` keeps one as it is (both `null`: the rules are confirmed as they are). */
  function save(update: boolean | null, create: boolean | null, said: string) {
    setSaving(true);
    setError(null);
    setStatus("");
    setPushRules(update, create).then(
      (value) => {
        updateRules(() => value);
        setStatus(said);
        setSaving(false);
      },
      (e: unknown) => {
        setError(toCommandError(e));
        setSaving(false);
      },
    );
  }

  return (
    <div className="screen">
      <section className="card" aria-labelledby="push-rules-title">
        <h2 id="push-rules-title">Push rules</h2>
        <p className="muted">What a push from the lead store may do to HubSpot contacts in the active portal.</p>
        {rules.status === "loading" && <p aria-busy="true">Loading the push rules…</p>}
        {rules.status === "failed" && <ErrorMessage error={rules.error} title="The push rules could not be read" />}
        {rules.status === "ready" && (
          <fieldset className="rules" disabled={saving}>
            <legend className="sr-only">Push rules</legend>
            <label className="field-check">
              <input
                type="checkbox"
                checked={rules.value.update}
                onChange={(e) => {
                  const update = e.currentTarget.checked;
                  // Create can't stay on without update: the store refuses it, so both go off.
                  if (!update && rules.value.create) {
                    save(false, false, "Update is off, so creating contacts was turned off too.");
                  } else {
                    save(update, rules.value.create, update ? "Update is on." : "Update is off.");
                  }
                }}
              />
              Update matching HubSpot contact
            </label>
            <p className="field-hint">
              Change the contact a lead matches (by email first, then by the HubSpot contact the lead is linked to),
              writing each mapped field as its write rule on Mapping says.
            </p>
            <label className="field-check">
              <input
                type="checkbox"
                checked={rules.value.create}
                disabled={!rules.value.update}
                aria-describedby={rules.value.update ? "create-hint" : "create-hint create-reason"}
                onChange={(e) => {
                  const create = e.currentTarget.checked;
                  save(rules.value.update, create, create ? "Create is on." : "Create is off.");
                }}
              />
              Create HubSpot contact when no match is found
            </label>
            <p className="field-hint" id="create-hint">
              Add a contact, with every mapped field, for a lead no contact matches. Off on a new setup, so a first
              push changes only contacts HubSpot already has; a preview always lists the contacts it would create.
            </p>
            {!rules.value.update && (
              <p className="field-hint field-reason" id="create-reason" data-testid="create-reason">
                {CREATE_NEEDS_UPDATE}
              </p>
            )}
            <div className="actions">
              {/* The overview's setup list asks for the rules to be decided: keeping them is a decision too. */}
              <button
                type="button"
                data-testid="push-rules-keep"
                onClick={() => {
                  save(null, null, "The push rules are kept as they are.");
                }}
              >
                Keep these rules
              </button>
            </div>
          </fieldset>
        )}
        <p className="status-line" role="status" aria-live="polite">
          {status}
        </p>
        {error !== null && <ErrorMessage error={error} title="The push rules were not changed" />}
      </section>
      <CompanyRulesCard />
      <FreeMailCard />
    </div>
  );
}
