//! The WebAssembly module's allocator: a bump arena. Nothing is ever freed during a call (`free`
//! is empty, so the compiler drops every deallocation from the code); the arena starts afresh at
//! the first allocation after a call has returned, that is when JavaScript passes the inputs of
//! the next call, by which time it has read the previous answer. A call's few kilobytes cost a
//! pointer bump each, and the general-purpose allocator's code stays out of the module.
//!
//! If a call traps, the JavaScript bridge resets the module (`__wbg_reset_state`), which also
//! starts the arena afresh.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::Cell;

const PAGE: usize = 65536;
/// The most one call may use: a request cannot need this much, and a bug that loops on
/// allocation ends in a trap instead of taking the page's memory.
const LIMIT: usize = 64 << 20;

struct Arena {
    /// Start of the heap (the end of static data and the stack), set on first use.
    base: Cell<usize>,
    next: Cell<usize>,
    /// Set when a call returns: the next allocation starts the arena afresh.
    done: Cell<bool>,
}

// SAFETY: wasm32 without threads.
unsafe impl Sync for Arena {}

#[global_allocator]
static ARENA: Arena = Arena {
    base: Cell::new(0),
    next: Cell::new(0),
    done: Cell::new(false),
};

extern "C" {
    static __heap_base: u8;
}

/// Called by `call` as it returns its answer.
pub fn call_done() {
    ARENA.done.set(true);
}

impl Arena {
    /// Moves the end of the arena to `end`, growing the memory if needed. Past the limit, or
    /// without memory, it traps at once (the standard out-of-memory path would trap too, after
    /// formatting a message nobody sees).
    fn reach(&self, end: Option<usize>) {
        let have = wasm32::memory_size(0) * PAGE;
        match end {
            Some(end)
                if end - self.base.get() <= LIMIT
                    && (end <= have
                        || wasm32::memory_grow(0, (end - have).div_ceil(PAGE)) != usize::MAX) =>
            {
                self.next.set(end)
            }
            _ => wasm32::unreachable(),
        }
    }
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.base.get() == 0 || self.done.get() {
            let base = core::ptr::addr_of!(__heap_base) as usize;
            self.base.set(base);
            self.next.set(base);
            self.done.set(false);
        }
        let start = (self.next.get() + layout.align() - 1) & !(layout.align() - 1);
        self.reach(start.checked_add(layout.size()));
        start as *mut u8
    }

    #[inline]
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The last allocation grows or shrinks in place (strings being built do this all the
        // time).
        if ptr as usize + layout.size() == self.next.get() {
            self.reach((ptr as usize).checked_add(new_size));
            return ptr;
        }
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
        new
    }
}

/// A panic is a bug (the code is written to have none); it traps, and the JavaScript bridge
/// turns the trap into an `OssError` and resets the module.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}
