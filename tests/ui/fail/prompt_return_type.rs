use mcp_runtime::mcp_prompt;

/// A number is not a message.
#[mcp_prompt]
async fn count() -> u32 {
    1
}

struct Opaque;

/// An error the client could not be shown.
#[mcp_prompt]
async fn fallible() -> Result<String, Opaque> {
    Err(Opaque)
}

fn main() {}
