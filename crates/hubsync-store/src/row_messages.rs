//! What a run's row says besides its action and outcome: why it was skipped or is invalid
//! (`RowReason`), what the admin should know about it (`RowNote`), and why its write or apply
//! failed (`RowFailure`). The run history keeps each as a stable code with its parameters as
//! data (`{"code": "shared-contact", "contact_id": "…", "winner_email": "…"}`), and code reads
//! them back by code alone; the words come from `Display` when a row is shown, so rewording a
//! message never changes what an old run means. Free text inside a parameter (`detail`) is what
//! another part said in its own words: HubSpot's message, a value converter's reason.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use ts_rs::TS;

use crate::runs::RunAction;

/// Why a row is skipped, or one reason it is invalid. The app words each code itself, with
/// what to do about it (`RunRow`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "code", rename_all = "kebab-case")]
#[ts(export)]
pub enum RowReason {
    /// Nothing to write: every value already matches.
    Unchanged,
    /// A push: no contact matches, and creating contacts is off.
    NoMatchCreateOff,
    /// A push: a contact matches, and updating contacts is off.
    UpdateOff,
    /// A pull: the contact has no email, which is what identifies a lead.
    NoEmail,
    /// A pull whose rules take only contacts not in the store yet.
    AlreadyInStore,
    /// A pull: a rule on the contact's company (`condition`, as the rules write it) left the
    /// contact out; `no_company` when the contact has no primary company to test.
    CompanyRuleLeftOut { condition: String, no_company: bool },
    /// A push would create a contact with an address HubSpot refuses.
    EmailRefused { detail: String },
    /// The mapping sends `field` to a property the portal doesn't have.
    NoSuchProperty { field: String, property: String },
    /// A push: `field`'s value can't be sent as `property`.
    ValueRefused { field: String, property: String, detail: String },
    /// A pull: `property`'s value can't be kept as `field`.
    PulledValueRefused { property: String, field: String, detail: String },
    /// A push would move a contact's lifecycle stage back, which HubSpot refuses.
    StageBackward { field: String, from: String, to: String },
    /// Another lead holds the contact more strongly and is the one written.
    SharedContact { contact_id: String, winner_email: String },
    /// An undo: run `run_id` planned a create, but the contact was there when it arrived, so
    /// its values from before were never read.
    CreateMetContact {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo: run `run_id` archived the contact; the API can't bring it back.
    ArchivedByRun {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo not asked to archive the contacts run `run_id` created.
    CreatedKept {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo: the contact is gone from HubSpot.
    ContactGone { contact_id: String },
    /// An undo: the contact already holds its values from before run `run_id`.
    AlreadyRestored {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo not forced: the contact changed in HubSpot since run `run_id` (each change
    /// follows as a `Drift`).
    ChangedSince {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo: `property` is now `now`, where run `run_id` wrote `wrote`.
    Drift {
        property: String,
        now: Option<String>,
        wrote: Option<String>,
        #[ts(type = "number")]
        run_id: i64,
    },
    /// Words from before the codes: a row recorded by an older Hubsync, kept as written.
    Text { text: String },
}

impl RowReason {
    /// The reason's stable code, as the run history keeps it (`no-match-create-off`): a shell
    /// explains a reason by it.
    pub fn code(&self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v["code"].as_str().map(str::to_string)).unwrap_or_default()
    }
}

impl fmt::Display for RowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowReason::Unchanged => f.write_str("unchanged"),
            RowReason::NoMatchCreateOff => f.write_str("no matching contact, and creating contacts is off"),
            RowReason::UpdateOff => f.write_str("a contact matches, and updating contacts is off"),
            RowReason::NoEmail => f.write_str("the contact has no email"),
            RowReason::AlreadyInStore => f.write_str("already in the store, and the rules take new contacts only"),
            RowReason::CompanyRuleLeftOut { condition, no_company: false } => {
                write!(f, "its company doesn't meet the pull rule {condition}")
            }
            RowReason::CompanyRuleLeftOut { condition, no_company: true } => {
                write!(f, "it has no company, so it doesn't meet the pull rule {condition}")
            }
            RowReason::EmailRefused { detail } => {
                write!(f, "email: HubSpot refuses this address: {detail}; correct the lead's email")
            }
            RowReason::NoSuchProperty { field, property } => write!(f, "{field}: HubSpot has no property {property}"),
            RowReason::ValueRefused { field, property, detail } => write!(f, "{field} → {property}: {detail}"),
            RowReason::PulledValueRefused { property, field, detail } => write!(f, "{property} → {field}: {detail}"),
            RowReason::StageBackward { field, from, to } => {
                write!(f, "{field} → lifecyclestage: HubSpot only moves the stage forward ({from} to {to})")
            }
            RowReason::SharedContact { contact_id, winner_email } => write!(
                f,
                "contact {contact_id} is also matched by lead {winner_email}, which is the one written; merge the two leads or change this one's email"
            ),
            RowReason::CreateMetContact { run_id } => write!(
                f,
                "run {run_id} planned to create this contact, but HubSpot already had it when the create arrived (made in the meantime elsewhere); its values from before were never read, so there is nothing to put back"
            ),
            RowReason::ArchivedByRun { run_id } => write!(
                f,
                "run {run_id} archived this contact; HubSpot restores archived contacts from its recycling bin (Contacts → Actions → Restore), not through the API"
            ),
            RowReason::CreatedKept { run_id } => {
                write!(f, "created by run {run_id}; kept, as this undo does not archive the contacts the run created")
            }
            RowReason::ContactGone { contact_id } => {
                write!(f, "contact {contact_id} is no longer in HubSpot (deleted or merged)")
            }
            RowReason::AlreadyRestored { run_id } => write!(f, "already holds the values it had before run {run_id}"),
            RowReason::ChangedSince { run_id } => {
                write!(f, "changed in HubSpot since run {run_id}; left alone, as this undo keeps later changes")
            }
            RowReason::Drift { property, now, wrote, run_id } => {
                write!(f, "{property} is now {} (run {run_id} wrote {})", shown(now), shown(wrote))
            }
            RowReason::Text { text } => f.write_str(text),
        }
    }
}

/// Something the admin should know about a row: how its contact was matched, what a forced
/// undo overwrote, why its lead was not linked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum RowNote {
    /// Several contacts have the lead's email; `chosen` was the most recently updated.
    SeveralContacts { contact_ids: Vec<String>, chosen: String },
    /// The lead is linked to contact `linked`, but its email matches contact `chosen`.
    EmailMatchWins { linked: String, chosen: String },
    /// The lead is linked to contact `linked`, which HubSpot no longer has.
    LinkedContactGone { linked: String },
    /// Matched by the lead's link to contact `linked`, whose email is `email`.
    MatchedById { linked: String, email: String },
    /// A pull matched lead `lead_email` by its link to contact `contact_id`, whose email is now
    /// `email`.
    MatchedByLink { lead_email: String, contact_id: String, email: String },
    /// A forced undo overwrote a later change: `property` was `now`, where run `run_id` wrote
    /// `wrote`.
    Forced { property: String, now: Option<String>, wrote: Option<String>, run_id: i64 },
    /// An undo's second step: it sets the earlier lifecycle stage once the first has cleared it.
    StageAfterClear,
    /// Contact `contact_id` is linked to lead `lead_id`, so this row's lead was not linked to it.
    NotLinked { contact_id: String, lead_id: i64 },
    /// Words from before the codes: a row recorded by an older Hubsync, kept as written.
    Text { text: String },
}

impl fmt::Display for RowNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowNote::SeveralContacts { contact_ids, chosen } => write!(
                f,
                "{} contacts have this email ({}); using {chosen}, the most recently updated",
                contact_ids.len(),
                contact_ids.join(", ")
            ),
            RowNote::EmailMatchWins { linked, chosen } => write!(
                f,
                "the lead is linked to contact {linked}, but its email matches contact {chosen}; the email match wins"
            ),
            RowNote::LinkedContactGone { linked } => {
                write!(f, "the lead is linked to contact {linked}, which HubSpot no longer has (deleted or merged)")
            }
            RowNote::MatchedById { linked, email } => {
                write!(f, "matched by HubSpot id {linked}; that contact's email is {email}, not the lead's")
            }
            RowNote::MatchedByLink { lead_email, contact_id, email } => write!(
                f,
                "matched lead {lead_email} by its link to contact {contact_id}; the contact's email is now {email}"
            ),
            RowNote::Forced { property, now, wrote, run_id } => {
                write!(f, "forced: {property} is now {} (run {run_id} wrote {})", shown(now), shown(wrote))
            }
            RowNote::StageAfterClear => f.write_str("sets the earlier lifecycle stage once step 0 has cleared it"),
            RowNote::NotLinked { contact_id, lead_id } => {
                write!(f, "contact {contact_id} is linked to lead {lead_id}, so this lead was not linked to it")
            }
            RowNote::Text { text } => f.write_str(text),
        }
    }
}

