//! The stdio transport: the app served to one client over the process's
//! stdin and stdout, one JSON-RPC message per line ([`Stdio`]).
//!
//! # How a message reaches the app without a socket
//!
//! The app's service is built in process, once, as `actix_web::test::
//! init_service` does (`McpApp::start`). Tool calls need a request to run
//! beside — one that carries the app's data, its resource map (to render
//! route paths) and the credentials configured for the process — so each
//! message read from stdin first sends a tiny request through the app: a
//! middleware wrapped around the whole app (outermost, so the app's own
//! middleware never sees it) recognizes it by an extension no network
//! request can carry, keeps its `HttpRequest` and answers at once. From
//! there the message takes exactly the way an HTTP one does: the shared
//! dispatcher, and each tool call sent through the app's router, guards,
//! middleware and extractors as a request on its own route.
//!
//! Everything runs inside the one future [`Stdio`] is: the reader, every
//! message being served (concurrently: a slow call does not hold up a
//! `ping`), and the writer. Nothing but JSON-RPC is ever written to stdout.

use std::cell::Cell;
use std::future::IntoFuture;
use std::io;
use std::rc::Rc;

use actix_http::Request;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, TryIntoHeaderPair};
use actix_web::http::{Method, Uri};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, Error, HttpMessage as _, HttpRequest, HttpResponse};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use futures_util::stream::FuturesUnordered;
use rmcp::model::ErrorData;
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::io::{BufReader, BufWriter};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::connection::{Connection, Eras};
use crate::call::app::{AppFactory, McpApp, Running};
use crate::dispatch::Dispatcher;
use crate::protocol::jsonrpc;
use crate::support::outbound::{self, Outbound, Queued};

/// An MCP server on stdin and stdout, serving an actix [`App`]'s tools to
/// the client that launched the process (Claude Desktop, an IDE, an agent).
/// Made by [`McpServer::stdio`](crate::McpServer::stdio); await it (or [`run`](Stdio::run) it) inside
/// the actix runtime.
///
/// * **The same app.** The `App` you would hand to `HttpServer::new`: tool
///   calls go through its routes, guards, middleware, `app_data` and
///   extractor configuration exactly as over HTTP (and as REST requests).
///   Its MCP scope, if it has one, is simply not reached.
/// * **One session** for the life of the process: `initialize` (or, for
///   2026-07-28 clients, per-request `_meta`), `logging/setLevel`, progress,
///   log messages, cancellation (`notifications/cancelled`), and questions
///   to the client (sampling, elicitation) answered on stdin. Messages are
///   served concurrently.
/// * **Credentials** come from the environment, not from the client: add
///   them with [`insert_header`](Stdio::insert_header), and every tool call
///   carries them (the app's authenticator and extractors see them).
/// * **Shutdown**: at the end of stdin, calls still running are cancelled,
///   what they sent is flushed, and the future returns `Ok(())`.
///
/// **Keep stdout for the protocol.** Anything else written there corrupts
/// the stream: send logs to stderr (`tracing_subscriber::fmt()
/// .with_writer(std::io::stderr)`, `env_logger`'s default), never
/// `println!`.
///
/// ```no_run
/// use actix_web::{App, get, web};
/// use mcp_runtime::{McpServer, mcp_tool};
///
/// /// Greet someone by name.
/// #[mcp_tool]
/// #[get("/hello/{name}")]
/// async fn hello(name: web::Path<String>) -> String {
///     format!("Hello, {name}!")
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let mcp = McpServer::from_registry().name("greeter").build().map_err(std::io::Error::other)?;
///     let token = std::env::var("API_TOKEN").unwrap_or_default();
///     mcp.stdio(App::new().service(hello))
///         .insert_header(("authorization", format!("Bearer {token}")))
///         .await
/// }
/// ```
#[must_use = "a stdio server does nothing until it is awaited"]
pub struct Stdio {
    dispatcher: Dispatcher,
    start: Box<dyn FnOnce() -> LocalBoxFuture<'static, Result<Running, ()>>>,
    /// The headers so far, or the first that was invalid.
    headers: Result<HeaderMap, actix_web::error::HttpError>,
}

