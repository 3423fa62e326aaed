//! A future made in its box.

use std::future::Future;
use std::pin::Pin;

/// Boxes the future `make` returns, allocating the box first so that the
/// compiler can write the future straight into it (measured: the copy goes,
/// see BENCHMARKS.md). `Box::pin(make())` makes the future on the stack and
/// then copies all of its bytes into the box: its size is that of its
/// largest state (a tool call's is over a kilobyte), though an unstarted
/// future holds only its arguments, and the copy brings both copies' cache
/// lines in for nothing.
#[inline(always)]
pub(crate) fn in_box<F: Future>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    let mut slot = Box::<F>::new_uninit();
    slot.write(make());
    // SAFETY: the slot was written on the line above.
    Box::into_pin(unsafe { slot.assume_init() })
}

#[cfg(test)]
mod tests {
    use super::in_box;

    #[actix_web::test]
    async fn a_future_made_in_its_box_runs_to_its_output() {
        let small = in_box(|| async { 7 });
        assert_eq!(small.await, 7);
        // A future whose largest state (a buffer held across an await) is
        // far larger than its arguments.
        let large = in_box(|| async {
            let buffer = [3u8; 8192];
            tokio::task::yield_now().await;
            buffer.iter().map(|&b| u32::from(b)).sum::<u32>()
        });
        assert_eq!(large.await, 3 * 8192);
    }
}