/// Why a live run's row failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum RowFailure {
    /// HubSpot refused the row alone, with this status (and category), saying `detail`.
    Refused { status: u16, category: Option<String>, detail: String },
    /// HubSpot's reply to the row's batch refused something without naming the row.
    RefusedInBatch { detail: String },
    /// The contact the row updates is gone from HubSpot since the plan.
    ContactGone { contact_id: String },
    /// HubSpot's reply had no result for the row.
    NoResult,
    /// The same contact's row at step `step` failed, so this later one was not written.
    EarlierStepFailed { step: u32 },
    /// A damaged journal: a pending row of this action without the contact id it needs.
    NoContactId { action: RunAction },
    /// A pull's row the store refused to apply: the store error's code, and what it said.
    NotApplied { error_code: String, detail: String },
    /// The company a push updates is gone from HubSpot since the plan.
    CompanyGone { company_id: String },
    /// HubSpot refused the write because the token lacks one of these scopes.
    MissingScope { scopes: Vec<String> },
    /// A create of a company for `domain` may have landed before its reply was lost, and a company
    /// with that domain made before it was sent now exists: not created twice.
    CompanyAppeared { domain: String, company_ids: Vec<String> },
    /// An association: the company of `domain` was not written (its row failed).
    CompanyNotWritten { domain: String },
    /// An association: the lead's contact was not written (its row failed).
    ContactNotWritten,
    /// Words from before the codes: a row recorded by an older Hubsync, kept as written.
    Text { text: String },
}

