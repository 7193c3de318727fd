import { useState } from "react";

import type { Field } from "../bindings/Field";
import type { LeadDetail } from "../bindings/LeadDetail";
import type { OwnerView } from "../bindings/OwnerView";
import { ErrorMessage } from "../shared/ErrorMessage";
import type { LeadDeal } from "../bindings/LeadDeal";
import { formatAmount, formatDay, formatTime } from "../shared/format";
import { toCommandError, type CommandError } from "../shared/ipc";
import { openLeadInHubspot } from "./ipc";
import { companySourceWords, dealStateWords, noCompanyWords } from "./words";

function ownerState(owner: OwnerView): string {
  if (owner.active === null) return "Unknown: not an owner of this portal as last read (Refresh owners reads them again)";
  return owner.active ? "Active" : "Deactivated";
}

/**
 * A lead's every field, its contact in the active portal, its owner, its company and its deals:
 * the panel beside the table.
 */
export function LeadDetailPanel({ detail, fields, onEdit, onClose }: { detail: LeadDetail; fields: Field[]; onEdit: () => void; onClose: () => void }) {
  const [error, setError] = useState<CommandError | null>(null);
  const lead = detail.view;
  const owner = detail.view.owner;

  function openContact() {
    setError(null);
    openLeadInHubspot(lead.id).catch((e: unknown) => {
      setError(toCommandError(e));
    });
  }

  return (
    <aside
      className="lead-detail side-panel"
      data-testid="lead-detail"
      aria-labelledby="lead-detail-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id="lead-detail-title">{lead.email}</h2>
        <button type="button" className="dialog-close" aria-label="Close the lead" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="actions">
        <button type="button" data-testid="lead-edit" onClick={onEdit}>
          Edit lead
        </button>
      </div>
      <h3>HubSpot</h3>
      <dl className="details">
        <dt>Contact ID{detail.portal_name ? ` in ${detail.portal_name}` : ""}</dt>
        <dd data-testid="lead-hubspot-id">{lead.hubspot_id ?? "Not linked (a push or pull links it)"}</dd>
        <dt>Contact page</dt>
        <dd data-testid="lead-hubspot-link">
          {detail.link === null && <span className="muted">None until the lead is linked</span>}
          {detail.link?.kind === "sandbox" && (
            <span className="muted">The built-in sandbox portal has no HubSpot pages: its contacts live only in Hubsync.</span>
          )}
          {detail.link?.kind === "hubspot" && (
            <button type="button" className="link-button" title={detail.link.url} onClick={openContact}>
              Open in HubSpot
            </button>
          )}
        </dd>
      </dl>
      {error && <ErrorMessage error={error} title="The contact could not be opened" />}
      <h3>Owner</h3>
      <dl className="details">
        <dt>Name</dt>
        <dd data-testid="lead-owner-name">{owner ? (owner.name ?? "Unknown") : "No owner"}</dd>
        <dt>Email</dt>
        <dd data-testid="lead-owner-email">{owner?.email ?? "—"}</dd>
        <dt>State</dt>
        <dd data-testid="lead-owner-active">{owner ? ownerState(owner) : "—"}</dd>
      </dl>
      <h3>Company</h3>
      <CompanyDetails detail={detail} />
      <h3>Deals</h3>
      <Deals deals={detail.deals} />
      <h3>Fields</h3>
      <dl className="details">
        {fields.map((f) => {
          const value = f.key === "email" ? lead.email : lead.values[f.key];
          return (
            <div key={f.key} className="detail-pair" data-field={f.key}>
              <dt>{f.label}</dt>
              <dd>{value ?? <span className="muted">—</span>}</dd>
            </div>
          );
        })}
        <div className="detail-pair">
          <dt>Added</dt>
          <dd>{formatTime(lead.created_at)}</dd>
        </div>
        <div className="detail-pair">
          <dt>Changed</dt>
          <dd>{formatTime(lead.updated_at)}</dd>
        </div>
      </dl>
    </aside>
  );
}

function CompanyDetails({ detail }: { detail: LeadDetail }) {
  const found = detail.company;
  if (found === null) {
    return (
      <p className="muted" data-testid="lead-company-none">
        {noCompanyWords(detail.company_domain)}
      </p>
    );
  }
  const company = found.company;
  return (
    <dl className="details" data-testid="lead-company">
      <dt>Name</dt>
      <dd>{company.values.name ?? <span className="muted">—</span>}</dd>
      <dt>Domain</dt>
      <dd>{company.domain ?? <span className="muted">None</span>}</dd>
      <dt>Company ID{detail.portal_name ? ` in ${detail.portal_name}` : ""}</dt>
      <dd data-testid="lead-company-hubspot-id">{company.hubspot_id ?? "Not linked (a push or pull links it)"}</dd>
      <dt>Found</dt>
      <dd>{companySourceWords(found.source)}</dd>
    </dl>
  );
}

/** The lead's deals as the last pull read them: open ones first. */
function Deals({ deals }: { deals: LeadDeal[] }) {
  if (deals.length === 0) {
    return (
      <p className="muted" data-testid="lead-deals-none">
        None read: a pull reads a linked lead’s deals.
      </p>
    );
  }
  return (
    <ul className="lead-deals" data-testid="lead-deals">
      {deals.map((deal) => (
        <li key={deal.deal_id} className="lead-deal">
          <p className="lead-deal-name">
            {deal.name ?? `Deal ${deal.deal_id}`}{" "}
            <span className={`badge deal-${dealStateWords(deal).toLowerCase()}`}>{dealStateWords(deal)}</span>
          </p>
          <dl className="details">
            <dt>Stage</dt>
            <dd>
              {deal.stage_label ?? deal.stage_id ?? "—"}
              {deal.pipeline_label !== null && <span className="muted"> ({deal.pipeline_label})</span>}
            </dd>
            <dt>Amount</dt>
            <dd>{deal.amount === null ? "—" : formatAmount(deal.amount, deal.currency)}</dd>
            <dt>Close date</dt>
            <dd>{deal.close_date === null ? "—" : formatDay(deal.close_date)}</dd>
          </dl>
        </li>
      ))}
    </ul>
  );
}
