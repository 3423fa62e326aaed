//! One replica among several on Redis (feature `redis`,
//! [`McpServer::share`](crate::McpServer::share)): what it does when another
//! asks, and how a stream resumed here is read from the replica running it.
//!
//! # Streams across replicas
//!
//! A resumable stream lives on the replica running its call. A client
//! whose connection dropped may resume (`Last-Event-ID`) on any replica; if
//! the stream is not there, that replica (the reader) asks the others, on
//! the relay, and listens on a channel of its own. The replica that has the
//! stream (the runner) attaches to it as its reader, exactly as a local
//! resume does, and forwards its events on that channel. Flow control keeps
//! the promise of local streams, backpressure rather than loss: the reader
//! acknowledges what its client took, and the runner sends at most
//! [`WINDOW`] events ahead, so a slow client makes the handler wait. Each
//! side watches the other: the reader reports at least every
//! [`HEARTBEAT`], and the runner detaches after [`LEASE`] without word (the
//! stream is then an orphan, as when a local client leaves); the runner
//! sends keep-alives, and the reader ends the response when they stop.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::{FutureExt as _, Stream, StreamExt as _};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::call::server::Server;
use crate::server::catalog::Catalog;
use crate::state::redis::{Heard, Redis};
use crate::state::relay::Relayed;
use crate::support::sync::lock;
use crate::transport::stream::{Elsewhere, ReaderBody, RemoteBody, Streams, position};

/// The relay's channel.
const RELAY: &str = "relay";
/// Events a runner sends ahead of what the reader's client has taken.
const WINDOW: u64 = 64;
/// How often a reader reports how far its client read.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long a runner keeps forwarding to a reader it has not heard from.
const LEASE: Duration = Duration::from_secs(5);
/// How long a resume waits for the replica running the stream to answer.
const FOUND_WITHIN: Duration = Duration::from_secs(2);
/// Messages waiting to be sent to the other replicas, at most.
const OUTBOX: usize = 1024;

/// What waits to be sent to Redis.
enum Outgoing {
    /// A message for the other replicas.
    Publish(String),
    /// An item's state, for replicas that start later.
    Remember { field: String, enabled: bool },
}

/// The hash of catalog items' states, `<item>:<name>` → `0` or `1`.
const CATALOG: &str = "catalog";

/// What a runner sends on a reader's channel.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Chunk {
    /// The stream is here; events follow.
    Found,
    /// The `n`th piece of the stream (events, or a keep-alive comment).
    Data { n: u64, data: String },
    /// The stream ended.
    End,
}

/// This replica's part among the others.
pub(crate) struct Replica {
    redis: Redis,
    server: Arc<Server>,
    catalog: Catalog,
    streams: Arc<Streams>,
    /// Readers elsewhere of streams running here: how far each has read.
    readers: Mutex<HashMap<String, watch::Sender<u64>>>,
}

impl Replica {
    /// Connects the server's relay to `redis` and starts listening to the
    /// others; `None` if it was connected already.
    pub(crate) fn join(
        redis: &Redis,
        server: Arc<Server>,
        catalog: Catalog,
        streams: Arc<Streams>,
    ) -> Option<Arc<Replica>> {
        let (tx, mut outbox) = mpsc::channel::<Outgoing>(OUTBOX);
        let connected = server.state.relay.connect(Box::new(move |message, json| {
            if let Relayed::Catalog {
                item,
                name,
                enabled,
            } = message
            {
                let field = format!("{item}:{name}");
                let _ = tx.try_send(Outgoing::Remember {
                    field,
                    enabled: *enabled,
                });
            }
            if tx.try_send(Outgoing::Publish(json)).is_err() {
                tracing::warn!("mcp-runtime: a message for other replicas was dropped");
            }
        }));
        if !connected {
            return None;
        }
        let publisher = redis.clone();
        tokio::spawn(async move {
            while let Some(outgoing) = outbox.recv().await {
                let sent = match outgoing {
                    Outgoing::Publish(json) => publisher.publish(RELAY, json).await,
                    Outgoing::Remember { field, enabled } => {
                        publisher.remember(CATALOG, &field, enabled).await
                    }
                };
                if let Err(e) = sent {
                    tracing::warn!("mcp-runtime: a message for other replicas was lost: {e}");
                }
            }
        });
        let replica = Arc::new(Replica {
            redis: redis.clone(),
            server,
            catalog,
            streams,
            readers: Mutex::default(),
        });
        let this = replica.clone();
        redis.subscribe(RELAY, move |heard| {
            if let Heard::Message(text) = heard
                && let Some(message) = this.server.state.relay.receive(text)
            {
                this.relayed(message);
            }
            ControlFlow::Continue(())
        });
        // Items turned off or on before this replica started (or while it
        // was cut off), as the others left them.
        let this = replica.clone();
        tokio::spawn(async move {
            match this.redis.recall(CATALOG).await {
                Ok(states) => {
                    for (field, enabled) in states {
                        let item = field.split_once(':').and_then(|(item, name)| {
                            Some((crate::catalog::lists::Item::parse(item)?, name))
                        });
                        if let Some((item, name)) = item {
                            this.catalog.apply(item, name, enabled);
                        }
                    }
                }
                Err(e) => tracing::warn!("mcp-runtime: the shared catalog was not read: {e}"),
            }
        });
        Some(replica)
    }

