//! The push plan: for each lead, the contact it matches and exactly what would change, field by
//! field. A pure function of the store's data and what HubSpot returned, so the preview shows
//! what the live run will do.

use std::collections::{BTreeMap, HashMap};

use hubsync_hubspot::{Property, Record};
use hubsync_store::{Field, FieldChange, Lead, Mapping, PushRules, RowNote, RowReason, WriteRule, serialize_words};
use serde::Serialize;

use crate::convert::{Invalid, lifecycle_moves_backward, to_hubspot};
use crate::owners::OwnerDirectory;

/// What HubSpot holds that the plan needs: contacts found by (lowercased) email, possibly
/// several, and contacts found by record id.
#[derive(Debug, Default)]
pub struct Found {
    pub by_email: HashMap<String, Vec<Record>>,
    pub by_id: HashMap<String, Record>,
}

pub struct PushInputs<'a> {
    pub leads: &'a [Lead],
    pub fields: &'a [Field],
    pub mappings: &'a [Mapping],
    pub rules: PushRules,
    pub properties: &'a [Property],
    pub owners: &'a OwnerDirectory,
    pub found: &'a Found,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Every mapped value already matches.
    Unchanged,
    /// No contact matches and creating is off.
    NoMatchCreateOff,
    /// A contact matches but updating is off.
    UpdateOff,
}

