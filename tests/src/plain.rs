//! What the tests send as Plain: one request-body builder and one signed-post helper.

use serde_json::{json, Value};

/// A Plain card request body. Defaults: customer `c_test_1` (`test@example.com`, no
/// external id), thread `th_test_1`, no tenant.
#[derive(Debug, Clone)]
pub struct PlainBody {
    keys: Vec<String>,
    customer_id: String,
    email: String,
    external_id: Option<String>,
    thread_id: Option<String>,
    tenant_id: Option<String>,
}

impl PlainBody {
    /// A body asking for `keys`.
    pub fn new(keys: &[&str]) -> Self {
        Self {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            customer_id: "c_test_1".into(),
            email: "test@example.com".into(),
            external_id: None,
            thread_id: Some("th_test_1".into()),
            tenant_id: None,
        }
    }

    /// The customer's Plain id, email and external id.
    pub fn customer(mut self, id: &str, email: &str, external_id: Option<&str>) -> Self {
        self.customer_id = id.to_owned();
        self.email = email.to_owned();
        self.external_id = external_id.map(str::to_owned);
        self
    }

    /// The thread's id; `None` sends `"thread": null`.
    pub fn thread(mut self, id: Option<&str>) -> Self {
        self.thread_id = id.map(str::to_owned);
        self
    }

    /// The tenant's id; `None` (the default) leaves the tenant out.
    pub fn tenant(mut self, id: Option<&str>) -> Self {
        self.tenant_id = id.map(str::to_owned);
        self
    }

    /// The JSON value.
    pub fn json(&self) -> Value {
        let mut body = json!({
            "cardKeys": self.keys,
            "customer": { "id": self.customer_id, "email": self.email, "externalId": self.external_id },
            "thread": self.thread_id.as_ref().map(|id| json!({ "id": id, "externalId": null })),
        });
        if let Some(id) = &self.tenant_id {
            body["tenant"] = json!({ "id": id, "externalId": null });
        }
        body
    }

    /// The body as sent.
    pub fn build(&self) -> String {
        self.json().to_string()
    }
}

/// A POST of `body` to `url` as Plain sends it: JSON, from workspace `workspace` (no
/// workspace header with `None`), signed with `secret` (unsigned with `None`).
pub fn signed_post(
    client: &reqwest::Client,
    url: &str,
    body: &str,
    secret: Option<&str>,
    workspace: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut request = client.post(url).header("content-type", "application/json").body(body.to_owned());
    if let Some(workspace) = workspace {
        request = request.header("plain-workspace-id", workspace);
    }
    if let Some(secret) = secret {
        request = request.header("plain-request-signature", cardmesh_gateway::verify::sign(secret, body.as_bytes()));
    }
    request
}
