//! Plain's wire format: the card request it sends and the card response it expects.

mod request;
mod response;

pub use request::{is_valid_key, parse_request, CardKeys, CardRequest, Customer, RequestError, Tenant, Thread};
pub use response::{CardJson, ResponseBody};
