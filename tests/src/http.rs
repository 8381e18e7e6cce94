//! What a request answers, whatever its status.

use serde_json::Value;

/// A response, whatever its status.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub text: String,
    /// The body parsed as JSON, or `Null` when it is not JSON.
    pub body: Value,
}

impl Response {
    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", self.text)).to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Asserts the status (the body in the message when it differs).
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text);
        self
    }

    /// Asserts this is an RFC 9457 problem with `status`.
    pub fn assert_problem(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text);
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"].as_str().is_some_and(|t| !t.is_empty()), "{}", self.text);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string(), "{}", self.text);
        self
    }
}

impl From<Result<ureq::Response, ureq::Error>> for Response {
    fn from(result: Result<ureq::Response, ureq::Error>) -> Self {
        let response = match result {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("transport error: {error}"),
        };
        let status = response.status();
        let content_type = response.content_type().to_owned();
        let headers =
            response.headers_names().into_iter().filter_map(|name| response.header(&name).map(|value| (name.clone(), value.to_owned()))).collect();
        let text = response.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response { status, content_type, headers, text, body }
    }
}

/// The header and payload of a compact JWS, decoded (not verified).
pub fn jwt_parts(jwt: &str) -> (Value, Value) {
    use base64::Engine;
    let decode = |part: &str| -> Value {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap_or_else(|e| panic!("{part} is not base64url: {e}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{part} is not JSON: {e}"))
    };
    let mut parts = jwt.split('.');
    let header = decode(parts.next().unwrap_or_default());
    let payload = decode(parts.next().unwrap_or_default());
    (header, payload)
}
