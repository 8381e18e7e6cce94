//! A person's browser, without the browser: a client that keeps the
//! service's cookies, does not follow redirects (tests assert them), and
//! sends forms with the CSRF token of the page they came from. The real
//! browser tests (`tests/browser/`) drive Chromium; this one pins who may
//! open which page and what a page says.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::app::TestApp;
use crate::http::Response;

/// One visitor's cookies and the pages they opened.
#[derive(Clone)]
pub struct PageClient {
    app: TestApp,
    agent: ureq::Agent,
    cookies: Arc<Mutex<BTreeMap<String, String>>>,
}

impl PageClient {
    /// A signed-out visitor.
    pub fn new(app: &TestApp) -> Self {
        Self { app: app.clone(), agent: ureq::AgentBuilder::new().redirects(0).build(), cookies: Arc::default() }
    }

    /// A visitor signed in as `email` through the sign-in form.
    pub fn signed_in(app: &TestApp, email: &str, password: &str) -> Self {
        let client = Self::new(app);
        let response = client.submit("/sign-in", "/sign-in", &[("email", email), ("password", password)]);
        assert_eq!(response.status, 303, "sign-in as {email} failed: {}", response.text);
        client
    }

    fn cookie_header(&self) -> String {
        self.cookies.lock().unwrap().iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&self, response: &Response) {
        let mut cookies = self.cookies.lock().unwrap();
        for (name, value) in &response.headers {
            if !name.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let pair = value.split(';').next().unwrap_or_default();
            let (cookie, content) = pair.split_once('=').unwrap_or((pair, ""));
            let removed = value.to_ascii_lowercase().contains("max-age=0") || content.is_empty();
            if removed {
                cookies.remove(cookie.trim());
            } else {
                cookies.insert(cookie.trim().to_owned(), content.to_owned());
            }
        }
    }

    /// The value of a cookie the service set, if it is set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Sets a cookie as if the service had (a kept copy of one, say).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.lock().unwrap().insert(name.to_owned(), value.to_owned());
    }

    /// Opens a page as a browser would (`Accept: text/html`).
    pub fn get(&self, path: &str) -> Response {
        self.get_accepting(path, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    }

    /// Opens `path` with this `Accept` header.
    pub fn get_accepting(&self, path: &str, accept: &str) -> Response {
        let request = self.agent.get(&self.app.url(path)).set("Accept", accept).set("Cookie", &self.cookie_header());
        let response = Response::from(request.call());
        self.keep_cookies(&response);
        response
    }

    /// Posts a form as it is: `fields` must carry `csrf` if it should.
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request = self
            .agent
            .post(&self.app.url(path))
            .set("Content-Type", "application/x-www-form-urlencoded")
            .set("Accept", "text/html")
            .set("Cookie", &self.cookie_header());
        let response = Response::from(request.send_string(&body));
        self.keep_cookies(&response);
        response
    }

    /// Opens `page`, takes the CSRF token of its forms, and posts `fields`
    /// with it to `action`, as a person filling in the form would.
    pub fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let opened = self.get(page);
        assert_eq!(opened.status, 200, "{page} did not open: {}", opened.text);
        let token = csrf_token(&opened.text);
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all)
    }
}

/// A file in a multipart form: (field, file name, content type, bytes).
pub type FilePart<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

impl PageClient {
    /// Posts a `multipart/form-data` form as a browser does (a form with a
    /// file input): `fields` must carry `csrf` if it should.
    pub fn post_multipart(&self, path: &str, fields: &[(&str, &str)], file: Option<FilePart<'_>>) -> Response {
        let boundary = "----cairn-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        if let Some((name, filename, content_type, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = self
            .agent
            .post(&self.app.url(path))
            .set("Content-Type", &format!("multipart/form-data; boundary={boundary}"))
            .set("Accept", "text/html")
            .set("Cookie", &self.cookie_header());
        let response = Response::from(request.send_bytes(&body));
        self.keep_cookies(&response);
        response
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no CSRF field in the page: {html}")) + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

impl Response {
    /// Asserts a 303 to `location` (its path, query included).
    pub fn assert_redirect(&self, location: &str) -> &Self {
        assert_eq!(self.status, 303, "expected a redirect to {location}, got {}: {}", self.status, self.text);
        assert_eq!(self.header("location"), Some(location), "{:?}", self.headers);
        self
    }

    /// Asserts an HTML page with `status`.
    pub fn assert_page(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "expected {status}, got {}: {}", self.status, self.text);
        assert!(self.content_type.starts_with("text/html"), "not a page ({}): {}", self.content_type, self.text);
        self
    }

    /// Asserts the page's text contains `text` (HTML-escaped as the page writes it).
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(self.text.contains(text), "the page does not say {text:?}: {}", self.text);
        self
    }

    /// Asserts the page's text does not contain `text`.
    pub fn assert_not_contains(&self, text: &str) -> &Self {
        assert!(!self.text.contains(text), "the page says {text:?}: {}", self.text);
        self
    }
}