impl fmt::Display for RowFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowFailure::Refused { status, category: Some(category), detail } => {
                write!(f, "HubSpot refused it ({status} {category}): {detail}")
            }
            RowFailure::Refused { status, category: None, detail } => {
                write!(f, "HubSpot refused it ({status}): {detail}")
            }
            RowFailure::RefusedInBatch { detail } => write!(f, "HubSpot refused it: {detail}"),
            RowFailure::ContactGone { contact_id } => {
                write!(f, "contact {contact_id} no longer exists in HubSpot (deleted or merged since the plan)")
            }
            RowFailure::NoResult => f.write_str("HubSpot's reply had no result for this row"),
            RowFailure::EarlierStepFailed { step } => write!(f, "not written: this contact's step {step} row failed"),
            RowFailure::NoContactId { action } => {
                write!(f, "the journal holds a pending {} row without a contact id", action.as_str())
            }
            RowFailure::NotApplied { detail, .. } => f.write_str(detail),
            RowFailure::CompanyGone { company_id } => {
                write!(f, "company {company_id} no longer exists in HubSpot (deleted or merged since the plan)")
            }
            RowFailure::MissingScope { scopes } => {
                write!(f, "HubSpot refused it: the connection lacks {}", scope_words(scopes))
            }
            RowFailure::CompanyAppeared { domain, company_ids } => write!(
                f,
                "the create of a company for {domain} may have landed before its reply was lost, and HubSpot now has company {} with that domain, made before the create was sent: not created twice; push again to associate with it",
                company_ids.join(", ")
            ),
            RowFailure::CompanyNotWritten { domain } => {
                write!(f, "not associated: the company of {domain} was not written")
            }
            RowFailure::ContactNotWritten => f.write_str("not associated: the lead's contact was not written"),
            RowFailure::Text { text } => f.write_str(text),
        }
    }
}

