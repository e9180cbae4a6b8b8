//! Who an action is for: the customer (and thread) found from the body, through Plain's API
//! when it is configured.
//!
//! Lookup order: `threadId` (`thread(threadId:)`, the thread's customer), then
//! `customerEmail` (`customerByEmail`), then `customerExternalId` (`customerByExternalId`);
//! the first that Plain knows wins, and which one is logged as `matched_by` (never the
//! value). A GraphQL error on the thread lookup falls back to the email and external id.
//! The service gets the body's thread id whenever one was sent, Plain's thread when found.
//! A lookup Plain refuses for good (a GraphQL permission or validation error, an HTTP 4xx
//! other than 408 and 429) is `customer_lookup_refused` (422, not retried); any other
//! failure `customer_lookup_failed` (503, retried). The reload after the action runs in the
//! thread's context only when Plain found the thread.
//!
//! Without Plain's API (`plain_api.api_key` unset), the gateway cannot know Plain's customer
//! id: the service gets the email or external id of the body as they are, with an empty
//! `id`, and the thread id of the body; the gateway then cannot drop the customer's cached
//! cards nor ask Plain to reload them. A body with a thread id only is refused
//! (`customer_needs_plain_api`).

use cardmesh_proto::{Customer, Thread};

use super::body::ActionBody;
use super::error::ActionError;
use crate::plain_client::{CallError, PlainClient, PlainCustomer};

/// GraphQL error codes (`extensions.code`, any case) that say Plain will give the same answer
/// to the same call: the API key may not read the object, or the input is malformed.
const FINAL_GRAPHQL_CODES: &[&str] = &[
    "forbidden",
    "unauthenticated",
    "unauthorized",
    "permission_denied",
    "bad_user_input",
    "bad_request",
    "validation_error",
    "input_validation",
    "graphql_validation_failed",
];

/// A failed lookup call as the action's error: a refusal Plain would repeat is
/// `customer_lookup_refused` (4xx, not retried), anything else `customer_lookup_failed` (503).
fn lookup_error(error: CallError) -> ActionError {
    let cause = cardmesh_telemetry::scrub::service_text(&error.to_string());
    let refused = match &error {
        CallError::GraphQl { code: Some(code), .. } => {
            FINAL_GRAPHQL_CODES.iter().any(|final_code| code.eq_ignore_ascii_case(final_code))
        }
        CallError::Http { status, .. } => (400..500).contains(status) && *status != 408 && *status != 429,
        _ => false,
    };
    if refused {
        ActionError::CustomerLookupRefused { cause }
    } else {
        ActionError::CustomerLookupFailed { cause }
    }
}

/// The customer and thread of an action, and which identifier of the body found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub customer: Customer,
    /// The thread Plain found, or else the body's `threadId` as sent: present whenever the
    /// workflow sent a thread id.
    pub thread: Option<Thread>,
    /// True when Plain's API found the thread (only then is it the context of the reload).
    pub thread_confirmed: bool,
    /// `thread_id`, `email` or `external_id`: the body's identifier that matched.
    pub matched_by: &'static str,
    /// True when Plain's API confirmed the customer (its `id` is Plain's).
    pub confirmed: bool,
}

