//! Associations between records of different types: stored once per pair of records and read
//! from either side, each side with its own HubSpot-defined type ids (contact→company 279 and,
//! for the primary company, 1 as well; company→contact 280 and 2; deal→contact 3; contact→deal
//! 4; deal→company 341 and 5; company→deal 342 and 6).
//!
//! A contact, and a deal, has at most one primary company: it is kept per record
//! (`primaries`), so making another company primary moves it and the old one stays associated,
//! unlabelled. Records that are archived stay associated here; reads leave them out (the caller
//! passes what is live), so a restored record has its associations back, as it had before.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::object_type::ObjectType;

/// The category of every type the sandbox knows.
pub const HUBSPOT_DEFINED: &str = "HUBSPOT_DEFINED";
/// Categories HubSpot has; only `HUBSPOT_DEFINED` types exist in the sandbox.
pub const CATEGORIES: &[&str] = &["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"];

/// One side's view of what links two records: every association has the unlabelled type, and
/// a contact's or deal's primary company has the primary type too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Primary,
    Unlabeled,
}

/// The HubSpot-defined type id of `kind` from `from` to `to`, when there is one.
pub fn type_id(from: ObjectType, to: ObjectType, kind: Kind) -> Option<u32> {
    use ObjectType::*;
    match (from, to, kind) {
        (Contact, Company, Kind::Unlabeled) => Some(279),
        (Contact, Company, Kind::Primary) => Some(1),
        (Company, Contact, Kind::Unlabeled) => Some(280),
        (Company, Contact, Kind::Primary) => Some(2),
        (Deal, Contact, Kind::Unlabeled) => Some(3),
        (Contact, Deal, Kind::Unlabeled) => Some(4),
        (Deal, Company, Kind::Unlabeled) => Some(341),
        (Deal, Company, Kind::Primary) => Some(5),
        (Company, Deal, Kind::Unlabeled) => Some(342),
        (Company, Deal, Kind::Primary) => Some(6),
        _ => None,
    }
}

/// The kind a type id names from `from` to `to`.
pub fn kind_of(from: ObjectType, to: ObjectType, type_id: u32) -> Option<Kind> {
    [Kind::Primary, Kind::Unlabeled].into_iter().find(|&k| self::type_id(from, to, k) == Some(type_id))
}

/// The label HubSpot gives a type: "Primary", or none for the unlabelled one.
pub fn label(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Primary => Some("Primary"),
        Kind::Unlabeled => None,
    }
}

/// The v3 name of a type, as `?associations=` on an object read reports it.
pub fn v3_name(from: ObjectType, to: ObjectType, kind: Kind) -> String {
    let base = format!("{}_to_{}", from.singular(), to.singular());
    // Between contacts and deals there is one type, named plainly.
    let has_primary = type_id(from, to, Kind::Primary).is_some();
    match kind {
        Kind::Unlabeled if has_primary => format!("{base}_unlabeled"),
        _ => base,
    }
}

/// `{category, typeId, label}`: one type of an association, as reads and the labels list give it.
pub fn type_json(from: ObjectType, to: ObjectType, kind: Kind) -> Value {
    json!({
        "category": HUBSPOT_DEFINED,
        "typeId": type_id(from, to, kind),
        "label": label(kind),
    })
}

/// The types defined from `from` to `to`, primary first (empty for two records of one type,
/// which the sandbox does not associate).
pub fn defined_kinds(from: ObjectType, to: ObjectType) -> Vec<Kind> {
    [Kind::Primary, Kind::Unlabeled].into_iter().filter(|&k| type_id(from, to, k).is_some()).collect()
}

/// A record: its type and id.
pub type RecordRef = (ObjectType, u64);

/// An association as the store keeps it and persistence saves it: the pair in the store's
/// order (the smaller type first), and whether the company is the other record's primary one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAssociation {
    pub first: RecordRef,
    pub second: RecordRef,
    pub primary: bool,
}

#[derive(Debug, Default, Clone)]
pub struct AssociationStore {
    /// Each pair once, the smaller object type first.
    pairs: BTreeSet<(RecordRef, RecordRef)>,
    /// Both directions, for reads in id order: (from type, from id, to type) → to ids.
    sides: HashMap<(ObjectType, u64, ObjectType), BTreeSet<u64>>,
    /// A contact's or deal's primary company.
    primaries: HashMap<RecordRef, u64>,
}

/// The pair in the store's order.
pub fn ordered(a: RecordRef, b: RecordRef) -> (RecordRef, RecordRef) {
    if a.0 <= b.0 { (a, b) } else { (b, a) }
}

