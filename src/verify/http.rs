//! Just enough HTTP to ask a container one question: `GET path` over HTTP/1.0 to a
//! port on 127.0.0.1, and its status and body. No TLS, no redirects, no keep-alive;
//! a chunked answer is decoded in case a server sends one anyway.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Bodies longer than this are cut (and compared cut).
const MAX_BODY: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// `PORT[/path]` as given to `--http`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub port: u16,
    pub path: String,
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(spec: &str) -> Result<Target, String> {
        let (port, path) = match spec.find('/') {
            Some(slash) => (&spec[..slash], &spec[slash..]),
            None => (spec, "/"),
        };
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| {
                format!("`{spec}` is not PORT or PORT/path (e.g. 8080 or 8080/health)")
            })?;
        Ok(Target {
            port,
            path: path.to_owned(),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.port, self.path)
    }
}

/// Asks `GET path` on 127.0.0.1:`port`. An error (refused, reset, an empty or
/// unreadable answer) means "not answering yet" to the caller.
pub fn get(port: u16, path: &str, timeout: Duration) -> io::Result<Answer> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // One write: a server that reads the head once must see all of it.
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: restage-verify\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    let limit = MAX_BODY as u64 + 64 * 1024;
    match stream.take(limit).read_to_end(&mut raw) {
        Ok(_) => parse(&raw),
        // A reset after a whole answer (some servers close hard) still counts.
        Err(error) => parse(&raw).map_err(|_| error),
    }
}

/// Reads a whole HTTP/1.x response.
pub fn parse(raw: &[u8]) -> io::Result<Answer> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let end = find(raw, b"\r\n\r\n").ok_or_else(|| invalid("no complete response head"))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/")) {
        return Err(invalid("not an HTTP response"));
    }
    let status = parts
        .next()
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("no status code"))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.parse::<usize>().ok();
        }
    }
    let rest = &raw[end + 4..];
    let mut body = if chunked {
        dechunk(rest).ok_or_else(|| invalid("bad chunked body"))?
    } else {
        match length {
            Some(length) if length > rest.len() => return Err(invalid("body cut short")),
            Some(length) => rest[..length].to_vec(),
            None => rest.to_vec(),
        }
    };
    body.truncate(MAX_BODY);
    Ok(Answer { status, body })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let target: Target = "8080".parse().unwrap();
        assert_eq!((target.port, target.path.as_str()), (8080, "/"));
        let target: Target = "3000/health?full=1".parse().unwrap();
        assert_eq!(
            (target.port, target.path.as_str()),
            (3000, "/health?full=1")
        );
        assert!("http".parse::<Target>().is_err());
        assert!("0/".parse::<Target>().is_err());
        assert!("70000".parse::<Target>().is_err());
    }

    #[test]
    fn reads_length_and_close_delimited_bodies() {
        let answer = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world").unwrap();
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (200, &b"hello"[..])
        );
        let answer = parse(b"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnope\n").unwrap();
        assert_eq!(
            (answer.status, answer.body.as_slice()),
            (404, &b"nope\n"[..])
        );
    }

    #[test]
    fn decodes_chunked_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        assert_eq!(parse(raw).unwrap().body, b"hello world");
    }

    #[test]
    fn an_empty_or_partial_answer_is_not_ready() {
        assert!(parse(b"").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Le").is_err());
        assert!(parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhalf").is_err());
    }

    #[test]
    fn asks_a_local_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while find(&request, b"\r\n\r\n").is_none() {
                let n = stream.read(&mut buffer).unwrap();
                assert!(n > 0, "the request ended early");
                request.extend_from_slice(&buffer[..n]);
            }
            let request = String::from_utf8_lossy(&request).into_owned();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .unwrap();
            request
        });
        let answer = get(port, "/x", Duration::from_secs(5)).unwrap();
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"ok"[..]));
        assert!(server.join().unwrap().starts_with("GET /x HTTP/1.0\r\n"));
    }
}
