//! A tiny HTTP server on loopback for the documents the service fetches
//! (status lists, issuers' documents): each path answers a given status,
//! content type and body, which a test may change between requests, and
//! every request is counted and recorded (headers and body: a webhook
//! receiver), and a path may be scripted to answer a sequence of statuses
//! first (a receiver that fails, then recovers). One connection, one
//! response (`Connection: close`).

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

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status it was answered with.
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    /// Statuses a path answers first, in order, before its route.
    scripts: Mutex<HashMap<String, std::collections::VecDeque<u16>>>,
    hits: Mutex<HashMap<String, usize>>,
    received: Mutex<Vec<Received>>,
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

    /// The next requests to `path` are answered with `statuses`, in order
    /// (an empty body), then by its route again.
    pub fn script(&self, path: &str, statuses: &[u16]) {
        self.shared.scripts.lock().unwrap().insert(path.to_owned(), statuses.iter().copied().collect());
    }

    /// Every request to `path` so far, in the order received.
    pub fn received(&self, path: &str) -> Vec<Received> {
        self.shared.received.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits until `path` has received `count` requests (10 s at most,
    /// then fails) and returns them.
    pub fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let received = self.received(path);
            if received.len() >= count {
                return received;
            }
            assert!(std::time::Instant::now() < deadline, "{path} received {} of {count} requests: {received:?}", received.len());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
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
    // Headers, up to the blank line; then a body of Content-Length bytes.
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {
                if let Some((name, value)) = line.split_once(':') {
                    headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
                }
            }
        }
    }
    let length = headers.get("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
        body.clear();
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_owned();
    let path = parts.next().unwrap_or("/").to_owned();
    *shared.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let scripted = shared.scripts.lock().unwrap().get_mut(&path).and_then(std::collections::VecDeque::pop_front);
    let route = match scripted {
        Some(status) => Some(Route { status, content_type: "text/plain".into(), body: Vec::new() }),
        None => shared.routes.lock().unwrap().get(&path).cloned(),
    };
    let route = route.unwrap_or(Route { status: 404, content_type: "text/plain".into(), body: b"not found".to_vec() });
    shared.received.lock().unwrap().push(Received { method, path, headers, body, status: route.status });
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
