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

    /// The schema scope that also reads this type's property definitions.
    pub fn schema_read_scope(self) -> &'static str {
        match self {
            ObjectType::Contact => "crm.schemas.contacts.read",
            ObjectType::Company => "crm.schemas.companies.read",
            ObjectType::Deal => "crm.schemas.deals.read",
        }
    }

    /// The schema scope that creates property definitions of this type.
    pub fn schema_write_scope(self) -> &'static str {
        match self {
            ObjectType::Contact => "crm.schemas.contacts.write",
            ObjectType::Company => "crm.schemas.companies.write",
            ObjectType::Deal => "crm.schemas.deals.write",
        }
    }

    /// The name HubSpot's messages use for one record: "Contact already exists".
    pub fn display_name(self) -> &'static str {
        match self {
            ObjectType::Contact => "Contact",
            ObjectType::Company => "Company",
            ObjectType::Deal => "Deal",
        }
    }

    /// The name batch errors use: "Could not get some CONTACT objects".
    pub fn upper_name(self) -> &'static str {
        match self {
            ObjectType::Contact => "CONTACT",
            ObjectType::Company => "COMPANY",
            ObjectType::Deal => "DEAL",
        }
    }

    /// The property HubSpot keeps the last modification time in: contacts have their own name
    /// for it.
    pub fn last_modified_property(self) -> &'static str {
        match self {
            ObjectType::Contact => "lastmodifieddate",
            ObjectType::Company | ObjectType::Deal => "hs_lastmodifieddate",
        }
    }

    /// Properties a read returns when it names none (plus `always_returned`).
    pub fn default_properties(self) -> &'static [&'static str] {
        match self {
            ObjectType::Contact => &["firstname", "lastname", "email"],
            ObjectType::Company => &["name", "domain"],
            ObjectType::Deal => &["dealname", "amount", "closedate", "pipeline", "dealstage"],
        }
    }

    /// Properties every rendered record carries, whatever was asked for.
    pub fn always_returned(self) -> [&'static str; 3] {
        ["createdate", self.last_modified_property(), "hs_object_id"]
    }
}

/// One value per object type: the portal's records and catalogs are kept this way.
#[derive(Debug, Clone, Default)]
pub struct ByType<T> {
    pub contact: T,
    pub company: T,
    pub deal: T,
}

impl<T> ByType<T> {
    pub fn from_fn(mut make: impl FnMut(ObjectType) -> T) -> Self {
        ByType { contact: make(ObjectType::Contact), company: make(ObjectType::Company), deal: make(ObjectType::Deal) }
    }

    pub fn get(&self, object: ObjectType) -> &T {
        match object {
            ObjectType::Contact => &self.contact,
            ObjectType::Company => &self.company,
            ObjectType::Deal => &self.deal,
        }
    }

    pub fn get_mut(&mut self, object: ObjectType) -> &mut T {
        match object {
            ObjectType::Contact => &mut self.contact,
            ObjectType::Company => &mut self.company,
            ObjectType::Deal => &mut self.deal,
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
