//! Each object type's property catalog: the definitions a fresh portal has (HubSpot's default
//! properties that matter for a sync, some read-only calculated ones, and custom properties an
//! admin would have made), and the checks a new custom property passes.

use std::collections::HashMap;

use serde::Deserialize;

use crate::object_type::ObjectType;
use crate::properties::{
    ModificationMetadata, PropertyDef, PropertyOption, PropertyType, default_group, default_metadata, default_stamp,
};

/// Most properties with `hasUniqueValue` an object type may have (HubSpot: 10 per object).
pub const MAX_UNIQUE_PROPERTIES: usize = 10;

/// One object type's property definitions, in order, with an index by name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    defs: Vec<PropertyDef>,
    index: HashMap<String, usize>,
}

impl Catalog {
    pub fn new(defs: Vec<PropertyDef>) -> Self {
        let index = defs.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
        Catalog { defs, index }
    }

    pub fn get(&self, name: &str) -> Option<&PropertyDef> {
        self.index.get(name).map(|&i| &self.defs[i])
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut PropertyDef> {
        self.index.get(name).map(|&i| &mut self.defs[i])
    }

    pub fn defs(&self) -> &[PropertyDef] {
        &self.defs
    }

    /// Adds a definition, or replaces the one of the same name.
    pub fn put(&mut self, def: PropertyDef) {
        match self.index.get(&def.name) {
            Some(&i) => self.defs[i] = def,
            None => {
                self.index.insert(def.name.clone(), self.defs.len());
                self.defs.push(def);
            }
        }
    }

    /// The custom properties that must hold unique values (not `hs_object_id`, which the portal
    /// keeps itself).
    pub fn unique_custom(&self) -> impl Iterator<Item = &PropertyDef> {
        self.defs.iter().filter(|d| d.has_unique_value && !d.hubspot_defined && !d.archived)
    }
}

/// The properties of a fresh portal for one object type.
pub fn default_catalog(object: ObjectType) -> Vec<PropertyDef> {
    match object {
        ObjectType::Contact => contact_catalog(),
        ObjectType::Company => company_catalog(),
        ObjectType::Deal => deal_catalog(),
    }
}

/// HubSpot's own properties: numbered in order, marked `hubspotDefined`.
fn hubspot_defined(mut defs: Vec<PropertyDef>) -> Vec<PropertyDef> {
    for (order, def) in defs.iter_mut().enumerate() {
        def.hubspot_defined = true;
        def.display_order = order as i32;
    }
    defs
}

/// Custom properties an admin made: their own group, after HubSpot's.
fn custom(mut defs: Vec<PropertyDef>) -> Vec<PropertyDef> {
    for (order, def) in defs.iter_mut().enumerate() {
        def.group_name = "hubsync_custom".into();
        def.display_order = 100 + order as i32;
    }
    defs
}

/// The company properties of a fresh portal (HubSpot's KB "HubSpot's default company
/// properties"). `domain` is not unique: HubSpot does not deduplicate companies created through
/// the API by it.
fn company_catalog() -> Vec<PropertyDef> {
    let group = "companyinformation";
    let mut defs = hubspot_defined(vec![
        text("name", "Company name", group),
        PropertyDef {
            description: "The domain name of the company's website. Not unique: two companies may share one.".into(),
            ..text("domain", "Company Domain Name", group)
        },
        PropertyDef {
            description: "Domains of this company besides its primary one, separated by ;".into(),
            ..text("hs_additional_domains", "Additional Domains", group)
        },
        text("website", "Website URL", group),
        PropertyDef { group_name: group.into(), ..phone_field("phone", "Phone Number") },
        text("address", "Street Address", group),
        text("city", "City", group),
        text("state", "State/Region", group),
        text("zip", "Postal Code", group),
        text("country", "Country/Region", group),
        PropertyDef {
            group_name: group.into(),
            ..field("description", "Description", PropertyType::String, "textarea")
        },
        PropertyDef { group_name: group.into(), ..industry() },
        PropertyDef { group_name: group.into(), ..number("numberofemployees", "Number of Employees") },
        PropertyDef { group_name: group.into(), ..number("annualrevenue", "Annual Revenue") },
        PropertyDef {
            group_name: group.into(),
            ..enumeration(
                "type",
                "Type",
                "select",
                &[
                    ("PROSPECT", "Prospect"),
                    ("PARTNER", "Partner"),
                    ("RESELLER", "Reseller"),
                    ("VENDOR", "Vendor"),
                    ("OTHER", "Other"),
                ],
            )
        },
        text("founded_year", "Year Founded", group),
        PropertyDef {
            group_name: group.into(),
            ..field("is_public", "Is Public", PropertyType::Bool, "booleancheckbox")
        }
        .with_options(&[("true", "Yes"), ("false", "No")]),
        text("linkedin_company_page", "LinkedIn Company Page", "socialmediainformation"),
        lifecycle_stage(),
        lead_status(),
        owner("Company owner"),
        PropertyDef {
            description: "The date the company was created. Set automatically; may be set on import.".into(),
            ..datetime("createdate", "Create Date")
        },
        read_only(datetime("hs_lastmodifieddate", "Last Modified Date")),
        read_only(PropertyDef { has_unique_value: true, ..number("hs_object_id", "Record ID") }),
        calculated(number("num_associated_contacts", "Number of Associated Contacts")),
        calculated(number("num_associated_deals", "Number of Associated Deals")),
    ]);
    defs.extend(custom(vec![
        PropertyDef {
            has_unique_value: true,
            description: "The company's account number in the ERP; unique, so companies can be upserted by it.".into(),
            ..text("erp_account_id", "ERP Account ID", group)
        },
        enumeration(
            "account_tier",
            "Account Tier",
            "select",
            &[("strategic", "Strategic"), ("key", "Key"), ("standard", "Standard")],
        ),
        field("contract_renewal_date", "Contract Renewal Date", PropertyType::Date, "date"),
    ]));
    defs
}

/// The deal properties of a fresh portal. `pipeline` and `dealstage` hold ids of the portal's
/// pipelines and stages (external options, like the owner); the closed/won flags are
/// calculated from the stage.
fn deal_catalog() -> Vec<PropertyDef> {
    let group = "dealinformation";
    let mut defs = hubspot_defined(vec![
        text("dealname", "Deal Name", group),
        PropertyDef { group_name: group.into(), ..number("amount", "Amount") },
        PropertyDef { group_name: group.into(), ..datetime("closedate", "Close Date") },
        PropertyDef {
            external_options: true,
            referenced_object_type: Some("PIPELINE".into()),
            group_name: group.into(),
            ..enumeration("pipeline", "Pipeline", "select", &[])
        },
        PropertyDef {
            external_options: true,
            referenced_object_type: Some("PIPELINE_STAGE".into()),
            group_name: group.into(),
            ..enumeration("dealstage", "Deal Stage", "radio", &[])
        },
        PropertyDef {
            group_name: group.into(),
            ..enumeration(
                "dealtype",
                "Deal Type",
                "radio",
                &[("newbusiness", "New Business"), ("existingbusiness", "Existing Business")],
            )
        },
        PropertyDef {
            description: "The deal's currency: one of the portal's currencies.".into(),
            group_name: group.into(),
            ..enumeration(CURRENCY_PROPERTY, "Currency", "select", &[])
        },
        PropertyDef {
            group_name: group.into(),
            ..field("description", "Deal Description", PropertyType::String, "textarea")
        },
        PropertyDef {
            group_name: group.into(),
            ..enumeration(
                "hs_priority",
                "Priority",
                "select",
                &[("low", "Low"), ("medium", "Medium"), ("high", "High")],
            )
        },
        owner("Deal owner"),
        calculated(
            PropertyDef {
                group_name: group.into(),
                ..field("hs_is_closed_won", "Is Closed Won", PropertyType::Bool, "booleancheckbox")
            }
            .with_options(&[("true", "True"), ("false", "False")]),
        ),
        calculated(
            PropertyDef {
                group_name: group.into(),
                ..field("hs_is_closed", "Is Deal Closed?", PropertyType::Bool, "booleancheckbox")
            }
            .with_options(&[("true", "True"), ("false", "False")]),
        ),
        calculated(PropertyDef { group_name: group.into(), ..number("hs_deal_stage_probability", "Deal probability") }),
        PropertyDef {
            description: "The date the deal was created. Set automatically; may be set on import.".into(),
            ..datetime("createdate", "Create Date")
        },
        read_only(datetime("hs_lastmodifieddate", "Last Modified Date")),
        read_only(PropertyDef { has_unique_value: true, ..number("hs_object_id", "Record ID") }),
        calculated(number("num_associated_contacts", "Number of Associated Contacts")),
    ]);
    defs.extend(custom(vec![
        number("contract_length_months", "Contract Length (months)"),
        enumeration("renewal_type", "Renewal Type", "radio", &[("auto", "Automatic"), ("manual", "Manual")]),
    ]));
    defs
}

/// The deal property that must name one of the portal's currencies; its options are the
/// portal's currencies, refreshed whenever they change.
pub const CURRENCY_PROPERTY: &str = "deal_currency_code";

/// Options of `deal_currency_code` for a portal with these currencies (company currency first).
pub fn currency_options(currencies: &[String]) -> Vec<PropertyOption> {
    currencies.iter().enumerate().map(|(i, code)| option(code, code, i as i32)).collect()
}

/// HubSpot's `industry` options: its ~150 values, UPPER_SNAKE (the LinkedIn industry list).
/// Portals can add options but not delete these.
const INDUSTRIES: &[&str] = &[
    "ACCOUNTING",
    "AIRLINES_AVIATION",
    "ALTERNATIVE_DISPUTE_RESOLUTION",
    "ALTERNATIVE_MEDICINE",
    "ANIMATION",
    "APPAREL_FASHION",
    "ARCHITECTURE_PLANNING",
    "ARTS_AND_CRAFTS",
    "AUTOMOTIVE",
    "AVIATION_AEROSPACE",
    "BANKING",
    "BIOTECHNOLOGY",
    "BROADCAST_MEDIA",
    "BUILDING_MATERIALS",
    "BUSINESS_SUPPLIES_AND_EQUIPMENT",
    "CAPITAL_MARKETS",
    "CHEMICALS",
    "CIVIC_SOCIAL_ORGANIZATION",
    "CIVIL_ENGINEERING",
    "COMMERCIAL_REAL_ESTATE",
    "COMPUTER_NETWORK_SECURITY",
    "COMPUTER_GAMES",
    "COMPUTER_HARDWARE",
    "COMPUTER_NETWORKING",
    "COMPUTER_SOFTWARE",
    "INTERNET",
    "CONSTRUCTION",
    "CONSUMER_ELECTRONICS",
    "CONSUMER_GOODS",
    "CONSUMER_SERVICES",
    "COSMETICS",
    "DAIRY",
    "DEFENSE_SPACE",
    "DESIGN",
    "EDUCATION_MANAGEMENT",
    "E_LEARNING",
    "ELECTRICAL_ELECTRONIC_MANUFACTURING",
    "ENTERTAINMENT",
    "ENVIRONMENTAL_SERVICES",
    "EVENTS_SERVICES",
    "EXECUTIVE_OFFICE",
    "FACILITIES_SERVICES",
    "FARMING",
    "FINANCIAL_SERVICES",
    "FINE_ART",
    "FISHERY",
    "FOOD_BEVERAGES",
    "FOOD_PRODUCTION",
    "FUND_RAISING",
    "FURNITURE",
    "GAMBLING_CASINOS",
    "GLASS_CERAMICS_CONCRETE",
    "GOVERNMENT_ADMINISTRATION",
    "GOVERNMENT_RELATIONS",
    "GRAPHIC_DESIGN",
    "HEALTH_WELLNESS_AND_FITNESS",
    "HIGHER_EDUCATION",
    "HOSPITAL_HEALTH_CARE",
    "HOSPITALITY",
    "HUMAN_RESOURCES",
    "IMPORT_AND_EXPORT",
    "INDIVIDUAL_FAMILY_SERVICES",
    "INDUSTRIAL_AUTOMATION",
    "INFORMATION_SERVICES",
    "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INSURANCE",
    "INTERNATIONAL_AFFAIRS",
    "INTERNATIONAL_TRADE_AND_DEVELOPMENT",
    "INVESTMENT_BANKING",
    "INVESTMENT_MANAGEMENT",
    "JUDICIARY",
    "LAW_ENFORCEMENT",
    "LAW_PRACTICE",
    "LEGAL_SERVICES",
    "LEGISLATIVE_OFFICE",
    "LEISURE_TRAVEL_TOURISM",
    "LIBRARIES",
    "LOGISTICS_AND_SUPPLY_CHAIN",
    "LUXURY_GOODS_JEWELRY",
    "MACHINERY",
    "MANAGEMENT_CONSULTING",
    "MARITIME",
    "MARKET_RESEARCH",
    "MARKETING_AND_ADVERTISING",
    "MECHANICAL_OR_INDUSTRIAL_ENGINEERING",
    "MEDIA_PRODUCTION",
    "MEDICAL_DEVICES",
    "MEDICAL_PRACTICE",
    "MENTAL_HEALTH_CARE",
    "MILITARY",
    "MINING_METALS",
    "MOTION_PICTURES_AND_FILM",
    "MUSEUMS_AND_INSTITUTIONS",
    "MUSIC",
    "NANOTECHNOLOGY",
    "NEWSPAPERS",
    "NON_PROFIT_ORGANIZATION_MANAGEMENT",
    "OIL_ENERGY",
    "ONLINE_MEDIA",
    "OUTSOURCING_OFFSHORING",
    "PACKAGE_FREIGHT_DELIVERY",
    "PACKAGING_AND_CONTAINERS",
    "PAPER_FOREST_PRODUCTS",
    "PERFORMING_ARTS",
    "PHARMACEUTICALS",
    "PHILANTHROPY",
    "PHOTOGRAPHY",
    "PLASTICS",
    "POLITICAL_ORGANIZATION",
    "PRIMARY_SECONDARY_EDUCATION",
    "PRINTING",
    "PROFESSIONAL_TRAINING_COACHING",
    "PROGRAM_DEVELOPMENT",
    "PUBLIC_POLICY",
    "PUBLIC_RELATIONS_AND_COMMUNICATIONS",
    "PUBLIC_SAFETY",
    "PUBLISHING",
    "RAILROAD_MANUFACTURE",
    "RANCHING",
    "REAL_ESTATE",
    "RECREATIONAL_FACILITIES_AND_SERVICES",
    "RELIGIOUS_INSTITUTIONS",
    "RENEWABLES_ENVIRONMENT",
    "RESEARCH",
    "RESTAURANTS",
    "RETAIL",
    "SECURITY_AND_INVESTIGATIONS",
    "SEMICONDUCTORS",
    "SHIPBUILDING",
    "SPORTING_GOODS",
    "SPORTS",
    "STAFFING_AND_RECRUITING",
    "SUPERMARKETS",
    "TELECOMMUNICATIONS",
    "TEXTILES",
    "THINK_TANKS",
    "TOBACCO",
    "TRANSLATION_AND_LOCALIZATION",
    "TRANSPORTATION_TRUCKING_RAILROAD",
    "UTILITIES",
    "VENTURE_CAPITAL_PRIVATE_EQUITY",
    "VETERINARY",
    "WAREHOUSING",
    "WHOLESALE",
    "WINE_AND_SPIRITS",
    "WIRELESS",
    "WRITING_AND_EDITING",
];

fn industry() -> PropertyDef {
    let options = INDUSTRIES.iter().enumerate().map(|(i, value)| option(value, &industry_label(value), i as i32));
    PropertyDef { options: options.collect(), ..field("industry", "Industry", PropertyType::Enumeration, "select") }
}

/// `FOOD_BEVERAGES` → "Food Beverages", `E_LEARNING` → "E Learning": a readable label; clients
/// send the value, never the label.
fn industry_label(value: &str) -> String {
    value
        .split('_')
        .map(|word| match word {
            "AND" => "and".to_string(),
            _ => {
                let lower = word.to_lowercase();
                let mut chars = lower.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The contact properties of a fresh portal: HubSpot's defaults that matter for a sync, a few
/// read-only calculated ones, and custom properties of every type.
fn contact_catalog() -> Vec<PropertyDef> {
    let mut defs = vec![
        text("email", "Email", "contactinformation"),
        text("firstname", "First Name", "contactinformation"),
        text("lastname", "Last Name", "contactinformation"),
        phone_field("phone", "Phone Number"),
        phone_field("mobilephone", "Mobile Phone Number"),
        text("company", "Company Name", "contactinformation"),
        text("jobtitle", "Job Title", "contactinformation"),
        text("website", "Website URL", "contactinformation"),
        text("address", "Street Address", "contactinformation"),
        text("city", "City", "contactinformation"),
        text("state", "State/Region", "contactinformation"),
        text("zip", "Postal Code", "contactinformation"),
        text("country", "Country/Region", "contactinformation"),
        text("industry", "Industry", "contactinformation"),
        enumeration(
            "numemployees",
            "Number of Employees",
            "select",
            &[
                ("1-5", "1-5"),
                ("5-25", "5-25"),
                ("25-50", "25-50"),
                ("50-100", "50-100"),
                ("100-500", "100-500"),
                ("500-1000", "500-1000"),
                ("1000+", "1000+"),
            ],
        ),
        number("annualrevenue", "Annual Revenue"),
        lifecycle_stage(),
        lead_status(),
        owner("Contact owner"),
        read_only(PropertyDef {
            description: "Email addresses of this contact besides its primary one, separated by ;".into(),
            ..text("hs_additional_emails", "Additional email addresses", "contactinformation")
        }),
        PropertyDef {
            description: "The date the contact was created. Set automatically; may be set on import.".into(),
            ..datetime("createdate", "Create Date")
        },
        read_only(datetime("lastmodifieddate", "Last Modified Date")),
        read_only(PropertyDef { has_unique_value: true, ..number("hs_object_id", "Record ID") }),
        calculated(text("hs_email_domain", "Email Domain", "contactinformation")),
        calculated(number("num_associated_deals", "Number of Associated Deals")),
        calculated(number("hs_analytics_num_page_views", "Number of Pageviews")),
        calculated(datetime("hs_lifecyclestage_lead_date", "Became a Lead Date")),
    ];
    for (order, def) in defs.iter_mut().enumerate() {
        def.hubspot_defined = true;
        def.display_order = order as i32;
    }
    defs.extend(custom(contact_custom_catalog()));
    defs
}

/// Custom contact properties a portal admin would have made: one of every type and field type.
fn contact_custom_catalog() -> Vec<PropertyDef> {
    vec![
        number("lead_score", "Lead Score"),
        PropertyDef {
            options: vec![option("true", "Yes", 0), option("false", "No", 1)],
            ..field("is_vip", "VIP", PropertyType::Bool, "booleancheckbox")
        },
        field("renewal_date", "Renewal Date", PropertyType::Date, "date"),
        datetime("last_demo_at", "Last Demo At"),
        enumeration(
            "customer_tier",
            "Customer Tier",
            "select",
            &[("gold", "Gold"), ("silver", "Silver"), ("bronze", "Bronze")],
        ),
        enumeration(
            "product_interests",
            "Product Interests",
            "checkbox",
            &[
                ("analytics", "Analytics"),
                ("automation", "Automation"),
                ("integrations", "Integrations"),
                ("reporting", "Reporting"),
                ("security", "Security"),
            ],
        ),
        enumeration(
            "sales_region",
            "Sales Region",
            "radio",
            &[("amer", "Americas"), ("emea", "EMEA"), ("apac", "APAC")],
        ),
        field("internal_notes", "Internal Notes", PropertyType::String, "textarea"),
        field("direct_line", "Direct Line", PropertyType::PhoneNumber, "phonenumber"),
        text("source_campaign", "Source Campaign", "marketing"),
    ]
}

fn field(name: &str, label: &str, kind: PropertyType, field_type: &str) -> PropertyDef {
    PropertyDef {
        name: name.into(),
        label: label.into(),
        kind,
        field_type: field_type.into(),
        group_name: default_group(),
        description: String::new(),
        options: Vec::new(),
        display_order: 0,
        calculated: false,
        external_options: false,
        has_unique_value: false,
        hidden: false,
        hubspot_defined: false,
        form_field: true,
        modification_metadata: default_metadata(),
        referenced_object_type: None,
        created_at: default_stamp(),
        updated_at: default_stamp(),
        archived: false,
    }
}

fn text(name: &str, label: &str, group: &str) -> PropertyDef {
    PropertyDef { group_name: group.into(), ..field(name, label, PropertyType::String, "text") }
}

fn phone_field(name: &str, label: &str) -> PropertyDef {
    field(name, label, PropertyType::String, "phonenumber")
}

fn number(name: &str, label: &str) -> PropertyDef {
    field(name, label, PropertyType::Number, "number")
}

fn datetime(name: &str, label: &str) -> PropertyDef {
    field(name, label, PropertyType::Datetime, "date")
}

fn option(value: &str, label: &str, order: i32) -> PropertyOption {
    PropertyOption {
        label: label.into(),
        value: value.into(),
        description: String::new(),
        display_order: order,
        hidden: false,
    }
}

fn enumeration(name: &str, label: &str, field_type: &str, options: &[(&str, &str)]) -> PropertyDef {
    PropertyDef {
        options: options.iter().enumerate().map(|(i, (v, l))| option(v, l, i as i32)).collect(),
        ..field(name, label, PropertyType::Enumeration, field_type)
    }
}

fn read_only(def: PropertyDef) -> PropertyDef {
    PropertyDef {
        form_field: false,
        modification_metadata: ModificationMetadata {
            archivable: false,
            read_only_definition: true,
            read_only_value: true,
        },
        ..def
    }
}

fn calculated(def: PropertyDef) -> PropertyDef {
    PropertyDef { calculated: true, ..read_only(def) }
}

/// HubSpot's lifecycle stages, shared by contacts and companies.
fn lifecycle_stage() -> PropertyDef {
    enumeration(
        "lifecyclestage",
        "Lifecycle Stage",
        "radio",
        &[
            ("subscriber", "Subscriber"),
            ("lead", "Lead"),
            ("marketingqualifiedlead", "Marketing Qualified Lead"),
            ("salesqualifiedlead", "Sales Qualified Lead"),
            ("opportunity", "Opportunity"),
            ("customer", "Customer"),
            ("evangelist", "Evangelist"),
            ("other", "Other"),
        ],
    )
}

/// Lead status, shared by contacts and companies.
fn lead_status() -> PropertyDef {
    enumeration(
        "hs_lead_status",
        "Lead Status",
        "radio",
        &[
            ("NEW", "New"),
            ("OPEN", "Open"),
            ("IN_PROGRESS", "In Progress"),
            ("OPEN_DEAL", "Open Deal"),
            ("UNQUALIFIED", "Unqualified"),
            ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
            ("CONNECTED", "Connected"),
            ("BAD_TIMING", "Bad Timing"),
        ],
    )
}

/// The record's owner: an owner's `id`, checked against the portal's owners.
fn owner(label: &str) -> PropertyDef {
    PropertyDef {
        external_options: true,
        referenced_object_type: Some("OWNER".into()),
        group_name: "sales_properties".into(),
        ..enumeration("hubspot_owner_id", label, "select", &[])
    }
}

impl PropertyDef {
    fn with_options(self, options: &[(&str, &str)]) -> Self {
        PropertyDef { options: options.iter().enumerate().map(|(i, (v, l))| option(v, l, i as i32)).collect(), ..self }
    }
}

/// A `POST /crm/v3/properties/{objectType}` body: HubSpot's property shape, of which `name`,
/// `label`, `type`, `fieldType` and `groupName` are required.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewProperty {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    field_type: Option<String>,
    #[serde(default)]
    group_name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    options: Vec<PropertyOption>,
    #[serde(default)]
    display_order: Option<i32>,
    #[serde(default)]
    has_unique_value: bool,
    #[serde(default)]
    hidden: bool,
    #[serde(default = "yes")]
    form_field: bool,
}

fn yes() -> bool {
    true
}

/// Why a new property was refused: `Exists` is HubSpot's 409, the rest its 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewPropertyError {
    Invalid(String),
    Exists(String),
}

/// The field types each property type can be shown with.
fn field_types_of(kind: PropertyType) -> &'static [&'static str] {
    match kind {
        PropertyType::String => &["text", "textarea", "html", "file", "phonenumber"],
        PropertyType::Number => &["number", "calculation_equation"],
        PropertyType::Bool => &["booleancheckbox", "calculation_equation"],
        PropertyType::Date | PropertyType::Datetime => &["date"],
        PropertyType::Enumeration => &["select", "radio", "checkbox", "booleancheckbox", "calculation_equation"],
        PropertyType::PhoneNumber => &["phonenumber"],
    }
}

/// Checks a new custom property against the catalog it joins and returns its definition, as
/// HubSpot would serve it back.
pub fn new_definition(catalog: &Catalog, request: NewProperty, now: &str) -> Result<PropertyDef, NewPropertyError> {
    let invalid = |m: String| NewPropertyError::Invalid(m);
    let required = |value: Option<String>, field: &str| {
        value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| invalid(format!("{field} is required and cannot be empty")))
    };
    let name = required(request.name, "name")?;
    let label = required(request.label, "label")?;
    let kind_text = required(request.kind, "type")?;
    let field_type = required(request.field_type, "fieldType")?;
    let group_name = required(request.group_name, "groupName")?;
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if !starts_with_letter || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(invalid(format!(
            "Invalid property name {name:?}: a name must start with a lowercase letter and hold only lowercase letters, digits and underscores"
        )));
    }
    if catalog.get(&name).is_some() {
        return Err(NewPropertyError::Exists(name));
    }
    let kind: PropertyType = serde_json::from_value(serde_json::Value::String(kind_text.clone())).map_err(|_| {
        invalid(format!(
            "Invalid property type {kind_text:?}: use one of bool, date, datetime, enumeration, number, phone_number, string"
        ))
    })?;
    if !field_types_of(kind).contains(&field_type.as_str()) {
        return Err(invalid(format!(
            "Field type {field_type:?} is not valid for a property of type {kind_text}: use one of {}",
            field_types_of(kind).join(", ")
        )));
    }
    let mut options = request.options;
    if kind == PropertyType::Bool && options.is_empty() {
        options = vec![option("true", "Yes", 0), option("false", "No", 1)];
    }
    if !matches!(kind, PropertyType::Enumeration | PropertyType::Bool) && !options.is_empty() {
        return Err(invalid(format!("Options are only allowed on enumeration and bool properties, not {kind_text}")));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(duplicate) = options.iter().find(|o| !seen.insert(o.value.as_str())) {
        return Err(invalid(format!("Option values must be unique: {:?} is used twice", duplicate.value)));
    }
    if request.has_unique_value {
        if !matches!(kind, PropertyType::String | PropertyType::Number) {
            return Err(invalid(format!(
                "Only string and number properties can require unique values, not {kind_text}"
            )));
        }
        if catalog.unique_custom().count() >= MAX_UNIQUE_PROPERTIES {
            return Err(invalid(format!(
                "An object type can have at most {MAX_UNIQUE_PROPERTIES} properties that require unique values"
            )));
        }
    }
    let display_order = request.display_order.unwrap_or(-1);
    Ok(PropertyDef {
        name,
        label,
        kind,
        field_type,
        group_name,
        description: request.description,
        options,
        display_order,
        calculated: false,
        external_options: false,
        has_unique_value: request.has_unique_value,
        hidden: request.hidden,
        hubspot_defined: false,
        form_field: request.form_field,
        modification_metadata: default_metadata(),
        referenced_object_type: None,
        created_at: now.to_string(),
        updated_at: now.to_string(),
        archived: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> NewProperty {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn each_type_has_its_own_catalog_with_the_system_properties() {
        for object in ObjectType::ALL {
            let catalog = Catalog::new(default_catalog(object));
            for name in object.always_returned().into_iter().chain(object.default_properties().iter().copied()) {
                assert!(catalog.get(name).is_some(), "{object:?} lacks {name}");
            }
            assert!(catalog.get(object.last_modified_property()).unwrap().is_read_only());
        }
        let companies = Catalog::new(default_catalog(ObjectType::Company));
        assert!(!companies.get("domain").unwrap().has_unique_value);
        assert!(companies.get("industry").unwrap().options.iter().any(|o| o.value == "COMPUTER_SOFTWARE"));
        assert_eq!(companies.unique_custom().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["erp_account_id"]);
        assert_eq!(industry_label("LOGISTICS_AND_SUPPLY_CHAIN"), "Logistics and Supply Chain");
        let deals = Catalog::new(default_catalog(ObjectType::Deal));
        assert!(deals.get("hs_is_closed_won").unwrap().calculated);
        assert!(Catalog::new(default_catalog(ObjectType::Contact)).get("lastmodifieddate").is_some());
    }

    #[test]
    fn new_properties_are_checked_before_they_join() {
        let catalog = Catalog::new(default_catalog(ObjectType::Company));
        let ok = new_definition(
            &catalog,
            request(serde_json::json!({"name": "vat_id", "label": "VAT", "type": "string", "fieldType": "text",
                                       "groupName": "companyinformation", "hasUniqueValue": true})),
            "2026-06-01T09:00:00.000Z",
        )
        .unwrap();
        assert!(ok.has_unique_value && !ok.hubspot_defined && !ok.is_read_only());
        let bool_def = new_definition(
            &catalog,
            request(serde_json::json!({"name": "b", "label": "B", "type": "bool", "fieldType": "booleancheckbox", "groupName": "g"})),
            "t",
        )
        .unwrap();
        assert_eq!(bool_def.options.len(), 2);
        let refuse = |json| new_definition(&catalog, request(json), "t").unwrap_err();
        assert_eq!(
            refuse(
                serde_json::json!({"name": "domain", "label": "D", "type": "string", "fieldType": "text", "groupName": "g"})
            ),
            NewPropertyError::Exists("domain".into())
        );
        for bad in [
            serde_json::json!({"label": "X", "type": "string", "fieldType": "text", "groupName": "g"}),
            serde_json::json!({"name": "Bad-Name", "label": "X", "type": "string", "fieldType": "text", "groupName": "g"}),
            serde_json::json!({"name": "x", "label": "X", "type": "text", "fieldType": "text", "groupName": "g"}),
            serde_json::json!({"name": "x", "label": "X", "type": "number", "fieldType": "select", "groupName": "g"}),
            serde_json::json!({"name": "x", "label": "X", "type": "bool", "fieldType": "booleancheckbox", "groupName": "g", "hasUniqueValue": true}),
            serde_json::json!({"name": "x", "label": "X", "type": "enumeration", "fieldType": "select", "groupName": "g",
                               "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "a"}]}),
        ] {
            assert!(matches!(refuse(bad.clone()), NewPropertyError::Invalid(_)), "{bad}");
        }
    }
}
