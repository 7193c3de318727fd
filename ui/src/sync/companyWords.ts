// A push's company rows and association rows in words: why a company or a lead's association
// is held back and what would change it, and what each row's action is. The run history keeps
// codes (`CompanyReason`, `AssociationReason`); the words are made here, as `rowWords.ts` makes
// a contact row's.

import type { AssociationAction } from "../bindings/AssociationAction";
import type { AssociationOutcome } from "../bindings/AssociationOutcome";
import type { AssociationReason } from "../bindings/AssociationReason";
import type { CompanyReason } from "../bindings/CompanyReason";
import type { CompanySummary } from "../bindings/CompanySummary";
import type { ItemOutcome } from "../bindings/ItemOutcome";
import type { RunAction } from "../bindings/RunAction";
import { ARCHIVE_CREATED, FORCE, quotedValue, sentence, type ReasonWords } from "./rowWords";

/** Why a company row is skipped or invalid, and what would change it, in words. */
export function companyReasonWords(reason: CompanyReason): ReasonWords {
  switch (reason.code) {
    case "unchanged":
      return { why: "Nothing to write: the HubSpot company already holds every mapped value.", todo: null };
    case "create-off":
      return {
        why: "No HubSpot company has this domain, and creating companies is off.",
        todo: "Turn on “Create a HubSpot company when none has the domain” in Push rules to create it.",
      };
    case "missing-scope":
      return {
        why: `The connection lacks the scope ${reason.scope}, which reading or writing companies needs.`,
        todo: "Reconnect the portal with that scope on the Connection screen.",
      };
    case "no-such-property":
      return {
        why: `The company mapping sends ${reason.field} to the property ${reason.property}, which this portal's companies don't have.`,
        todo: `Map ${reason.field} to a company property the portal has on the Companies screen, or create ${reason.property} in HubSpot.`,
      };
    case "value-refused":
      return {
        why: sentence(`The company's ${reason.field} can't be sent as ${reason.property}: ${reason.detail}`),
        todo: `Correct ${reason.field} on the leads of this domain, or map it to a property that takes this value.`,
      };
    case "stage-backward":
      return {
        why: `HubSpot only moves a lifecycle stage forward, and ${reason.field} would move the company's back from ${quotedValue(reason.from)} to ${quotedValue(reason.to)}.`,
        todo: `Set ${reason.field} to ${quotedValue(reason.from)} or a later stage, or clear the company's stage in HubSpot first.`,
      };
    // An undo's reasons, as a contact row's (`rowWords.ts`).
    case "created-kept":
      return {
        why: `Run ${String(reason.run_id)} created this company, and this undo keeps what the run created.`,
        todo: `Tick “${ARCHIVE_CREATED}” and preview the undo again to archive it.`,
      };
    case "company-gone":
      return { why: `Company ${reason.company_id} is no longer in HubSpot (deleted or merged).`, todo: null };
    case "already-restored":
      return {
        why: `The company already holds the values it had before run ${String(reason.run_id)}.`,
        todo: null,
      };
    case "changed-since":
      return {
        why: `The company changed in HubSpot since run ${String(reason.run_id)}, and this undo keeps later changes.`,
        todo: `Tick “${FORCE}” and preview the undo again to put the old values back.`,
      };
    case "drift":
      return {
        why: `${reason.property} is now ${quotedValue(reason.now)}, where run ${String(reason.run_id)} wrote ${quotedValue(reason.wrote)}.`,
        todo: null,
      };
  }
}

/** Why a lead's contact gets no association with a company, and what would change it, in words. */
export function associationReasonWords(reason: AssociationReason): ReasonWords {
  switch (reason.code) {
    case "already-associated":
      return { why: "Nothing to do: the contact's primary company is this domain's company already.", todo: null };
    case "no-domain":
      return {
        why: "The lead names no company domain: its domain field is empty and its email has none.",
        todo: "Fill the lead's domain field (the one Push rules name) on the Leads screen.",
      };
    case "free-mail":
      return {
        why: `${reason.domain} is a free-mail domain, which names no company.`,
        todo: `Fill the lead's domain field, or take ${reason.domain} off the free-mail domains in Push rules if a company uses it.`,
      };
    case "invalid-domain":
      return {
        why: `The lead's ${reason.field} holds no domain, and its email gave none.`,
        todo: `Correct the lead's ${reason.field} on the Leads screen.`,
      };
    case "company-not-created":
      return {
        why: `No HubSpot company has ${reason.domain}, and creating companies is off.`,
        todo: "Turn on “Create a HubSpot company when none has the domain” in Push rules.",
      };
    case "company-invalid":
      return {
        why: `The company of ${reason.domain} can't be written, so nothing is associated with it.`,
        todo: "See the company's row on the Companies tab for why.",
      };
    case "contact-not-written":
      return {
        why: "The lead's contact is not written by this push (skipped or invalid), so it gets no company.",
        todo: "See the lead's row on the Contacts tab for why.",
      };
    case "missing-scope":
      return {
        why: `The connection lacks the scope ${reason.scope}, which finding or associating companies needs.`,
        todo: "Reconnect the portal with that scope on the Connection screen.",
      };
    case "shared-contact":
      return {
        why: `Contact ${reason.contact_id} is also reached by the lead ${reason.winner_email}, whose company it gets.`,
        todo: "Merge the two leads, or change this lead's email.",
      };
    case "primary-changed-since":
      return {
        why: `The contact's primary company is now ${reason.now ?? "none"}, not ${reason.made}, which run ${String(reason.run_id)} made primary; this undo keeps later changes.`,
        todo: `Tick “${FORCE}” and preview the undo again to take the association back all the same.`,
      };
    case "contact-archived":
      return {
        why: `Run ${String(reason.run_id)} created the contact, and this undo archives it with its associations.`,
        todo: null,
      };
    case "already-undone":
      return {
        why: `The contact's companies are as they were before run ${String(reason.run_id)} already.`,
        todo: null,
      };
  }
}

/** A company row's planned action: `unchanged` apart from the other skips. */
export function companyActionLabel(action: RunAction, reasons: readonly CompanyReason[]): string {
  if (action === "skip" && reasons.some((r) => r.code === "unchanged")) return "unchanged";
  return action;
}

/** An association row's planned action: `already associated` apart from the other skips. */
export function associationActionLabel(action: AssociationAction, reason: AssociationReason | null): string {
  if (action === "associate") return "associate";
  if (action === "unassociate") return "take back";
  return reason?.code === "already-associated" ? "already associated" : "no association";
}

/** A company row's outcome, when it says something the action doesn't (written, failed, pending). */
export function companyOutcomeShown(outcome: ItemOutcome | null): string | null {
  if (outcome === "previewed" || outcome === "skipped" || outcome === "invalid") return null;
  return outcome ?? "pending";
}

/** An association row's outcome, when it says something the action doesn't. */
export function associationOutcomeShown(outcome: AssociationOutcome | null): string | null {
  if (outcome === "previewed" || outcome === "skipped") return null;
  return outcome ?? "pending";
}

/** A push's or an undo's company rows, counted. */
export function companyRowCount(summary: CompanySummary): number {
  const c = summary.counts;
  return c.update + c.create + c.unchanged + c.skip + c.invalid + c.archive;
}

/** A push's association rows (one per lead), or an undo's (one per association taken back), counted. */
export function associationRowCount(summary: CompanySummary): number {
  const c = summary.counts;
  return c.associate + c.already + c.no_association + c.unassociate;
}
