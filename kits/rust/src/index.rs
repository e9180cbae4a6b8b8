//! [`CustomerIndex`]: finds your own record for a Plain customer.

use std::collections::HashMap;

use anyhow::bail;

use crate::Customer;

/// Your records, findable by the Plain customer's external id first and then by email
/// (case-insensitive), which is how a card service usually matches Plain's customer to its
/// own data.
#[derive(Clone, Debug)]
pub struct CustomerIndex<T> {
    records: Vec<T>,
    by_external_id: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
}

impl<T> Default for CustomerIndex<T> {
    fn default() -> Self {
        Self { records: Vec::new(), by_external_id: HashMap::new(), by_email: HashMap::new() }
    }
}

impl<T> CustomerIndex<T> {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `record` (record number [`CustomerIndex::len`] before the call), findable by
    /// `external_id` (exact match) and/or `email` (case-insensitive). Empty strings count as
    /// absent.
    ///
    /// Fails when both are absent, or when the external id or the email already belongs to an
    /// earlier record. Error messages name the external id but never the email.
    pub fn insert(&mut self, external_id: Option<&str>, email: Option<&str>, record: T) -> anyhow::Result<()> {
        let external_id = external_id.map(str::trim).filter(|v| !v.is_empty());
        let email = email.map(normalise_email).filter(|v| !v.is_empty());
        if external_id.is_none() && email.is_none() {
            bail!("a record needs an external id or an email");
        }
        if let Some(earlier) = external_id.and_then(|id| self.by_external_id.get(id)) {
            bail!("external id {:?} already belongs to record {earlier}", external_id.unwrap_or_default());
        }
        if let Some(earlier) = email.as_ref().and_then(|e| self.by_email.get(e)) {
            bail!("the email already belongs to record {earlier}");
        }
        let position = self.records.len();
        if let Some(id) = external_id {
            self.by_external_id.insert(id.to_owned(), position);
        }
        if let Some(email) = email {
            self.by_email.insert(email, position);
        }
        self.records.push(record);
        Ok(())
    }

    /// The record for `customer`: by external id when it has one that is known, otherwise by
    /// email when it has one. A customer with neither (Plain sends `null` for both for some
    /// contacts created by integrations) has no record.
    pub fn find(&self, customer: &Customer) -> Option<&T> {
        let by_id = customer.external_id.as_deref().and_then(|id| self.by_external_id.get(id.trim()));
        let by_email = || {
            let email = normalise_email(customer.email.as_deref()?);
            self.by_email.get(&email)
        };
        let position = by_id.or_else(by_email)?;
        self.records.get(*position)
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// All records, in insertion order.
    pub fn records(&self) -> impl Iterator<Item = &T> {
        self.records.iter()
    }
}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(external_id: Option<&str>, email: &str) -> Customer {
        Customer { id: "c_1".into(), email: Some(email.into()), external_id: external_id.map(Into::into) }
    }

    fn without_email(external_id: Option<&str>) -> Customer {
        Customer { email: None, ..customer(external_id, "") }
    }

    fn index() -> CustomerIndex<&'static str> {
        let mut index = CustomerIndex::new();
        index.insert(Some("cus_1"), Some("Ada@Example.com"), "ada").expect("ada");
        index.insert(None, Some("grace@example.com"), "grace").expect("grace");
        index.insert(Some("cus_3"), None, "linus").expect("linus");
        index
    }

    #[test]
    fn finds_by_external_id_then_email() {
        let index = index();
        assert_eq!(index.len(), 3);
        assert_eq!(index.find(&customer(Some("cus_1"), "other@example.com")), Some(&"ada"));
        assert_eq!(index.find(&customer(Some("cus_unknown"), "ADA@example.COM")), Some(&"ada"));
        assert_eq!(index.find(&customer(None, " grace@example.com ")), Some(&"grace"));
        assert_eq!(index.find(&customer(Some("cus_3"), "")), Some(&"linus"));
        assert_eq!(index.find(&customer(None, "nobody@example.com")), None);
        assert_eq!(index.find(&customer(None, "")), None);
    }

    #[test]
    fn a_customer_without_email_is_found_by_external_id_only() {
        let index = index();
        assert_eq!(index.find(&without_email(Some("cus_1"))), Some(&"ada"));
        assert_eq!(index.find(&without_email(Some("cus_3"))), Some(&"linus"));
        assert_eq!(index.find(&without_email(Some("cus_unknown"))), None);
        assert_eq!(index.find(&without_email(None)), None);
    }

    #[test]
    fn rejects_duplicates_without_naming_emails() {
        let mut index = index();
        let error = index.insert(Some("cus_1"), None, "again").expect_err("duplicate id");
        assert!(error.to_string().contains("cus_1"), "{error}");
        let error = index.insert(None, Some("GRACE@example.com"), "again").expect_err("duplicate email");
        assert!(!error.to_string().contains("grace"), "{error}");
        assert!(error.to_string().contains("record 1"), "{error}");
        assert!(index.insert(Some(" "), Some(""), "nobody").is_err());
        assert_eq!(index.len(), 3);
    }
}