/// Why a push's company row is skipped, or one reason it is invalid. Codes as `RowReason`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "code", rename_all = "kebab-case")]
#[ts(export)]
pub enum CompanyReason {
    /// Every mapped value already matches.
    Unchanged,
    /// No HubSpot company has the domain, and creating companies is off.
    CreateOff,
    /// The connection lacks `scope`, which reading or writing companies needs.
    MissingScope { scope: String },
    /// The company mapping sends `field` to a property the portal's companies don't have.
    NoSuchProperty { field: String, property: String },
    /// `field`'s value can't be sent as `property`.
    ValueRefused { field: String, property: String, detail: String },
    /// The company's lifecycle stage would move back, which HubSpot refuses.
    StageBackward { field: String, from: String, to: String },
    /// An undo not asked to archive what run `run_id` created: the company it created is kept.
    CreatedKept {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo: the company is gone from HubSpot.
    CompanyGone { company_id: String },
    /// An undo: the company already holds its values from before run `run_id`.
    AlreadyRestored {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo not forced: the company changed in HubSpot since run `run_id` (each change
    /// follows as a `Drift`).
    ChangedSince {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo: `property` is now `now`, where run `run_id` wrote `wrote`.
    Drift {
        property: String,
        now: Option<String>,
        wrote: Option<String>,
        #[ts(type = "number")]
        run_id: i64,
    },
}

impl CompanyReason {
    /// The reason's stable code (`create-off`).
    pub fn code(&self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v["code"].as_str().map(str::to_string)).unwrap_or_default()
    }
}

impl fmt::Display for CompanyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompanyReason::Unchanged => f.write_str("unchanged"),
            CompanyReason::CreateOff => {
                f.write_str("no HubSpot company has this domain, and creating companies is off")
            }
            CompanyReason::MissingScope { scope } => write!(f, "the connection lacks the scope {scope}"),
            CompanyReason::NoSuchProperty { field, property } => {
                write!(f, "{field}: HubSpot's companies have no property {property}")
            }
            CompanyReason::ValueRefused { field, property, detail } => write!(f, "{field} → {property}: {detail}"),
            CompanyReason::StageBackward { field, from, to } => {
                write!(f, "{field} → lifecyclestage: HubSpot only moves the stage forward ({from} to {to})")
            }
            CompanyReason::CreatedKept { run_id } => {
                write!(f, "created by run {run_id}; kept, as this undo does not archive what the run created")
            }
            CompanyReason::CompanyGone { company_id } => {
                write!(f, "company {company_id} is no longer in HubSpot (deleted or merged)")
            }
            CompanyReason::AlreadyRestored { run_id } => {
                write!(f, "already holds the values it had before run {run_id}")
            }
            CompanyReason::ChangedSince { run_id } => {
                write!(f, "changed in HubSpot since run {run_id}; left alone, as this undo keeps later changes")
            }
            CompanyReason::Drift { property, now, wrote, run_id } => {
                write!(f, "{property} is now {} (run {run_id} wrote {})", shown(now), shown(wrote))
            }
        }
    }
}

/// Something the admin should know about a push's company row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum CompanyNote {
    /// Several HubSpot companies have the domain; `chosen` was the most recently modified.
    SeveralCompanies { company_ids: Vec<String>, chosen: String },
    /// The domain's company was linked to HubSpot company `linked`, which HubSpot no longer has.
    LinkedCompanyGone { linked: String },
    /// The domain's leads hold different values of lead field `field`: the one of `email`, the
    /// most recently changed lead with a value, is sent.
    LeadValuesDiffer { field: String, email: String },
    /// HubSpot company `company_id` is linked to local company `local_company_id`, so this row's
    /// company was not linked to it.
    NotLinked { company_id: String, local_company_id: i64 },
    /// A forced undo overwrote `property`, which was `now` where run `run_id` wrote `wrote`.
    Forced { property: String, now: Option<String>, wrote: Option<String>, run_id: i64 },
}

impl fmt::Display for CompanyNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompanyNote::SeveralCompanies { company_ids, chosen } => write!(
                f,
                "{} companies have this domain ({}); using {chosen}, the most recently modified",
                company_ids.len(),
                company_ids.join(", ")
            ),
            CompanyNote::LinkedCompanyGone { linked } => {
                write!(f, "the company was linked to HubSpot company {linked}, which HubSpot no longer has")
            }
            CompanyNote::LeadValuesDiffer { field, email } => write!(
                f,
                "this domain's leads hold different values of {field}: lead {email}'s, the most recently changed, is sent"
            ),
            CompanyNote::NotLinked { company_id, local_company_id } => write!(
                f,
                "HubSpot company {company_id} is linked to company {local_company_id}, so this one was not linked to it"
            ),
            CompanyNote::Forced { property, now, wrote, run_id } => {
                write!(f, "forced: {property} was {} (run {run_id} wrote {}), changed since", shown(now), shown(wrote))
            }
        }
    }
}

/// Why a push makes no association for a lead's contact (or none is needed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "code", rename_all = "kebab-case")]
#[ts(export)]
pub enum AssociationReason {
    /// The contact's primary company is the domain's company already.
    AlreadyAssociated,
    /// The lead names no domain: its domain field is empty and its email has none.
    NoDomain,
    /// The only domain the lead has is a free-mail one, which names no company.
    FreeMail { domain: String },
    /// The lead's domain field holds a value that is no domain (and its email gave none).
    InvalidDomain { field: String },
    /// No HubSpot company has the domain, and creating companies is off.
    CompanyNotCreated { domain: String },
    /// The domain's company row is invalid: it is neither updated nor created.
    CompanyInvalid { domain: String },
    /// The lead's contact is not written by this push (no contact and creating is off, or its
    /// row is invalid).
    ContactNotWritten,
    /// The connection lacks `scope`, which finding or associating companies needs.
    MissingScope { scope: String },
    /// Another lead reaches the same contact and is the one whose company it gets.
    SharedContact { contact_id: String, winner_email: String },
    /// An undo: the contact's primary company is now `now`, not `made`, the one run `run_id`
    /// made primary. Unforced, the row is skipped; forced, the reason says what it overrode.
    PrimaryChangedSince {
        now: Option<String>,
        made: String,
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo archives the contact run `run_id` created, associations and all.
    ContactArchived {
        #[ts(type = "number")]
        run_id: i64,
    },
    /// An undo: the contact's companies are as they were before run `run_id` already.
    AlreadyUndone {
        #[ts(type = "number")]
        run_id: i64,
    },
}

impl AssociationReason {
    /// The reason's stable code (`free-mail`).
    pub fn code(&self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v["code"].as_str().map(str::to_string)).unwrap_or_default()
    }

