//! A tiny HTTP server on loopback for the documents the service fetches
//! (status lists, issuers' documents): each path answers a given status,
//! content type and body, which a test may change between requests, and
//! every request is counted. One connection, one response (`Connection:
//! close`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

#[derive(Clone)]
struct Route {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    hits: Mutex<HashMap<String, usize>>,
    stop: AtomicBool,
}

pub struct WebServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl WebServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let serving = shared.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if serving.stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let serving = serving.clone();
                    std::thread::spawn(move || answer(stream, &serving));
                }
            }
        });
        WebServer { address, shared, thread: Some(thread) }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// From now on `path` answers `status` with `body`.
    pub fn serve(&self, path: &str, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        let route = Route { status, content_type: content_type.to_owned(), body: body.into() };
        self.shared.routes.lock().unwrap().insert(path.to_owned(), route);
    }

    /// Requests `path` received so far.
    pub fn hits(&self, path: &str) -> usize {
        self.shared.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(stream: TcpStream, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Headers, up to the blank line; GET requests have no body.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    *shared.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let route = shared.routes.lock().unwrap().get(&path).cloned();
    let route = route.unwrap_or(Route { status: 404, content_type: "text/plain".into(), body: b"not found".to_vec() });
    let mut response = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        route.status,
        route.content_type,
        route.body.len()
    )
    .into_bytes();
    response.extend_from_slice(&route.body);
    let mut stream = reader.into_inner();
    let _ = stream.write_all(&response);
    let _ = stream.flush();
}