impl Stdio {
    /// A stdio server for `app`, which is wrapped so calls go through it
    /// (and its MCP scope, if any, is never reached).
    pub(crate) fn new<T, B>(dispatcher: Dispatcher, app: App<T>) -> Stdio
    where
        T: AppFactory<B>,
        B: MessageBody + 'static,
    {
        let app = McpApp::wrap(app.wrap(from_fn(|req, next| intercept(req, next))));
        Stdio {
            dispatcher,
            start: Box::new(move || app.start()),
            headers: Ok(HeaderMap::new()),
        }
    }
}

impl Stdio {
    /// Adds a header to every tool call's request, the way an HTTP client's
    /// would be forwarded: typically credentials read from the environment,
    /// for `requires_auth` tools and the app's own auth extractors and
    /// middleware. An invalid header makes [`run`](Self::run) fail.
    ///
    /// ```no_run
    /// # use actix_web::App;
    /// # async fn f(mcp: mcp_runtime::McpServer) -> std::io::Result<()> {
    /// let token = std::env::var("ITEMS_TOKEN").unwrap_or_default();
    /// mcp.stdio(App::new())
    ///     .insert_header(("authorization", format!("Bearer {token}")))
    ///     .insert_header(("x-tenant", "acme"))
    ///     .await
    /// # }
    /// ```
    pub fn insert_header(mut self, header: impl TryIntoHeaderPair) -> Self {
        if let Ok(headers) = &mut self.headers {
            match header.try_into_pair() {
                Ok((name, value)) => {
                    headers.insert(name, value);
                }
                Err(e) => self.headers = Err(e.into()),
            }
        }
        self
    }

    /// Serves until stdin ends (the client closed it, or exited); then
    /// cancels what still runs and returns. Awaiting the [`Stdio`] itself
    /// does the same.
    ///
    /// Errors: an invalid [`insert_header`](Self::insert_header), the app's
    /// service failing to start, or stdin/stdout failing (a client that
    /// went away is not an error).
    pub async fn run(self) -> io::Result<()> {
        self.run_on(tokio::io::stdin(), tokio::io::stdout()).await
    }

    /// Serves newline-delimited JSON-RPC read from `input`, writing to
    /// `output`, until `input` ends: the stdio transport over any byte
    /// stream (a Unix socket, a pipe, an in-memory duplex in a test).
    ///
    /// ```
    /// # use actix_web::App;
    /// use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let mcp = mcp_runtime::McpServer::from_registry().build().unwrap();
    /// let (client, server) = tokio::io::duplex(4096);
    /// let (server_in, server_out) = tokio::io::split(server);
    /// let serving = mcp.stdio(App::new()).run_on(server_in, server_out);
    ///
    /// let (client_in, mut client_out) = tokio::io::split(client);
    /// let talking = async move {
    ///     client_out.write_all(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).await?;
    ///     client_out.write_all(b"\n").await?;
    ///     let mut reply = String::new();
    ///     BufReader::new(client_in).read_line(&mut reply).await?;
    ///     client_out.shutdown().await?; // the end of input ends the server
    ///     Ok::<_, std::io::Error>(reply)
    /// };
    /// let (served, reply) = tokio::join!(serving, talking);
    /// served.unwrap();
    /// assert_eq!(reply.unwrap(), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n");
    /// # });
    /// ```
    pub async fn run_on<R, W>(self, input: R, output: W) -> io::Result<()>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let Stdio {
            dispatcher,
            start,
            headers,
        } = self;
        let headers = headers.map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("invalid header: {e}"))
        })?;
        let app = start()
            .await
            .map_err(|()| io::Error::other("the app's service failed to start"))?;
        let max = dispatcher.server().policy.limits.max_request_bytes;
        let (outbound, messages) = Outbound::channel();
        let connection = Connection::open(dispatcher, outbound, Eras::HandshakeAndStateless)
            .map_err(io::Error::other)?;
        let hosts = Hosts { app, headers };
        let written = CancellationToken::new();
        let reading = read(Lines::new(BufReader::new(input), max), &connection, &hosts);
        let writing = write(messages, BufWriter::new(output), &connection, &written);
        let (read, write) = tokio::join!(
            async {
                let read = reading.await;
                // Every call has ended: the writer flushes what they sent.
                written.cancel();
                read
            },
            writing
        );
        read.and(write)
    }
}