/// Which record of a pair holds the primary flag (the contact or deal), and the company.
fn primary_holder(a: RecordRef, b: RecordRef) -> Option<(RecordRef, u64)> {
    match (a.0, b.0) {
        (ObjectType::Contact | ObjectType::Deal, ObjectType::Company) => Some((a, b.1)),
        (ObjectType::Company, ObjectType::Contact | ObjectType::Deal) => Some((b, a.1)),
        _ => None,
    }
}

impl AssociationStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Associates two records of different types with the given kinds (the unlabelled one is
    /// always there). A primary kind makes the company the other record's primary one, taking
    /// it from its previous primary company. Returns the pairs whose stored form changed.
    pub fn associate(&mut self, a: RecordRef, b: RecordRef, kinds: &[Kind]) -> Vec<StoredAssociation> {
        debug_assert!(a.0 != b.0, "records of one type are not associated");
        let mut changed = Vec::new();
        if self.pairs.insert(ordered(a, b)) {
            self.sides.entry((a.0, a.1, b.0)).or_default().insert(b.1);
            self.sides.entry((b.0, b.1, a.0)).or_default().insert(a.1);
            changed.push(self.stored(a, b));
        }
        if kinds.contains(&Kind::Primary)
            && let Some((holder, company)) = primary_holder(a, b)
        {
            let previous = self.primaries.insert(holder, company);
            if previous != Some(company) {
                if let Some(old) = previous {
                    changed.push(self.stored(holder, (ObjectType::Company, old)));
                }
                changed.retain(|s| ordered(s.first, s.second) != ordered(a, b));
                changed.push(self.stored(a, b));
            }
        }
        changed
    }

    /// Removes the association between two records, every type of it. Returns whether there was one.
    pub fn remove(&mut self, a: RecordRef, b: RecordRef) -> bool {
        if !self.pairs.remove(&ordered(a, b)) {
            return false;
        }
        for (from, to) in [(a, b), (b, a)] {
            if let Some(ids) = self.sides.get_mut(&(from.0, from.1, to.0)) {
                ids.remove(&to.1);
                if ids.is_empty() {
                    self.sides.remove(&(from.0, from.1, to.0));
                }
            }
        }
        if let Some((holder, company)) = primary_holder(a, b)
            && self.primaries.get(&holder) == Some(&company)
        {
            self.primaries.remove(&holder);
        }
        true
    }

    /// Removes the given kinds: the unlabelled one takes the whole association with it, the
    /// primary one leaves it unlabelled. Returns the pair's stored form if it changed but remains,
    /// or whether it went, as `Removal`.
    pub fn remove_kinds(&mut self, a: RecordRef, b: RecordRef, kinds: &[Kind]) -> Removal {
        if !self.pairs.contains(&ordered(a, b)) {
            return Removal::Absent;
        }
        if kinds.contains(&Kind::Unlabeled) {
            self.remove(a, b);
            return Removal::Removed;
        }
        if kinds.contains(&Kind::Primary)
            && let Some((holder, company)) = primary_holder(a, b)
            && self.primaries.get(&holder) == Some(&company)
        {
            self.primaries.remove(&holder);
            return Removal::Changed(self.stored(a, b));
        }
        Removal::Unchanged
    }

    /// The kinds between two records seen from `from`, primary first; empty when unassociated.
    pub fn kinds(&self, from: RecordRef, to: RecordRef) -> Vec<Kind> {
        if !self.pairs.contains(&ordered(from, to)) {
            return Vec::new();
        }
        let primary =
            primary_holder(from, to).is_some_and(|(holder, company)| self.primaries.get(&holder) == Some(&company));
        if primary { vec![Kind::Primary, Kind::Unlabeled] } else { vec![Kind::Unlabeled] }
    }

    /// Ids of the `to_type` records associated with `from`, from `start` on, in id order.
    pub fn targets(&self, from: RecordRef, to_type: ObjectType, start: u64) -> impl Iterator<Item = u64> + '_ {
        self.sides.get(&(from.0, from.1, to_type)).into_iter().flat_map(move |ids| ids.range(start..).copied())
    }

    /// A contact's or deal's primary company, archived or not.
    pub fn primary_company(&self, record: RecordRef) -> Option<u64> {
        self.primaries.get(&record).copied()
    }

    /// Every association in the store's order, for persistence and the control API.
    pub fn iter(&self) -> impl Iterator<Item = StoredAssociation> + '_ {
        self.pairs.iter().map(|&(first, second)| self.stored(first, second))
    }

    /// Puts back a saved association.
    pub fn restore(&mut self, saved: StoredAssociation) {
        let kinds: &[Kind] = if saved.primary { &[Kind::Primary] } else { &[] };
        self.associate(saved.first, saved.second, kinds);
    }

    fn stored(&self, a: RecordRef, b: RecordRef) -> StoredAssociation {
        let (first, second) = ordered(a, b);
        let primary = primary_holder(first, second)
            .is_some_and(|(holder, company)| self.primaries.get(&holder) == Some(&company));
        StoredAssociation { first, second, primary }
    }
}