    /// Does here what another replica asked.
    fn relayed(self: &Arc<Self>, message: Relayed) {
        let state = &self.server.state;
        match message {
            Relayed::Answer {
                session,
                id,
                answer,
            } => {
                let _ = state.live.answer(session.as_ref(), &id, answer);
            }
            Relayed::Cancel { session, id } => {
                state.live.cancel(&session, &id);
            }
            Relayed::TaskAnswers { task, responses } => {
                if let Some(questions) = state.running.questions(&task) {
                    tokio::spawn(async move { questions.answer(&responses).await });
                }
            }
            Relayed::TaskCancel { task } => {
                state.running.cancel(&task);
            }
            Relayed::Ended { session } => {
                self.streams.close_session(&session);
                state.subscribers.forget(&session);
            }
            Relayed::Notify { session, message } => {
                state
                    .subscribers
                    .streams
                    .notify(&session, message.as_bytes());
            }
            Relayed::Updated { uri } => {
                let subscribers = state.subscribers.clone();
                tokio::spawn(async move { subscribers.resource_updated(&uri).await });
            }
            Relayed::Catalog {
                item,
                name,
                enabled,
            } => {
                if let Some(item) = crate::catalog::lists::Item::parse(&item) {
                    self.catalog.apply(item, &name, enabled);
                }
            }
            Relayed::Resume {
                session,
                last_event_id,
                reader,
            } => {
                if let Some((hub, from)) = self.streams.find(&session, &last_event_id) {
                    let (tx, acks) = watch::channel(0);
                    lock(&self.readers).insert(reader.clone(), tx);
                    let this = self.clone();
                    let body = hub.reader(from);
                    tokio::spawn(async move {
                        this.forward(&reader, body, acks).await;
                        lock(&this.readers).remove(&reader);
                    });
                }
            }
            Relayed::Read { reader, upto } => {
                if let Some(tx) = lock(&self.readers).get(&reader) {
                    tx.send_replace(upto);
                }
            }
            Relayed::Detach { reader } => {
                lock(&self.readers).remove(&reader);
            }
        }
    }

    /// Runner side: sends the stream to a reader elsewhere, at most
    /// [`WINDOW`] pieces ahead of what it acknowledged, until the stream
    /// ends or the reader leaves (detaches, or goes quiet for [`LEASE`]).
    /// Returning drops `body`, detaching from the stream.
    async fn forward(&self, reader: &str, mut body: ReaderBody, mut acks: watch::Receiver<u64>) {
        let channel = format!("reader:{reader}");
        let send = async |chunk: &Chunk| match serde_json::to_string(chunk) {
            Ok(json) => self.redis.publish(&channel, json).await.is_ok(),
            Err(_) => false,
        };
        if !send(&Chunk::Found).await {
            return;
        }
        let mut sent = 0;
        let mut heard = Instant::now();
        loop {
            let room = sent < *acks.borrow() + WINDOW;
            tokio::select! {
                changed = acks.changed() => {
                    if changed.is_err() {
                        return; // detached
                    }
                    heard = Instant::now();
                }
                () = tokio::time::sleep_until(heard + LEASE) => return,
                // (An error, which is not `Send`, is dropped before any await.)
                piece = body.next().map(|p| p.and_then(Result::ok)), if room => match piece {
                    Some(bytes) => {
                        sent += 1;
                        let data = String::from_utf8_lossy(&bytes).into_owned();
                        if !send(&Chunk::Data { n: sent, data }).await {
                            return;
                        }
                    }
                    None => {
                        send(&Chunk::End).await;
                        return;
                    }
                },
            }
        }
    }
}