    /// The reason in words without its particulars (a domain, a contact), for a count of rows.
    pub fn label(&self) -> &'static str {
        match self {
            AssociationReason::AlreadyAssociated => "already associated",
            AssociationReason::NoDomain => "no domain",
            AssociationReason::FreeMail { .. } => "free-mail domain",
            AssociationReason::InvalidDomain { .. } => "invalid domain",
            AssociationReason::CompanyNotCreated { .. } => "company not created (creating companies is off)",
            AssociationReason::CompanyInvalid { .. } => "company invalid",
            AssociationReason::ContactNotWritten => "contact not written",
            AssociationReason::MissingScope { .. } => "a scope the connection lacks",
            AssociationReason::SharedContact { .. } => "contact shared with another lead",
            AssociationReason::PrimaryChangedSince { .. } => "primary company changed since",
            AssociationReason::ContactArchived { .. } => "contact archived by the undo",
            AssociationReason::AlreadyUndone { .. } => "already as before the run",
        }
    }
}

impl fmt::Display for AssociationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssociationReason::AlreadyAssociated => f.write_str("already associated with its company as primary"),
            AssociationReason::NoDomain => f.write_str("the lead names no company domain"),
            AssociationReason::FreeMail { domain } => {
                write!(f, "{domain} is a free-mail domain, which names no company")
            }
            AssociationReason::InvalidDomain { field } => write!(f, "{field} holds no domain"),
            AssociationReason::CompanyNotCreated { domain } => {
                write!(f, "no HubSpot company has {domain}, and creating companies is off")
            }
            AssociationReason::CompanyInvalid { domain } => write!(f, "the company of {domain} is invalid"),
            AssociationReason::ContactNotWritten => f.write_str("the lead's contact is not written by this push"),
            AssociationReason::MissingScope { scope } => write!(f, "the connection lacks the scope {scope}"),
            AssociationReason::SharedContact { contact_id, winner_email } => {
                write!(f, "contact {contact_id} is also reached by lead {winner_email}, whose company it gets")
            }
            AssociationReason::PrimaryChangedSince { now, made, run_id } => write!(
                f,
                "the contact's primary company is now {}, not {made}, which run {run_id} made primary",
                now.as_deref().unwrap_or("none")
            ),
            AssociationReason::ContactArchived { run_id } => {
                write!(f, "run {run_id} created the contact, which this undo archives")
            }
            AssociationReason::AlreadyUndone { run_id } => {
                write!(f, "the contact's companies are as they were before run {run_id} already")
            }
        }
    }
}

/// Scopes a refusal named, in words: `the scope a`, or `one of the scopes a, b`.
fn scope_words(scopes: &[String]) -> String {
    match scopes {
        [] => "a scope HubSpot did not name".into(),
        [scope] => format!("the scope {scope}"),
        several => format!("one of the scopes {}", several.join(", ")),
    }
}

/// A value as a message quotes it: quoted, or "empty" (empty and absent are one to HubSpot).
fn shown(value: &Option<String>) -> String {
    match value.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{v:?}"),
        None => "empty".into(),
    }
}

/// A message, or messages, as the run history keeps them: codes and parameters, as JSON.
pub(crate) fn stored<T: Serialize + ?Sized>(messages: &T) -> String {
    serde_json::to_string(messages).expect("plain data")
}

/// Serializes messages as their words, for what people and the app read (`--json`, IPC); the
/// run history keeps their codes.
pub fn serialize_words<T: fmt::Display, S: Serializer>(messages: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(messages.iter().map(ToString::to_string))
}

/// `serialize_words` for one message or none.
pub fn serialize_word<T: fmt::Display, S: Serializer>(message: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
    match message {
        Some(message) => serializer.serialize_some(&message.to_string()),
        None => serializer.serialize_none(),
    }
}
