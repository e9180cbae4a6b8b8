//! The customer of a card action, found in Plain from what a workflow can send: the thread
//! (`thread(threadId:)`, whose `customer` is the thread's), the email (`customerByEmail`) or
//! the external id (`customerByExternalId`). Field names are those of Plain's schema
//! (`@team-plain/graphql`): `Thread { id, externalId, customer: Customer! }`,
//! `Customer { id, externalId, email: EmailAddress! { email } }`.

use serde_json::{json, Value};

use super::{CallError, PlainClient};

/// The query that finds a thread and its customer.
pub const THREAD_CUSTOMER_QUERY: &str = "query ThreadCustomer($threadId: ID!) {
  thread(threadId: $threadId) {
    id
    externalId
    customer {
      id
      externalId
      email {
        email
      }
    }
  }
}";

/// The query that finds a customer by email.
pub const CUSTOMER_BY_EMAIL_QUERY: &str = "query CustomerByEmail($email: String!) {
  customerByEmail(email: $email) {
    id
    externalId
    email {
      email
    }
  }
}";

/// The query that finds a customer, with its email, by the external id Plain stores for it.
pub const CUSTOMER_RECORD_BY_EXTERNAL_ID_QUERY: &str = "query CustomerByExternalId($externalId: ID!) {
  customerByExternalId(externalId: $externalId) {
    id
    externalId
    email {
      email
    }
  }
}";

/// A customer as Plain knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCustomer {
    pub id: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
}

/// A thread as Plain knows it, with its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainThread {
    pub id: String,
    pub external_id: Option<String>,
    pub customer: PlainCustomer,
}

impl PlainClient {
    /// The thread `thread_id` and its customer; `None` when Plain has no such thread.
    pub async fn thread_with_customer(&self, thread_id: &str) -> Result<Option<PlainThread>, CallError> {
        let data = self.client.run("ThreadCustomer", THREAD_CUSTOMER_QUERY, json!({ "threadId": thread_id })).await?;
        let thread = &data["thread"];
        if thread.is_null() {
            return Ok(None);
        }
        let id = thread["id"].as_str().ok_or_else(|| CallError::InvalidResponse("thread has no id".into()))?;
        Ok(Some(PlainThread {
            id: id.to_owned(),
            external_id: text(&thread["externalId"]),
            customer: customer(&thread["customer"])?
                .ok_or_else(|| CallError::InvalidResponse("thread has no customer".into()))?,
        }))
    }

    /// The customer whose email is `email`; `None` when Plain has none.
    pub async fn customer_by_email(&self, email: &str) -> Result<Option<PlainCustomer>, CallError> {
        let data = self.client.run("CustomerByEmail", CUSTOMER_BY_EMAIL_QUERY, json!({ "email": email })).await?;
        customer(&data["customerByEmail"])
    }

    /// The customer whose external id is `external_id`; `None` when Plain has none.
    pub async fn customer_by_external_id(&self, external_id: &str) -> Result<Option<PlainCustomer>, CallError> {
        let variables = json!({ "externalId": external_id });
        let data = self.client.run("CustomerByExternalId", CUSTOMER_RECORD_BY_EXTERNAL_ID_QUERY, variables).await?;
        customer(&data["customerByExternalId"])
    }
}

/// A `Customer` object of an answer; `None` for `null`.
fn customer(value: &Value) -> Result<Option<PlainCustomer>, CallError> {
    if value.is_null() {
        return Ok(None);
    }
    let id = value["id"].as_str().ok_or_else(|| CallError::InvalidResponse("customer has no id".into()))?;
    Ok(Some(PlainCustomer {
        id: id.to_owned(),
        email: text(&value["email"]["email"]),
        external_id: text(&value["externalId"]),
    }))
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}