impl SkipReason {
    /// The name `--json` uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::Unchanged => "unchanged",
            SkipReason::NoMatchCreateOff => "no-match-create-off",
            SkipReason::UpdateOff => "update-off",
        }
    }

    /// The reason as a run's row keeps it.
    pub fn row_reason(&self) -> RowReason {
        match self {
            SkipReason::Unchanged => RowReason::Unchanged,
            SkipReason::NoMatchCreateOff => RowReason::NoMatchCreateOff,
            SkipReason::UpdateOff => RowReason::UpdateOff,
        }
    }

    /// The skip reason a run's row keeps, by its code; `None` for a reason no push skips for.
    pub fn from_row(reason: &RowReason) -> Option<SkipReason> {
        match reason {
            RowReason::Unchanged => Some(SkipReason::Unchanged),
            RowReason::NoMatchCreateOff => Some(SkipReason::NoMatchCreateOff),
            RowReason::UpdateOff => Some(SkipReason::UpdateOff),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    Update {
        contact_id: String,
    },
    Create,
    Skip {
        reason: SkipReason,
    },
    Invalid {
        #[serde(serialize_with = "serialize_words")]
        reasons: Vec<RowReason>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub lead_id: i64,
    pub email: String,
    pub contact_id: Option<String>,
    #[serde(flatten)]
    pub action: Action,
    /// Only the fields that would be written, plus those a write rule kept.
    pub changes: Vec<FieldChange>,
    /// Things the admin should know: disagreeing matches, several matches.
    #[serde(serialize_with = "serialize_words")]
    pub notes: Vec<RowNote>,
    /// What `settle_shared_contacts` needs to pick one lead per contact.
    #[serde(skip)]
    pub claim: Option<Claim>,
    /// The lead's mapped values as planned that `changes` doesn't carry as they are: with the
    /// changes' new values, the original columns of the run's export.
    #[serde(skip)]
    pub record: BTreeMap<String, String>,
}

/// A lead's hold on the contact it matched: whether it has the contact's primary email, and
/// when the lead was last changed. Two leads on one contact: the stronger hold writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Claim {
    pub primary_email: bool,
    pub lead_updated_at: chrono::DateTime<chrono::Utc>,
}

impl Claim {
    /// The claim as text that sorts as claims compare, for a journal to rank them.
    pub fn rank(&self) -> String {
        let at = self.lead_updated_at.format("%Y-%m-%dT%H:%M:%S%.9fZ");
        format!("{}{at}", u8::from(self.primary_email))
    }
}

/// Why a lead that reached a contact another lead holds more strongly is not written.
pub fn shared_contact_reason(contact_id: &str, winner_email: &str) -> RowReason {
    RowReason::SharedContact { contact_id: contact_id.into(), winner_email: winner_email.into() }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub update: usize,
    pub create: usize,
    pub skip: usize,
    pub invalid: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushPlan {
    pub items: Vec<PlanItem>,
    pub counts: Counts,
}

fn updated_at(record: &Record) -> &str {
    record.get("lastmodifieddate").or(record.updated_at.as_deref()).unwrap_or("")
}

/// The whole plan for `inputs.leads`: `plan_leads`, then `finish_plan`.
pub fn plan_push(inputs: &PushInputs<'_>) -> PushPlan {
    finish_plan(plan_leads(inputs))
}

/// Each lead's item, on its own. A push plans its leads a page at a time with this and
/// journals each page; the store then settles shared contacts as `finish_plan` does.
pub fn plan_leads(inputs: &PushInputs<'_>) -> Vec<PlanItem> {
    let fields: HashMap<&str, &Field> = inputs.fields.iter().map(|f| (f.key.as_str(), f)).collect();
    let properties: HashMap<&str, &Property> = inputs.properties.iter().map(|p| (p.name.as_str(), p)).collect();
    inputs.leads.iter().map(|lead| plan_lead(inputs, lead, &fields, &properties)).collect()
}

/// Settles contacts that several leads reached, and counts the actions. The items stay where
/// they are: a plan of every lead is too big to move into a second vector.
pub fn finish_plan(mut items: Vec<PlanItem>) -> PushPlan {
    settle_shared_contacts(&mut items);
    let mut counts = Counts::default();
    for item in &items {
        match item.action {
            Action::Update { .. } => counts.update += 1,
            Action::Create => counts.create += 1,
            Action::Skip { .. } => counts.skip += 1,
            Action::Invalid { .. } => counts.invalid += 1,
        }
    }
    PushPlan { items, counts }
}

/// Two leads can reach one contact (one by its primary email, one by an additional email, or
/// one by a stale link). Both writing it would make the result depend on order, and HubSpot
/// refuses a batch naming one record twice: the lead holding the contact's primary email wins
/// (else the most recently updated lead), and the others become invalid, naming it.
fn settle_shared_contacts(items: &mut [PlanItem]) {
    let mut claims: HashMap<&str, Vec<usize>> = HashMap::new();
    // Every lead that matched counts, written or not, so the same lead wins on every run.
    for (i, item) in items.iter().enumerate() {
        if let Some(contact_id) = &item.contact_id {
            claims.entry(contact_id.as_str()).or_default().push(i);
        }
    }
    let mut losers: Vec<(usize, RowReason)> = Vec::new();
    for (contact_id, claimants) in claims.into_iter().filter(|(_, c)| c.len() > 1) {
        let winner = *claimants.iter().max_by_key(|&&i| &items[i].claim).expect("several");
        let writes = |i: usize| matches!(items[i].action, Action::Update { .. });
        for &i in claimants.iter().filter(|&&i| i != winner && writes(i)) {
            losers.push((i, shared_contact_reason(contact_id, &items[winner].email)));
        }
    }
    for (i, reason) in losers {
        items[i].action = Action::Invalid { reasons: vec![reason] };
    }
}

/// Email first; then the lead's linked id. Several email matches: the most recently updated.
fn match_contact<'a>(found: &'a Found, lead: &Lead, notes: &mut Vec<RowNote>) -> Option<&'a Record> {
    let by_email = found.by_email.get(&lead.email.to_lowercase()).filter(|c| !c.is_empty());
    if let Some(candidates) = by_email {
        let chosen = candidates.iter().max_by(|a, b| updated_at(a).cmp(updated_at(b))).expect("non-empty");
        if candidates.len() > 1 {
            let contact_ids = candidates.iter().map(|c| c.id.clone()).collect();
            notes.push(RowNote::SeveralContacts { contact_ids, chosen: chosen.id.clone() });
        }
        if let Some(linked) = lead.hubspot_id.as_deref().filter(|id| *id != chosen.id) {
            notes.push(RowNote::EmailMatchWins { linked: linked.into(), chosen: chosen.id.clone() });
        }
        return Some(chosen);
    }
    let linked = lead.hubspot_id.as_deref()?;
    let Some(record) = found.by_id.get(linked) else {
        notes.push(RowNote::LinkedContactGone { linked: linked.into() });
        return None;
    };
    if let Some(email) = record.get("email").filter(|e| !e.eq_ignore_ascii_case(&lead.email)) {
        notes.push(RowNote::MatchedById { linked: linked.into(), email: email.into() });
    }
    Some(record)
}

