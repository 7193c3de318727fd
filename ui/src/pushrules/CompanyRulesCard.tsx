import { useId, useState } from "react";

import type { CompanyRules } from "../bindings/CompanyRules";
import type { ScopeCheck } from "../bindings/ScopeCheck";
import type { CommandError } from "../shared/commandError";
import { ErrorMessage } from "../shared/ErrorMessage";
import { toCommandError } from "../shared/ipc";
import { useLoadable } from "../shared/useLoadable";
import { capitalized } from "../sync/words";
import { companyRules, setCompanyDomainField, setCompanyRules } from "./ipc";

const CREATE_NEEDS_ASSOCIATE =
  "Turn on “Associate each lead with its company” first: Hubsync creates companies only while it associates them.";

/** What a save said beside the rules: the scopes the connection lacks, or why they weren't asked. */
interface Lacking {
  missing: ScopeCheck[];
  warning: string | null;
}

/** The company rules: associating leads with companies, creating them, and which domain names a lead's company. */
export function CompanyRulesCard() {
  const id = useId();
  const [rules, updateRules] = useLoadable(companyRules);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState("");
  const [lacking, setLacking] = useState<Lacking | null>(null);
  const [error, setError] = useState<CommandError | null>(null);

  function start() {
    setSaving(true);
    setError(null);
    setStatus("");
  }

  function failed(e: unknown) {
    setError(toCommandError(e));
    setSaving(false);
  }

  /** Saves the rules; `null` keeps one as it is (both `null`: the rules are kept, which decides them). */
  function save(associate: boolean | null, create: boolean | null, said: string) {
    start();
    setLacking(null);
    setCompanyRules(associate, create).then((saved) => {
      updateRules(() => saved.rules);
      setLacking({ missing: saved.missing_scopes, warning: saved.warning });
      setStatus(said);
      setSaving(false);
    }, failed);
  }

  function chooseDomainField(fieldKey: string | null) {
    start();
    setCompanyDomainField(fieldKey).then((saved) => {
      updateRules(() => saved);
      setStatus(
        fieldKey === null
          ? "A lead’s company is found by its email’s domain only."
          : `A lead’s company is found by its ${fieldKey} first, then its email’s domain.`,
      );
      setSaving(false);
    }, failed);
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Companies</h2>
      <p className="muted">What a push does about the leads’ companies in the active portal.</p>
      {rules.status === "loading" && <p aria-busy="true">Loading the company rules…</p>}
      {rules.status === "failed" && <ErrorMessage error={rules.error} title="The company rules could not be read" />}
      {rules.status === "ready" && (
        <CompanyRulesForm
          id={id}
          rules={rules.value}
          saving={saving}
          onSave={save}
          onDomainField={chooseDomainField}
        />
      )}
      <div aria-live="polite">
        <p className="status-line" role="status">
          {status}
        </p>
        {lacking?.warning != null && (
          <div className="notice notice-warning" data-testid="company-rules-warning">
            <p className="notice-title">
              {lacking.missing.length > 0 ? "Saved, but the connection lacks a scope" : "Saved with a warning"}
            </p>
            <p>{capitalized(lacking.warning)}.</p>
            {lacking.missing.length > 0 && (
              <ul className="scopes">
                {lacking.missing.map((scope) => (
                  <li key={scope.scope}>
                    <code>{scope.scope}</code>: {scope.detail}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      {error !== null && <ErrorMessage error={error} title="The company rules were not changed" />}
    </section>
  );
}

function CompanyRulesForm({
  id,
  rules,
  saving,
  onSave,
  onDomainField,
}: {
  id: string;
  rules: CompanyRules;
  saving: boolean;
  onSave: (associate: boolean | null, create: boolean | null, said: string) => void;
  onDomainField: (fieldKey: string | null) => void;
}) {
  return (
    <fieldset className="rules" disabled={saving}>
      <legend className="sr-only">Company rules</legend>
      <label className="field-check">
        <input
          type="checkbox"
          checked={rules.associate}
          onChange={(e) => {
            const associate = e.currentTarget.checked;
            // Create can't stay on without associate: the store refuses it, so both go off.
            if (!associate && rules.create) {
              onSave(false, false, "Associating is off, so creating companies was turned off too.");
            } else {
              onSave(associate, rules.create, associate ? "Associating is on." : "Associating is off.");
            }
          }}
        />
        Associate each lead with its company
      </label>
      <p className="field-hint">
        Associate the lead’s contact with the HubSpot company of its domain (the company it is linked to, else
        the one HubSpot holds for the domain), filling each mapped company property as Companies says.
      </p>
      <label className="field-check">
        <input
          type="checkbox"
          checked={rules.create}
          disabled={!rules.associate}
          aria-describedby={rules.associate ? `${id}-create-hint` : `${id}-create-hint ${id}-create-reason`}
          onChange={(e) => {
            const create = e.currentTarget.checked;
            onSave(rules.associate, create, create ? "Creating companies is on." : "Creating companies is off.");
          }}
        />
        Create a HubSpot company when none has the domain
      </label>
      <p className="field-hint" id={`${id}-create-hint`}>
        Add a company, with every mapped company property, for a lead whose domain no HubSpot company has. Off on
        a new setup; a preview lists the companies it would create.
      </p>
      {!rules.associate && (
        <p className="field-hint field-reason" id={`${id}-create-reason`} data-testid="company-create-reason">
          {CREATE_NEEDS_ASSOCIATE}
        </p>
      )}
      <div className="field field-narrow">
        <label htmlFor={`${id}-domain-field`}>Domain field</label>
        <select
          id={`${id}-domain-field`}
          value={rules.domain_field ?? ""}
          aria-describedby={`${id}-domain-hint`}
          onChange={(e) => {
            const value = e.currentTarget.value;
            onDomainField(value === "" ? null : value);
          }}
        >
          <option value="">None: the email’s domain only</option>
          {rules.domain_field_choices.map((f) => (
            <option key={f.key} value={f.key}>
              {f.label} ({f.key})
            </option>
          ))}
        </select>
        <p className="field-hint" id={`${id}-domain-hint`}>
          The lead field whose value (a website, say) names the lead’s company domain before its email’s domain.
          A free-mail domain never names a company.
        </p>
      </div>
      <div className="actions">
        {/* Keeping the rules is a decision too: a new portal asks for them. */}
        <button
          type="button"
          data-testid="company-rules-keep"
          onClick={() => {
            onSave(null, null, "The company rules are kept as they are.");
          }}
        >
          Keep these company rules
        </button>
      </div>
    </fieldset>
  );
}
