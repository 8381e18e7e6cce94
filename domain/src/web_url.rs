//! Web addresses that Cairn stores and publishes (organisation home pages,
//! achievement images, alignment targets): absolute http(s) URLs only.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct HttpUrl(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUrl {
    #[error("`{0}` is not a URL")]
    Malformed(String),
    #[error("`{0}` must be an http or https URL")]
    Scheme(String),
    #[error("a URL has at most 2048 characters")]
    TooLong,
}

impl HttpUrl {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Result<Self, InvalidUrl> {
        let raw = raw.trim();
        if raw.len() > Self::MAX_LEN {
            return Err(InvalidUrl::TooLong);
        }
        let parsed = url::Url::parse(raw).map_err(|_| InvalidUrl::Malformed(raw.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(InvalidUrl::Scheme(raw.to_owned()));
        }
        Ok(Self(parsed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HttpUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        HttpUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_only() {
        assert_eq!(HttpUrl::parse("https://example.edu").unwrap().as_str(), "https://example.edu/");
        assert!(HttpUrl::parse("http://example.edu/badges/1?x=2").is_ok());
        assert!(matches!(HttpUrl::parse("javascript:alert(1)"), Err(InvalidUrl::Scheme(_))));
        assert!(matches!(HttpUrl::parse("ftp://example.edu"), Err(InvalidUrl::Scheme(_))));
        assert!(matches!(HttpUrl::parse("not a url"), Err(InvalidUrl::Malformed(_))));
        assert_eq!(HttpUrl::parse(&format!("https://e.org/{}", "a".repeat(3000))), Err(InvalidUrl::TooLong));
    }
}
