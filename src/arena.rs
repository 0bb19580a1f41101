//! The WebAssembly module's allocator: a bump arena that starts afresh whenever nothing is
//! allocated any more, which is after every call from JavaScript (each call frees its inputs
//! and the JavaScript glue frees the answer once it has read it). A call's few kilobytes cost a
//! pointer bump each, and the general-purpose allocator's code (about 2 KB gzip) stays out.
//!
//! If a call traps, its allocations are never freed; the JavaScript bridge then resets the
//! module (`__wbg_reset_state`), which also starts the arena afresh.

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
    live: Cell<usize>,
}

// SAFETY: wasm32 without threads.
unsafe impl Sync for Arena {}

#[global_allocator]
static ARENA: Arena = Arena {
    base: Cell::new(0),
    next: Cell::new(0),
    live: Cell::new(0),
};

extern "C" {
    static __heap_base: u8;
}

unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.base.get() == 0 {
            let base = core::ptr::addr_of!(__heap_base) as usize;
            self.base.set(base);
            self.next.set(base);
        }
        let start = (self.next.get() + layout.align() - 1) & !(layout.align() - 1);
        let end = match start.checked_add(layout.size()) {
            Some(end) if end - self.base.get() <= LIMIT => end,
            _ => return core::ptr::null_mut(),
        };
        let have = wasm32::memory_size(0) * PAGE;
        if end > have && wasm32::memory_grow(0, (end - have).div_ceil(PAGE)) == usize::MAX {
            return core::ptr::null_mut();
        }
        self.next.set(end);
        self.live.set(self.live.get() + 1);
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let live = self.live.get().saturating_sub(1);
        self.live.set(live);
        if live == 0 {
            self.next.set(self.base.get());
        } else if ptr as usize + layout.size() == self.next.get() {
            // The last allocation: its room can be used again at once.
            self.next.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The last allocation grows or shrinks in place (strings being built do this all the time).
        if ptr as usize + layout.size() == self.next.get() {
            let end = ptr as usize + new_size;
            let have = wasm32::memory_size(0) * PAGE;
            let fits = end - self.base.get() <= LIMIT
                && (end <= have
                    || wasm32::memory_grow(0, (end - have).div_ceil(PAGE)) != usize::MAX);
            if fits {
                self.next.set(end);
                return ptr;
            }
            return core::ptr::null_mut();
        }
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

/// A panic is a bug (the code is written to have none); it traps, and the JavaScript bridge
/// turns the trap into an `OssError` and resets the module.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}
