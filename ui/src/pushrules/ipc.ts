// The Push rules screen's commands: the contact rules, the company rules and domain field, and
// the free-mail overrides.

import type { CompanyRules } from "../bindings/CompanyRules";
import type { CompanyRulesSaved } from "../bindings/CompanyRulesSaved";
import type { FreeMailCheck } from "../bindings/FreeMailCheck";
import type { FreeMailOverride } from "../bindings/FreeMailOverride";
import type { FreeMailRemoved } from "../bindings/FreeMailRemoved";
import type { PushRules } from "../bindings/PushRules";
import { call } from "../shared/ipc";

/** The active portal's push rules. */
export function pushRules(): Promise<PushRules> {
  return call("push_rules");
}

/** Changes either push rule (`null` keeps it); create without update is refused. */
export function setPushRules(update: boolean | null, create: boolean | null): Promise<PushRules> {
  return call("set_push_rules", { update, create });
}

/** The active portal's company rules, the domain field and the lead fields that can be it. */
export function companyRules(): Promise<CompanyRules> {
  return call("company_rules");
}

/**
 * Changes either company rule (`null` keeps it; both `null` keeps the rules as they are, which
 * decides them). Create without associate is refused; the answer names the companies scopes
 * the connection lacks while associating is on.
 */
export function setCompanyRules(associate: boolean | null, create: boolean | null): Promise<CompanyRulesSaved> {
  return call("set_company_rules", { associate, create });
}

/** Sets (or with `null` clears) the lead field naming a lead's company domain. */
export function setCompanyDomainField(fieldKey: string | null): Promise<CompanyRules> {
  return call("set_company_domain_field", { fieldKey });
}

/** The admin's changes to the maintained free-mail list. */
export function freeMailOverrides(): Promise<FreeMailOverride[]> {
  return call("free_mail_overrides");
}

/** Counts a domain as free-mail (`free`), or takes it off the list; the domain is normalised. */
export function setFreeMailOverride(domain: string, free: boolean): Promise<FreeMailOverride> {
  return call("set_free_mail_override", { domain, free });
}

/** Leaves a domain to the maintained list again. */
export function removeFreeMailOverride(domain: string): Promise<FreeMailRemoved> {
  return call("remove_free_mail_override", { domain });
}

/** Whether a domain is free-mail, and why. */
export function checkFreeMail(domain: string): Promise<FreeMailCheck> {
  return call("check_free_mail", { domain });
}