/// Finds the customer of `body`.
pub async fn resolve(api: Option<&PlainClient>, body: &ActionBody) -> Result<Resolved, ActionError> {
    let Some(api) = api else { return unconfirmed(body) };
    let failed = lookup_error;
    let has_customer = body.customer_email.is_some() || body.customer_external_id.is_some();
    if let Some(thread_id) = &body.thread_id {
        match api.thread_with_customer(thread_id).await {
            Ok(Some(thread)) => {
                return Ok(Resolved {
                    customer: proto_customer(thread.customer),
                    thread: Some(Thread { id: thread.id, external_id: thread.external_id }),
                    thread_confirmed: true,
                    matched_by: "thread_id",
                    confirmed: true,
                });
            }
            Ok(None) => {}
            // Plain answered the thread lookup with an error (a thread id it cannot read, or
            // one it finds malformed): the email or external id may still find the customer.
            Err(error @ CallError::GraphQl { .. }) if has_customer => {
                let cause = cardmesh_telemetry::scrub::service_text(&error.to_string());
                tracing::info!(%cause, "Plain's thread lookup failed; finding the customer by the body's other fields");
            }
            Err(error) => return Err(failed(error)),
        }
    }
    let found = if let Some(email) = &body.customer_email {
        api.customer_by_email(email).await.map_err(failed)?.map(|c| (c, "email"))
    } else {
        None
    };
    let found = match (found, &body.customer_external_id) {
        (None, Some(external)) => api.customer_by_external_id(external).await.map_err(failed)?.map(|c| (c, "external_id")),
        (found, _) => found,
    };
    let (customer, matched_by) = found.ok_or(ActionError::CustomerNotFound)?;
    Ok(Resolved {
        customer: proto_customer(customer),
        thread: body_thread(body),
        thread_confirmed: false,
        matched_by,
        confirmed: true,
    })
}

/// Without Plain's API: the body's email or external id as they are.
fn unconfirmed(body: &ActionBody) -> Result<Resolved, ActionError> {
    let matched_by = match (&body.customer_email, &body.customer_external_id) {
        (Some(_), _) => "email",
        (None, Some(_)) => "external_id",
        (None, None) => return Err(ActionError::CustomerNeedsPlainApi),
    };
    Ok(Resolved {
        customer: Customer {
            id: String::new(),
            email: body.customer_email.clone(),
            external_id: body.customer_external_id.clone(),
        },
        thread: body_thread(body),
        thread_confirmed: false,
        matched_by,
        confirmed: false,
    })
}

/// The body's `threadId` (and `threadExternalId`) as sent.
fn body_thread(body: &ActionBody) -> Option<Thread> {
    body.thread_id.clone().map(|id| Thread { id, external_id: body.thread_external_id.clone() })
}

fn proto_customer(customer: PlainCustomer) -> Customer {
    Customer { id: customer.id, email: customer.email, external_id: customer.external_id }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plains_permission_and_validation_errors_are_final_the_rest_retried() {
        let graphql = |code: &str| CallError::GraphQl { code: Some(code.into()), message: "no".into() };
        let http = |status| CallError::Http { status, message: "no".into() };
        for error in [graphql("FORBIDDEN"), graphql("bad_user_input"), graphql("VALIDATION_ERROR"), http(403), http(400)] {
            assert!(matches!(lookup_error(error.clone()), ActionError::CustomerLookupRefused { .. }), "{error:?}");
        }
        let retried = [
            graphql("INTERNAL_SERVER_ERROR"),
            CallError::GraphQl { code: None, message: "no".into() },
            http(429),
            http(408),
            http(502),
            CallError::Timeout(std::time::Duration::from_secs(5)),
        ];
        for error in retried {
            assert!(matches!(lookup_error(error.clone()), ActionError::CustomerLookupFailed { .. }), "{error:?}");
        }
    }

    #[tokio::test]
    async fn without_plains_api_the_body_is_taken_as_it_is_and_a_thread_alone_is_refused() {
        let body = ActionBody {
            thread_id: Some("th_1".into()),
            customer_email: Some("ada@example.com".into()),
            ..Default::default()
        };
        let resolved = resolve(None, &body).await.unwrap();
        assert_eq!((resolved.matched_by, resolved.confirmed), ("email", false));
        assert_eq!(resolved.customer.id, "");
        assert_eq!(resolved.thread.map(|t| t.id).as_deref(), Some("th_1"));
        let thread_only = ActionBody { thread_id: Some("th_1".into()), ..Default::default() };
        assert_eq!(resolve(None, &thread_only).await, Err(ActionError::CustomerNeedsPlainApi));
    }
}