impl IntoFuture for Stdio {
    type Output = io::Result<()>;
    type IntoFuture = LocalBoxFuture<'static, io::Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Reads messages and serves each one, until the input ends or the client
/// is gone; then cancels the calls still running and waits for them.
async fn read<R: AsyncBufRead + Unpin>(
    mut lines: Lines<R>,
    connection: &Connection,
    hosts: &Hosts,
) -> io::Result<()> {
    let mut calls = FuturesUnordered::new();
    let ended = loop {
        // Backpressure: while the client does not read what we write, we do
        // not read what it writes (answers would pile up without end).
        let room = connection.has_room();
        tokio::select! {
            // Calls first: each message starts (up to its first real wait)
            // before the next is read, so messages take effect in order
            // (`initialize` establishes the session before a pipelined
            // request looks for it; a cancellation finds its call).
            biased;
            Some(()) = calls.next() => {}
            // The writer failed: nobody reads what we send.
            () = connection.closed() => break Ok(()),
            () = connection.room(), if !room => {}
            line = lines.next(), if room => match line {
                Ok(Some(Line::Message(line))) => match jsonrpc::parse_call_first(&line) {
                    Ok(incoming) => match hosts.next().await {
                        Ok(host) => calls.push(connection.receive(host, incoming)),
                        Err(e) => break Err(e),
                    },
                    Err(e) => {
                        connection.send(jsonrpc::failure(None, &e)).await;
                    }
                },
                Ok(Some(Line::TooLong)) => {
                    let e = ErrorData::invalid_request(
                        format!("Invalid request: a message exceeds this server's limit of {} bytes", lines.max),
                        None,
                    );
                    connection.send(jsonrpc::failure(None, &e)).await;
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            },
        }
    };
    connection.close().await;
    while calls.next().await.is_some() {}
    ended
}

/// Writes each message on its own line, flushing whenever no other message
/// waits, until `done` (then what is queued is written, and no more).
async fn write<W: AsyncWrite + Unpin>(
    mut messages: mpsc::Receiver<Queued>,
    mut output: W,
    connection: &Connection,
    done: &CancellationToken,
) -> io::Result<()> {
    let mut draining = false;
    loop {
        let message = if draining {
            messages.recv().await
        } else {
            tokio::select! {
                message = messages.recv() => message,
                () = done.cancelled() => {
                    messages.close();
                    draining = true;
                    continue;
                }
            }
        };
        let Some(message) = message else { break };
        let written = async {
            output.write_all(&outbound::one_line(&message)).await?;
            output.write_all(b"\n").await?;
            if messages.is_empty() {
                output.flush().await?;
            }
            Ok::<_, io::Error>(())
        };
        if let Err(e) = written.await {
            // The client is gone (or stdout is): stop serving it.
            connection.close().await;
            return match e.kind() {
                io::ErrorKind::BrokenPipe => Ok(()),
                _ => Err(e),
            };
        }
    }
    output.flush().await
}

/// Requests tool calls run beside, one per message (each call gets its own
/// request, as over HTTP), fetched through the app.
struct Hosts {
    app: Running,
    headers: HeaderMap,
}

/// Marks the request that fetches a host request, and receives it. An
/// extension: no request from a network can carry one.
#[derive(Clone)]
struct HostSlot(Rc<Cell<Option<HttpRequest>>>);

impl Hosts {
    async fn next(&self) -> io::Result<HttpRequest> {
        let mut req = Request::new();
        let head = req.head_mut();
        head.method = Method::POST;
        head.uri = Uri::from_static("/");
        head.headers = self.headers.clone();
        let slot = HostSlot(Rc::default());
        req.extensions_mut().insert(slot.clone());
        // The answer is a formality: what matters is the request kept.
        let _ = self.app.dispatch(req).await;
        slot.0
            .take()
            .ok_or_else(|| io::Error::other("the app did not let a stdio request through"))
    }
}

/// The outermost middleware of a stdio app: keeps a host request (see
/// `Hosts`) and answers it at once; every other request goes on into the
/// app.
async fn intercept<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let slot = req.extensions_mut().remove::<HostSlot>();
    match slot {
        Some(HostSlot(slot)) => {
            slot.set(Some(req.request().clone()));
            Ok(req.into_response(HttpResponse::NoContent().finish()))
        }
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

/// One line of input.
enum Line {
    /// A message (its bytes, without the line ending).
    Message(Vec<u8>),
    /// A line longer than the limit (skipped).
    TooLong,
}

/// Newline-delimited messages of at most `max` bytes. Cancel-safe: what
/// was read stays in `line` when a `next` is dropped.
struct Lines<R> {
    reader: R,
    line: Vec<u8>,
    too_long: bool,
    max: usize,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    fn new(reader: R, max: usize) -> Self {
        Lines {
            reader,
            line: Vec::new(),
            too_long: false,
            max,
        }
    }

    /// The next non-blank line, `None` at the end of the input.
    async fn next(&mut self) -> io::Result<Option<Line>> {
        loop {
            let buf = self.reader.fill_buf().await?;
            let (chunk, consumed, ended) = match buf.iter().position(|b| *b == b'\n') {
                Some(at) => (&buf[..at], at + 1, true),
                None if buf.is_empty() => (buf, 0, true),
                None => (buf, buf.len(), false),
            };
            let at_eof = buf.is_empty();
            if !self.too_long {
                if self.line.len() + chunk.len() > self.max {
                    self.too_long = true;
                    self.line = Vec::new();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            self.reader.consume(consumed);
            if !ended {
                continue;
            }
            let line = std::mem::take(&mut self.line);
            if std::mem::take(&mut self.too_long) {
                return Ok(Some(Line::TooLong));
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                let end = line.len() - usize::from(line.ends_with(b"\r"));
                let mut line = line;
                line.truncate(end);
                return Ok(Some(Line::Message(line)));
            }
            if at_eof {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<Option<Vec<u8>>> {
        let mut lines = Lines::new(input, max);
        let mut out = Vec::new();
        while let Some(line) = lines.next().await.unwrap() {
            out.push(match line {
                Line::Message(m) => Some(m),
                Line::TooLong => None,
            });
        }
        out
    }

    #[actix_web::test]
    async fn lines_are_split_trimmed_of_cr_and_bounded() {
        let got = lines(b"{\"a\":1}\r\n\n  \n0123456789ABC\nlast", 10).await;
        assert_eq!(
            got,
            [Some(b"{\"a\":1}".to_vec()), None, Some(b"last".to_vec())]
        );
        assert!(lines(b"", 10).await.is_empty());
        assert!(lines(b"\n \n", 10).await.is_empty());
    }

    #[actix_web::test]
    async fn a_line_split_across_reads_is_whole() {
        use tokio::io::AsyncReadExt as _;
        let reader = (&b"{\"x\""[..])
            .chain(&b":2}\n{\"y\":3"[..])
            .chain(&b"}\n"[..]);
        let mut lines = Lines::new(BufReader::new(reader), 100);
        for expected in [&b"{\"x\":2}"[..], b"{\"y\":3}"] {
            match lines.next().await.unwrap() {
                Some(Line::Message(m)) => assert_eq!(m, expected),
                _ => panic!("expected a message"),
            }
        }
        assert!(lines.next().await.unwrap().is_none());
    }
}
