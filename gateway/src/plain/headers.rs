//! The headers Plain sends with a card request that the gateway reads (the signature header
//! is [`crate::verify::SIGNATURE_HEADER`]).

use http::HeaderMap;

/// Header Plain sends with the workspace id.
pub const WORKSPACE_HEADER: &str = "plain-workspace-id";

/// The workspace id Plain sent (empty when it sent none or not as text).
pub fn workspace_header(headers: &HeaderMap) -> &str {
    headers.get(WORKSPACE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default()
}
