//! JSON-RPC batches (protocol 2025-03-26 only), one policy for every
//! transport: refused whole when the revision has none, when empty or too
//! long; otherwise each message served in turn (others' requests get a turn
//! in between), `initialize` refused inside one, and once the replies pass
//! the response-size cap, later requests answered with an error instead of
//! being served.

use std::fmt;
use std::future::Future;

use rmcp::model::ErrorData;

use crate::protocol::codes::TRANSPORT_ERROR;
use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::method::RequestMethod;
use crate::protocol::version::Version;

/// Why a batch is refused whole.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The session's revision has no batches (or there is no session yet).
    NotInRevision(Option<Version>),
    Empty,
    TooLong {
        len: usize,
        max: usize,
    },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::NotInRevision(Some(version)) => write!(
                f,
                "Invalid request: JSON-RPC batches are not allowed in protocol version {} \
                 (only in 2025-03-26)",
                version.as_str()
            ),
            Refused::NotInRevision(None) => f.write_str(
                "Invalid request: JSON-RPC batches are allowed only in protocol 2025-03-26, \
                 after `initialize`",
            ),
            Refused::Empty => f.write_str("Invalid request: empty batch"),
            Refused::TooLong { len, max } => write!(
                f,
                "Invalid request: a batch of {len} messages exceeds this server's limit of {max}"
            ),
        }
    }
}

/// Whether a batch of `len` messages may be served under `version` (`None`:
/// no session yet).
pub(crate) fn check(version: Option<Version>, len: usize, max: usize) -> Result<(), Refused> {
    if !version.is_some_and(Version::allows_batches) {
        Err(Refused::NotInRevision(version))
    } else if len == 0 {
        Err(Refused::Empty)
    } else if len > max {
        Err(Refused::TooLong { len, max })
    } else {
        Ok(())
    }
}

/// Serves `messages` one after another with `serve` (a reply, none, or an
/// error that ends the whole batch), and joins the replies into one JSON
/// array; `None` when no message needed a reply.
pub(crate) async fn serve_in_turn<S, F, E>(
    messages: Vec<Message>,
    max_response_bytes: usize,
    mut serve: S,
) -> Result<Option<Vec<u8>>, E>
where
    S: FnMut(Message) -> F,
    F: Future<Output = Result<Option<Vec<u8>>, E>>,
{
    let mut replies: Vec<Vec<u8>> = Vec::new();
    let mut size = 0;
    for message in messages {
        tokio::task::yield_now().await;
        let id = message.request_id().cloned();
        let reply = if size > max_response_bytes {
            id.map(|id| {
                let error = ErrorData::new(
                    TRANSPORT_ERROR,
                    format!(
                        "Response too large: the batch's response exceeds {max_response_bytes} \
                         bytes; send this request on its own"
                    ),
                    None,
                );
                jsonrpc::failure(Some(&id), &error)
            })
        } else if let Message::Request {
            id,
            method: RequestMethod::Initialize,
            ..
        } = &message
        {
            let error = ErrorData::invalid_request(
                "Invalid request: `initialize` cannot be part of a batch",
                None,
            );
            Some(jsonrpc::failure(Some(id), &error))
        } else {
            serve(message).await?
        };
        if let Some(reply) = reply {
            size += reply.len();
            replies.push(reply);
        }
    }
    Ok((!replies.is_empty()).then(|| join(&replies)))
}

/// `[a,b,…]` from the replies' bytes, without parsing them again.
fn join(replies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(replies.iter().map(|r| r.len() + 1).sum::<usize>() + 1);
    out.push(b'[');
    for (i, reply) in replies.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(reply);
    }
    out.push(b']');
    out
}
