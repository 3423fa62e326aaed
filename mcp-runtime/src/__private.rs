//! What `#[mcp_tool]`-generated code refers to. Not a public API: anything
//! here may change in any release.

pub use futures_util::future::LocalBoxFuture;
pub use inventory;

pub use crate::arguments::{FromArguments, IsArgument, Source};
pub use crate::invoke::{
    ArgumentHandle, ArgumentKind, CallContext, HasOutputSchema, Invocation, Invoker,
    NoOutputSchema, OutputProbe, Probe, RequestHandle, RequestKind, ToolFuture, ToolOutcome,
    ViaArguments, ViaOutputSchema, ViaRequest,
};
pub use crate::registry::{Hints, Location, Route, ToolDef};
pub use crate::schema::Signature;
