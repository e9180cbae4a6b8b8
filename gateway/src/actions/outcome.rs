//! The `outcome` label of `cardmesh_actions_total`: what became of an action request that
//! was routed (its error codes are in [`super::error`]).

use super::error::ActionError;
use super::ledger::Record;

impl ActionError {
    /// The `outcome` label of `cardmesh_actions_total` for an action that was routed.
    pub fn outcome(&self) -> &'static str {
        match self {
            ActionError::Refused { .. } => "refused",
            ActionError::Failed { .. } => "failed",
            ActionError::ServiceUnavailable { .. } => "unavailable",
            ActionError::NotImplemented => "not_implemented",
            ActionError::CustomerNotFound | ActionError::CustomerNeedsPlainApi => "customer_not_found",
            ActionError::CustomerLookupFailed { .. }
            | ActionError::CustomerLookupRefused { .. }
            | ActionError::LedgerUnavailable { .. } => "gateway_error",
            ActionError::InProgress { .. } => "in_progress",
            ActionError::InvalidBody { .. }
            | ActionError::MissingCustomer
            | ActionError::WorkspaceMismatch
            | ActionError::UnknownAction => "invalid_request",
        }
    }
}

impl Record {
    /// `succeeded` or `refused`.
    pub fn outcome(&self) -> &'static str {
        match self {
            Record::Succeeded { .. } => "succeeded",
            Record::Refused { .. } => "refused",
        }
    }
}
