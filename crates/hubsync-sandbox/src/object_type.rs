//! The CRM object types the sandbox serves, and every name HubSpot accepts for one in a path:
//! the plural (`contacts`), the singular of the v4 associations docs (`contact`) and the type id
//! (`0-1`, which the deals spec uses).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectType {
    Contact,
    Company,
    Deal,
}

impl ObjectType {
    pub const ALL: [ObjectType; 3] = [ObjectType::Contact, ObjectType::Company, ObjectType::Deal];

    /// HubSpot's object type id.
    pub fn type_id(self) -> &'static str {
        match self {
            ObjectType::Contact => "0-1",
            ObjectType::Company => "0-2",
            ObjectType::Deal => "0-3",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            ObjectType::Contact => "contacts",
            ObjectType::Company => "companies",
            ObjectType::Deal => "deals",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            ObjectType::Contact => "contact",
            ObjectType::Company => "company",
            ObjectType::Deal => "deal",
        }
    }

    /// The type a path segment names, in any of HubSpot's forms, case-insensitively.
    pub fn from_path(segment: &str) -> Option<ObjectType> {
        let segment = segment.to_ascii_lowercase();
        ObjectType::ALL.into_iter().find(|t| segment == t.plural() || segment == t.singular() || segment == t.type_id())
    }

    /// The scope that reads records of this type.
    pub fn read_scope(self) -> &'static str {
        match self {
            ObjectType::Contact => "crm.objects.contacts.read",
            ObjectType::Company => "crm.objects.companies.read",
            ObjectType::Deal => "crm.objects.deals.read",
        }
    }

    /// The scope that creates, updates and archives records of this type.
    pub fn write_scope(self) -> &'static str {
        match self {
            ObjectType::Contact => "crm.objects.contacts.write",
            ObjectType::Company => "crm.objects.companies.write",
            ObjectType::Deal => "crm.objects.deals.write",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectType;

    #[test]
    fn every_form_of_a_name_finds_its_type() {
        for t in ObjectType::ALL {
            for name in [t.plural(), t.singular(), t.type_id(), &t.plural().to_uppercase()] {
                assert_eq!(ObjectType::from_path(name), Some(t), "{name}");
            }
        }
        assert_eq!(ObjectType::from_path("tickets"), None);
        assert_eq!(ObjectType::from_path("0-5"), None);
    }
}