fn plan_lead(
    inputs: &PushInputs<'_>,
    lead: &Lead,
    fields: &HashMap<&str, &Field>,
    properties: &HashMap<&str, &Property>,
) -> PlanItem {
    let mut notes = Vec::new();
    let contact = match_contact(inputs.found, lead, &mut notes);
    let item = |action, changes: Vec<FieldChange>, notes| PlanItem {
        // Values a change already carries as they are are not held twice.
        record: inputs
            .mappings
            .iter()
            .filter_map(|m| Some((m.field_key.as_str(), lead.value(&m.field_key)?)))
            .filter(|(field, value)| !changes.iter().any(|c| c.field == *field && c.after.as_deref() == Some(*value)))
            .map(|(field, value)| (field.to_string(), value.to_string()))
            .collect(),
        lead_id: lead.id,
        email: lead.email.clone(),
        contact_id: contact.map(|c| c.id.clone()),
        action,
        changes,
        notes,
        claim: contact.map(|c| Claim {
            primary_email: c.get("email").is_some_and(|e| e.eq_ignore_ascii_case(&lead.email)),
            lead_updated_at: lead.updated_at,
        }),
    };
    match contact {
        Some(_) if !inputs.rules.update => {
            return item(Action::Skip { reason: SkipReason::UpdateOff }, vec![], notes);
        }
        None if !(inputs.rules.update && inputs.rules.create) => {
            return item(Action::Skip { reason: SkipReason::NoMatchCreateOff }, vec![], notes);
        }
        _ => {}
    }

    let mut changes = Vec::new();
    let mut problems: Vec<RowReason> = Vec::new();
    // A create sends the lead's email, which HubSpot checks (INVALID_EMAIL); an update never
    // does. A store holds no such address now, but may from before it checked as HubSpot does.
    if contact.is_none()
        && let Err(problem) = hubsync_email::check(&lead.email)
    {
        problems.push(RowReason::EmailRefused { detail: problem.to_string() });
    }
    for mapping in inputs.mappings {
        let Some(value) = lead.value(&mapping.field_key).filter(|v| !v.is_empty()) else {
            // An empty lead value is never pushed: a blank in the store doesn't wipe HubSpot.
            continue;
        };
        let Some(field) = fields.get(mapping.field_key.as_str()) else { continue };
        let Some(property) = properties.get(mapping.property.as_str()) else {
            problems.push(RowReason::NoSuchProperty {
                field: mapping.field_key.clone(),
                property: mapping.property.clone(),
            });
            continue;
        };
        // The email is how the contact was found (possibly through one of its additional
        // addresses); an update never rewrites it.
        if mapping.field_key == "email" && contact.is_some() {
            continue;
        }
        let before = contact.and_then(|c| c.get(&mapping.property)).map(String::from);
        // HubSpot compares emails case-insensitively; a new contact gets it lowercased.
        let lowercase = mapping.field_key == "email";
        match plan_value(
            &mapping.field_key,
            field,
            value,
            property,
            mapping.write_rule,
            before,
            inputs.owners,
            lowercase,
        ) {
            ValuePlan::Same => {}
            ValuePlan::Change(change) => changes.push(change),
            ValuePlan::Refused(Invalid { property, reason }) => {
                problems.push(RowReason::ValueRefused { field: mapping.field_key.clone(), property, detail: reason })
            }
            ValuePlan::Backward { from, to } => {
                problems.push(RowReason::StageBackward { field: mapping.field_key.clone(), from, to })
            }
        }
    }
    if !problems.is_empty() {
        return item(Action::Invalid { reasons: problems }, changes, notes);
    }
    let writes = changes.iter().any(|c| c.after.is_some());
    let action = match contact {
        Some(c) if writes => Action::Update { contact_id: c.id.clone() },
        Some(_) => Action::Skip { reason: SkipReason::Unchanged },
        None => Action::Create,
    };
    item(action, changes, notes)
}

/// What one mapped value (never blank) does to a record whose property holds `before`.
pub(crate) enum ValuePlan {
    /// The record holds it already.
    Same,
    /// A write (`after`), or a value an `if-empty` rule keeps (`kept`, no `after`).
    Change(FieldChange),
    /// The value can't be sent as the property.
    Refused(Invalid),
    /// The lifecycle stage would move back, which HubSpot refuses.
    Backward { from: String, to: String },
}

/// Plans one mapped value of `field_key` against the record's current value: converted for the
/// property (`lowercase` for an email), the write rule heard, and a lifecycle stage only moving
/// forward.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_value(
    field_key: &str,
    field: &Field,
    value: &str,
    property: &Property,
    write_rule: WriteRule,
    before: Option<String>,
    owners: &OwnerDirectory,
    lowercase: bool,
) -> ValuePlan {
    let converted = match to_hubspot(field, value, property, owners) {
        Ok(v) if lowercase => v.to_lowercase(),
        Ok(v) => v,
        Err(invalid) => return ValuePlan::Refused(invalid),
    };
    if before.as_deref() == Some(converted.as_str()) {
        return ValuePlan::Same;
    }
    let change = |before, after, kept| {
        ValuePlan::Change(FieldChange { field: field_key.into(), property: property.name.clone(), before, after, kept })
    };
    if write_rule == WriteRule::IfEmpty && before.is_some() {
        return change(before, None, true);
    }
    if property.name == "lifecyclestage" && lifecycle_moves_backward(property, before.as_deref(), &converted) {
        return ValuePlan::Backward { from: before.unwrap_or_default(), to: converted };
    }
    change(before, Some(converted), false)
}
