// Words for a lead's company and deals, from the codes the core sends.

import type { CompanySource } from "../bindings/CompanySource";
import type { LeadCompanyDomain } from "../bindings/LeadCompanyDomain";
import type { LeadDeal } from "../bindings/LeadDeal";

/** How a lead's company was found. */
export function companySourceWords(source: CompanySource): string {
  switch (source) {
    case "domain":
      return "By the lead’s domain field";
    case "email":
      return "By the lead’s email domain";
    case "pull":
      return "As its contact’s company in HubSpot";
    case "manual":
      return "Chosen by hand";
  }
}

/** Why a lead has no company yet, or none at all. */
export function noCompanyWords(domain: LeadCompanyDomain): string {
  switch (domain.code) {
    case "domain_field":
      return `None yet: its domain field names ${domain.domain}.`;
    case "email":
      return `None yet: its email’s domain ${domain.domain} would name it.`;
    case "free_mail":
      return `None: ${domain.domain} is a free-mail domain, which names no company.`;
    case "invalid_domain":
      return `None: the domain field ${domain.field} holds no domain, and the email names none either.`;
    case "no_domain":
      return "None: neither the domain field nor the email names a domain.";
  }
}

/** Open, won, lost, or closed (a closed stage HubSpot says neither of). */
export function dealStateWords(deal: Pick<LeadDeal, "closed" | "won">): string {
  if (!deal.closed) return "Open";
  if (deal.won === true) return "Won";
  if (deal.won === false) return "Lost";
  return "Closed";
}
