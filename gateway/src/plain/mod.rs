//! Plain's wire format: the card request it sends and the card response it expects.

mod headers;
mod request;
mod response;

pub use headers::workspace_header;
#[cfg(feature = "test-util")]
pub use headers::WORKSPACE_HEADER;
pub use request::{is_valid_key, parse_request, CardKeys, CardRequest, RequestError, MAX_IDENTIFIER_CHARS};
#[cfg(feature = "test-util")]
pub use request::{Customer, Tenant, Thread, MAX_CARD_KEY_BYTES, MAX_EMAIL_BYTES, MAX_EXTERNAL_ID_BYTES, MAX_ID_BYTES};
pub(crate) use response::with_ttl_text;
pub use response::{CardJson, ResponseBody};
