//! A tiny static file server for `cargo xtask demo` (std only: xtask must stay quick to build).
//!
//! It serves dist/ as a single-page app: a path without a file extension that matches no file
//! gets index.html, so a reload on /groups still loads the app and the router takes over.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub struct Site {
    pub root: PathBuf,
    /// Served at /config.json instead of a file (None: whatever dist/ holds, if anything).
    pub config_json: Option<String>,
}

/// Serves `site` on `listener` until the process ends (Ctrl-C).
pub fn serve(listener: TcpListener, site: Site) -> std::io::Result<()> {
    let site = Arc::new(site);
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(s) => s,
            // A client that hung up before we accepted it: nothing to answer.
            Err(_) => continue,
        };
        let site = Arc::clone(&site);
        std::thread::spawn(move || {
            // A broken connection concerns only that browser request; the server goes on.
            let _ = handle(stream, &site);
        });
    }
    Ok(())
}

fn handle(mut stream: TcpStream, site: &Site) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers; nothing in them changes what we send.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(
            &mut stream,
            405,
            "text/plain",
            b"method not allowed\n",
            false,
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    match resolve(site, path) {
        Some((content_type, body)) => respond(&mut stream, 200, content_type, &body, head_only),
        None => respond(&mut stream, 404, "text/plain", b"not found\n", head_only),
    }
}

fn resolve(site: &Site, url_path: &str) -> Option<(&'static str, Vec<u8>)> {
    if url_path == "/config.json" {
        if let Some(config) = &site.config_json {
            return Some(("application/json", config.as_bytes().to_vec()));
        }
    }
    let relative = safe_relative(url_path)?;
    let file = if relative.as_os_str().is_empty() {
        site.root.join("index.html")
    } else {
        site.root.join(&relative)
    };
    if file.is_file() {
        return Some((content_type(&file), std::fs::read(&file).ok()?));
    }
    // Client-side routes (/groups, /about) have no extension; files that are missing do.
    if relative.extension().is_none() {
        let index = site.root.join("index.html");
        return Some(("text/html; charset=utf-8", std::fs::read(index).ok()?));
    }
    None
}

/// The URL path as a relative file path, or None if it tries to leave the served directory.
fn safe_relative(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let mut out = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        // Browsers only stream-compile wasm served with exactly this type.
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_leave_the_root() {
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/a/%2e%2e/%2e%2e/etc"), None);
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        assert_eq!(
            safe_relative("/pkg/app%20x.js"),
            Some(PathBuf::from("pkg/app x.js"))
        );
    }

    #[test]
    fn serves_files_routes_and_404s() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(dir.join("app.wasm"), [0u8, 97, 115, 109]).unwrap();
        let site = Site {
            root: dir.clone(),
            config_json: Some("{}".into()),
        };
        assert_eq!(resolve(&site, "/app.wasm").unwrap().0, "application/wasm");
        assert_eq!(
            resolve(&site, "/groups").unwrap().1,
            b"<!doctype html>".to_vec()
        );
        assert_eq!(resolve(&site, "/config.json").unwrap().1, b"{}".to_vec());
        assert!(resolve(&site, "/missing.js").is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
