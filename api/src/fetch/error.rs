//! What a fetch can fail with. Callers treat every variant the same way
//! ("the document could not be read"); the variants say why, for messages.

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an `http(s)` URL, or its host resolves only to addresses the
    /// service may not reach.
    #[error("refused: {0}")]
    Refused(String),
    #[error("timed out")]
    Timeout,
    #[error("the response is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A response other than 2xx (after the redirects allowed).
    #[error("the server answered {0}")]
    Status(u16),
    /// The connection, TLS, DNS or the body failed otherwise.
    #[error("{0}")]
    Transport(String),
}