impl Elsewhere for Replica {
    fn resume(
        self: Arc<Self>,
        session: Arc<str>,
        last_event_id: String,
    ) -> std::pin::Pin<Box<dyn Future<Output = Option<RemoteBody>> + Send>> {
        Box::pin(async move {
            let (session_for_replay, last_for_replay) = (session.clone(), last_event_id.clone());
            let reader = crate::state::session::new_session_id().ok()?;
            let mut chunks = self
                .redis
                .listen(&format!("reader:{reader}"))
                .await
                .ok()?
                .boxed();
            self.server.state.relay.send(Relayed::Resume {
                session,
                last_event_id,
                reader: reader.clone(),
            });
            let found = tokio::time::timeout(FOUND_WITHIN, chunks.next()).await;
            let found = found.ok().flatten();
            if !found.is_some_and(|f| matches!(serde_json::from_str(&f), Ok(Chunk::Found))) {
                // No replica runs it (any more): what a `RedisEventStore`
                // kept of it, if anything.
                return self.replay(&session_for_replay, &last_for_replay).await;
            }
            let (tx, rx) = mpsc::channel(16);
            // The runner's keep-alives stop: it is gone.
            let silence = self.streams.limits.keep_alive + LEASE;
            tokio::spawn(read(self.clone(), reader, chunks, tx, silence));
            let mut rx = rx;
            let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).map(Ok);
            Some(Box::pin(body) as RemoteBody)
        })
    }
}

impl Replica {
    /// The events kept in Redis of a stream nobody runs, after
    /// `last_event_id`; `None` if none were kept for `session`.
    async fn replay(&self, session: &str, last_event_id: &str) -> Option<RemoteBody> {
        let (stream, from) = position(last_event_id)?;
        let events = self.redis.replay(stream, session, from).await.ok()??;
        if events.is_empty() {
            return None;
        }
        let body = futures_util::stream::iter(events.into_iter().map(Ok));
        Some(Box::pin(body) as RemoteBody)
    }
}

/// Reader side: hands the runner's pieces to the client's response as it
/// takes them, reporting how far it got, until the stream ends, the client
/// leaves (then the runner is told), or the runner goes quiet.
async fn read(
    replica: Arc<Replica>,
    reader: String,
    mut chunks: impl Stream<Item = String> + Unpin,
    tx: mpsc::Sender<Bytes>,
    silence: Duration,
) {
    let relay = &replica.server.state.relay;
    let report = |upto| {
        relay.send(Relayed::Read {
            reader: reader.clone(),
            upto,
        })
    };
    let mut taken = 0;
    let mut waiting: Option<(u64, Bytes)> = None;
    let mut heard = Instant::now();
    let mut beat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            _ = beat.tick() => {
                if tx.is_closed() || heard.elapsed() > silence {
                    break;
                }
                report(taken);
            }
            permit = tx.reserve(), if waiting.is_some() => {
                let Ok(permit) = permit else { break };
                if let Some((n, data)) = waiting.take() {
                    permit.send(data);
                    taken = n;
                    if n % (WINDOW / 4) == 0 {
                        report(taken);
                    }
                }
            }
            chunk = chunks.next(), if waiting.is_none() => {
                let Some(text) = chunk else { break };
                heard = Instant::now();
                match serde_json::from_str(&text) {
                    Ok(Chunk::Data { n, data }) => waiting = Some((n, Bytes::from(data))),
                    Ok(Chunk::End) => return,
                    _ => {}
                }
            }
        }
    }
    relay.send(Relayed::Detach { reader });
}
