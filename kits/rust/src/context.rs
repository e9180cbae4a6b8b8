//! Who a card is drawn for: [`CardContext`] and its parts, converted from `GetCardsRequest`.

use std::fmt;

use crate::proto;

/// The Plain customer a card is drawn for.
#[derive(Clone, PartialEq, Eq)]
pub struct Customer {
    /// Plain's customer id, e.g. `c_01H...`. Safe to log.
    pub id: String,
    /// The customer's email; `None` when Plain has none (contacts created by integrations
    /// can have no email: Plain then sends `null`, and the proto field is absent). An empty
    /// string from an older gateway also reads as `None`. Personal data: never log it
    /// (`Debug` redacts it).
    pub email: Option<String>,
    /// Your own id for the customer, when it was set in Plain.
    pub external_id: Option<String>,
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("id", &self.id)
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .field("external_id", &self.external_id)
            .finish()
    }
}

/// The Plain thread a card is shown in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thread {
    /// Plain's thread id.
    pub id: String,
    /// Your own id for the thread, when it was set in Plain.
    pub external_id: Option<String>,
}

/// The tenant of the thread a card is shown in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Plain's tenant id.
    pub id: String,
    /// Your own id for the tenant, when it was set in Plain.
    pub external_id: Option<String>,
}

/// Everything a card may depend on. Read only what the card's [`crate::Scope`] allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardContext {
    /// The `Plain-Workspace-Id` of the Plain request (empty when absent).
    pub workspace_id: String,
    /// The customer the card is drawn for.
    pub customer: Customer,
    /// The thread, when the card is shown in one.
    pub thread: Option<Thread>,
    /// The thread's tenant, when it has one.
    pub tenant: Option<Tenant>,
}

/// Why a `GetCardsRequest` cannot be turned into a [`CardContext`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContextError {
    MissingCustomer,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextError::MissingCustomer => f.write_str("GetCardsRequest.customer is required"),
        }
    }
}

impl CardContext {
    /// The context of `request`; fails when the request names no customer.
    pub(crate) fn from_request(request: &proto::GetCardsRequest) -> Result<Self, ContextError> {
        let customer = request.customer.as_ref().ok_or(ContextError::MissingCustomer)?;
        Ok(CardContext {
            workspace_id: request.workspace_id.clone(),
            customer: Customer::from_proto(customer),
            thread: request.thread.as_ref().map(Thread::from_proto),
            tenant: request
                .tenant
                .as_ref()
                .map(|t| Tenant { id: t.id.clone(), external_id: non_empty(&t.external_id) }),
        })
    }
}

impl Customer {
    /// The customer a gateway's request names, with empty optional fields as absent.
    pub(crate) fn from_proto(customer: &proto::Customer) -> Self {
        Customer {
            id: customer.id.clone(),
            email: non_empty(&customer.email),
            external_id: non_empty(&customer.external_id),
        }
    }
}

impl Thread {
    /// The thread a gateway's request names, with an empty external id as absent.
    pub(crate) fn from_proto(thread: &proto::Thread) -> Self {
        Thread { id: thread.id.clone(), external_id: non_empty(&thread.external_id) }
    }
}

/// An optional string (external id, email), with an empty string treated as absent.
pub(crate) fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.is_empty()).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_request() {
        let request = proto::GetCardsRequest {
            card_keys: vec!["a".into()],
            workspace_id: "w_1".into(),
            customer: Some(proto::Customer {
                id: "c_1".into(),
                email: Some("ada@example.com".into()),
                external_id: Some("cus_1".into()),
            }),
            thread: Some(proto::Thread { id: "th_1".into(), external_id: Some(String::new()) }),
            tenant: None,
        };
        let ctx = CardContext::from_request(&request).expect("valid request");
        assert_eq!(ctx.workspace_id, "w_1");
        assert_eq!(ctx.customer.id, "c_1");
        assert_eq!(ctx.customer.email.as_deref(), Some("ada@example.com"));
        assert_eq!(ctx.customer.external_id.as_deref(), Some("cus_1"));
        assert_eq!(ctx.thread, Some(Thread { id: "th_1".into(), external_id: None }));
        assert_eq!(ctx.tenant, None);
    }

    #[test]
    fn absent_or_empty_email_is_none() {
        for email in [None, Some(String::new())] {
            let request = proto::GetCardsRequest {
                customer: Some(proto::Customer { id: "c_1".into(), email, external_id: None }),
                ..Default::default()
            };
            let ctx = CardContext::from_request(&request).expect("valid request");
            assert_eq!(ctx.customer.email, None);
        }
    }

    #[test]
    fn missing_customer_is_an_error() {
        let request = proto::GetCardsRequest::default();
        assert_eq!(CardContext::from_request(&request), Err(ContextError::MissingCustomer));
    }

    #[test]
    fn debug_redacts_email() {
        let customer = Customer { id: "c_1".into(), email: Some("ada@example.com".into()), external_id: None };
        let shown = format!("{customer:?}");
        assert!(shown.contains("c_1"));
        assert!(!shown.contains("ada@example.com"));
    }
}