/// What removing some kinds of an association did.
#[derive(Debug, PartialEq, Eq)]
pub enum Removal {
    /// There was no association.
    Absent,
    /// The association went, every type of it.
    Removed,
    /// It remains, with this stored form.
    Changed(StoredAssociation),
    /// Nothing to remove.
    Unchanged,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObjectType::*;

    #[test]
    fn every_direction_has_hubspots_type_ids() {
        assert_eq!(
            defined_kinds(Contact, Company).iter().map(|&k| type_id(Contact, Company, k)).collect::<Vec<_>>(),
            [Some(1), Some(279)]
        );
        assert_eq!(type_id(Company, Contact, Kind::Unlabeled), Some(280));
        assert_eq!(type_id(Company, Contact, Kind::Primary), Some(2));
        assert_eq!(type_id(Deal, Contact, Kind::Unlabeled), Some(3));
        assert_eq!(type_id(Contact, Deal, Kind::Unlabeled), Some(4));
        assert_eq!(type_id(Contact, Deal, Kind::Primary), None, "a contact is no deal's primary");
        assert_eq!(type_id(Deal, Company, Kind::Primary), Some(5));
        assert_eq!(type_id(Company, Deal, Kind::Unlabeled), Some(342));
        assert!(defined_kinds(Contact, Contact).is_empty());
        assert_eq!(kind_of(Company, Deal, 6), Some(Kind::Primary));
        assert_eq!(kind_of(Contact, Company, 280), None, "280 is the other direction's");
        assert_eq!(v3_name(Contact, Company, Kind::Primary), "contact_to_company");
        assert_eq!(v3_name(Contact, Company, Kind::Unlabeled), "contact_to_company_unlabeled");
        assert_eq!(v3_name(Deal, Contact, Kind::Unlabeled), "deal_to_contact");
    }

    #[test]
    fn one_pair_read_from_both_sides_and_primary_moves() {
        let mut store = AssociationStore::new();
        let (ann, acme, globex) = ((Contact, 1001), (Company, 5), (Company, 6));
        store.associate(ann, acme, &[Kind::Primary]);
        assert_eq!(store.len(), 1);
        assert_eq!(store.kinds(ann, acme), [Kind::Primary, Kind::Unlabeled]);
        assert_eq!(store.kinds(acme, ann), [Kind::Primary, Kind::Unlabeled], "company→contact shows type 2 too");
        assert_eq!(store.targets(acme, Contact, 0).collect::<Vec<_>>(), [1001]);

        let changed = store.associate(ann, globex, &[Kind::Primary]);
        assert_eq!(store.primary_company(ann), Some(6));
        assert_eq!(store.kinds(ann, acme), [Kind::Unlabeled], "the old primary stays, unlabelled");
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert!(changed.contains(&StoredAssociation { first: ann, second: acme, primary: false }));
        assert!(changed.contains(&StoredAssociation { first: ann, second: globex, primary: true }));
        assert_eq!(store.targets(ann, Company, 0).collect::<Vec<_>>(), [5, 6]);
        assert_eq!(store.targets(ann, Company, 6).collect::<Vec<_>>(), [6]);

        assert_eq!(
            store.remove_kinds(ann, globex, &[Kind::Primary]),
            Removal::Changed(StoredAssociation { first: ann, second: globex, primary: false })
        );
        assert_eq!(store.primary_company(ann), None);
        assert_eq!(store.remove_kinds(ann, globex, &[Kind::Unlabeled]), Removal::Removed);
        assert!(store.remove(acme, ann), "removable from either side");
        assert!(store.is_empty() && store.targets(ann, Company, 0).next().is_none());
    }

    #[test]
    fn restoring_what_was_saved_gives_the_same_store() {
        let mut store = AssociationStore::new();
        store.associate((Deal, 7), (Company, 5), &[Kind::Primary]);
        store.associate((Deal, 7), (Contact, 1001), &[]);
        store.associate((Company, 5), (Contact, 1001), &[Kind::Primary]);
        let saved: Vec<StoredAssociation> = store.iter().collect();
        let mut reopened = AssociationStore::new();
        saved.iter().for_each(|s| reopened.restore(*s));
        assert_eq!(reopened.iter().collect::<Vec<_>>(), saved);
        assert_eq!(reopened.primary_company((Deal, 7)), Some(5));
    }
}
