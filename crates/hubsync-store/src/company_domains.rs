//! Which domain names a lead's company: its domain field's value (`company_domain_field`), else
//! its email's domain, never a free-mail domain (`hubsync_email::is_free_mail`, with the admin's
//! store-wide overrides of the maintained list, `free_mail_overrides`).

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::companies::{CompanySource, canonical_domain};
use crate::leads::Lead;
use crate::store::{Store, stamp};

/// An admin's change to the maintained free-mail list: `free` adds the domain (with its
/// subdomains), `!free` takes it off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct FreeMailOverride {
    pub domain: String,
    pub free: bool,
}

/// The domain a lead's company would have, and why; or why it has none. Codes, not sentences:
/// the page or the command line words them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "code", rename_all = "snake_case")]
#[ts(export)]
pub enum LeadCompanyDomain {
    /// The domain field's value names it.
    DomainField { domain: String },
    /// The email's domain.
    Email { domain: String },
    /// None: the only domain found is a free-mail one (which names no company).
    FreeMail { domain: String },
    /// None: the domain field holds a value that is no domain (`field` says which field), and
    /// the email gave none either.
    InvalidDomain { field: String },
    /// None: the domain field is unset or empty and the email has no domain that is one (an
    /// address from before the store checked them).
    NoDomain,
}

impl LeadCompanyDomain {
    /// The outcome's code: `domain_field`, `email`, `free_mail`, `invalid_domain`, `no_domain`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LeadCompanyDomain::DomainField { .. } => "domain_field",
            LeadCompanyDomain::Email { .. } => "email",
            LeadCompanyDomain::FreeMail { .. } => "free_mail",
            LeadCompanyDomain::InvalidDomain { .. } => "invalid_domain",
            LeadCompanyDomain::NoDomain => "no_domain",
        }
    }

    /// The domain to find or make the lead's company by, when there is one.
    pub fn domain(&self) -> Option<&str> {
        match self {
            LeadCompanyDomain::DomainField { domain } | LeadCompanyDomain::Email { domain } => Some(domain),
            _ => None,
        }
    }

    /// How a company found by this domain was found, for `set_lead_company`.
    pub fn source(&self) -> Option<CompanySource> {
        match self {
            LeadCompanyDomain::DomainField { .. } => Some(CompanySource::Domain),
            LeadCompanyDomain::Email { .. } => Some(CompanySource::Email),
            _ => None,
        }
    }
}

/// The active profile's domain field and the free-mail overrides, read once for many leads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompanyDomainRules {
    pub domain_field: Option<String>,
    /// Normalised domain → free.
    pub overrides: HashMap<String, bool>,
}

impl CompanyDomainRules {
    /// Whether `domain` (normalised) is free-mail: the maintained list, the overrides first.
    pub fn is_free_mail(&self, domain: &str) -> bool {
        hubsync_email::is_free_mail_with(domain, |name| self.overrides.get(name).copied())
    }

    /// The domain of a lead with this email and these values (`Lead::values`). The domain
    /// field's value comes first when it is a domain other than free-mail; then the email's
    /// domain. With neither, the reason: a domain field value that is no domain first (the one
    /// the admin can fix), then a free-mail domain, then no domain at all.
    pub fn domain_for(&self, email: &str, values: &BTreeMap<String, String>) -> LeadCompanyDomain {
        let mut invalid_field = None;
        let mut free_mail = None;
        if let Some(field) = &self.domain_field
            && let Some(value) = values.get(field).filter(|v| !v.trim().is_empty())
        {
            match hubsync_email::normalize_domain(value) {
                Ok(domain) if self.is_free_mail(&domain) => free_mail = Some(domain),
                Ok(domain) => return LeadCompanyDomain::DomainField { domain },
                Err(_) => invalid_field = Some(field.clone()),
            }
        }
        if let Some(domain) = hubsync_email::email_domain(email) {
            if !self.is_free_mail(&domain) {
                return LeadCompanyDomain::Email { domain };
            }
            free_mail.get_or_insert(domain);
        }
        match (invalid_field, free_mail) {
            (Some(field), _) => LeadCompanyDomain::InvalidDomain { field },
            (None, Some(domain)) => LeadCompanyDomain::FreeMail { domain },
            (None, None) => LeadCompanyDomain::NoDomain,
        }
    }

    pub fn domain_for_lead(&self, lead: &Lead) -> LeadCompanyDomain {
        self.domain_for(&lead.email, &lead.values)
    }
}

impl Store {
    /// The free-mail overrides, by domain.
    pub fn free_mail_overrides(&self) -> Result<Vec<FreeMailOverride>> {
        let mut stmt = self.conn.prepare("SELECT domain, free FROM free_mail_overrides ORDER BY domain")?;
        let rows = stmt.query_map([], |r| Ok(FreeMailOverride { domain: r.get(0)?, free: r.get(1)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds `domain` (normalised) to the free-mail list (`free`) or takes it off, replacing an
    /// override of it.
    pub fn set_free_mail_override(&mut self, domain: &str, free: bool) -> Result<FreeMailOverride> {
        let domain = canonical_domain(domain)?;
        self.conn.execute(
            "INSERT INTO free_mail_overrides (domain, free, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (domain) DO UPDATE SET free = excluded.free, updated_at = excluded.updated_at",
            params![domain, free, stamp(self.clock.now())],
        )?;
        Ok(FreeMailOverride { domain, free })
    }

    /// Leaves `domain` to the maintained list again; whether it had an override.
    pub fn remove_free_mail_override(&mut self, domain: &str) -> Result<bool> {
        let domain = canonical_domain(domain)?;
        Ok(self.conn.execute("DELETE FROM free_mail_overrides WHERE domain = ?1", [domain])? > 0)
    }

    /// Whether `domain` (normalised first) is free-mail, the overrides heard.
    pub fn is_free_mail_domain(&self, domain: &str) -> Result<bool> {
        let domain = canonical_domain(domain)?;
        Ok(self.company_domain_rules()?.is_free_mail(&domain))
    }

    /// The active profile's domain field and the overrides, to find many leads' domains.
    pub fn company_domain_rules(&self) -> Result<CompanyDomainRules> {
        let overrides = self.free_mail_overrides()?.into_iter().map(|o| (o.domain, o.free)).collect();
        Ok(CompanyDomainRules { domain_field: self.company_domain_field()?, overrides })
    }

    /// The domain `lead`'s company would have, and why (`CompanyDomainRules::domain_for`).
    pub fn company_domain_for_lead(&self, lead: &Lead) -> Result<LeadCompanyDomain> {
        Ok(self.company_domain_rules()?.domain_for_lead(lead))
    }
}
