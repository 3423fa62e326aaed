//! Small building blocks with no protocol meaning: poison-tolerant locks
//! and the bounded channel a call's messages take back to its client.

pub(crate) mod boxed;
pub(crate) mod media;
pub(crate) mod outbound;
pub(crate) mod sync;
